package io.drover.api.select;
// PLACEHOLDER: replaced by the select helper's delivery.
public final class FieldSelector {
  public static FieldSelector parse(String s) { return new FieldSelector(); }
  public boolean matches(java.util.Map<String,String> fields) { return true; }
  public static java.util.Map<String,String> fieldsOf(io.drover.api.ResourceType type, com.fasterxml.jackson.databind.node.ObjectNode o) { return java.util.Map.of(); }
  public void checkSupported(io.drover.api.ResourceType type) {}
}
