package io.drover.api.discovery;
// PLACEHOLDER: replaced by the openapi helper's delivery.
public final class Discovery {
  public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
  public static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
  public static com.fasterxml.jackson.databind.node.ObjectNode apiVersions() { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode apiGroupList() { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode apiGroup(String g) { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode resourceList(String g, String v) { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode aggregatedCore(String v) { return null; }
  public static com.fasterxml.jackson.databind.node.ObjectNode aggregatedGroups(String v) { return null; }
}
