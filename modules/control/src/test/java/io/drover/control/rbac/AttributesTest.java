package io.drover.control.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Requests become authorization attributes as kube-apiserver's RequestInfoFactory reads them. */
class AttributesTest {
  private static final List<String> GROUPS = List.of("system:authenticated");

  private static Attributes request(String method, String path, Map<String, List<String>> query) {
    return Attributes.ofRequest("jane", GROUPS, method, path, query);
  }

  private static Attributes resource(String verb, String group, String resource, String subresource, String namespace,
      String name) {
    return Attributes.resource("jane", GROUPS, verb, group, resource, subresource, namespace, name);
  }

  @Test
  void methodsBecomeVerbs() {
    assertEquals(resource("get", "", "pods", "", "dev", "web"), request("GET", "/api/v1/namespaces/dev/pods/web",
        Map.of()));
    assertEquals(resource("list", "", "pods", "", "dev", ""), request("GET", "/api/v1/namespaces/dev/pods", Map.of()));
    assertEquals(resource("watch", "", "pods", "", "dev", ""), request("GET", "/api/v1/namespaces/dev/pods",
        Map.of("watch", List.of("true"))));
    assertEquals(resource("list", "", "pods", "", "dev", ""), request("GET", "/api/v1/namespaces/dev/pods",
        Map.of("watch", List.of("false"))));
    assertEquals(resource("create", "apps", "deployments", "", "dev", ""), request("POST",
        "/apis/apps/v1/namespaces/dev/deployments", Map.of()));
    assertEquals(resource("update", "apps", "deployments", "", "dev", "web"), request("PUT",
        "/apis/apps/v1/namespaces/dev/deployments/web", Map.of()));
    assertEquals(resource("patch", "apps", "deployments", "scale", "dev", "web"), request("PATCH",
        "/apis/apps/v1/namespaces/dev/deployments/web/scale", Map.of()));
    assertEquals(resource("delete", "", "nodes", "", "", "n1"), request("DELETE", "/api/v1/nodes/n1", Map.of()));
    assertEquals(resource("deletecollection", "", "pods", "", "dev", ""), request("DELETE",
        "/api/v1/namespaces/dev/pods", Map.of()));
  }

  @Test
  void listsAcrossNamespacesAndNamespacesThemselves() {
    assertEquals(resource("list", "", "pods", "", "", ""), request("GET", "/api/v1/pods", Map.of()));
    assertEquals(resource("get", "", "namespaces", "", "dev", "dev"), request("GET", "/api/v1/namespaces/dev",
        Map.of()));
    assertEquals(resource("update", "", "namespaces", "finalize", "dev", "dev"), request("PUT",
        "/api/v1/namespaces/dev/finalize", Map.of()));
    assertEquals(resource("list", "", "namespaces", "", "", ""), request("GET", "/api/v1/namespaces", Map.of()));
    assertEquals(resource("get", "", "pods", "log", "dev", "web"), request("GET",
        "/api/v1/namespaces/dev/pods/web/log", Map.of("follow", List.of("true"))));
  }

  @Test
  void aListSelectingOneNameNamesIt() {
    assertEquals(resource("watch", "", "configmaps", "", "dev", "settings"), request("GET",
        "/api/v1/namespaces/dev/configmaps",
        Map.of("fieldSelector", List.of("metadata.name=settings"), "watch", List.of("1"))));
    assertEquals(resource("list", "", "configmaps", "", "dev", ""), request("GET", "/api/v1/namespaces/dev/configmaps",
        Map.of("fieldSelector", List.of("metadata.name!=settings"))));
    assertEquals(resource("list", "", "configmaps", "", "dev", ""), request("GET", "/api/v1/namespaces/dev/configmaps",
        Map.of("fieldSelector", List.of("metadata.name"))), "an unreadable selector names nothing");
  }

  @Test
  void specialVerbsComeFromThePath() {
    assertEquals(resource("watch", "", "pods", "", "dev", "web"), request("GET",
        "/api/v1/watch/namespaces/dev/pods/web", Map.of()));
    assertEquals(resource("proxy", "", "nodes", "", "", "n1"), request("GET", "/api/v1/proxy/nodes/n1/stats/summary",
        Map.of()), "proxy keeps no subresource");
  }

  @Test
  void everythingElseIsANonResourceRequest() {
    for (String path : List.of("/healthz", "/version", "/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1",
        "/openapi/v3", "/metrics")) {
      assertEquals(Attributes.nonResource("jane", GROUPS, "get", path), request("GET", path, Map.of()), path);
    }
  }
}
