package io.drover.api.select;

import io.drover.api.validation.Formats;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Per kind: which field labels the apiserver accepts in a field selector (the field label conversion functions of
 * pkg/apis/core/v1/conversion.go) and how it computes their values from an object (the registries' GetAttrs).
 */
final class SelectableFields {
  private SelectableFields() {}

  /**
   * @param labels field labels accepted by the kind's conversion function; null when the kind has none, so the
   *     default conversion (metadata.name and metadata.namespace only) applies
   * @param extra adds the kind's own fields to the metadata ones
   */
  private record Kind(List<String> labels, BiConsumer<JsonNode, Map<String, String>> extra) {}

  private static final BiConsumer<JsonNode, Map<String, String>> NONE = (object, fields) -> {};

  private static final Map<String, Kind> KINDS = Map.of(
      "Pod", new Kind(List.of("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
          "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
          "status.nominatedNodeName"), SelectableFields::pod),
      "Node", new Kind(List.of("metadata.name", "spec.unschedulable"),
          (node, fields) -> fields.put("spec.unschedulable", String.valueOf(node.path("spec").path("unschedulable")
              .asBoolean(false)))),
      "Namespace", new Kind(List.of("status.phase", "metadata.name"),
          (ns, fields) -> fields.put("status.phase", text(ns, "status.phase"))),
      "Secret", new Kind(List.of("type", "metadata.namespace", "metadata.name"),
          (secret, fields) -> fields.put("type", text(secret, "type"))),
      "Event", new Kind(List.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
          "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type", "metadata.namespace",
          "metadata.name"), SelectableFields::event),
      "Service", new Kind(List.of("metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"),
          (svc, fields) -> {
            fields.put("spec.clusterIP", text(svc, "spec.clusterIP"));
            fields.put("spec.type", text(svc, "spec.type"));
          }),
      "ConfigMap", new Kind(null, NONE),
      "Deployment", new Kind(null, NONE),
      // The registry offers status.replicas, but apps/v1 registers no conversion, so selectors cannot use it.
      "ReplicaSet", new Kind(null,
          (rs, fields) -> fields.put("status.replicas", String.valueOf(rs.path("status").path("replicas").asInt(0)))));

  static Map<String, String> of(ResourceType type, ObjectNode object) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("metadata.name", text(object, "metadata.name"));
    if (type.namespaced()) fields.put("metadata.namespace", text(object, "metadata.namespace"));
    KINDS.getOrDefault(type.kind(), new Kind(null, NONE)).extra().accept(object, fields);
    return fields;
  }

  /** The label the apiserver filters on, or 400 when the kind does not accept it. */
  static String convertLabel(ResourceType type, String label) {
    Kind kind = KINDS.get(type.kind());
    if (kind == null || kind.labels() == null) {
      if (label.equals("metadata.name") || label.equals("metadata.namespace")) return label;
      throw ApiException.badRequest(Formats.quote(label)
          + " is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    }
    if (type.kind().equals("Pod") && label.equals("spec.host")) return "spec.nodeName"; // old v1 clients
    if (kind.labels().contains(label)) return label;
    throw ApiException.badRequest("field label not supported: " + label);
  }

  private static void pod(JsonNode pod, Map<String, String> fields) {
    fields.put("spec.nodeName", text(pod, "spec.nodeName"));
    fields.put("spec.restartPolicy", text(pod, "spec.restartPolicy"));
    fields.put("spec.schedulerName", text(pod, "spec.schedulerName"));
    fields.put("spec.serviceAccountName", text(pod, "spec.serviceAccountName"));
    fields.put("spec.hostNetwork", String.valueOf(pod.path("spec").path("hostNetwork").asBoolean(false)));
    fields.put("status.phase", text(pod, "status.phase"));
    fields.put("status.podIP", podIP(pod));
    fields.put("status.nominatedNodeName", text(pod, "status.nominatedNodeName"));
  }

  /** The pod's primary IP: status.podIP, else the first of status.podIPs (as v1-to-internal conversion reads it). */
  static String podIP(JsonNode pod) {
    String ip = text(pod, "status.podIP");
    if (!ip.isEmpty()) return ip;
    JsonNode ips = pod.path("status").path("podIPs");
    return ips.isArray() && ips.size() > 0 ? ips.get(0).path("ip").asText("") : "";
  }

  private static void event(JsonNode event, Map<String, String> fields) {
    for (String field : List.of("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")) {
      fields.put("involvedObject." + field, text(event, "involvedObject." + field));
    }
    fields.put("reason", text(event, "reason"));
    fields.put("reportingComponent", text(event, "reportingComponent"));
    String source = text(event, "source.component");
    fields.put("source", source.isEmpty() ? text(event, "reportingComponent") : source);
    fields.put("type", text(event, "type"));
  }

  private static String text(JsonNode node, String path) {
    String value = Json.text(node, path);
    return value == null ? "" : value;
  }
}
