package io.drover.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kubernetes' LimitRanger admission plugin (plugin/pkg/admission/limitranger) as pure functions of the namespace's
 * LimitRanges and the object written; the caller reads the LimitRanges. Its two halves run where kube-apiserver runs
 * them: {@link #applyDefaults} with the mutating plugins (before validation and the pod's QoS class), then
 * {@link #enforce} with the validating ones (before PodSecurity and ResourceQuota, so a quota counts the defaulted
 * requests and takes them as specified).
 *
 * <p>Pods are defaulted and checked when created (their resources cannot change afterwards); claims are checked when
 * created and updated. Where Go ranges over a map, resources are taken in name order.
 */
public final class LimitRanger {
  private LimitRanger() {}

  /** The annotation that lists what the plugin set on a pod. */
  public static final String ANNOTATION = "kubernetes.io/limit-ranger";

  /** SupportsAttributes, and the skip of objects being deleted: pods on create, claims on create and update. */
  public static boolean handles(ResourceType type, JsonNode oldObject) {
    if (type == ResourceRegistry.POD) return oldObject == null;
    if (type != ResourceRegistry.PERSISTENT_VOLUME_CLAIM) return false;
    return oldObject == null || Json.isEmpty(oldObject.path("metadata").get("deletionTimestamp"));
  }

  /**
   * The mutating half, for a pod being created: for each LimitRange in turn, every container and init container
   * gets the default limits and default requests of the Container items that it does not set, and the pod is
   * annotated with what the last LimitRange that set anything set. Other objects are answered as given.
   */
  public static ObjectNode applyDefaults(ResourceType type, List<? extends JsonNode> limitRanges, ObjectNode object) {
    if (type != ResourceRegistry.POD || limitRanges.isEmpty()) return object;
    ObjectNode pod = object.deepCopy();
    for (JsonNode limitRange : limitRanges) {
      Map<String, JsonNode> requests = new TreeMap<>();
      Map<String, JsonNode> limits = new TreeMap<>();
      for (JsonNode item : limitRange.path("spec").path("limits")) {
        if (!item.path("type").asText().equals("Container")) continue;
        item.path("defaultRequest").fields().forEachRemaining(e -> requests.put(e.getKey(), e.getValue()));
        item.path("default").fields().forEachRemaining(e -> limits.put(e.getKey(), e.getValue()));
      }
      List<String> set = new ArrayList<>();
      for (JsonNode container : pod.path("spec").path("containers")) {
        if (container instanceof ObjectNode c) merge(c, requests, limits, "container", set);
      }
      for (JsonNode container : pod.path("spec").path("initContainers")) {
        if (container instanceof ObjectNode c) merge(c, requests, limits, "init container", set);
      }
      if (!set.isEmpty()) {
        Json.object(Json.object(pod, "metadata"), "annotations").put(ANNOTATION,
            "LimitRanger plugin set: " + String.join("; ", set));
      }
    }
    return pod;
  }

  /** mergeContainerResources: fills what the container lacks and notes it ("cpu, memory request for container c"). */
  private static void merge(ObjectNode container, Map<String, JsonNode> requests, Map<String, JsonNode> limits,
      String prefix, List<String> set) {
    List<String> setLimits = fill(container, "limits", limits);
    List<String> setRequests = fill(container, "requests", requests);
    String name = container.path("name").asText();
    if (!setRequests.isEmpty()) set.add(String.join(", ", setRequests) + " request for " + prefix + " " + name);
    if (!setLimits.isEmpty()) set.add(String.join(", ", setLimits) + " limit for " + prefix + " " + name);
  }

  private static List<String> fill(ObjectNode container, String kind, Map<String, JsonNode> defaults) {
    List<String> set = new ArrayList<>();
    defaults.forEach((resource, quantity) -> {
      if (container.path("resources").path(kind).has(resource)) return;
      Json.object(Json.object(container, "resources"), kind).set(resource, quantity.deepCopy());
      set.add(resource);
    });
    return set;
  }

  /**
   * The validating half: refuses the write with the first LimitRange that it violates, as kube-apiserver does
   * (403, "pods "x" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, ...]").
   */
  public static void enforce(ResourceType type, String name, List<? extends JsonNode> limitRanges, JsonNode object,
      JsonNode oldObject) {
    if (!handles(type, oldObject)) return;
    for (JsonNode limitRange : limitRanges) {
      List<String> violations = violations(type, limitRange, object, oldObject);
      if (!violations.isEmpty()) {
        throw new ApiException(403, "Forbidden", type.resourceLabel() + " \"" + name + "\" is forbidden: "
            + aggregate(violations), type.group(), type.plural(), name, List.of(), null);
      }
    }
  }

  /**
   * What an object violates of one LimitRange (PodValidateLimitFunc, PersistentVolumeClaimValidateLimitFunc).
   *
   * @param oldObject the stored claim on update, null on create. Unlike the plugin as released, which checks a
   *     claim's requests on every update, a request the update leaves as it is is not checked again: the volume
   *     binder, the provisioner and the scheduler update claims, and a LimitRange added after a claim must not
   *     stop them.
   */
  public static List<String> violations(ResourceType type, JsonNode limitRange, JsonNode object,
      JsonNode oldObject) {
    List<String> errs = new ArrayList<>();
    JsonNode spec = object.path("spec");
    for (JsonNode item : limitRange.path("spec").path("limits")) {
      String limitType = item.path("type").asText();
      Map<String, KubeQuantity> min = quantities(item.path("min"));
      Map<String, KubeQuantity> max = quantities(item.path("max"));
      Map<String, KubeQuantity> ratios = quantities(item.path("maxLimitRequestRatio"));
      if (type == ResourceRegistry.POD && limitType.equals("Container")) {
        for (String list : List.of("containers", "initContainers")) {
          for (JsonNode container : spec.path(list)) {
            Map<String, KubeQuantity> requests = quantities(container.path("resources").path("requests"));
            Map<String, KubeQuantity> limits = quantities(container.path("resources").path("limits"));
            check(limitType, min, max, ratios, requests, limits, errs);
          }
        }
      } else if (type == ResourceRegistry.POD && limitType.equals("Pod")) {
        check(limitType, min, max, ratios, podTotal(spec, "requests"), podTotal(spec, "limits"), errs);
      } else if (type == ResourceRegistry.PERSISTENT_VOLUME_CLAIM && limitType.equals("PersistentVolumeClaim")) {
        Map<String, KubeQuantity> requests = quantities(spec.path("resources").path("requests"));
        Map<String, KubeQuantity> old = oldObject == null ? Map.of()
            : quantities(oldObject.path("spec").path("resources").path("requests"));
        min.forEach((resource, enforced) -> {
          if (unchanged(resource, requests, old)) return;
          add(errs, minimum(limitType, resource, enforced, requests, Map.of()));
        });
        max.forEach((resource, enforced) -> {
          if (unchanged(resource, requests, old)) return;
          add(errs, maximumRequest(limitType, resource, enforced, requests));
        });
      }
    }
    return errs;
  }

  private static boolean unchanged(String resource, Map<String, KubeQuantity> requests,
      Map<String, KubeQuantity> old) {
    return requests.containsKey(resource) && old.containsKey(resource)
        && requests.get(resource).compareTo(old.get(resource)) == 0;
  }

  private static void check(String limitType, Map<String, KubeQuantity> min, Map<String, KubeQuantity> max,
      Map<String, KubeQuantity> ratios, Map<String, KubeQuantity> requests, Map<String, KubeQuantity> limits,
      List<String> errs) {
    min.forEach((resource, enforced) -> add(errs, minimum(limitType, resource, enforced, requests, limits)));
    max.forEach((resource, enforced) -> add(errs, maximum(limitType, resource, enforced, requests, limits)));
    ratios.forEach((resource, enforced) -> add(errs, ratio(limitType, resource, enforced, requests, limits)));
  }

  private static void add(List<String> errs, String err) {
    if (err != null) errs.add(err);
  }

  /** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
  static String aggregate(List<String> messages) {
    Set<String> distinct = new LinkedHashSet<>(messages);
    return distinct.size() == 1 ? distinct.iterator().next() : "[" + String.join(", ", distinct) + "]";
  }

  // --- the constraints (minConstraint, maxConstraint, maxRequestConstraint, limitRequestRatioConstraint) ---

  private static String minimum(String limitType, String resource, KubeQuantity enforced,
      Map<String, KubeQuantity> requests, Map<String, KubeQuantity> limits) {
    KubeQuantity request = requests.get(resource);
    KubeQuantity limit = limits.get(resource);
    long[] observed = observed(request, limit, enforced);
    String head = "minimum " + resource + " usage per " + limitType + " is " + enforced;
    if (request == null) return head + ".  No request is specified";
    if (observed[0] < observed[2]) return head + ", but request is " + request;
    if (limit != null && observed[1] < observed[2]) return head + ", but limit is " + limit;
    return null;
  }

  private static String maximum(String limitType, String resource, KubeQuantity enforced,
      Map<String, KubeQuantity> requests, Map<String, KubeQuantity> limits) {
    KubeQuantity request = requests.get(resource);
    KubeQuantity limit = limits.get(resource);
    long[] observed = observed(request, limit, enforced);
    String head = "maximum " + resource + " usage per " + limitType + " is " + enforced;
    if (limit == null) return head + ".  No limit is specified";
    if (observed[1] > observed[2]) return head + ", but limit is " + limit;
    if (request != null && observed[0] > observed[2]) return head + ", but request is " + request;
    return null;
  }

  /** For kinds whose limits are not user input (claims): the max bounds the request. */
  private static String maximumRequest(String limitType, String resource, KubeQuantity enforced,
      Map<String, KubeQuantity> requests) {
    KubeQuantity request = requests.get(resource);
    long[] observed = observed(request, null, enforced);
    String head = "maximum " + resource + " usage per " + limitType + " is " + enforced;
    if (request == null) return head + ".  No request is specified";
    if (observed[0] > observed[2]) return head + ", but request is " + request;
    return null;
  }

  private static String ratio(String limitType, String resource, KubeQuantity enforced,
      Map<String, KubeQuantity> requests, Map<String, KubeQuantity> limits) {
    KubeQuantity request = requests.get(resource);
    KubeQuantity limit = limits.get(resource);
    long[] observed = observed(request, limit, enforced);
    String head = resource + " max limit to request ratio per " + limitType + " is " + enforced;
    if (request == null || observed[0] == 0) return head + ", but no request is specified or request is 0";
    if (limit == null || observed[1] == 0) return head + ", but no limit is specified or limit is 0";
    double observedRatio = (double) observed[1] / (double) observed[0];
    double shownRatio = observedRatio;
    double maxRatio = enforced.value();
    if (enforced.value() <= KubeQuantity.MAX_MILLI_VALUE) {
      observedRatio = observedRatio * 1000;
      maxRatio = enforced.milliValue();
    }
    if (observedRatio > maxRatio) {
      return head + ", but provided ratio is " + String.format(Locale.ROOT, "%f", shownRatio);
    }
    return null;
  }

  /** requestLimitEnforcedValues: {request, limit, enforced} in thousandths when none overflows, else in units. */
  private static long[] observed(KubeQuantity request, KubeQuantity limit, KubeQuantity enforced) {
    KubeQuantity req = request == null ? KubeQuantity.ZERO : request;
    KubeQuantity lim = limit == null ? KubeQuantity.ZERO : limit;
    if (req.value() <= KubeQuantity.MAX_MILLI_VALUE && lim.value() <= KubeQuantity.MAX_MILLI_VALUE
        && enforced.value() <= KubeQuantity.MAX_MILLI_VALUE) {
      return new long[] {req.milliValue(), lim.milliValue(), enforced.milliValue()};
    }
    return new long[] {req.value(), lim.value(), enforced.value()};
  }

  // --- resource lists ---

  /** A resource list by name; a value that does not parse (refused when decoding) is left out. */
  private static Map<String, KubeQuantity> quantities(JsonNode list) {
    Map<String, KubeQuantity> found = new TreeMap<>();
    list.fields().forEachRemaining(e -> {
      KubeQuantity quantity = KubeQuantity.parse(e.getValue().asText());
      if (quantity != null) found.put(e.getKey(), quantity);
    });
    return found;
  }

  /**
   * podRequests / podLimits: the containers' sum, at least each init container's (plus the restartable init
   * containers before it, which run alongside and count in the sum too).
   */
  private static Map<String, KubeQuantity> podTotal(JsonNode spec, String kind) {
    Map<String, KubeQuantity> total = new TreeMap<>();
    for (JsonNode container : spec.path("containers")) {
      addAll(total, quantities(container.path("resources").path(kind)));
    }
    Map<String, KubeQuantity> restartable = new TreeMap<>();
    Map<String, KubeQuantity> init = new TreeMap<>();
    for (JsonNode container : spec.path("initContainers")) {
      Map<String, KubeQuantity> own = quantities(container.path("resources").path(kind));
      Map<String, KubeQuantity> counted;
      if (container.path("restartPolicy").asText().equals("Always")) {
        addAll(total, own);
        addAll(restartable, own);
        counted = restartable;
      } else {
        counted = new TreeMap<>();
        addAll(counted, own);
        addAll(counted, restartable);
      }
      counted.forEach((resource, quantity) -> {
        if (!init.containsKey(resource) || quantity.compareTo(init.get(resource)) > 0) init.put(resource, quantity);
      });
    }
    init.forEach((resource, quantity) -> {
      if (!total.containsKey(resource) || quantity.compareTo(total.get(resource)) > 0) total.put(resource, quantity);
    });
    return total;
  }

  /** addResourceList: a first value is copied as it is (its string kept), later ones added. */
  private static void addAll(Map<String, KubeQuantity> list, Map<String, KubeQuantity> more) {
    more.forEach((resource, quantity) -> list.merge(resource, quantity, KubeQuantity::plus));
  }
}
