package io.drover.api.table;
// PLACEHOLDER: replaced by the select helper's delivery.
public final class Tables {
  public static com.fasterxml.jackson.databind.node.ObjectNode table(io.drover.api.ResourceType type, java.util.List<com.fasterxml.jackson.databind.node.ObjectNode> objects, String rv, String cont, String includeObject, java.time.Instant now) { return io.drover.api.Json.MAPPER.createObjectNode(); }
}
