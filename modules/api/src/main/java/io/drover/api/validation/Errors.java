package io.drover.api.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Collects field errors the way k8s.io/apimachinery/pkg/util/validation/field does: each becomes a
 * {@link ApiException.Cause} whose reason is the Go ErrorType and whose message is Go's {@code ErrorBody()}
 * ({@code Invalid value: "x": detail}).
 */
final class Errors {
  private final List<ApiException.Cause> causes = new ArrayList<>();

  List<ApiException.Cause> causes() {
    return List.copyOf(causes);
  }

  boolean isEmpty() {
    return causes.isEmpty();
  }

  int size() {
    return causes.size();
  }

  void addAll(Errors other) {
    causes.addAll(other.causes);
  }

  void required(String field, String detail) {
    add("FieldValueRequired", field, withDetail("Required value", detail));
  }

  void invalid(String field, Object value, String detail) {
    add("FieldValueInvalid", field, withDetail("Invalid value: " + render(value), detail));
  }

  /** Each message of a format check (e.g. {@link Formats#dns1123Label}) as its own Invalid cause. */
  void invalidEach(String field, Object value, List<String> messages) {
    for (String message : messages) {
      invalid(field, value, message);
    }
  }

  void notSupported(String field, Object value, List<String> supported) {
    String detail = supported.isEmpty() ? ""
        : "supported values: " + supported.stream().map(Errors::quote).collect(Collectors.joining(", "));
    add("FieldValueNotSupported", field, withDetail("Unsupported value: " + render(value), detail));
  }

  void duplicate(String field, Object value) {
    duplicate(field, value, "");
  }

  void duplicate(String field, Object value, String detail) {
    add("FieldValueDuplicate", field, withDetail("Duplicate value: " + render(value), detail));
  }

  void forbidden(String field, String detail) {
    add("FieldValueForbidden", field, withDetail("Forbidden", detail));
  }

  void notFound(String field, Object value) {
    add("FieldValueNotFound", field, "Not found: " + render(value));
  }

  /** field.TooMany: "Too many: 101: must have at most 100 items". */
  void tooMany(String field, int actual, int max) {
    add("FieldValueTooMany", field, "Too many: " + actual + ": must have at most " + max + " items");
  }

  void tooLong(String field, int maxBytes) {
    add("FieldValueTooLong", field, "Too long: may not be more than " + maxBytes + (maxBytes == 1 ? " byte" : " bytes"));
  }

  private void add(String reason, String field, String message) {
    causes.add(new ApiException.Cause(reason, message, field));
  }

  private static String withDetail(String head, String detail) {
    return detail == null || detail.isEmpty() ? head : head + ": " + detail;
  }

  /** A bad value already written as Go's {@code %#v} writes it (slices and structs), printed as is. */
  record GoSyntax(String text) {}

  static GoSyntax goSyntax(String text) {
    return new GoSyntax(text);
  }

  /** A bad value as Go renders it: strings quoted, numbers and booleans bare, a Quantity as %#v, else JSON. */
  static String render(Object value) {
    if (value == null) return "null";
    if (value instanceof GoSyntax go) return go.text();
    if (value instanceof String s) return quote(s);
    if (value instanceof Number || value instanceof Boolean) return value.toString();
    if (value instanceof KubeQuantity quantity) return quantity.goSyntax();
    if (value instanceof JsonNode node) {
      if (node.isNull() || node.isMissingNode()) return "null";
      if (node.isTextual()) return quote(node.asText());
      if (node.isValueNode()) return node.asText();
      return Json.write(node);
    }
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  static String quote(String s) {
    return Formats.quote(s);
  }

  // Field paths as field.Path renders them: a.b, a[0], a[key].

  static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  static String index(String path, int i) {
    return path + "[" + i + "]";
  }

  static String key(String path, String key) {
    return path + "[" + key + "]";
  }
}
