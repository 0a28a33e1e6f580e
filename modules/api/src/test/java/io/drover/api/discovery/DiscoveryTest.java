package io.drover.api.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiscoveryTest {

  private static final String V2 = "apidiscovery.k8s.io/v2";

  @Test
  void contentTypesAreTheExactStringsKubectlExpects() {
    assertEquals("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", Discovery.AGGREGATED_V2);
    assertEquals("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        Discovery.AGGREGATED_V2BETA1);
  }

  @Test
  void apiVersionsListsTheCoreVersion() {
    ObjectNode doc = Discovery.apiVersions();
    assertEquals("APIVersions", doc.get("kind").asText());
    assertEquals(List.of("v1"), texts(doc.get("versions")));
    assertEquals("0.0.0.0/0", doc.at("/serverAddressByClientCIDRs/0/clientCIDR").asText());
    assertEquals("10.0.0.1:6443", Discovery.apiVersions("10.0.0.1:6443")
        .at("/serverAddressByClientCIDRs/0/serverAddress").asText());
  }

  @Test
  void groupListNamesEveryNamedGroupWithItsPreferredVersion() {
    ObjectNode doc = Discovery.apiGroupList();
    assertEquals("APIGroupList", doc.get("kind").asText());
    List<String> names = new ArrayList<>();
    doc.get("groups").forEach(g -> names.add(g.get("name").asText()));
    List<String> expected = java.util.stream.Stream.concat(ResourceRegistry.ALL.stream(),
        ResourceRegistry.READ_ONLY.stream()).map(ResourceType::group).filter(g -> !g.isEmpty()).distinct().toList();
    assertEquals(expected, names);
    JsonNode apps = doc.get("groups").get(names.indexOf("apps"));
    assertEquals("apps/v1", apps.at("/versions/0/groupVersion").asText());
    assertEquals("apps/v1", apps.at("/preferredVersion/groupVersion").asText());
    assertEquals("v1", apps.at("/preferredVersion/version").asText());
  }

  @Test
  void metricsApiIsDiscoverableWithGetAndListOnly() {
    ObjectNode list = Discovery.resourceList("metrics.k8s.io", "v1beta1");
    assertEquals("metrics.k8s.io/v1beta1", list.get("groupVersion").asText());
    assertEquals("nodes", list.at("/resources/0/name").asText());
    assertEquals("NodeMetrics", list.at("/resources/0/kind").asText());
    assertEquals("[\"get\",\"list\"]", list.at("/resources/1/verbs").toString());
    boolean aggregated = false;
    for (JsonNode group : Discovery.aggregatedGroups("apidiscovery.k8s.io/v2").get("items")) {
      if (group.at("/metadata/name").asText().equals("metrics.k8s.io")) {
        aggregated = group.at("/versions/0/version").asText().equals("v1beta1");
      }
    }
    assertEquals(true, aggregated);
  }

  @Test
  void apiGroupDescribesOneGroupAndIsNullForUnknownOnes() {
    ObjectNode apps = Discovery.apiGroup("apps");
    assertEquals("APIGroup", apps.get("kind").asText());
    assertEquals("apps", apps.get("name").asText());
    assertEquals("apps/v1", apps.at("/preferredVersion/groupVersion").asText());
    assertNull(Discovery.apiGroup("nosuch.example.com"));
    assertNull(Discovery.apiGroup(""));
  }

  @Test
  void resourceListIsNullForUnservedGroupVersions() {
    assertNull(Discovery.resourceList("", "v2"));
    assertNull(Discovery.resourceList("apps", "v1beta1"));
    assertNull(Discovery.resourceList("nosuch", "v1"));
    assertNotNull(Discovery.resourceList(null, "v1"));
  }

  @Test
  void resourceListCarriesNamesScopeVerbsShortNamesAndCategories() {
    ObjectNode core = Discovery.resourceList("", "v1");
    assertEquals("APIResourceList", core.get("kind").asText());
    assertEquals("v1", core.get("groupVersion").asText());
    JsonNode pods = resource(core, "pods");
    assertEquals("pod", pods.get("singularName").asText());
    assertEquals("Pod", pods.get("kind").asText());
    assertTrue(pods.get("namespaced").asBoolean());
    assertEquals(ResourceType.VERBS, texts(pods.get("verbs")));
    assertEquals(List.of("po"), texts(pods.get("shortNames")));
    assertEquals(List.of("all"), texts(pods.get("categories")));
    assertFalse(resource(core, "nodes").get("namespaced").asBoolean());
    assertFalse(resource(core, "configmaps").has("categories"));
    assertFalse(resource(core, "secrets").has("shortNames"));

    Map<String, String> shortNames = Map.of("pods", "po", "namespaces", "ns", "configmaps", "cm", "nodes", "no",
        "services", "svc", "events", "ev");
    shortNames.forEach((plural, shortName) ->
        assertEquals(List.of(shortName), texts(resource(core, plural).get("shortNames")), plural));
    ObjectNode apps = Discovery.resourceList("apps", "v1");
    assertEquals("apps/v1", apps.get("groupVersion").asText());
    assertEquals(List.of("deploy"), texts(resource(apps, "deployments").get("shortNames")));
    assertEquals(List.of("rs"), texts(resource(apps, "replicasets").get("shortNames")));
    for (JsonNode withAll : List.of(resource(core, "services"), resource(apps, "deployments"),
        resource(apps, "replicasets"))) {
      assertEquals(List.of("all"), texts(withAll.get("categories")), withAll.get("name").asText());
    }
  }

  @Test
  void resourceListNamesSubresourcesAfterTheirResource() {
    ObjectNode core = Discovery.resourceList("", "v1");
    JsonNode podStatus = resource(core, "pods/status");
    assertEquals("Pod", podStatus.get("kind").asText());
    assertEquals(List.of("get", "patch", "update"), texts(podStatus.get("verbs")));
    assertFalse(podStatus.has("group"));
    assertEquals(List.of("update"), texts(resource(core, "namespaces/finalize").get("verbs")));
    assertFalse(resource(core, "namespaces/finalize").get("namespaced").asBoolean());

    JsonNode scale = resource(Discovery.resourceList("apps", "v1"), "deployments/scale");
    assertEquals("autoscaling", scale.get("group").asText());
    assertEquals("v1", scale.get("version").asText());
    assertEquals("Scale", scale.get("kind").asText());
    assertEquals(List.of("get", "patch", "update"), texts(scale.get("verbs")));
    assertTrue(scale.get("namespaced").asBoolean());
  }

  @Test
  void aggregatedDiscoveryUsesTheApidiscoveryFieldNames() {
    ObjectNode core = Discovery.aggregatedCore(V2);
    assertEquals("APIGroupDiscoveryList", core.get("kind").asText());
    assertEquals(V2, core.get("apiVersion").asText());
    assertEquals(1, core.get("items").size());
    JsonNode group = core.get("items").get(0);
    assertEquals("", group.at("/metadata/name").asText());
    JsonNode version = group.get("versions").get(0);
    assertEquals("v1", version.get("version").asText());
    assertEquals("Current", version.get("freshness").asText());

    JsonNode pods = aggregated(version, "pods");
    assertEquals("Namespaced", pods.get("scope").asText());
    assertEquals("pod", pods.get("singularResource").asText());
    assertEquals("", pods.at("/responseKind/group").asText());
    assertEquals("v1", pods.at("/responseKind/version").asText());
    assertEquals("Pod", pods.at("/responseKind/kind").asText());
    assertEquals(ResourceType.VERBS, texts(pods.get("verbs")));
    assertEquals(List.of("po"), texts(pods.get("shortNames")));
    assertEquals(List.of("all"), texts(pods.get("categories")));
    assertEquals("Cluster", aggregated(version, "nodes").get("scope").asText());
    assertEquals("Cluster", aggregated(version, "namespaces").get("scope").asText());
  }

  @Test
  void aggregatedSubresourcesNameTheirResponseKindAndVerbs() {
    JsonNode apps = Discovery.aggregatedGroups(V2).get("items").get(0);
    assertEquals("apps", apps.at("/metadata/name").asText());
    JsonNode deployments = aggregated(apps.get("versions").get(0), "deployments");
    JsonNode status = subresource(deployments, "status");
    assertEquals("Deployment", status.at("/responseKind/kind").asText());
    assertEquals("apps", status.at("/responseKind/group").asText());
    assertEquals(List.of("get", "patch", "update"), texts(status.get("verbs")));
    JsonNode scale = subresource(deployments, "scale");
    assertEquals("autoscaling", scale.at("/responseKind/group").asText());
    assertEquals("v1", scale.at("/responseKind/version").asText());
    assertEquals("Scale", scale.at("/responseKind/kind").asText());
    assertEquals(List.of("get", "patch", "update"), texts(scale.get("verbs")));
  }

  @Test
  void aggregatedDocumentNamesTheVersionTheClientAskedFor() {
    assertEquals("apidiscovery.k8s.io/v2beta1",
        Discovery.aggregatedGroups("apidiscovery.k8s.io/v2beta1").get("apiVersion").asText());
    assertEquals("apidiscovery.k8s.io/v2beta1",
        Discovery.aggregatedCore(Discovery.AGGREGATED_V2BETA1).get("apiVersion").asText());
    assertEquals(V2, Discovery.aggregatedCore(Discovery.AGGREGATED_V2).get("apiVersion").asText());
  }

  @Test
  void everyRegisteredTypeIsPublishedInBothFormats() {
    for (ResourceType type : ResourceRegistry.ALL) {
      JsonNode legacy = resource(Discovery.resourceList(type.group(), type.version()), type.plural());
      assertEquals(type.kind(), legacy.get("kind").asText());
      for (String sub : type.subresources()) {
        assertNotNull(resource(Discovery.resourceList(type.group(), type.version()), type.plural() + "/" + sub));
      }
      ObjectNode doc = type.group().isEmpty() ? Discovery.aggregatedCore(V2) : Discovery.aggregatedGroups(V2);
      JsonNode version = null;
      for (JsonNode item : doc.get("items")) {
        if (item.at("/metadata/name").asText().equals(type.group())) {
          for (JsonNode v : item.get("versions")) {
            if (v.get("version").asText().equals(type.version())) version = v;
          }
        }
      }
      assertNotNull(version, type.apiVersion());
      JsonNode resource = aggregated(version, type.plural());
      assertEquals(type.kind(), resource.at("/responseKind/kind").asText());
      assertEquals(type.subresources().size(), resource.path("subresources").size(), type.plural());
    }
  }

  @Test
  void callersReceiveCopiesTheyMayChange() {
    Discovery.resourceList("", "v1").removeAll();
    Discovery.aggregatedGroups(V2).withArray("items").removeAll();
    Discovery.apiGroupList().removeAll();
    assertTrue(Discovery.resourceList("", "v1").get("resources").size() > 0);
    assertTrue(Discovery.aggregatedGroups(V2).get("items").size() > 0);
    assertTrue(Discovery.apiGroupList().has("groups"));
  }

  private static JsonNode resource(JsonNode list, String name) {
    for (JsonNode r : list.get("resources")) {
      if (r.get("name").asText().equals(name)) return r;
    }
    throw new AssertionError("no resource " + name + " in " + list);
  }

  private static JsonNode aggregated(JsonNode version, String resource) {
    for (JsonNode r : version.get("resources")) {
      if (r.get("resource").asText().equals(resource)) return r;
    }
    throw new AssertionError("no resource " + resource + " in " + version);
  }

  private static JsonNode subresource(JsonNode resource, String name) {
    for (JsonNode s : resource.get("subresources")) {
      if (s.get("subresource").asText().equals(name)) return s;
    }
    throw new AssertionError("no subresource " + name + " in " + resource);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
