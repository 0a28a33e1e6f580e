package io.drover.control.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The default roles and bindings, and what they let users do once aggregated. */
class BootstrapPolicyTest {
  private static final RbacAuthorizer AUTHORIZER = new RbacAuthorizer(BootstrapPolicy.source());
  private static final List<String> AUTHENTICATED = List.of("system:authenticated");

  private static boolean allowed(String user, List<String> groups, String verb, String group, String resource,
      String subresource, String namespace) {
    return AUTHORIZER.authorize(Attributes.resource(user, groups, verb, group, resource, subresource, namespace, ""))
        .allowed();
  }

  private static ClusterRole aggregated(String name) {
    return ClusterRoleAggregation.aggregate(BootstrapPolicy.clusterRoles()).stream()
        .filter(r -> r.getMetadata().getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void everyObjectIsLabelledAndAnnotatedAsADefault() {
    Stream.concat(BootstrapPolicy.clusterRoles().stream(), BootstrapPolicy.clusterRoleBindings().stream())
        .map(HasMetadata::getMetadata)
        .forEach(meta -> {
          assertEquals("rbac-defaults", meta.getLabels().get("kubernetes.io/bootstrapping"), meta.getName());
          assertEquals("true", meta.getAnnotations().get("rbac.authorization.kubernetes.io/autoupdate"),
              meta.getName());
        });
    assertEquals(List.of("cluster-admin", "system:discovery", "system:basic-user", "system:public-info-viewer",
        "admin", "edit", "view", "system:aggregate-to-admin", "system:aggregate-to-edit", "system:aggregate-to-view"),
        BootstrapPolicy.clusterRoles().stream().map(r -> r.getMetadata().getName()).toList());
  }

  @Test
  void rulesAreSortedAsTheRuleBuilderSortsThem() {
    PolicyRule readPods = BootstrapPolicy.clusterRoles().stream()
        .filter(r -> r.getMetadata().getName().equals("system:aggregate-to-view")).findFirst().orElseThrow()
        .getRules().get(0);
    assertEquals(List.of("get", "list", "watch"), readPods.getVerbs());
    assertEquals(List.of("configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
        "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"),
        readPods.getResources());
  }

  @Test
  void adminEditAndViewAreAggregatedAlongTheirChain() {
    ClusterRole view = aggregated("view");
    ClusterRole edit = aggregated("edit");
    ClusterRole admin = aggregated("admin");
    assertNotNull(view.getAggregationRule());
    assertEquals("true", edit.getMetadata().getLabels().get(BootstrapPolicy.AGGREGATE_TO_ADMIN));
    assertEquals("true", view.getMetadata().getLabels().get(BootstrapPolicy.AGGREGATE_TO_EDIT));
    assertEquals(10, view.getRules().size());
    assertEquals(13 + 10, edit.getRules().size(), "edit is system:aggregate-to-edit plus view");
    assertEquals(2 + 13 + 10, admin.getRules().size(), "admin is system:aggregate-to-admin plus edit");
    assertNull(BootstrapPolicy.clusterRoles().stream().filter(r -> r.getMetadata().getName().equals("admin"))
        .findFirst().orElseThrow().getRules().stream().findAny().orElse(null), "created without rules");
  }

  @Test
  void mastersMayDoAnything() {
    assertTrue(allowed("root", List.of("system:masters"), "escalate", "rbac.authorization.k8s.io", "clusterroles", "",
        ""));
    assertTrue(AUTHORIZER.authorize(Attributes.nonResource("root", List.of("system:masters"), "post", "/any"))
        .allowed());
  }

  @Test
  void everyAuthenticatedUserMayDiscoverAndReviewThemselves() {
    for (String path : List.of("/api", "/api/v1", "/apis/apps/v1", "/version", "/healthz", "/openapi/v3")) {
      assertTrue(AUTHORIZER.authorize(Attributes.nonResource("jane", AUTHENTICATED, "get", path)).allowed(), path);
    }
    assertTrue(allowed("jane", AUTHENTICATED, "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", ""));
    assertTrue(allowed("jane", AUTHENTICATED, "create", "authorization.k8s.io", "selfsubjectrulesreviews", "", ""));
    assertTrue(allowed("jane", AUTHENTICATED, "create", "authentication.k8s.io", "selfsubjectreviews", "", ""));
    assertFalse(allowed("jane", AUTHENTICATED, "create", "authorization.k8s.io", "subjectaccessreviews", "", ""));
    assertFalse(allowed("jane", AUTHENTICATED, "list", "", "pods", "", "default"), "nothing more by default");
  }

  @Test
  void anonymousUsersOnlySeePublicInformation() {
    List<String> anonymous = List.of("system:unauthenticated");
    assertTrue(AUTHORIZER.authorize(Attributes.nonResource("system:anonymous", anonymous, "get", "/readyz"))
        .allowed());
    assertEquals("RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole "
        + "\"system:public-info-viewer\" to Group \"system:unauthenticated\"", AUTHORIZER.authorize(
            Attributes.nonResource("system:anonymous", anonymous, "get", "/version")).reason());
    assertFalse(AUTHORIZER.authorize(Attributes.nonResource("system:anonymous", anonymous, "get", "/api")).allowed());
  }

  @Test
  void viewReadsButEditWritesAndOnlyAdminGrants() {
    RbacAuthorizer bound = new RbacAuthorizer(PolicySource.of(List.of(), List.of(
            RbacAuthorizerTest.binding("dev", "viewers", "ClusterRole", "view", "- {kind: User, name: viewer}\n"),
            RbacAuthorizerTest.binding("dev", "editors", "ClusterRole", "edit", "- {kind: User, name: editor}\n"),
            RbacAuthorizerTest.binding("dev", "admins", "ClusterRole", "admin", "- {kind: User, name: admin}\n")),
        ClusterRoleAggregation.aggregate(BootstrapPolicy.clusterRoles()), List.of()));
    for (String user : List.of("viewer", "editor", "admin")) {
      assertTrue(bound.authorize(Attributes.resource(user, AUTHENTICATED, "list", "apps", "deployments", "", "dev",
          "")).allowed(), user);
      assertTrue(bound.authorize(Attributes.resource(user, AUTHENTICATED, "get", "", "pods", "log", "dev", "p"))
          .allowed(), user);
    }
    assertFalse(bound.authorize(Attributes.resource("viewer", AUTHENTICATED, "get", "", "secrets", "", "dev", "s"))
        .allowed(), "view does not read secrets");
    assertFalse(bound.authorize(Attributes.resource("viewer", AUTHENTICATED, "create", "", "pods", "", "dev", ""))
        .allowed());
    assertTrue(bound.authorize(Attributes.resource("editor", AUTHENTICATED, "create", "", "pods", "exec", "dev", "p"))
        .allowed());
    assertFalse(bound.authorize(Attributes.resource("editor", AUTHENTICATED, "create", "rbac.authorization.k8s.io",
        "rolebindings", "", "dev", "")).allowed());
    assertTrue(bound.authorize(Attributes.resource("admin", AUTHENTICATED, "create", "rbac.authorization.k8s.io",
        "rolebindings", "", "dev", "")).allowed());
    assertFalse(bound.authorize(Attributes.resource("editor", AUTHENTICATED, "update", "", "resourcequotas", "",
        "dev", "q")).allowed(), "quotas are the namespace owner's");
  }
}
