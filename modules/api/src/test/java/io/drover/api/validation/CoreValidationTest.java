package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ConfigMap, Secret, Namespace, Node and Event. */
class CoreValidationTest {

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void validObjectsPass() {
    Manifests.assertValid(ResourceRegistry.CONFIG_MAP, Manifests.configMap());
    Manifests.assertValid(ResourceRegistry.SECRET, Manifests.secret());
    Manifests.assertValid(ResourceRegistry.NAMESPACE, Manifests.namespace());
    Manifests.assertValid(ResourceRegistry.NODE, Manifests.node());
    Manifests.assertValid(ResourceRegistry.EVENT, Manifests.event());
  }

  @Test
  void configMapKeysMustBeValid() {
    ObjectNode configMap = with(Manifests.configMap(), "data", Map.of("bad key", "v"));
    assertCause(problems(ResourceRegistry.CONFIG_MAP, configMap), "data[bad key]", "FieldValueInvalid",
        "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    ObjectNode longKey = with(Manifests.configMap(), "binaryData", Map.of("k".repeat(254), "aGVsbG8="));
    assertCause(problems(ResourceRegistry.CONFIG_MAP, longKey), "binaryData[" + "k".repeat(254) + "]",
        "FieldValueInvalid", "must be no more than 253 characters");
  }

  @Test
  void configMapKeyMayNotBeInBothDataAndBinaryData() {
    ObjectNode configMap = with(Manifests.configMap(), "binaryData", Map.of("key.name", "aGVsbG8="));
    assertCause(problems(ResourceRegistry.CONFIG_MAP, configMap), "data[key.name]", "FieldValueInvalid",
        "duplicate of key present in binaryData");
  }

  @Test
  void configMapLargerThanOneMebibyteIsTooLong() {
    ObjectNode configMap = with(Manifests.configMap(), "data", Map.of("big", "x".repeat(1024 * 1024 + 1)));
    assertCause(problems(ResourceRegistry.CONFIG_MAP, configMap), "", "FieldValueTooLong",
        "Too long: may not be more than 1048576 bytes");
  }

  @Test
  void immutableConfigMapDataCannotChange() {
    ObjectNode old = with(Manifests.configMap(), "immutable", true);
    ObjectNode changed = with(with(Manifests.configMap(), "immutable", true), "data", Map.of("key.name", "new"));
    assertCause(problems(ResourceRegistry.CONFIG_MAP, changed, old), "data", "FieldValueForbidden",
        "Forbidden: field is immutable when `immutable` is set");
    assertCause(problems(ResourceRegistry.CONFIG_MAP, Manifests.configMap(), old), "immutable",
        "FieldValueForbidden", "field is immutable when `immutable` is set");
    ObjectNode relabelled = with(old.deepCopy(), "metadata.labels", Map.of("app", "web"));
    assertEquals(List.of(), problems(ResourceRegistry.CONFIG_MAP, relabelled, old));
    ObjectNode mutable = with(Manifests.configMap(), "data", Map.of("key.name", "new"));
    assertEquals(List.of(), problems(ResourceRegistry.CONFIG_MAP, mutable, Manifests.configMap()));
  }

  @Test
  void secretKeysAndSizeAreChecked() {
    assertCause(problems(ResourceRegistry.SECRET, with(Manifests.secret(), "data", Map.of("a/b", "eA=="))),
        "data[a/b]", "FieldValueInvalid", "a valid config key");
    String big = Base64.getEncoder().encodeToString(new byte[1024 * 1024 + 1]);
    assertCause(problems(ResourceRegistry.SECRET, with(Manifests.secret(), "data", Map.of("big", big))), "data",
        "FieldValueTooLong", "Too long: may not be more than 1048576 bytes");
  }

  @Test
  void tlsSecretNeedsCertificateAndKey() {
    ObjectNode secret = with(Manifests.secret(), "type", "kubernetes.io/tls");
    List<ApiException.Cause> causes = problems(ResourceRegistry.SECRET, secret);
    assertCause(causes, "data[tls.crt]", "FieldValueRequired", "Required value");
    assertCause(causes, "data[tls.key]", "FieldValueRequired", "Required value");
    with(secret, "data", Map.of("tls.crt", base64("cert"), "tls.key", base64("key")));
    Manifests.assertValid(ResourceRegistry.SECRET, secret);
  }

  @Test
  void dockerConfigJsonSecretNeedsItsKeyHoldingJson() {
    ObjectNode secret = with(Manifests.secret(), "type", "kubernetes.io/dockerconfigjson");
    assertCause(problems(ResourceRegistry.SECRET, secret), "data[.dockerconfigjson]", "FieldValueRequired",
        "Required value");
    with(secret, "data", Map.of(".dockerconfigjson", base64("not json")));
    assertCause(problems(ResourceRegistry.SECRET, secret), "data[.dockerconfigjson]", "FieldValueInvalid",
        "Invalid value: \"<secret contents redacted>\": invalid character 'n' looking for beginning of value");
    with(secret, "data", Map.of(".dockerconfigjson", base64("{\"auths\":{}}")));
    Manifests.assertValid(ResourceRegistry.SECRET, secret);
  }

  @Test
  void otherTypedSecretsNeedTheirKeys() {
    ObjectNode basicAuth = with(without(Manifests.secret(), "data"), "type", "kubernetes.io/basic-auth");
    List<ApiException.Cause> basic = problems(ResourceRegistry.SECRET, basicAuth);
    assertCause(basic, "data[username]", "FieldValueRequired", "Required value");
    assertCause(basic, "data[password]", "FieldValueRequired", "Required value");
    // Either key alone is enough.
    Manifests.assertValid(ResourceRegistry.SECRET, with(Manifests.secret(), "type", "kubernetes.io/basic-auth"));
    assertCause(problems(ResourceRegistry.SECRET, with(Manifests.secret(), "type", "kubernetes.io/ssh-auth")),
        "data[ssh-privatekey]", "FieldValueRequired", "Required value");
    assertCause(problems(ResourceRegistry.SECRET,
        with(Manifests.secret(), "type", "kubernetes.io/service-account-token")),
        "metadata.annotations[kubernetes.io/service-account.name]", "FieldValueRequired", "Required value");
  }

  @Test
  void secretTypeCannotChangeAndImmutableDataStays() {
    ObjectNode retyped = with(Manifests.secret(), "type", "example.com/custom");
    assertCause(problems(ResourceRegistry.SECRET, retyped, Manifests.secret()), "type", "FieldValueInvalid",
        "Invalid value: \"example.com/custom\": field is immutable");
    ObjectNode old = with(Manifests.secret(), "immutable", true);
    ObjectNode changed = with(with(Manifests.secret(), "immutable", true), "data.password", base64("other"));
    assertCause(problems(ResourceRegistry.SECRET, changed, old), "data", "FieldValueForbidden",
        "field is immutable when `immutable` is set");
  }

  @Test
  void namespaceFinalizersMustBeQualified() {
    ObjectNode namespace = with(Manifests.namespace(), "spec.finalizers", List.of("kubernetes", "custom"));
    assertCause(problems(ResourceRegistry.NAMESPACE, namespace), "spec.finalizers", "FieldValueInvalid",
        "Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified");
  }

  @Test
  void nodeCapacityQuantitiesAreNonNegativeAndCountsWhole() {
    ObjectNode node = with(Manifests.node(), "status.capacity.memory", "-1Gi");
    assertCause(problems(ResourceRegistry.NODE, node), "status.capacity.memory", "FieldValueInvalid",
        "Invalid value: \"-1Gi\": must be greater than or equal to 0");
    ObjectNode fractionalPods = with(Manifests.node(), "status.allocatable", Map.of("pods", "1.5"));
    assertCause(problems(ResourceRegistry.NODE, fractionalPods), "status.allocatable.pods", "FieldValueInvalid",
        "must be an integer");
  }

  @Test
  void nodeTaintsNeedAnEffectAndAreUniquePerKeyAndEffect() {
    ObjectNode node = with(Manifests.node(), "spec.taints", List.of(Map.of("key", "dedicated", "value", "gpu")));
    assertCause(problems(ResourceRegistry.NODE, node), "metadata.taints[0].effect", "FieldValueRequired",
        "Required value");
    Map<String, Object> taint = Map.of("key", "dedicated", "effect", "NoSchedule");
    ObjectNode twice = with(Manifests.node(), "spec.taints", List.of(taint, taint));
    assertCause(problems(ResourceRegistry.NODE, twice), "metadata.taints[1]", "FieldValueDuplicate",
        "taints must be unique by key and effect pair");
  }

  @Test
  void nodeProviderIdIsSetOnce() {
    ObjectNode old = with(Manifests.node(), "spec.providerID", "drover://a");
    ObjectNode changed = with(Manifests.node(), "spec.providerID", "drover://b");
    assertCause(problems(ResourceRegistry.NODE, changed, old), "spec.providerID", "FieldValueForbidden",
        "node updates may not change providerID except from \"\" to valid");
    ObjectNode cordoned = with(old.deepCopy(), "spec.unschedulable", true);
    assertEquals(List.of(), problems(ResourceRegistry.NODE, cordoned, old));
  }

  @Test
  void eventNamespaceMustMatchItsObject() {
    ObjectNode event = with(Manifests.event(), "involvedObject.namespace", "other");
    assertCause(problems(ResourceRegistry.EVENT, event), "involvedObject.namespace", "FieldValueInvalid",
        "Invalid value: \"other\": does not match event.namespace");
    ObjectNode clusterObject = without(Manifests.event(), "involvedObject.namespace");
    with(clusterObject, "involvedObject.kind", "Node");
    Manifests.assertValid(ResourceRegistry.EVENT, clusterObject);
  }

  @Test
  void newStyleEventsNeedReportingFields() {
    ObjectNode event = with(Manifests.event(), "eventTime", "2025-01-01T00:00:00.000000Z");
    List<ApiException.Cause> causes = problems(ResourceRegistry.EVENT, event);
    assertCause(causes, "reportingComponent", "FieldValueRequired", "Required value");
    assertCause(causes, "reportingInstance", "FieldValueRequired", "Required value");
    assertCause(causes, "action", "FieldValueRequired", "Required value");
  }

  @Test
  void eventNamesOnlyAvoidPathSeparators() {
    Manifests.assertValid(ResourceRegistry.EVENT, with(Manifests.event(), "metadata.name", "Web-0.Started"));
    assertCause(problems(ResourceRegistry.EVENT, with(Manifests.event(), "metadata.name", "a/b")), "metadata.name",
        "FieldValueInvalid", "may not contain '/'");
  }

  @Test
  void serviceAccountNamesAreDnsSubdomains() {
    Manifests.assertValid(ResourceRegistry.SERVICE_ACCOUNT, Manifests.serviceAccount());
    assertCause(problems(ResourceRegistry.SERVICE_ACCOUNT, with(Manifests.serviceAccount(), "metadata.name", "Bad_SA")),
        "metadata.name", "FieldValueInvalid", "Invalid value: \"Bad_SA\": a lowercase RFC 1123 subdomain");
  }
}
