package io.drover.control.rbac;

import static io.drover.control.rbac.RbacAuthorizerTest.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The aggregation controller's reconcile step, as plain Java. */
class ClusterRoleAggregationTest {

  static ClusterRole role(String yaml) {
    return yaml(yaml, ClusterRole.class);
  }

  static final ClusterRole MONITORING = role("""
      metadata: {name: monitoring, labels: {team: ops}}
      aggregationRule:
        clusterRoleSelectors:
        - matchLabels: {aggregate-to-monitoring: "true"}
        - matchExpressions: [{key: extra-monitoring, operator: Exists}]
      """);

  static ClusterRole part(String name, String labels, String rules) {
    return role("metadata: {name: " + name + ", labels: " + labels + "}\nrules:\n" + rules);
  }

  @Test
  void anAggregatedRoleGathersTheRulesOfMatchingRolesInNameOrderWithoutRepeats() {
    ClusterRole b = part("b-pods", "{aggregate-to-monitoring: \"true\"}",
        "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n- {nonResourceURLs: [/metrics], verbs: [get]}\n");
    ClusterRole a = part("a-nodes", "{extra-monitoring: \"yes\"}",
        "- {apiGroups: [\"\"], resources: [nodes], verbs: [get]}\n- {apiGroups: [\"\"], resources: [pods], verbs: "
            + "[get]}\n");
    ClusterRole unrelated = part("unrelated", "{team: ops}", "- {apiGroups: [\"*\"], resources: [\"*\"], verbs: "
        + "[\"*\"]}\n");
    Map<String, List<PolicyRule>> changes = ClusterRoleAggregation.desiredRules(List.of(MONITORING, b, a, unrelated));
    assertEquals(List.of("monitoring"), List.copyOf(changes.keySet()));
    List<String> resources = new ArrayList<>();
    changes.get("monitoring").forEach(r -> resources.add(String.join(",", PolicyRules.strings(r.getResources()))
        + String.join(",", PolicyRules.strings(r.getNonResourceURLs()))));
    // First selector's roles (b-pods), then the second's (a-nodes), a rule already gathered only once.
    assertEquals(List.of("pods", "/metrics", "nodes"), resources);
  }

  @Test
  void nothingChangesOnceTheRulesAreGathered() {
    ClusterRole b = part("b-pods", "{aggregate-to-monitoring: \"true\"}",
        "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n");
    List<ClusterRole> aggregated = ClusterRoleAggregation.aggregate(List.of(MONITORING, b));
    assertEquals(Map.of(), ClusterRoleAggregation.desiredRules(aggregated));
    // and a role no longer matching takes its rules away again
    ClusterRole relabelled = part("b-pods", "{}", "- {apiGroups: [\"\"], resources: [pods], verbs: [get]}\n");
    assertEquals(Map.of("monitoring", List.of()), ClusterRoleAggregation.desiredRules(List.of(aggregated.get(0),
        relabelled)));
  }

  @Test
  void aUsersAggregateToViewRoleExtendsViewEditAndAdmin() {
    List<ClusterRole> roles = new ArrayList<>(ClusterRoleAggregation.aggregate(BootstrapPolicy.clusterRoles()));
    roles.add(part("crontab-reader", "{rbac.authorization.k8s.io/aggregate-to-view: \"true\"}",
        "- {apiGroups: [stable.example.com], resources: [crontabs], verbs: [get, list, watch]}\n"));
    Map<String, List<PolicyRule>> changes = ClusterRoleAggregation.desiredRules(roles);
    assertEquals(List.of("admin", "edit", "view"), List.copyOf(changes.keySet()));
    for (List<PolicyRule> rules : changes.values()) {
      assertTrue(rules.stream().anyMatch(r -> PolicyRules.strings(r.getResources()).contains("crontabs")));
    }
  }

  @Test
  void aRoleSelectingItselfIsNotItsOwnSource() {
    ClusterRole self = role("""
        metadata: {name: self, labels: {pick: me}}
        aggregationRule: {clusterRoleSelectors: [{matchLabels: {pick: me}}]}
        rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
        """);
    assertEquals(Map.of("self", List.of()), ClusterRoleAggregation.desiredRules(List.of(self)));
  }
}
