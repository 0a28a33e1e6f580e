package io.drover.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;

/**
 * What the apiserver's create strategies set before an object is stored (PrepareForCreate): status is written by
 * controllers through /status, so a creator's status is dropped, except the initial status Kubernetes itself
 * gives (a Pod starts Pending with its QoS class; Namespaces and Nodes keep theirs).
 */
public final class CreateStrategy {
  private CreateStrategy() {}

  /** Returns the object to store, given the (defaulted) object a client created. Never mutates its argument. */
  public static ObjectNode prepareForCreate(ResourceType type, ObjectNode object) {
    if (!type.hasStatus() || type == ResourceRegistry.NAMESPACE || type == ResourceRegistry.NODE) {
      return object;
    }
    ObjectNode prepared = object.deepCopy();
    prepared.remove("status");
    if (type == ResourceRegistry.POD) {
      prepared.putObject("status").put("phase", "Pending").put("qosClass", qosClass(Json.at(prepared, "spec")));
    }
    if (type == ResourceRegistry.JOB) {
      jobSelector(prepared);
    }
    return prepared;
  }

  /**
   * A Job without manualSelector gets the uid it will be stored with now, and a selector and pod labels made from
   * it (the batch registry's generateSelector), so its pods are told apart from those of an earlier Job of the same
   * name. The object entity keeps a uid set here.
   */
  static void jobSelector(ObjectNode job) {
    ObjectNode meta = Json.object(job, "metadata");
    String uid = java.util.UUID.randomUUID().toString();
    meta.put("uid", uid);
    ObjectNode spec = Json.object(job, "spec");
    if (spec.path("manualSelector").asBoolean(false)) return;
    String name = meta.path("name").asText();
    ObjectNode labels = Json.object(Json.object(Json.object(spec, "template"), "metadata"), "labels");
    labels.put("batch.kubernetes.io/controller-uid", uid).put("batch.kubernetes.io/job-name", name)
        .put("controller-uid", uid).put("job-name", name);
    ObjectNode selector = Json.MAPPER.createObjectNode();
    selector.putObject("matchLabels").put("batch.kubernetes.io/controller-uid", uid);
    spec.set("selector", selector);
  }

  /**
   * The pod's QoS class as Kubernetes computes it (pkg/apis/core/helper/qos): BestEffort without any cpu or
   * memory request or limit; Guaranteed when every container limits cpu and memory and requests equal limits;
   * Burstable otherwise.
   */
  static String qosClass(JsonNode spec) {
    List<JsonNode> containers = new ArrayList<>();
    for (String list : new String[] {"containers", "initContainers"}) {
      JsonNode items = spec == null ? null : spec.get(list);
      if (items != null && items.isArray()) items.forEach(containers::add);
    }
    boolean any = false;
    boolean guaranteed = true;
    for (JsonNode container : containers) {
      JsonNode requests = container.path("resources").path("requests");
      JsonNode limits = container.path("resources").path("limits");
      for (String resource : new String[] {"cpu", "memory"}) {
        String request = requests.path(resource).asText(null);
        String limit = limits.path(resource).asText(null);
        any |= request != null || limit != null;
        if (limit == null) {
          guaranteed = false;
        } else if (request != null && Quantity.getAmountInBytes(new Quantity(request))
            .compareTo(Quantity.getAmountInBytes(new Quantity(limit))) != 0) {
          guaranteed = false;
        }
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }
}
