package io.drover.control.rbac;

import static io.drover.control.rbac.RbacAuthorizerTest.binding;
import static io.drover.control.rbac.RbacAuthorizerTest.clusterBinding;
import static io.drover.control.rbac.RbacAuthorizerTest.clusterRole;
import static io.drover.control.rbac.RbacAuthorizerTest.role;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Nobody grants rights they do not hold: kube-apiserver's escalation checks on RBAC writes. */
class EscalationCheckTest {
  private static final List<String> JANE_GROUPS = List.of("system:authenticated");

  /** jane administers dev through the bootstrap admin role, and may bind "view" in dev by name. */
  private static final EscalationCheck CHECK = new EscalationCheck(new RbacAuthorizer(PolicySource.of(
      List.of(role("dev", "binder", """
          - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [view], verbs: [bind]}
          """)),
      List.of(binding("dev", "jane-admin", "ClusterRole", "admin", "- {kind: User, name: jane}\n"),
          binding("dev", "jane-binder", "Role", "binder", "- {kind: User, name: jane}\n")),
      ClusterRoleAggregation.aggregate(Stream.concat(BootstrapPolicy.clusterRoles().stream(),
          Stream.of(clusterRole("role-escalator", """
              - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}
              """))).toList()),
      List.of(clusterBinding("escalators", "role-escalator", "- {kind: User, name: esc}\n")))));

  private static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) Json.YAML.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectNode roleWith(String rules) {
    return yaml("metadata: {name: r, namespace: dev}\nrules:\n" + rules);
  }

  private static ObjectNode bindingTo(String kind, String name) {
    return yaml("metadata: {name: b, namespace: dev}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: " + kind
        + ", name: " + name + "}\nsubjects: [{kind: User, name: joe, apiGroup: rbac.authorization.k8s.io}]");
  }

  private static ApiException refused(String user, ResourceType type, String namespace, ObjectNode object,
      ObjectNode old) {
    return assertThrows(ApiException.class, () -> CHECK.confirm(user, JANE_GROUPS, type, namespace, object, old));
  }

  @Test
  void aRoleMayHoldOnlyWhatItsWriterHolds() {
    assertDoesNotThrow(() -> CHECK.confirm("jane", JANE_GROUPS, ResourceRegistry.ROLE, "dev", roleWith("""
        - {apiGroups: [""], resources: [pods], verbs: [get, list, delete]}
        - {apiGroups: [""], resources: [pods/log], verbs: [get]}
        - {apiGroups: [apps], resources: [deployments/scale], verbs: [patch]}
        """), null));
    ApiException logs = refused("jane", ResourceRegistry.ROLE, "dev", roleWith("""
        - {apiGroups: [""], resources: [pods/log], verbs: [get, delete]}
        """), null);
    assertTrue(logs.getMessage().endsWith("\n{APIGroups:[\"\"], Resources:[\"pods/log\"], Verbs:[\"delete\"]}"),
        logs.getMessage());
    ApiException e = refused("jane", ResourceRegistry.ROLE, "dev", roleWith("""
        - {apiGroups: [""], resources: [pods, resourcequotas], verbs: [get, create, delete]}
        - {apiGroups: [""], resources: [limitranges], resourceNames: [default], verbs: [update]}
        """), null);
    assertEquals(403, e.code());
    assertEquals("Forbidden", e.reason());
    assertEquals("roles.rbac.authorization.k8s.io \"r\" is forbidden: user \"jane\" (groups=[\"system:authenticated\"])"
        + " is attempting to grant RBAC permissions not currently held:\n"
        + "{APIGroups:[\"\"], Resources:[\"limitranges\"], ResourceNames:[\"default\"], Verbs:[\"update\"]}\n"
        + "{APIGroups:[\"\"], Resources:[\"resourcequotas\"], Verbs:[\"create\" \"delete\"]}", e.getMessage());
    refused("jane", ResourceRegistry.ROLE, "prod", roleWith("- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n"),
        null);
  }

  @Test
  void mastersAndEscalatorsMayWriteAnyRole() {
    ObjectNode everything = roleWith("- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}\n");
    assertDoesNotThrow(() -> CHECK.confirm("root", List.of("system:masters"), ResourceRegistry.ROLE, "dev",
        everything, null));
    assertDoesNotThrow(() -> CHECK.confirm("esc", JANE_GROUPS, ResourceRegistry.ROLE, "dev", everything, null));
    refused("esc", ResourceRegistry.CLUSTER_ROLE, "", yaml("metadata: {name: c}\nrules:\n"
        + "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n"), null);
  }

  @Test
  void anAggregationRuleNeedsEveryRight() {
    ObjectNode aggregating = yaml("""
        metadata: {name: gather}
        aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "y"}}]}
        """);
    ApiException e = refused("esc", ResourceRegistry.CLUSTER_ROLE, "", aggregating, null);
    assertEquals("clusterroles.rbac.authorization.k8s.io \"gather\" is forbidden: must have cluster-admin privileges "
        + "to use the aggregationRule", e.getMessage());
    assertDoesNotThrow(() -> CHECK.confirm("root", List.of("system:masters"), ResourceRegistry.CLUSTER_ROLE, "",
        aggregating, null));
  }

  @Test
  void aBindingNeedsTheRolesRightsOrTheBindVerb() {
    assertDoesNotThrow(() -> CHECK.confirm("jane", JANE_GROUPS, ResourceRegistry.ROLE_BINDING, "dev",
        bindingTo("ClusterRole", "edit"), null), "admin holds all of edit in dev");
    assertDoesNotThrow(() -> CHECK.confirm("jane", JANE_GROUPS, ResourceRegistry.ROLE_BINDING, "dev",
        bindingTo("ClusterRole", "view"), null));
    ApiException e = refused("jane", ResourceRegistry.ROLE_BINDING, "dev", bindingTo("ClusterRole", "cluster-admin"),
        null);
    assertEquals("rolebindings.rbac.authorization.k8s.io \"b\" is forbidden: user \"jane\" "
        + "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
        + "{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}\n{NonResourceURLs:[\"*\"], Verbs:[\"*\"]}",
        e.getMessage());
    refused("jane", ResourceRegistry.ROLE_BINDING, "prod", bindingTo("ClusterRole", "view"), null);
    ApiException missing = refused("jane", ResourceRegistry.ROLE_BINDING, "dev", bindingTo("Role", "gone"), null);
    assertEquals(404, missing.code());
    assertEquals("roles.rbac.authorization.k8s.io \"gone\" not found", missing.getMessage());
  }

  @Test
  void anUpdateTouchingOnlyGarbageCollectionFieldsPasses() {
    ObjectNode old = bindingTo("ClusterRole", "cluster-admin");
    ObjectNode owned = bindingTo("ClusterRole", "cluster-admin");
    ((ObjectNode) owned.get("metadata")).putArray("finalizers").add("example.com/keep");
    ((ObjectNode) owned.get("metadata")).put("resourceVersion", "42");
    assertDoesNotThrow(() -> CHECK.confirm("jane", JANE_GROUPS, ResourceRegistry.ROLE_BINDING, "dev", owned, old));
    ObjectNode resubjected = bindingTo("ClusterRole", "cluster-admin");
    ((ObjectNode) resubjected.get("subjects").get(0)).put("name", "jane");
    refused("jane", ResourceRegistry.ROLE_BINDING, "dev", resubjected, old);
  }

  @Test
  void otherKindsAlwaysPass() {
    assertDoesNotThrow(() -> CHECK.confirm("nobody", List.of(), ResourceRegistry.POD, "dev", yaml("metadata: {}"),
        null));
  }
}
