package io.drover.control.serviceaccount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The ServiceAccount admission plugin's decision, as a plain function of the pod and its ServiceAccount. */
class ServiceAccountAdmissionTest {
  private static final String MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

  static ObjectNode yaml(String text) {
    return (ObjectNode) yamlNode(text);
  }

  static JsonNode yamlNode(String text) {
    try {
      return Json.YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final ObjectNode DEFAULT_ACCOUNT = yaml("metadata: {name: default, namespace: team}");

  static ObjectNode pod(String spec) {
    return yaml("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: team}
        spec:
        """ + spec.indent(2));
  }

  static ObjectNode admit(ObjectNode pod, JsonNode account) {
    return ServiceAccountAdmission.mutate(pod, "team", account, () -> "x7b2q");
  }

  @Test
  void aPodWithoutServiceAccountRunsAsDefaultAndGetsTheTokenVolumeAsKubernetesShapesIt() {
    ObjectNode admitted = admit(pod("containers: [{name: app, image: busybox}]"), DEFAULT_ACCOUNT);
    assertEquals("default", admitted.at("/spec/serviceAccountName").asText());
    assertEquals("default", admitted.at("/spec/serviceAccount").asText(), "the deprecated alias mirrors it");
    assertEquals(yaml("""
        name: kube-api-access-x7b2q
        projected:
          sources:
          - serviceAccountToken: {expirationSeconds: 3607, path: token}
          - configMap:
              items: [{key: ca.crt, path: ca.crt}]
              name: kube-root-ca.crt
          - downwardAPI:
              items:
              - fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
                path: namespace
          defaultMode: 420
        """), admitted.at("/spec/volumes/0"));
    assertEquals(1, admitted.at("/spec/volumes").size());
    assertEquals(yaml("{name: kube-api-access-x7b2q, readOnly: true, mountPath: " + MOUNT + "}"),
        admitted.at("/spec/containers/0/volumeMounts/0"));
    assertFalse(admitted.at("/spec").has("imagePullSecrets"), "the ServiceAccount has none to give");
  }

  @Test
  void everyContainerAndInitContainerGetsTheMountUnlessItMountsSomethingThere() {
    ObjectNode admitted = admit(pod("""
        initContainers: [{name: init, image: busybox}]
        containers:
        - {name: app, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}
        - {name: own, image: busybox, volumeMounts: [{name: mine, mountPath: %s}]}
        volumes: [{name: data, emptyDir: {}}, {name: mine, emptyDir: {}}]
        """.formatted(MOUNT)), DEFAULT_ACCOUNT);
    assertEquals("kube-api-access-x7b2q", admitted.at("/spec/initContainers/0/volumeMounts/0/name").asText());
    assertEquals("data", admitted.at("/spec/containers/0/volumeMounts/0/name").asText());
    assertEquals("kube-api-access-x7b2q", admitted.at("/spec/containers/0/volumeMounts/1/name").asText());
    assertEquals(1, admitted.at("/spec/containers/1/volumeMounts").size(), "its own mount at the path stays alone");
    assertEquals("mine", admitted.at("/spec/containers/1/volumeMounts/0/name").asText());
    assertEquals(3, admitted.at("/spec/volumes").size());
  }

  @Test
  void noVolumeWhenEveryContainerMountsSomethingAtThePath() {
    ObjectNode admitted = admit(pod("""
        containers: [{name: app, image: busybox, volumeMounts: [{name: mine, mountPath: %s}]}]
        volumes: [{name: mine, emptyDir: {}}]
        """.formatted(MOUNT)), DEFAULT_ACCOUNT);
    assertEquals(1, admitted.at("/spec/volumes").size());
  }

  @Test
  void anExistingKubeApiAccessVolumeIsReusedNotDuplicated() {
    ObjectNode admitted = admit(pod("""
        containers: [{name: app, image: busybox}]
        volumes: [{name: kube-api-access-abcde, emptyDir: {}}]
        """), DEFAULT_ACCOUNT);
    assertEquals(1, admitted.at("/spec/volumes").size());
    assertEquals("kube-api-access-abcde", admitted.at("/spec/containers/0/volumeMounts/0/name").asText());
  }

  @Test
  void automountFalseOnThePodWinsOverTheServiceAccount() {
    ObjectNode account = yaml("{metadata: {name: default}, automountServiceAccountToken: true}");
    ObjectNode admitted = admit(pod("""
        automountServiceAccountToken: false
        containers: [{name: app, image: busybox}]
        """), account);
    assertFalse(admitted.at("/spec").has("volumes"));
    assertFalse(admitted.at("/spec/containers/0").has("volumeMounts"));
    assertEquals("default", admitted.at("/spec/serviceAccountName").asText());
  }

  @Test
  void automountFalseOnTheServiceAccountAppliesWhenThePodDoesNotSay() {
    ObjectNode account = yaml("{metadata: {name: quiet}, automountServiceAccountToken: false}");
    ObjectNode silent = admit(pod("{serviceAccountName: quiet, containers: [{name: app, image: busybox}]}"), account);
    assertFalse(silent.at("/spec").has("volumes"));
    ObjectNode asks = admit(pod("""
        serviceAccountName: quiet
        automountServiceAccountToken: true
        containers: [{name: app, image: busybox}]
        """), account);
    assertEquals(1, asks.at("/spec/volumes").size(), "the pod's own true wins");
  }

  @Test
  void aMissingServiceAccountIsForbiddenWithKubernetesMessage() {
    ApiException refused = assertThrows(ApiException.class,
        () -> admit(pod("{serviceAccountName: robot, containers: [{name: app, image: busybox}]}"), null));
    assertEquals(403, refused.code());
    assertEquals("Forbidden", refused.reason());
    assertEquals("pods \"web\" is forbidden: error looking up service account team/robot: serviceaccount \"robot\" "
        + "not found", refused.getMessage());
  }

  @Test
  void theDeprecatedServiceAccountFieldNamesTheAccountWhenServiceAccountNameIsUnset() {
    ObjectNode pod = pod("{serviceAccount: robot, containers: [{name: app, image: busybox}]}");
    assertEquals("robot", ServiceAccountAdmission.serviceAccountName(pod));
    ObjectNode admitted = admit(pod, yaml("metadata: {name: robot}"));
    assertEquals("robot", admitted.at("/spec/serviceAccountName").asText());
    assertEquals("robot", admitted.at("/spec/serviceAccount").asText());
  }

  @Test
  void imagePullSecretsComeFromTheServiceAccountOnlyWhenThePodHasNone() {
    ObjectNode account = yaml("{metadata: {name: default}, imagePullSecrets: [{name: registry}, {name: mirror}]}");
    ObjectNode copied = admit(pod("containers: [{name: app, image: busybox}]"), account);
    assertEquals(yamlNode("[{name: registry}, {name: mirror}]"), copied.at("/spec/imagePullSecrets"));
    ObjectNode own = admit(pod("""
        imagePullSecrets: [{name: mine}]
        containers: [{name: app, image: busybox}]
        """), account);
    assertEquals(yamlNode("[{name: mine}]"), own.at("/spec/imagePullSecrets"));
  }

  @Test
  void thePodGivenIsNotChanged() {
    ObjectNode pod = pod("containers: [{name: app, image: busybox}]");
    ObjectNode before = pod.deepCopy();
    admit(pod, DEFAULT_ACCOUNT);
    assertEquals(before, pod);
    assertTrue(ServiceAccountAdmission.automount(pod, DEFAULT_ACCOUNT));
  }
}
