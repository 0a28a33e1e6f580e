package io.drover.control.rbac;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Whether one set of rules covers another (component-helpers/auth/rbac/validation/policy_comparator.go), and how
 * the rules it misses are shown (CompactRules and CompactString): the check behind "attempting to grant RBAC
 * permissions not currently held".
 */
final class PolicyComparator {
  private PolicyComparator() {}

  /** The servant rules' atoms (one group, resource, verb and name, or one URL and verb) the owner rules miss. */
  static List<PolicyRule> uncovered(List<PolicyRule> ownerRules, List<PolicyRule> servantRules) {
    List<PolicyRule> missing = new ArrayList<>();
    for (PolicyRule servant : servantRules) {
      for (PolicyRule atom : breakdown(servant)) {
        if (ownerRules.stream().noneMatch(owner -> covers(owner, atom))) missing.add(atom);
      }
    }
    return missing;
  }

  /** BreakdownRule: one rule per group, resource, verb and resource name; one per URL and verb. */
  static List<PolicyRule> breakdown(PolicyRule rule) {
    List<PolicyRule> atoms = new ArrayList<>();
    for (String group : PolicyRules.strings(rule.getApiGroups())) {
      for (String resource : PolicyRules.strings(rule.getResources())) {
        for (String verb : PolicyRules.strings(rule.getVerbs())) {
          List<String> names = PolicyRules.strings(rule.getResourceNames());
          if (names.isEmpty()) {
            atoms.add(new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verb).build());
          }
          for (String name : names) {
            atoms.add(new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verb)
                .withResourceNames(name).build());
          }
        }
      }
    }
    for (String url : PolicyRules.strings(rule.getNonResourceURLs())) {
      for (String verb : PolicyRules.strings(rule.getVerbs())) {
        atoms.add(new PolicyRuleBuilder().withNonResourceURLs(url).withVerbs(verb).build());
      }
    }
    return atoms;
  }

  /** ruleCovers: whether the owner rule grants all of an atom. */
  private static boolean covers(PolicyRule owner, PolicyRule atom) {
    List<String> ownerNames = PolicyRules.strings(owner.getResourceNames());
    List<String> atomNames = PolicyRules.strings(atom.getResourceNames());
    boolean namesMatch = atomNames.isEmpty() ? ownerNames.isEmpty()
        : ownerNames.isEmpty() || ownerNames.containsAll(atomNames);
    return coversAll(PolicyRules.strings(owner.getVerbs()), PolicyRules.strings(atom.getVerbs()))
        && coversAll(PolicyRules.strings(owner.getApiGroups()), PolicyRules.strings(atom.getApiGroups()))
        && resourcesCoverAll(PolicyRules.strings(owner.getResources()), PolicyRules.strings(atom.getResources()))
        && urlsCoverAll(PolicyRules.strings(owner.getNonResourceURLs()),
            PolicyRules.strings(atom.getNonResourceURLs()))
        && namesMatch;
  }

  private static boolean coversAll(List<String> owner, List<String> wanted) {
    return owner.contains(PolicyRules.ALL) || owner.containsAll(wanted);
  }

  /** resourceCoversAll: {@code *}, the same resource, or {@code *}/sub for a subresource. */
  private static boolean resourcesCoverAll(List<String> owner, List<String> wanted) {
    if (coversAll(owner, wanted)) return true;
    for (String resource : wanted) {
      if (owner.contains(resource)) continue;
      int slash = resource.indexOf('/');
      if (slash < 0 || !owner.contains("*" + resource.substring(slash))) return false;
    }
    return true;
  }

  private static boolean urlsCoverAll(List<String> owner, List<String> wanted) {
    for (String url : wanted) {
      boolean covered = owner.stream().anyMatch(o -> o.equals(url)
          || o.endsWith("*") && url.startsWith(o.replaceFirst("\\*+$", "")));
      if (!covered) return false;
    }
    return true;
  }

  /** CompactRules: atoms of one group and resource (and at most one name) merged into one rule of all their verbs. */
  static List<PolicyRule> compact(List<PolicyRule> rules) {
    List<PolicyRule> compacted = new ArrayList<>();
    Map<List<String>, PolicyRule> simple = new LinkedHashMap<>();
    for (PolicyRule rule : rules) {
      List<String> groups = PolicyRules.strings(rule.getApiGroups());
      List<String> resources = PolicyRules.strings(rule.getResources());
      List<String> names = PolicyRules.strings(rule.getResourceNames());
      if (groups.size() != 1 || resources.size() != 1 || names.size() > 1
          || !PolicyRules.strings(rule.getNonResourceURLs()).isEmpty()) {
        compacted.add(rule);
        continue;
      }
      List<String> key = List.of(groups.get(0), resources.get(0), names.isEmpty() ? "" : "name:" + names.get(0));
      PolicyRule existing = simple.get(key);
      if (existing == null) {
        simple.put(key, new PolicyRuleBuilder(rule).withVerbs(new ArrayList<>(PolicyRules.strings(rule.getVerbs())))
            .build());
      } else {
        for (String verb : PolicyRules.strings(rule.getVerbs())) {
          if (!existing.getVerbs().contains(verb)) existing.getVerbs().add(verb);
        }
      }
    }
    compacted.addAll(simple.values());
    return compacted;
  }

  /** CompactString: {@code {APIGroups:["apps"], Resources:["deployments"], Verbs:["create" "delete"]}}. */
  static String describe(PolicyRule rule) {
    List<String> parts = new ArrayList<>();
    part(parts, "APIGroups", rule.getApiGroups());
    part(parts, "Resources", rule.getResources());
    part(parts, "NonResourceURLs", rule.getNonResourceURLs());
    part(parts, "ResourceNames", rule.getResourceNames());
    part(parts, "Verbs", rule.getVerbs());
    return "{" + String.join(", ", parts) + "}";
  }

  private static void part(List<String> parts, String name, List<String> values) {
    if (!PolicyRules.strings(values).isEmpty()) parts.add(name + ":" + goStrings(values));
  }

  /** Go's %q of a []string: {@code ["a" "b"]}. */
  static String goStrings(List<String> values) {
    return values.stream().map(RbacAuthorizer::quote).collect(Collectors.joining(" ", "[", "]"));
  }
}
