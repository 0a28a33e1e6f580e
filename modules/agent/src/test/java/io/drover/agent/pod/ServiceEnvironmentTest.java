package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kubelet's service variables, with the API's Service default/kubernetes that every pod gets. */
class ServiceEnvironmentTest {
  static final ObjectNode KUBERNETES = yaml("""
      metadata: {name: kubernetes, namespace: default}
      spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, protocol: TCP}]}
      """);
  static final ObjectNode WEB = yaml("""
      metadata: {name: web, namespace: team}
      spec: {clusterIP: 10.96.0.9, ports: [{port: 80}]}
      """);

  @Test
  void everyPodGetsTheKubernetesServiceAndItsNamespacesServices() {
    Map<String, String> env = ServiceEnvironment.of(yaml("{metadata: {namespace: team}, spec: {}}"), List.of(WEB),
        KUBERNETES);
    assertEquals("10.96.0.1", env.get("KUBERNETES_SERVICE_HOST"));
    assertEquals("443", env.get("KUBERNETES_SERVICE_PORT"));
    assertEquals("443", env.get("KUBERNETES_SERVICE_PORT_HTTPS"));
    assertEquals("tcp://10.96.0.1:443", env.get("KUBERNETES_PORT"));
    assertEquals("10.96.0.1", env.get("KUBERNETES_PORT_443_TCP_ADDR"));
    assertEquals("10.96.0.9", env.get("WEB_SERVICE_HOST"));
  }

  @Test
  void withoutServiceLinksOnlyTheKubernetesServiceIsThere() {
    Map<String, String> env = ServiceEnvironment.of(
        yaml("{metadata: {namespace: team}, spec: {enableServiceLinks: false}}"), List.of(WEB), KUBERNETES);
    assertEquals("10.96.0.1", env.get("KUBERNETES_SERVICE_HOST"));
    assertFalse(env.containsKey("WEB_SERVICE_HOST"));
  }

  @Test
  void aServiceNamedKubernetesInThePodsNamespaceTakesItsPlace() {
    ObjectNode own = yaml("""
        metadata: {name: kubernetes, namespace: team}
        spec: {clusterIP: 10.96.0.7, ports: [{port: 8080}]}
        """);
    Map<String, String> env = ServiceEnvironment.of(yaml("{metadata: {namespace: team}, spec: {}}"), List.of(own),
        KUBERNETES);
    assertEquals("10.96.0.7", env.get("KUBERNETES_SERVICE_HOST"));
    assertEquals("8080", env.get("KUBERNETES_SERVICE_PORT"));
    assertFalse(env.containsKey("KUBERNETES_SERVICE_PORT_HTTPS"));
  }
}
