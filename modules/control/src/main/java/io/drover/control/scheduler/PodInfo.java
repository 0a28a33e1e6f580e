package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.select.LabelSelector;
import java.util.List;
import java.util.Map;

/**
 * What the plugins need from a pod, read once from its JSON (framework.PodInfo): identity, labels, requests,
 * tolerations, host ports, controller and required pod (anti-)affinity terms.
 */
public record PodInfo(
    ObjectNode pod,
    String namespace,
    String name,
    String uid,
    String nodeName,
    Map<String, String> labels,
    Requests requests,
    Requests nonZeroRequests,
    List<Toleration> tolerations,
    List<HostPort> hostPorts,
    String controllerUid,
    boolean terminating,
    List<AffinityTerm> requiredAffinityTerms,
    List<AffinityTerm> requiredAntiAffinityTerms) {

  public static PodInfo of(ObjectNode pod) {
    JsonNode spec = pod.path("spec");
    String namespace = textOr(pod, "metadata.namespace", "default");
    JsonNode podAffinity = spec.path("affinity").path("podAffinity");
    JsonNode podAntiAffinity = spec.path("affinity").path("podAntiAffinity");
    return new PodInfo(
        pod,
        namespace,
        textOr(pod, "metadata.name", ""),
        textOr(pod, "metadata.uid", ""),
        textOr(pod, "spec.nodeName", ""),
        Map.copyOf(LabelSelector.labelsOf(pod)),
        Requests.of(spec),
        Requests.nonZeroOf(spec),
        Toleration.listOf(spec.get("tolerations")),
        HostPort.listOf(spec),
        controllerUid(pod),
        Json.text(pod, "metadata.deletionTimestamp") != null,
        AffinityTerm.listOf(podAffinity.get("requiredDuringSchedulingIgnoredDuringExecution"), namespace),
        AffinityTerm.listOf(podAntiAffinity.get("requiredDuringSchedulingIgnoredDuringExecution"), namespace));
  }

  /** The uid, or namespace/name for objects not yet stored: a stable per-pod key (tie-breaking, lookups). */
  public String key() {
    return uid.isEmpty() ? namespace + "/" + name : uid;
  }

  /** Whether the pod has stopped for good; such pods hold no resources (the scheduler's informer skips them). */
  public boolean terminated() {
    String phase = Json.text(pod, "status.phase");
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static String controllerUid(JsonNode pod) {
    for (JsonNode owner : pod.path("metadata").path("ownerReferences")) {
      if (owner.path("controller").asBoolean(false)) return owner.path("uid").asText(null);
    }
    return null;
  }

  private static String textOr(JsonNode node, String path, String fallback) {
    String text = Json.text(node, path);
    return text == null ? fallback : text;
  }
}
