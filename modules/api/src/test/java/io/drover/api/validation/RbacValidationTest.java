package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Roles, ClusterRoles and bindings are checked with pkg/apis/rbac/validation's messages. */
class RbacValidationTest {

  @Test
  void validObjectsPass() {
    Manifests.assertValid(ResourceRegistry.ROLE, Manifests.role());
    Manifests.assertValid(ResourceRegistry.CLUSTER_ROLE, Manifests.clusterRole());
    Manifests.assertValid(ResourceRegistry.ROLE_BINDING, Manifests.roleBinding());
    Manifests.assertValid(ResourceRegistry.CLUSTER_ROLE_BINDING, Manifests.clusterRoleBinding());
  }

  @Test
  void bindingsDefaultTheirGroupsAsTheV1Defaulters() {
    ObjectNode binding = Admission.applyDefaults(ResourceRegistry.ROLE_BINDING, Manifests.roleBinding());
    assertEquals(ResourceRegistry.RBAC_GROUP, binding.at("/roleRef/apiGroup").asText());
    assertEquals(ResourceRegistry.RBAC_GROUP, binding.at("/subjects/0/apiGroup").asText());
    assertEquals(ResourceRegistry.RBAC_GROUP, binding.at("/subjects/1/apiGroup").asText());
    assertFalse(binding.at("/subjects/2").has("apiGroup"), "a ServiceAccount's group stays empty");
  }

  @Test
  void aRuleNeedsVerbsAndEitherResourcesOrUrls() {
    ObjectNode role = with(Manifests.role(), "rules", List.of(Map.of(), Map.of("verbs", List.of("get"),
        "resources", List.of("pods"))));
    List<ApiException.Cause> causes = problems(ResourceRegistry.ROLE, role);
    assertCause(causes, "rules[0].verbs", "FieldValueRequired",
        "Required value: verbs must contain at least one value");
    assertCause(causes, "rules[0].apiGroups", "FieldValueRequired",
        "resource rules must supply at least one api group");
    assertCause(causes, "rules[0].resources", "FieldValueRequired", "resource rules must supply at least one resource");
    assertCause(causes, "rules[1].apiGroups", "FieldValueRequired", "at least one api group");
    assertEquals(4, causes.size(), Manifests.describe(causes));
  }

  @Test
  void aRoleCannotNameNonResourceUrls() {
    ObjectNode role = with(Manifests.role(), "rules", List.of(Map.of("verbs", List.of("get"),
        "nonResourceURLs", List.of("/healthz", "/livez"))));
    ApiException.Cause cause = assertCause(problems(ResourceRegistry.ROLE, role), "rules[0].nonResourceURLs",
        "FieldValueInvalid", "");
    assertEquals("Invalid value: []string{\"/healthz\", \"/livez\"}: namespaced rules cannot apply to non-resource "
        + "URLs", cause.message());
  }

  @Test
  void aClusterRoleRuleCannotMixUrlsAndResources() {
    ObjectNode role = with(Manifests.clusterRole(), "rules", List.of(Map.of("verbs", List.of("get"),
        "nonResourceURLs", List.of("/healthz"), "resources", List.of("pods"))));
    assertCause(problems(ResourceRegistry.CLUSTER_ROLE, role), "rules[0].nonResourceURLs", "FieldValueInvalid",
        "[]string{\"/healthz\"}: rules cannot apply to both regular resources and non-resource URLs");
  }

  @Test
  void anAggregationRuleNeedsValidSelectors() {
    ObjectNode empty = with(Manifests.clusterRole(), "aggregationRule", Map.of("clusterRoleSelectors", List.of()));
    assertCause(problems(ResourceRegistry.CLUSTER_ROLE, empty), "aggregationRule.clusterRoleSelectors",
        "FieldValueRequired", "at least one clusterRoleSelector required if aggregationRule is non-nil");
    ObjectNode bad = with(Manifests.clusterRole(), "aggregationRule", Map.of("clusterRoleSelectors",
        List.of(Map.of("matchExpressions", List.of(Map.of("key", "tier", "operator", "Near"))))));
    assertCause(problems(ResourceRegistry.CLUSTER_ROLE, bad),
        "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator", "FieldValueInvalid",
        "not a valid selector operator");
  }

