package io.drover.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Null-safe reads of a Kubernetes object tree; absent and JSON null are the same, as in Go's zero values. */
final class Nodes {
  private Nodes() {}

  /** The child, or a MissingNode (never null) so reads can be chained. */
  static JsonNode get(JsonNode node, String field) {
    JsonNode child = node == null ? null : node.get(field);
    return child == null || child.isNull() ? MissingNode.getInstance() : child;
  }

  static boolean has(JsonNode node, String field) {
    return !get(node, field).isMissingNode();
  }

  /** Text of a string field, "" when absent (Go's zero value). */
  static String str(JsonNode node, String field) {
    JsonNode child = get(node, field);
    return child.isValueNode() ? child.asText() : "";
  }

  /** A number field, or null when absent. */
  static Long num(JsonNode node, String field) {
    JsonNode child = get(node, field);
    return child.isNumber() ? child.asLong() : null;
  }

  static long numOr(JsonNode node, String field, long zero) {
    Long value = num(node, field);
    return value == null ? zero : value;
  }

  static boolean bool(JsonNode node, String field) {
    return get(node, field).asBoolean(false);
  }

  static List<JsonNode> list(JsonNode node, String field) {
    List<JsonNode> items = new ArrayList<>();
    JsonNode child = get(node, field);
    if (child.isArray()) child.forEach(items::add);
    return items;
  }

  /** A map of strings (labels, annotations, data) in document order. */
  static Map<String, String> strings(JsonNode node, String field) {
    Map<String, String> map = new LinkedHashMap<>();
    JsonNode child = get(node, field);
    if (child.isObject()) {
      child.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
    }
    return map;
  }
}
