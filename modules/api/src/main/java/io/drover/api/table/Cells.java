package io.drover.api.table;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.select.LabelSelector;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reading values out of objects, and the cell functions several kinds share. */
final class Cells {
  private Cells() {}

  static final String NAME_DOC = "Name must be unique within a namespace. Is required when creating resources, "
      + "although some resources may allow a client to request the generation of an appropriate name automatically. "
      + "Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More "
      + "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
  static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this object was "
      + "created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not "
      + "set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null "
      + "for lists. More info: "
      + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
  static final String CONTAINERS_DOC = "Names of each container in the template.";
  static final String IMAGES_DOC = "Images referenced by each container in the template.";

  static final String NONE = "<none>";

  /** Text at a dotted path, "" when absent. */
  static String text(JsonNode node, String path) {
    String value = Json.text(node, path);
    return value == null ? "" : value;
  }

  static String orNone(String value) {
    return value.isEmpty() ? NONE : value;
  }

  static long integer(JsonNode node, String path, long absent) {
    JsonNode value = Json.at(node, path);
    return value == null || value.isNull() || value.isMissingNode() ? absent : value.asLong(absent);
  }

  /** An RFC 3339 timestamp (seconds or microseconds), or null when absent or unreadable. */
  static Instant time(JsonNode node, String path) {
    String value = Json.text(node, path);
    if (value == null || value.isEmpty()) return null;
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The later of two instants, either may be null. */
  static Instant later(Instant a, Instant b) {
    if (a == null) return b;
    if (b == null) return a;
    return b.isAfter(a) ? b : a;
  }

  static String firstNonEmpty(String a, String b) {
    return a.isEmpty() ? b : a;
  }

  /** A string map at a path, sorted by key. */
  static Map<String, String> map(JsonNode node, String path) {
    Map<String, String> map = new TreeMap<>();
    JsonNode value = Json.at(node, path);
    if (value != null && value.isObject()) {
      value.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    }
    return map;
  }

  /** labels.FormatLabels: "k=v,k2=v2" sorted by key, or "<none>". */
  static String formatLabels(Map<String, String> labels) {
    List<String> pairs = new ArrayList<>();
    new TreeMap<>(labels).forEach((k, v) -> pairs.add(k + "=" + v));
    return orNone(String.join(",", pairs));
  }

  /** The template's container names joined by commas (layoutContainerCells). */
  static String containerNames(JsonNode object, Instant now) {
    return joinContainers(object, "name");
  }

  /** The template's container images joined by commas. */
  static String containerImages(JsonNode object, Instant now) {
    return joinContainers(object, "image");
  }

  private static String joinContainers(JsonNode object, String field) {
    List<String> values = new ArrayList<>();
    JsonNode containers = Json.at(object, "spec.template.spec.containers");
    if (containers == null) containers = Json.at(object, "spec.jobTemplate.spec.template.spec.containers"); // CronJob
    if (containers != null) containers.forEach(c -> values.add(c.path(field).asText("")));
    return String.join(",", values);
  }

  /** metav1.FormatLabelSelector of spec.selector: canonical string, "<none>" when it selects all or nothing. */
  static String formatLabelSelector(JsonNode object, Instant now) {
    try {
      return orNone(LabelSelector.fromJson(Json.at(object, "spec.selector")).toString());
    } catch (ApiException e) {
      return "<error>";
    }
  }
}