  @Test
  void namesOnlyNeedToBePathSegments() {
    Manifests.assertValid(ResourceRegistry.CLUSTER_ROLE, with(Manifests.clusterRole(), "metadata.name",
        "system:Odd_Name"));
    assertCause(problems(ResourceRegistry.ROLE, with(Manifests.role(), "metadata.name", "a/b")), "metadata.name",
        "FieldValueInvalid", "may not contain '/'");
  }

  @Test
  void roleRefMustNameARoleOfTheRbacGroup() {
    ObjectNode binding = with(Manifests.roleBinding(), "roleRef", Map.of("apiGroup", "apps", "kind", "Deployment"));
    List<ApiException.Cause> causes = problems(ResourceRegistry.ROLE_BINDING, binding);
    assertCause(causes, "roleRef.apiGroup", "FieldValueNotSupported",
        "Unsupported value: \"apps\": supported values: \"rbac.authorization.k8s.io\"");
    assertCause(causes, "roleRef.kind", "FieldValueNotSupported",
        "Unsupported value: \"Deployment\": supported values: \"Role\", \"ClusterRole\"");
    assertCause(causes, "roleRef.name", "FieldValueRequired", "Required value");

    ObjectNode cluster = with(Manifests.clusterRoleBinding(), "roleRef.kind", "Role");
    assertCause(problems(ResourceRegistry.CLUSTER_ROLE_BINDING, cluster), "roleRef.kind", "FieldValueNotSupported",
        "supported values: \"ClusterRole\"");
  }

  @Test
  void roleRefCannotChange() {
    ObjectNode old = Manifests.roleBinding();
    ObjectNode changed = with(Manifests.roleBinding(), "roleRef", Map.of("kind", "ClusterRole", "name", "view"));
    ApiException.Cause cause = assertCause(problems(ResourceRegistry.ROLE_BINDING, changed, old), "roleRef",
        "FieldValueInvalid", "cannot change roleRef");
    assertEquals("Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", "
        + "Name:\"view\"}: cannot change roleRef", cause.message());
    // Leaving out the defaulted group is no change.
    assertTrue(problems(ResourceRegistry.ROLE_BINDING, Manifests.roleBinding(),
        Admission.applyDefaults(ResourceRegistry.ROLE_BINDING, old)).isEmpty());
  }

  @Test
  void subjectsAreCheckedByKind() {
    ObjectNode binding = with(Manifests.clusterRoleBinding(), "subjects", List.of(
        Map.of("kind", "ServiceAccount", "name", "Bad_Name", "apiGroup", "v1"),
        Map.of("kind", "User", "name", "jane", "apiGroup", "example.com"),
        Map.of("kind", "Robot", "name", "r2"),
        Map.of("kind", "Group")));
    List<ApiException.Cause> causes = problems(ResourceRegistry.CLUSTER_ROLE_BINDING, binding);
    assertCause(causes, "subjects[0].name", "FieldValueInvalid", "a lowercase RFC 1123 subdomain");
    assertCause(causes, "subjects[0].apiGroup", "FieldValueNotSupported", "supported values: \"\"");
    assertCause(causes, "subjects[0].namespace", "FieldValueRequired", "Required value");
    assertCause(causes, "subjects[1].apiGroup", "FieldValueNotSupported", "\"rbac.authorization.k8s.io\"");
    assertCause(causes, "subjects[2].kind", "FieldValueNotSupported",
        "supported values: \"ServiceAccount\", \"User\", \"Group\"");
    assertCause(causes, "subjects[3].name", "FieldValueRequired", "Required value");

    // In a RoleBinding a ServiceAccount without namespace is the binding's namespace's.
    Manifests.assertValid(ResourceRegistry.ROLE_BINDING, without(Manifests.roleBinding(), "subjects.2.apiGroup"));
  }
}
