package io.drover.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RequestInfoTest {
  @Test
  void collectionsAndObjectsGetKubernetesVerbs() {
    assertEquals(new RequestInfo("list", "configmaps", ""),
        RequestInfo.of("GET", "/api/v1/namespaces/default/configmaps", false));
    assertEquals(new RequestInfo("watch", "configmaps", ""),
        RequestInfo.of("GET", "/api/v1/namespaces/default/configmaps", true));
    assertEquals(new RequestInfo("get", "configmaps", ""),
        RequestInfo.of("GET", "/api/v1/namespaces/default/configmaps/settings", false));
    assertEquals(new RequestInfo("create", "deployments", ""),
        RequestInfo.of("POST", "/apis/apps/v1/namespaces/default/deployments", false));
    assertEquals(new RequestInfo("update", "deployments", "scale"),
        RequestInfo.of("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", false));
    assertEquals(new RequestInfo("patch", "pods", "status"),
        RequestInfo.of("PATCH", "/api/v1/namespaces/default/pods/p/status", false));
    assertEquals(new RequestInfo("delete", "pods", ""),
        RequestInfo.of("DELETE", "/api/v1/namespaces/default/pods/p", false));
    assertEquals(new RequestInfo("deletecollection", "pods", ""),
        RequestInfo.of("DELETE", "/api/v1/namespaces/default/pods", false));
    assertEquals(new RequestInfo("list", "pods", ""), RequestInfo.of("GET", "/api/v1/pods", false));
  }

  @Test
  void namespacesAreAResourceWithTheirOwnSubresources() {
    assertEquals(new RequestInfo("get", "namespaces", ""), RequestInfo.of("GET", "/api/v1/namespaces/kube-system",
        false));
    assertEquals(new RequestInfo("update", "namespaces", "finalize"),
        RequestInfo.of("PUT", "/api/v1/namespaces/x/finalize", false));
    assertEquals(new RequestInfo("list", "namespaces", ""), RequestInfo.of("GET", "/api/v1/namespaces", false));
  }

  @Test
  void pathsNamingNoServedResourceKeepTheLabelsBounded() {
    assertEquals(new RequestInfo("get", "", ""), RequestInfo.of("GET", "/version", false));
    assertEquals(new RequestInfo("get", "", ""), RequestInfo.of("GET", "/apis/apps/v1", false));
    assertEquals(new RequestInfo("get", "", ""), RequestInfo.of("GET", "/openapi/v3/api/v1", false));
    assertEquals(new RequestInfo("post", "", ""), RequestInfo.of("POST", "/api/v1/namespaces/x/made-up-1", false));
    assertEquals(new RequestInfo("get", "", ""),
        RequestInfo.of("GET", "/api/v1/namespaces/x/pods/p/made-up-subresource", false));
    assertEquals(new RequestInfo("list", "pods", ""),
        RequestInfo.of("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/x/pods", false));
  }
}
