package io.drover.api.validation;

import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultsTest {

  private static String at(JsonNode node, String path) {
    JsonNode current = node;
    for (String part : path.split("\\.")) {
      current = part.matches("\\d+") ? current.get(Integer.parseInt(part)) : current.get(part);
      if (current == null) return null;
    }
    return current.isContainerNode() ? Json.write(current) : current.asText();
  }

  @Test
  void podSpecGetsTheApiserverDefaults() {
    ObjectNode pod = Admission.applyDefaults(ResourceRegistry.POD, Manifests.pod());
    assertEquals("Always", at(pod, "spec.restartPolicy"));
    assertEquals("ClusterFirst", at(pod, "spec.dnsPolicy"));
    assertEquals("default-scheduler", at(pod, "spec.schedulerName"));
    assertEquals("30", at(pod, "spec.terminationGracePeriodSeconds"));
    assertEquals("true", at(pod, "spec.enableServiceLinks"));
    assertEquals("{}", at(pod, "spec.securityContext"));
  }

  @Test
  void containersGetTerminationMessageAndPortProtocolDefaults() {
    ObjectNode pod = Admission.applyDefaults(ResourceRegistry.POD, Manifests.pod());
    assertEquals("/dev/termination-log", at(pod, "spec.containers.0.terminationMessagePath"));
    assertEquals("File", at(pod, "spec.containers.0.terminationMessagePolicy"));
    assertEquals("TCP", at(pod, "spec.containers.0.ports.0.protocol"));
  }

  @Test
  void imagePullPolicyDependsOnTheTag() {
    assertEquals("Always", Defaults.pullPolicy("nginx"));
    assertEquals("Always", Defaults.pullPolicy("nginx:latest"));
    assertEquals("Always", Defaults.pullPolicy("registry.local:5000/team/nginx"));
    assertEquals("IfNotPresent", Defaults.pullPolicy("nginx:1.27"));
    assertEquals("IfNotPresent", Defaults.pullPolicy("registry.local:5000/team/nginx:1.27"));
    assertEquals("IfNotPresent", Defaults.pullPolicy("nginx@sha256:abcdef"));
    ObjectNode pod = Admission.applyDefaults(ResourceRegistry.POD, Manifests.pod());
    assertEquals("IfNotPresent", at(pod, "spec.containers.0.imagePullPolicy"));
  }

  @Test
  void probesGetTimingAndHttpDefaults() {
    ObjectNode pod = Admission.applyDefaults(ResourceRegistry.POD, Manifests.pod());
    assertEquals("1", at(pod, "spec.containers.0.readinessProbe.timeoutSeconds"));
    assertEquals("10", at(pod, "spec.containers.0.readinessProbe.periodSeconds"));
    assertEquals("1", at(pod, "spec.containers.0.readinessProbe.successThreshold"));
    assertEquals("3", at(pod, "spec.containers.0.readinessProbe.failureThreshold"));
    assertEquals("/", at(pod, "spec.containers.0.readinessProbe.httpGet.path"));
    assertEquals("HTTP", at(pod, "spec.containers.0.readinessProbe.httpGet.scheme"));
  }

  @Test
  void limitsWithoutRequestsBecomeRequests() {
    ObjectNode pod = Manifests.pod();
    Manifests.without(pod, "spec.containers.0.resources.requests");
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.POD, pod);
    assertEquals("200m", at(defaulted, "spec.containers.0.resources.requests.cpu"));
    assertEquals("128Mi", at(defaulted, "spec.containers.0.resources.requests.memory"));
  }

  @Test
  void volumeWithoutSourceBecomesEmptyDirAndSecretVolumesGetAMode() {
    ObjectNode pod = with(Manifests.pod(), "spec.volumes", List.of(Map.of("name", "scratch"),
        Map.of("name", "creds", "secret", Map.of("secretName", "app-secret"))));
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.POD, pod);
    assertEquals("{}", at(defaulted, "spec.volumes.0.emptyDir"));
    assertEquals("420", at(defaulted, "spec.volumes.1.secret.defaultMode"));
  }

  @Test
  void userSetValuesAreLeftAlone() {
    ObjectNode pod = Manifests.pod();
    with(pod, "spec.restartPolicy", "Never");
    with(pod, "spec.dnsPolicy", "Default");
    with(pod, "spec.terminationGracePeriodSeconds", 0);
    with(pod, "spec.enableServiceLinks", false);
    with(pod, "spec.containers.0.imagePullPolicy", "Never");
    with(pod, "spec.containers.0.ports.0.protocol", "UDP");
    with(pod, "spec.containers.0.readinessProbe.periodSeconds", 3);
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.POD, pod);
    assertEquals("Never", at(defaulted, "spec.restartPolicy"));
    assertEquals("Default", at(defaulted, "spec.dnsPolicy"));
    assertEquals("0", at(defaulted, "spec.terminationGracePeriodSeconds"));
    assertEquals("false", at(defaulted, "spec.enableServiceLinks"));
    assertEquals("Never", at(defaulted, "spec.containers.0.imagePullPolicy"));
    assertEquals("UDP", at(defaulted, "spec.containers.0.ports.0.protocol"));
    assertEquals("3", at(defaulted, "spec.containers.0.readinessProbe.periodSeconds"));
  }

  @Test
  void defaultingWorksOnACopy() {
    ObjectNode pod = Manifests.pod();
    ObjectNode before = pod.deepCopy();
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.POD, pod);
    assertNotSame(pod, defaulted);
    assertEquals(before, pod);
  }

  @Test
  void deploymentGetsReplicasStrategyAndLimits() {
    ObjectNode deployment = Admission.applyDefaults(ResourceRegistry.DEPLOYMENT,
        Manifests.without(Manifests.deployment(), "spec.replicas"));
    assertEquals("1", at(deployment, "spec.replicas"));
    assertEquals("RollingUpdate", at(deployment, "spec.strategy.type"));
    assertEquals("25%", at(deployment, "spec.strategy.rollingUpdate.maxUnavailable"));
    assertEquals("25%", at(deployment, "spec.strategy.rollingUpdate.maxSurge"));
    assertEquals("10", at(deployment, "spec.revisionHistoryLimit"));
    assertEquals("600", at(deployment, "spec.progressDeadlineSeconds"));
    assertEquals("Always", at(deployment, "spec.template.spec.restartPolicy"));
    assertEquals("Always", at(deployment, "spec.template.spec.containers.0.imagePullPolicy"));
    assertEquals("File", at(deployment, "spec.template.spec.containers.0.terminationMessagePolicy"));
    // enableServiceLinks is a Pod default, not a template one.
    assertEquals(null, at(deployment, "spec.template.spec.enableServiceLinks"));
  }

  @Test
  void deploymentKeepsUserStrategyAndZeroReplicas() {
    ObjectNode deployment = Manifests.deployment();
    with(deployment, "spec.replicas", 0);
    with(deployment, "spec.strategy", Map.of("type", "Recreate"));
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.DEPLOYMENT, deployment);
    assertEquals("0", at(defaulted, "spec.replicas"));
    assertEquals("Recreate", at(defaulted, "spec.strategy.type"));
    assertEquals(null, at(defaulted, "spec.strategy.rollingUpdate"));
  }

  @Test
  void replicaSetGetsReplicasAndTemplateDefaults() {
    ObjectNode replicaSet = Admission.applyDefaults(ResourceRegistry.REPLICA_SET,
        Manifests.without(Manifests.replicaSet(), "spec.replicas"));
    assertEquals("1", at(replicaSet, "spec.replicas"));
    assertEquals("ClusterFirst", at(replicaSet, "spec.template.spec.dnsPolicy"));
    assertEquals("30", at(replicaSet, "spec.template.spec.terminationGracePeriodSeconds"));
  }

  @Test
  void serviceGetsTypeAffinityProtocolTargetPortAndTrafficPolicy() {
    ObjectNode service = Manifests.service();
    Manifests.without(service, "spec.ports.0.targetPort");
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.SERVICE, service);
    assertEquals("ClusterIP", at(defaulted, "spec.type"));
    assertEquals("None", at(defaulted, "spec.sessionAffinity"));
    assertEquals("TCP", at(defaulted, "spec.ports.0.protocol"));
    assertEquals("80", at(defaulted, "spec.ports.0.targetPort"));
    assertEquals("Cluster", at(defaulted, "spec.internalTrafficPolicy"));
    assertEquals(null, at(defaulted, "spec.externalTrafficPolicy"));
  }

  @Test
  void serviceKeepsANamedTargetPortAndDefaultsLoadBalancerFields() {
    ObjectNode service = with(Manifests.service(), "spec.type", "LoadBalancer");
    with(service, "spec.ports.0.targetPort", "http");
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.SERVICE, service);
    assertEquals("http", at(defaulted, "spec.ports.0.targetPort"));
    assertEquals("Cluster", at(defaulted, "spec.externalTrafficPolicy"));
    assertEquals("true", at(defaulted, "spec.allocateLoadBalancerNodePorts"));
  }

  @Test
  void secretIsOpaqueAndStringDataIsFoldedIntoData() {
    ObjectNode secret = Manifests.without(Manifests.secret(), "type");
    with(secret, "stringData", Map.of("username", "admin", "password", "s3cret"));
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.SECRET, secret);
    assertEquals("Opaque", at(defaulted, "type"));
    assertEquals("YWRtaW4=", at(defaulted, "data.username"));
    assertEquals("czNjcmV0", at(defaulted, "data.password"));
    assertFalse(defaulted.has("stringData"));
  }

  @Test
  void secretKeepsItsType() {
    ObjectNode secret = with(Manifests.secret(), "type", "kubernetes.io/tls");
    assertEquals("kubernetes.io/tls", at(Admission.applyDefaults(ResourceRegistry.SECRET, secret), "type"));
  }

  @Test
  void namespaceGetsKubernetesFinalizerActivePhaseAndNameLabel() {
    ObjectNode namespace = Admission.applyDefaults(ResourceRegistry.NAMESPACE, Manifests.namespace());
    assertEquals("[\"kubernetes\"]", at(namespace, "spec.finalizers"));
    assertEquals("Active", at(namespace, "status.phase"));
    assertEquals("team-a", namespace.at("/metadata/labels/kubernetes.io~1metadata.name").asText());
  }

  @Test
  void nodeAllocatableDefaultsToCapacity() {
    ObjectNode node = Admission.applyDefaults(ResourceRegistry.NODE, Manifests.node());
    assertEquals(node.at("/status/capacity"), node.at("/status/allocatable"));
    assertTrue(node.at("/status/allocatable/cpu").isTextual());
  }

  @Test
  void kindsWithoutDefaultsAreReturnedUnchanged() {
    ObjectNode configMap = Manifests.configMap();
    assertEquals(configMap, Admission.applyDefaults(ResourceRegistry.CONFIG_MAP, configMap));
    ObjectNode event = yaml("{kind: Event, metadata: {name: e, namespace: default}}");
    assertEquals(event, Admission.applyDefaults(ResourceRegistry.EVENT, event));
  }
}
