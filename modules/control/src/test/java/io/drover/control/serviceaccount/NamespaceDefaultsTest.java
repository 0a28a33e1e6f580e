package io.drover.control.serviceaccount;

import static io.drover.control.serviceaccount.ServiceAccountAdmissionTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the ServiceAccount controller and the root CA publisher decide for one namespace. */
class NamespaceDefaultsTest {
  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  static final ObjectNode TEAM = yaml("metadata: {name: team}");

  static ObjectNode rootCa(String data, String annotations) {
    return yaml("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: kube-root-ca.crt, namespace: team, resourceVersion: "12", annotations: %s}
        data: %s
        """.formatted(annotations, data));
  }

  @Test
  void aNewNamespaceGetsTheDefaultServiceAccountAndTheRootCa() {
    List<NamespaceDefaults.Action> actions = NamespaceDefaults.reconcile(TEAM, null, null, CA);
    assertEquals(2, actions.size());
    ObjectNode account = assertInstanceOf(NamespaceDefaults.CreateServiceAccount.class, actions.get(0))
        .serviceAccount();
    assertEquals(yaml("{apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: team}}"), account);
    ObjectNode configMap = assertInstanceOf(NamespaceDefaults.CreateConfigMap.class, actions.get(1)).configMap();
    assertEquals(CA, configMap.at("/data/ca.crt").asText());
    assertEquals("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
        + "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
        + "distributions of Kubernetes clusters.",
        configMap.at("/metadata/annotations/kubernetes.io~1description").asText());
  }

  @Test
  void nothingIsDoneWhenBothAreInPlace() {
    ObjectNode good = NamespaceDefaults.rootCaConfigMap("team", CA);
    assertTrue(NamespaceDefaults.reconcile(TEAM, yaml("metadata: {name: default}"), good, CA).isEmpty());
    ObjectNode otherDescription = rootCa("{ca.crt: " + quoted(CA) + "}", "{kubernetes.io/description: mine}");
    assertTrue(NamespaceDefaults.reconcile(TEAM, yaml("metadata: {name: default}"), otherDescription, CA).isEmpty(),
        "any description will do, as for the publisher");
  }

  @Test
  void aChangedRootCaIsRestoredKeepingItsMetadata() {
    ObjectNode changed = rootCa("{ca.crt: forged, extra: x}", "{owner: me}");
    List<NamespaceDefaults.Action> actions = NamespaceDefaults.reconcile(TEAM, yaml("metadata: {name: default}"),
        changed, CA);
    ObjectNode repaired = assertInstanceOf(NamespaceDefaults.UpdateConfigMap.class, actions.get(0)).configMap();
    assertEquals(yaml("{ca.crt: " + quoted(CA) + "}"), repaired.get("data"));
    assertEquals("me", repaired.at("/metadata/annotations/owner").asText());
    assertEquals("12", repaired.at("/metadata/resourceVersion").asText(), "the update is conditional on what was read");
    assertTrue(!repaired.at("/metadata/annotations/kubernetes.io~1description").asText().isEmpty());
  }

  @Test
  void aDeletedServiceAccountIsCreatedAgainButNotInATerminatingNamespace() {
    ObjectNode rootCa = NamespaceDefaults.rootCaConfigMap("team", CA);
    assertInstanceOf(NamespaceDefaults.CreateServiceAccount.class,
        NamespaceDefaults.reconcile(TEAM, null, rootCa, CA).get(0));
    ObjectNode terminating = yaml("{metadata: {name: team, deletionTimestamp: '2026-01-01T00:00:00Z'}}");
    assertTrue(NamespaceDefaults.reconcile(terminating, null, null, CA).isEmpty());
    assertTrue(NamespaceDefaults.reconcile(null, null, null, CA).isEmpty());
  }

  /** The text as a double-quoted scalar, for the YAML flow mappings above. */
  private static String quoted(String text) {
    return io.drover.api.Json.MAPPER.valueToTree(text).toString();
  }
}
