package io.drover.api.validation;
// PLACEHOLDER: replaced by the validation helper's delivery.
public final class Admission {
  public static java.util.List<String> unknownFields(io.drover.api.ResourceType type, com.fasterxml.jackson.databind.node.ObjectNode object) { return java.util.List.of(); }
  public static com.fasterxml.jackson.databind.node.ObjectNode applyDefaults(io.drover.api.ResourceType type, com.fasterxml.jackson.databind.node.ObjectNode object) { return object.deepCopy(); }
  public static void validate(io.drover.api.ResourceType type, com.fasterxml.jackson.databind.node.ObjectNode object, com.fasterxml.jackson.databind.node.ObjectNode old) {}
}
