package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RBAC objects through the real kubectl: the kinds in discovery, kubectl's create generators, the bindings' columns,
 * kube-apiserver's validation messages, the bootstrap policy and ClusterRole aggregation.
 */
class RbacTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static TestServers.Member member;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  @Test
  void theKindsAreDiscoverable() {
    String resources = kubectl.run("api-resources", "--api-group=rbac.authorization.k8s.io", "--no-headers")
        .assertOk().stdout();
    List<String> lines = resources.lines().map(l -> String.join(" ", l.trim().split("\\s+"))).toList();
    assertEquals(List.of(
        "clusterrolebindings rbac.authorization.k8s.io/v1 false ClusterRoleBinding",
        "clusterroles rbac.authorization.k8s.io/v1 false ClusterRole",
        "rolebindings rbac.authorization.k8s.io/v1 true RoleBinding",
        "roles rbac.authorization.k8s.io/v1 true Role"), lines, resources);
  }

  @Test
  void theBootstrapPolicyExistsFromTheStart() {
    String roles = kubectl.run("get", "clusterroles").assertOk().stdout();
    assertTrue(roles.lines().findFirst().orElse("").matches("NAME\\s+CREATED AT"), roles);
    for (String name : List.of("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
        "system:public-info-viewer", "system:aggregate-to-view")) {
      assertTrue(roles.lines().anyMatch(l -> l.startsWith(name + " ")), name + " in\n" + roles);
    }
    String admin = kubectl.run("get", "clusterrolebinding", "cluster-admin", "-o", "wide", "--no-headers")
        .assertOk().stdout();
    assertTrue(admin.matches("(?s)cluster-admin\\s+ClusterRole/cluster-admin\\s+\\S+\\s+system:masters\\s*"), admin);
    String labels = kubectl.run("get", "clusterrole", "cluster-admin", "-o",
        "jsonpath={.metadata.labels.kubernetes\\.io/bootstrapping} "
            + "{.metadata.annotations.rbac\\.authorization\\.kubernetes\\.io/autoupdate}").assertOk().stdout();
    assertEquals("rbac-defaults true", labels);
  }

  @Test
  void kubectlsGeneratorsCreateRolesAndBindings() {
    kubectl.run("create", "namespace", "rbac-gen").assertOk();
    kubectl.run("create", "role", "pod-reader", "-n", "rbac-gen", "--verb=get,list,watch",
        "--resource=pods,pods/log,deployments.apps").assertOk();
    String rules = kubectl.run("get", "role", "pod-reader", "-n", "rbac-gen", "-o",
        "jsonpath={range .rules[*]}{.apiGroups}{.resources}{.verbs};{end}").assertOk().stdout();
    assertEquals("[\"\"][\"pods\",\"pods/log\"][\"get\",\"list\",\"watch\"];"
        + "[\"apps\"][\"deployments\"][\"get\",\"list\",\"watch\"];", rules);
    String noSuchKind = kubectl.run("create", "role", "x", "-n", "rbac-gen", "--verb=get", "--resource=gizmos")
        .stderr();
    assertTrue(noSuchKind.contains("the server doesn't have a resource type \"gizmos\""), noSuchKind);

    kubectl.run("create", "rolebinding", "read-pods", "-n", "rbac-gen", "--role=pod-reader", "--user=jane",
        "--user=joe", "--group=devs", "--serviceaccount=rbac-gen:builder").assertOk();
    String wide = kubectl.run("get", "rolebinding", "read-pods", "-n", "rbac-gen", "-o", "wide").assertOk().stdout();
    List<String> lines = wide.lines().toList();
    assertTrue(lines.get(0).matches("NAME\\s+ROLE\\s+AGE\\s+USERS\\s+GROUPS\\s+SERVICEACCOUNTS"), wide);
    assertTrue(lines.get(1).matches("read-pods\\s+Role/pod-reader\\s+\\S+\\s+jane, joe\\s+devs\\s+rbac-gen/builder"),
        wide);
    String narrow = kubectl.run("get", "rolebindings", "-n", "rbac-gen").assertOk().stdout();
    assertTrue(narrow.lines().findFirst().orElse("").matches("NAME\\s+ROLE\\s+AGE"), narrow);

    kubectl.run("create", "clusterrole", "log-reader", "--verb=get", "--non-resource-url=/logs/*").assertOk();
    kubectl.run("create", "clusterrolebinding", "log-readers", "--clusterrole=log-reader", "--group=ops",
        "--serviceaccount=monitoring:prober").assertOk();
    String clusterWide = kubectl.run("get", "clusterrolebinding", "log-readers", "-o", "wide", "--no-headers")
        .assertOk().stdout();
    assertTrue(clusterWide.matches("(?s)log-readers\\s+ClusterRole/log-reader\\s+\\S+\\s+ops\\s+monitoring/prober\\s*"),
        clusterWide);
    kubectl.run("create", "rolebinding", "view-here", "-n", "rbac-gen", "--clusterrole=view", "--user=jane")
        .assertOk();
    assertTrue(kubectl.run("get", "rolebinding", "view-here", "-n", "rbac-gen", "--no-headers").assertOk().stdout()
        .contains("ClusterRole/view"));
  }

  @Test
  void invalidObjectsAreRefusedWithKubeApiserversMessages() {
    kubectl.run("create", "namespace", "rbac-invalid").assertOk();
    Kubectl.Result urls = kubectl.runWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: health, namespace: rbac-invalid}
        rules:
        - nonResourceURLs: [/healthz]
          verbs: [get]
        """, "apply", "-f", "-");
    assertEquals(1, urls.exitCode(), urls.toString());
    assertTrue(urls.stderr().contains("The Role \"health\" is invalid: rules[0].nonResourceURLs: Invalid value: "
        + "[]string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs"), urls.stderr());

    Kubectl.Result noVerbs = kubectl.runWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: broken}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}
        subjects:
        - {kind: ServiceAccount, name: builder}
        """, "apply", "-f", "-");
    assertTrue(noVerbs.stderr().contains("roleRef.kind: Unsupported value: \"Role\": supported values: "
        + "\"ClusterRole\""), noVerbs.stderr());
    assertTrue(noVerbs.stderr().contains("subjects[0].namespace: Required value"), noVerbs.stderr());

    kubectl.run("create", "rolebinding", "fixed", "-n", "rbac-invalid", "--role=pod-reader", "--user=jane")
        .assertOk();
    Kubectl.Result changed = kubectl.runWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: fixed, namespace: rbac-invalid}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}
        """, "apply", "-f", "-");
    assertEquals(1, changed.exitCode(), changed.toString());
    assertTrue(changed.stderr().contains("The RoleBinding \"fixed\" is invalid: roleRef: Invalid value: "
        + "rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"admin\"}: "
        + "cannot change roleRef"), changed.stderr());
    // Its subjects may change.
    kubectl.runWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: fixed, namespace: rbac-invalid}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: User, name: joe}
        """, "apply", "-f", "-").assertOk();
  }

  @Test
  void aggregatedRolesGatherTheRulesOfTheRolesTheySelect() {
    Polling.await(() -> kubectl.run("get", "clusterrole", "admin", "-o", "jsonpath={.rules[*].resources}").stdout()
        .contains("\"rolebindings\""), DEADLINE, "admin to hold the aggregated rules");
    String view = kubectl.run("get", "clusterrole", "view", "-o", "yaml").assertOk().stdout();
    assertTrue(view.contains("rbac.authorization.k8s.io/aggregate-to-view: \"true\"")
        && view.contains("- pods/log"), view);

    kubectl.runWithInput("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: crontab-reader
          labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
        rules:
        - apiGroups: [stable.example.com]
          resources: [crontabs]
          verbs: [get, list, watch]
        """, "apply", "-f", "-").assertOk();
    for (String role : List.of("view", "edit", "admin")) {
      Polling.await(() -> kubectl.run("get", "clusterrole", role, "-o", "jsonpath={.rules[*].resources}").stdout()
          .contains("crontabs"), DEADLINE, role + " to include the crontab-reader rules");
    }

    // kubectl's own --aggregation-rule, and a label taken away takes the rules away.
    kubectl.run("create", "clusterrole", "monitoring", "--aggregation-rule=example.com/aggregate-to-monitoring=true")
        .assertOk();
    kubectl.run("label", "clusterrole", "crontab-reader", "example.com/aggregate-to-monitoring=true").assertOk();
    Polling.await(() -> kubectl.run("get", "clusterrole", "monitoring", "-o", "jsonpath={.rules[*].resources}")
        .stdout().contains("crontabs"), DEADLINE, "monitoring to include crontab-reader");
    kubectl.run("label", "clusterrole", "crontab-reader", "example.com/aggregate-to-monitoring-").assertOk();
    Polling.await(() -> kubectl.run("get", "clusterrole", "monitoring", "-o", "jsonpath={.rules}").stdout()
        .equals("[]") || kubectl.run("get", "clusterrole", "monitoring", "-o", "jsonpath={.rules}").stdout().isEmpty(),
        DEADLINE, "monitoring to lose the rules");
  }

  @Test
  void theExampleGivesJaneReadingPodsInHerNamespace() {
    Path example = Path.of("../../examples/security/rbac.yaml").toAbsolutePath().normalize();
    kubectl.run("apply", "-f", example.toString()).assertOk();
    String wide = kubectl.run("get", "rolebinding", "read-pods", "-n", "team-b", "-o", "wide", "--no-headers")
        .assertOk().stdout();
    assertTrue(wide.matches("(?s)read-pods\\s+Role/pod-reader\\s+\\S+\\s+jane\\s*"), wide);
  }
}
