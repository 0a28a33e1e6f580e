package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetaValidationTest {

  @Test
  void invalidNameGivesTheApiserverMessageAndStatus() {
    ObjectNode pod = with(Manifests.pod(), "metadata.name", "Bad_Name");
    ApiException e = Manifests.rejected(ResourceRegistry.POD, Admission.applyDefaults(ResourceRegistry.POD, pod));
    assertEquals(422, e.code());
    String expected = "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case "
        + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
        + "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
        + "[a-z0-9])?)*')";
    assertEquals(List.of(new ApiException.Cause("FieldValueInvalid", expected, "metadata.name")), e.causes());
    assertEquals("Pod \"Bad_Name\" is invalid: metadata.name: " + expected, e.getMessage());
    assertEquals("Pod", e.toStatus().at("/details/kind").asText());
  }

  @Test
  void nameIsRequiredUnlessGenerateNameIsGiven() {
    ObjectNode pod = without(Manifests.pod(), "metadata.name");
    assertCause(problems(ResourceRegistry.POD, pod), "metadata.name", "FieldValueRequired",
        "Required value: name or generateName is required");
  }

  @Test
  void generateNamePrefixIsValidatedAllowingATrailingDash() {
    ObjectNode ok = with(Manifests.pod(), "metadata.generateName", "web-");
    Manifests.assertValid(ResourceRegistry.POD, ok);
    ObjectNode bad = with(Manifests.pod(), "metadata.generateName", "Web_");
    assertCause(problems(ResourceRegistry.POD, bad), "metadata.generateName", "FieldValueInvalid",
        "Invalid value: \"Web_\": a lowercase RFC 1123 subdomain");
  }

  @Test
  void namespaceAndServiceNamesAreLabelsWhileNodeNamesAreSubdomains() {
    assertCause(problems(ResourceRegistry.NAMESPACE, with(Manifests.namespace(), "metadata.name", "team.a")),
        "metadata.name", "FieldValueInvalid", "must not contain dots");
    assertCause(problems(ResourceRegistry.SERVICE, with(Manifests.service(), "metadata.name", "web.internal")),
        "metadata.name", "FieldValueInvalid", "a DNS-1035 label must consist of");
    assertCause(problems(ResourceRegistry.SERVICE, with(Manifests.service(), "metadata.name", "1web")),
        "metadata.name", "FieldValueInvalid", "start with an alphabetic character");
    Manifests.assertValid(ResourceRegistry.NODE, with(Manifests.node(), "metadata.name", "node-1.example.com"));
  }

  @Test
  void namespacedKindsNeedAValidNamespaceAndClusterKindsRefuseOne() {
    assertCause(problems(ResourceRegistry.CONFIG_MAP, without(Manifests.configMap(), "metadata.namespace")),
        "metadata.namespace", "FieldValueRequired", "Required value");
    assertCause(problems(ResourceRegistry.CONFIG_MAP, with(Manifests.configMap(), "metadata.namespace", "Team")),
        "metadata.namespace", "FieldValueInvalid", "a lowercase RFC 1123 label");
    assertCause(problems(ResourceRegistry.NODE, with(Manifests.node(), "metadata.namespace", "default")),
        "metadata.namespace", "FieldValueForbidden", "Forbidden: not allowed on this type");
  }

  @Test
  void labelKeysAndValuesAreCheckedAtTheLabelsPath() {
    ObjectNode pod = with(Manifests.pod(), "metadata.labels", Map.of("bad key", "ok"));
    assertCause(problems(ResourceRegistry.POD, pod), "metadata.labels", "FieldValueInvalid",
        "Invalid value: \"bad key\": name part must consist of alphanumeric characters");
    ObjectNode longValue = with(Manifests.pod(), "metadata.labels", Map.of("app", "v".repeat(64)));
    assertCause(problems(ResourceRegistry.POD, longValue), "metadata.labels", "FieldValueInvalid",
        "must be no more than 63 characters");
    ObjectNode badValue = with(Manifests.pod(), "metadata.labels", Map.of("app", "web!"));
    assertCause(problems(ResourceRegistry.POD, badValue), "metadata.labels", "FieldValueInvalid",
        "Invalid value: \"web!\": a valid label must be an empty string");
    ObjectNode badPrefix = with(Manifests.pod(), "metadata.labels", Map.of("Example.com/app", "web"));
    assertCause(problems(ResourceRegistry.POD, badPrefix), "metadata.labels", "FieldValueInvalid",
        "prefix part a lowercase RFC 1123 subdomain");
  }

  @Test
  void annotationKeysIgnoreCaseButMustBeQualified() {
    Manifests.assertValid(ResourceRegistry.POD, with(Manifests.pod(), "metadata.annotations",
        Map.of("Example.com/Owner", "x")));
    assertCause(problems(ResourceRegistry.POD, with(Manifests.pod(), "metadata.annotations", Map.of("a b", "x"))),
        "metadata.annotations", "FieldValueInvalid", "Invalid value: \"a b\"");
  }

  @Test
  void annotationsLargerThan256KiBAreTooLong() {
    ObjectNode pod = with(Manifests.pod(), "metadata.annotations", Map.of("big", "x".repeat(256 * 1024)));
    assertCause(problems(ResourceRegistry.POD, pod), "metadata.annotations", "FieldValueTooLong",
        "Too long: may not be more than 262144 bytes");
    ObjectNode fits = with(Manifests.pod(), "metadata.annotations", Map.of("big", "x".repeat(256 * 1024 - 3)));
    Manifests.assertValid(ResourceRegistry.POD, fits);
  }

  @Test
  void ownerReferenceFieldsAreRequired() {
    ObjectNode pod = with(Manifests.pod(), "metadata.ownerReferences", List.of(Map.of("kind", "ReplicaSet")));
    List<ApiException.Cause> causes = problems(ResourceRegistry.POD, pod);
    assertCause(causes, "metadata.ownerReferences.apiVersion", "FieldValueInvalid",
        "Invalid value: \"\": version must not be empty");
    assertCause(causes, "metadata.ownerReferences.name", "FieldValueInvalid", "must not be empty");
    assertCause(causes, "metadata.ownerReferences.uid", "FieldValueInvalid", "must not be empty");
  }

  @Test
  void onlyOneOwnerMayBeTheController() {
    Map<String, Object> first = Map.of("apiVersion", "apps/v1", "kind", "ReplicaSet", "name", "a", "uid", "1",
        "controller", true);
    Map<String, Object> second = Map.of("apiVersion", "apps/v1", "kind", "ReplicaSet", "name", "b", "uid", "2",
        "controller", true);
    ObjectNode pod = with(Manifests.pod(), "metadata.ownerReferences", List.of(first, second));
    assertCause(problems(ResourceRegistry.POD, pod), "metadata.ownerReferences", "FieldValueInvalid",
        "Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and "
            + "ReplicaSet/b");
  }

  @Test
  void finalizersMustBeQualifiedAndUnprefixedOnesStandard() {
    Manifests.assertValid(ResourceRegistry.CONFIG_MAP, with(Manifests.configMap(), "metadata.finalizers",
        List.of("example.com/cleanup", "foregroundDeletion")));
    List<ApiException.Cause> causes = problems(ResourceRegistry.CONFIG_MAP, with(Manifests.configMap(),
        "metadata.finalizers", List.of("cleanup", "bad/name/x")));
    assertCause(causes, "metadata.finalizers[0]", "FieldValueInvalid",
        "name is neither a standard finalizer name nor is it fully qualified");
    assertCause(causes, "metadata.finalizers", "FieldValueInvalid", "Invalid value: \"bad/name/x\": a qualified name");
  }

  @Test
  void nameAndNamespaceCannotChangeOnUpdate() {
    ObjectNode old = Manifests.configMap();
    ObjectNode renamed = with(Manifests.configMap(), "metadata.name", "other");
    assertCause(problems(ResourceRegistry.CONFIG_MAP, renamed, old), "metadata.name", "FieldValueInvalid",
        "Invalid value: \"other\": field is immutable");
    ObjectNode differentUid = with(Manifests.configMap(), "metadata.uid", "b");
    assertCause(problems(ResourceRegistry.CONFIG_MAP, differentUid, with(Manifests.configMap(), "metadata.uid", "a")),
        "metadata.uid", "FieldValueInvalid", "field is immutable");
    assertTrue(problems(ResourceRegistry.CONFIG_MAP, Manifests.configMap(),
        with(Manifests.configMap(), "metadata.uid", "a")).isEmpty(), "an update without uid keeps the stored one");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ObjectNode pod = with(Manifests.pod(), "metadata.name", "Bad_Name");
    with(pod, "metadata.labels", Map.of("app", "web!"));
    with(pod, "spec.containers.0.image", "");
    List<ApiException.Cause> causes = problems(ResourceRegistry.POD, pod);
    assertEquals(3, causes.size(), Manifests.describe(causes));
    ApiException e = Manifests.rejected(ResourceRegistry.POD, Admission.applyDefaults(ResourceRegistry.POD, pod));
    assertTrue(e.getMessage().startsWith("Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value:"),
        e.getMessage());
  }
}
