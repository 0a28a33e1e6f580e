package io.drover.control.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.drover.api.Json;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The RBAC authorizer over plain lists of roles and bindings, with kube-apiserver's semantics and reasons. */
class RbacAuthorizerTest {
  private static final List<String> AUTHENTICATED = List.of("system:authenticated");

  static <T> T yaml(String text, Class<T> type) {
    try {
      return Json.YAML.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ClusterRole clusterRole(String name, String rules) {
    return yaml("metadata: {name: \"" + name + "\"}\nrules:\n" + rules, ClusterRole.class);
  }

  static Role role(String namespace, String name, String rules) {
    return yaml("metadata: {name: " + name + ", namespace: " + namespace + "}\nrules:\n" + rules, Role.class);
  }

  static ClusterRoleBinding clusterBinding(String name, String roleName, String subjects) {
    return yaml("metadata: {name: \"" + name + "\"}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole,"
        + " name: \"" + roleName + "\"}\nsubjects:\n" + subjects, ClusterRoleBinding.class);
  }

  static RoleBinding binding(String namespace, String name, String roleKind, String roleName, String subjects) {
    return yaml("metadata: {name: " + name + ", namespace: " + namespace + "}\nroleRef: {apiGroup: "
        + "rbac.authorization.k8s.io, kind: " + roleKind + ", name: \"" + roleName + "\"}\nsubjects:\n" + subjects,
        RoleBinding.class);
  }

  static RbacAuthorizer authorizer(List<Role> roles, List<RoleBinding> bindings, List<ClusterRole> clusterRoles,
      List<ClusterRoleBinding> clusterBindings) {
    return new RbacAuthorizer(PolicySource.of(roles, bindings, clusterRoles, clusterBindings));
  }

  /** An authorizer where user "u" holds exactly these cluster-wide rules. */
  static RbacAuthorizer holding(String rules) {
    return authorizer(List.of(), List.of(), List.of(clusterRole("r", rules)),
        List.of(clusterBinding("b", "r", "- {kind: User, name: u}")));
  }

  static boolean allows(RbacAuthorizer authorizer, String verb, String group, String resource, String subresource,
      String namespace, String name) {
    return authorizer.authorize(Attributes.resource("u", List.of(), verb, group, resource, subresource, namespace,
        name)).allowed();
  }

  @Test
  void systemMastersHoldsEverythingThroughTheBootstrapBindingOnly() {
    RbacAuthorizer bootstrap = new RbacAuthorizer(BootstrapPolicy.source());
    List<String> masters = List.of("system:masters", "system:authenticated");
    Decision decision = bootstrap.authorize(Attributes.resource("admin", masters, "delete", "apps", "deployments", "",
        "prod", "web"));
    assertEquals(Decision.allow("RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole "
        + "\"cluster-admin\" to Group \"system:masters\""), decision);
    assertTrue(bootstrap.authorize(Attributes.nonResource("admin", List.of("system:masters"), "get", "/metrics"))
        .allowed());

    RbacAuthorizer empty = authorizer(List.of(), List.of(), List.of(), List.of());
    assertEquals(Decision.noOpinion(""), empty.authorize(Attributes.resource("admin", List.of("system:masters"),
        "get", "", "pods", "", "default", "")));
  }

  @Test
  void verbsGroupsAndResourcesMatchExactlyOrByStar() {
    RbacAuthorizer exact = holding("""
        - {apiGroups: [apps], resources: [deployments], verbs: [get, list]}
        """);
    assertTrue(allows(exact, "get", "apps", "deployments", "", "dev", "web"));
    assertTrue(allows(exact, "list", "apps", "deployments", "", "", ""));
    assertFalse(allows(exact, "delete", "apps", "deployments", "", "dev", "web"));
    assertFalse(allows(exact, "get", "extensions", "deployments", "", "dev", "web"));
    assertFalse(allows(exact, "get", "apps", "statefulsets", "", "dev", "web"));

    RbacAuthorizer stars = holding("""
        - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
        """);
    assertTrue(allows(stars, "deletecollection", "batch", "jobs", "", "dev", ""));
    assertTrue(allows(stars, "get", "", "pods", "log", "dev", "p"));
    assertTrue(allows(stars, "impersonate", "", "serviceaccounts", "", "dev", "x"));
    assertFalse(stars.authorize(Attributes.nonResource("u", List.of(), "get", "/healthz")).allowed(),
        "resource rules never allow a non-resource URL");

    RbacAuthorizer coreOnly = holding("""
        - {apiGroups: [""], resources: ["*"], verbs: [get]}
        """);
    assertTrue(allows(coreOnly, "get", "", "secrets", "", "dev", "s"));
    assertFalse(allows(coreOnly, "get", "apps", "deployments", "", "dev", "d"));
  }

  @Test
  void subresourcesAreNamedWithTheirResourceOrAStar() {
    RbacAuthorizer logs = holding("""
        - {apiGroups: [""], resources: [pods/log], verbs: [get]}
        - {apiGroups: [apps], resources: ["*/scale"], verbs: [patch]}
        - {apiGroups: [""], resources: [services], verbs: [get]}
        - {apiGroups: [""], resources: ["configmaps/*"], verbs: [get]}
        """);
    assertTrue(allows(logs, "get", "", "pods", "log", "dev", "p"));
    assertFalse(allows(logs, "get", "", "pods", "", "dev", "p"), "pods/log is not the pod");
    assertFalse(allows(logs, "get", "", "pods", "exec", "dev", "p"));
    assertTrue(allows(logs, "patch", "apps", "deployments", "scale", "dev", "web"));
    assertTrue(allows(logs, "patch", "apps", "statefulsets", "scale", "dev", "db"));
    assertFalse(allows(logs, "patch", "apps", "deployments", "", "dev", "web"), "*/scale is not the deployment");
    assertFalse(allows(logs, "get", "", "services", "status", "dev", "svc"), "a resource is not its subresources");
    assertFalse(allows(logs, "get", "", "configmaps", "status", "dev", "c"), "as in Kubernetes, pods/* is no wildcard");
  }

  @Test
  void resourceNamesLimitRequestsThatNameAnObject() {
    RbacAuthorizer named = holding("""
        - {apiGroups: [""], resources: [configmaps], resourceNames: [settings], verbs: [get, list, watch, create,
           update]}
        """);
    assertTrue(allows(named, "get", "", "configmaps", "", "dev", "settings"));
    assertTrue(allows(named, "update", "", "configmaps", "", "dev", "settings"));
    assertFalse(allows(named, "get", "", "configmaps", "", "dev", "other"));
    assertFalse(allows(named, "create", "", "configmaps", "", "dev", ""), "a create names no object yet");
    assertFalse(allows(named, "list", "", "configmaps", "", "dev", ""));

    Map<String, List<String>> oneName = Map.of("fieldSelector", List.of("metadata.name=settings"));
    assertTrue(named.authorize(Attributes.ofRequest("u", List.of(), "GET", "/api/v1/namespaces/dev/configmaps",
        oneName)).allowed(), "a list selecting the one name");
    assertTrue(named.authorize(Attributes.ofRequest("u", List.of(), "GET", "/api/v1/namespaces/dev/configmaps",
        Map.of("fieldSelector", List.of("metadata.name=settings"), "watch", List.of("true")))).allowed());
    assertFalse(named.authorize(Attributes.ofRequest("u", List.of(), "GET", "/api/v1/namespaces/dev/configmaps",
        Map.of("fieldSelector", List.of("metadata.name=other")))).allowed());
  }

  @Test
  void aRoleBindingGrantsItsRoleOnlyInItsNamespace() {
    RbacAuthorizer authorizer = authorizer(
        List.of(role("dev", "pod-reader", "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n"),
            role("prod", "pod-reader", "- {apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}\n")),
        List.of(binding("dev", "read-pods", "Role", "pod-reader", "- {kind: User, name: jane}\n")),
        List.of(), List.of());
    Decision inDev = authorizer.authorize(Attributes.resource("jane", AUTHENTICATED, "get", "", "pods", "", "dev",
        "p"));
    assertEquals(Decision.allow("RBAC: allowed by RoleBinding \"read-pods/dev\" of Role \"pod-reader\" to User "
        + "\"jane\""), inDev);
    assertFalse(authorizer.authorize(Attributes.resource("jane", AUTHENTICATED, "delete", "", "pods", "", "dev", "p"))
        .allowed(), "the binding names dev's pod-reader, not prod's");
    assertFalse(authorizer.authorize(Attributes.resource("jane", AUTHENTICATED, "get", "", "pods", "", "prod", "p"))
        .allowed());
    assertFalse(authorizer.authorize(Attributes.resource("jane", AUTHENTICATED, "list", "", "pods", "", "", ""))
        .allowed(), "a list across namespaces needs a cluster-wide grant");
    assertFalse(authorizer.authorize(Attributes.resource("joe", AUTHENTICATED, "get", "", "pods", "", "dev", "p"))
        .allowed());
  }

  @Test
  void aRoleBindingToAClusterRoleGrantsItsRulesInTheBindingsNamespaceOnly() {
    RbacAuthorizer authorizer = authorizer(List.of(),
        List.of(binding("dev", "devs-edit", "ClusterRole", "edit", "- {kind: Group, name: devs}\n")),
        List.of(clusterRole("edit", "- {apiGroups: [apps], resources: [deployments], verbs: [\"*\"]}\n")),
        List.of());
    List<String> devs = List.of("devs", "system:authenticated");
    Decision decision = authorizer.authorize(Attributes.resource("joe", devs, "create", "apps", "deployments", "",
        "dev", ""));
    assertEquals("RBAC: allowed by RoleBinding \"devs-edit/dev\" of ClusterRole \"edit\" to Group \"devs\"",
        decision.reason());
    assertFalse(authorizer.authorize(Attributes.resource("joe", devs, "create", "apps", "deployments", "", "prod", ""))
        .allowed());
    assertFalse(authorizer.authorize(Attributes.resource("joe", devs, "list", "apps", "deployments", "", "", ""))
        .allowed());
  }

  @Test
  void serviceAccountSubjectsMatchTheirUserName() {
    RbacAuthorizer authorizer = authorizer(List.of(),
        List.of(binding("ci", "builders", "ClusterRole", "deployer", "- {kind: ServiceAccount, name: builder}\n")),
        List.of(clusterRole("deployer", "- {apiGroups: [apps], resources: [deployments], verbs: [patch]}\n"),
            clusterRole("prober", "- {nonResourceURLs: [/healthz], verbs: [get]}\n")),
        List.of(clusterBinding("probers", "prober",
            "- {kind: ServiceAccount, name: prober, namespace: monitoring}\n")));
    List<String> saGroups = List.of("system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated");
    Decision inCi = authorizer.authorize(Attributes.resource("system:serviceaccount:ci:builder", saGroups, "patch",
        "apps", "deployments", "", "ci", "web"));
    assertEquals("RBAC: allowed by RoleBinding \"builders/ci\" of ClusterRole \"deployer\" to ServiceAccount "
        + "\"builder/ci\"", inCi.reason(), "a subject without namespace is of the binding's namespace");
    assertFalse(authorizer.authorize(Attributes.resource("system:serviceaccount:other:builder", saGroups, "patch",
        "apps", "deployments", "", "ci", "web")).allowed());
    assertFalse(authorizer.authorize(Attributes.resource("builder", saGroups, "patch", "apps", "deployments", "", "ci",
        "web")).allowed(), "a user named like the account is not the account");

    Decision probe = authorizer.authorize(Attributes.nonResource("system:serviceaccount:monitoring:prober", List.of(),
        "get", "/healthz"));
    assertEquals("RBAC: allowed by ClusterRoleBinding \"probers\" of ClusterRole \"prober\" to ServiceAccount "
        + "\"prober/monitoring\"", probe.reason());
  }

  @Test
  void nonResourceUrlsMatchExactlyOrByPrefixStar() {
    RbacAuthorizer urls = holding("""
        - {nonResourceURLs: [/healthz, "/logs/*", /version/], verbs: [get]}
        """);
    assertTrue(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/healthz")).allowed());
    assertFalse(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/healthz/etcd")).allowed());
    assertTrue(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/logs/")).allowed());
    assertTrue(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/logs/kube.log")).allowed());
    assertFalse(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/logs")).allowed());
    assertFalse(urls.authorize(Attributes.nonResource("u", List.of(), "get", "/version")).allowed());
    assertFalse(urls.authorize(Attributes.nonResource("u", List.of(), "post", "/healthz")).allowed());
    assertFalse(allows(urls, "get", "", "pods", "", "dev", "p"), "URL rules never allow resources");

    RbacAuthorizer all = holding("- {nonResourceURLs: [\"*\"], verbs: [get]}\n");
    assertTrue(all.authorize(Attributes.nonResource("u", List.of(), "get", "/anything/at/all")).allowed());
  }

  @Test
  void bindingsToMissingRolesAreNamedInTheDenial() {
    RbacAuthorizer authorizer = authorizer(List.of(),
        List.of(binding("dev", "a", "Role", "gone", "- {kind: User, name: jane}\n"),
            binding("dev", "b", "ClusterRole", "also-gone", "- {kind: User, name: jane}\n"),
            binding("dev", "c", "Role", "not-hers", "- {kind: User, name: joe}\n")),
        List.of(), List.of(clusterBinding("d", "also-gone", "- {kind: Group, name: system:authenticated}\n")));
    Decision denied = authorizer.authorize(Attributes.resource("jane", AUTHENTICATED, "get", "", "pods", "", "dev",
        "p"));
    assertFalse(denied.allowed());
    assertEquals("RBAC: [clusterrole.rbac.authorization.k8s.io \"also-gone\" not found, "
        + "role.rbac.authorization.k8s.io \"gone\" not found]", denied.reason());
    assertEquals("RBAC: clusterrole.rbac.authorization.k8s.io \"also-gone\" not found", authorizer.authorize(
        Attributes.resource("jane", AUTHENTICATED, "get", "", "pods", "", "", "")).reason());
    assertEquals(Decision.noOpinion(""), authorizer.authorize(Attributes.resource("joe", List.of(), "get", "", "pods",
        "", "prod", "p")));
  }

  @Test
  void rulesForListsTheClusterWideAndTheNamespacesRules() {
    RbacAuthorizer authorizer = authorizer(
        List.of(role("dev", "pod-reader", "- {apiGroups: [\"\"], resources: [pods], verbs: [get, list]}\n")),
        List.of(binding("dev", "read-pods", "Role", "pod-reader", "- {kind: User, name: jane}\n"),
            binding("dev", "broken", "Role", "gone", "- {kind: User, name: jane}\n")),
        List.of(clusterRole("basic", """
            - {apiGroups: [authorization.k8s.io], resources: [selfsubjectrulesreviews], verbs: [create]}
            - {nonResourceURLs: [/healthz], verbs: [get]}
            """)),
        List.of(clusterBinding("basic", "basic", "- {kind: Group, name: system:authenticated}\n")));

    RulesReview inDev = authorizer.rulesFor("jane", AUTHENTICATED, "dev");
    assertEquals(List.of(
        new RulesReview.ResourceRule(List.of("create"), List.of("authorization.k8s.io"),
            List.of("selfsubjectrulesreviews"), List.of()),
        new RulesReview.ResourceRule(List.of("get", "list"), List.of(""), List.of("pods"), List.of())),
        inDev.resourceRules());
    assertEquals(List.of(new RulesReview.NonResourceRule(List.of("get"), List.of("/healthz"))),
        inDev.nonResourceRules());
    assertFalse(inDev.incomplete());
    assertEquals("role.rbac.authorization.k8s.io \"gone\" not found", inDev.evaluationError());

    RulesReview elsewhere = authorizer.rulesFor("jane", AUTHENTICATED, "prod");
    assertEquals(1, elsewhere.resourceRules().size());
    assertEquals("", elsewhere.evaluationError());
    assertEquals("""
        {"resourceRules":[{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":\
        ["selfsubjectrulesreviews"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}],\
        "incomplete":false}""", Json.write(elsewhere.toStatus()));
  }

  @Test
  void theFirstBindingByNameIsTheOneNamedInTheReason() {
    RbacAuthorizer authorizer = authorizer(List.of(), List.of(), List.of(clusterRole("r",
        "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n")), List.of(
            clusterBinding("z-binding", "r", "- {kind: User, name: u}\n"),
            clusterBinding("a-binding", "r", "- {kind: Group, name: g}\n- {kind: User, name: u}\n")));
    assertEquals("RBAC: allowed by ClusterRoleBinding \"a-binding\" of ClusterRole \"r\" to User \"u\"",
        authorizer.authorize(Attributes.resource("u", List.of(), "get", "", "pods", "", "dev", "p")).reason());
  }
}
