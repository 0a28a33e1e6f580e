package io.drover.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decode, default and validate in the apiserver's order, on objects as kubectl sends them. */
class PipelineTest {

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectNode admit(ResourceType type, ObjectNode object) {
    assertEquals(List.of(), Admission.unknownFields(type, object), type.kind());
    ObjectNode defaulted = Admission.applyDefaults(type, object);
    Admission.validate(type, defaulted, null);
    return defaulted;
  }

  @Test
  void kubectlCreateDeploymentIsAdmitted() {
    ObjectNode deployment = json("""
        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"nginx","namespace":"default",
        "creationTimestamp":null,"labels":{"app":"nginx"}},"spec":{"replicas":1,"selector":{"matchLabels":
        {"app":"nginx"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"nginx"}},"spec":
        {"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}}""");
    ObjectNode admitted = admit(ResourceRegistry.DEPLOYMENT, deployment);
    assertEquals("RollingUpdate", admitted.at("/spec/strategy/type").asText());
  }

  @Test
  void kubectlRunPodIsAdmitted() {
    ObjectNode pod = json("""
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"busybox","namespace":"default","creationTimestamp":null,
        "labels":{"run":"busybox"}},"spec":{"containers":[{"name":"busybox","image":"busybox","args":["sleep","3600"],
        "resources":{}}],"restartPolicy":"Never","dnsPolicy":"ClusterFirst"},"status":{}}""");
    ObjectNode admitted = admit(ResourceRegistry.POD, pod);
    assertEquals("Never", admitted.at("/spec/restartPolicy").asText());
  }

  @Test
  void kubectlCreateServiceConfigMapSecretAndNamespaceAreAdmitted() {
    admit(ResourceRegistry.SERVICE, json("""
        {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default","creationTimestamp":null,
        "labels":{"app":"web"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
        "selector":{"app":"web"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}"""));
    admit(ResourceRegistry.CONFIG_MAP, json("""
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cfg","namespace":"default",
        "creationTimestamp":null},"data":{"mode":"fast"}}"""));
    admit(ResourceRegistry.SECRET, json("""
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"creds","namespace":"default",
        "creationTimestamp":null},"data":{"password":"czNjcmV0"}}"""));
    admit(ResourceRegistry.NAMESPACE, json("""
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","creationTimestamp":null},
        "spec":{},"status":{}}"""));
  }

  @Test
  void defaultingTwiceChangesNothing() {
    for (ResourceType type : ResourceRegistry.ALL) {
      ObjectNode object = switch (type.kind()) {
        case "Namespace" -> Manifests.namespace();
        case "Node" -> Manifests.node();
        case "ConfigMap" -> Manifests.configMap();
        case "Secret" -> Manifests.secret();
        case "Pod" -> Manifests.pod();
        case "Event" -> Manifests.event();
        case "Service" -> Manifests.service();
        case "Deployment" -> Manifests.deployment();
        case "Job" -> Manifests.job();
        case "DaemonSet" -> Manifests.daemonSet();
        case "CronJob" -> Manifests.cronJob();
        case "PodDisruptionBudget" -> Manifests.podDisruptionBudget();
        case "StatefulSet" -> Manifests.statefulSet();
        case "Endpoints" -> Manifests.endpoints();
        case "EndpointSlice" -> Manifests.endpointSlice();
        case "PersistentVolumeClaim" -> Manifests.persistentVolumeClaim();
        case "PersistentVolume" -> Manifests.persistentVolume();
        case "StorageClass" -> Manifests.storageClass();
        case "ResourceQuota" -> Manifests.resourceQuota();
        case "LimitRange" -> Manifests.limitRange();
        case "ServiceAccount" -> Manifests.serviceAccount();
        case "ControllerRevision" -> Manifests.controllerRevision();
        case "HorizontalPodAutoscaler" -> Manifests.horizontalPodAutoscaler();
        case "Role" -> Manifests.role();
        case "ClusterRole" -> Manifests.clusterRole();
        case "RoleBinding" -> Manifests.roleBinding();
        case "ClusterRoleBinding" -> Manifests.clusterRoleBinding();
        default -> Manifests.replicaSet();
      };
      ObjectNode once = admit(type, object);
      assertEquals(once, Admission.applyDefaults(type, once), type.kind());
      Admission.validate(type, once, once);
    }
  }
}
