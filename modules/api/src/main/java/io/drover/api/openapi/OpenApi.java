package io.drover.api.openapi;
// PLACEHOLDER: replaced by the openapi helper's delivery.
public final class OpenApi {
  public static com.fasterxml.jackson.databind.node.ObjectNode v3Index() { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode v3GroupVersion(String p) { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode v2() { return null; }
}
