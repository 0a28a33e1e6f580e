package io.drover.control.rbac;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;

/**
 * Whether one rule allows a request (RuleAllows of plugin/pkg/auth/authorizer/rbac and the matchers of
 * pkg/apis/rbac/v1/evaluation_helpers.go). A resource request needs the verb, the group, the resource and the
 * object name to match; a non-resource request the verb and the path.
 *
 * <ul>
 *   <li>verbs, apiGroups and resources: {@code *} matches anything;</li>
 *   <li>a subresource is asked for as {@code pods/log}: it matches {@code pods/log} or <code>&#42;/log</code> (any
 *       resource's log), never plain {@code pods}; as in Kubernetes, <code>pods/&#42;</code> is no wildcard;</li>
 *   <li>resourceNames: empty matches any name; otherwise only requests naming one of them, so a rule with names
 *       never allows create (no name yet), nor list or watch unless they select one name by
 *       {@code fieldSelector=metadata.name=x};</li>
 *   <li>nonResourceURLs: exact, {@code *}, or a prefix ending in {@code *} (<code>/healthz/&#42;</code>).</li>
 * </ul>
 */
final class PolicyRules {
  private PolicyRules() {}

  static final String ALL = "*";

  static boolean allows(Attributes request, PolicyRule rule) {
    if (!verbMatches(rule, request.verb())) return false;
    if (!request.resourceRequest()) return nonResourceUrlMatches(rule, request.path());
    String combined = request.subresource().isEmpty() ? request.resource()
        : request.resource() + "/" + request.subresource();
    return apiGroupMatches(rule, request.apiGroup())
        && resourceMatches(rule, combined, request.subresource())
        && resourceNameMatches(rule, request.name());
  }

  static boolean verbMatches(PolicyRule rule, String verb) {
    return containsOrAll(strings(rule.getVerbs()), verb);
  }

  static boolean apiGroupMatches(PolicyRule rule, String group) {
    return containsOrAll(strings(rule.getApiGroups()), group);
  }

  static boolean resourceMatches(PolicyRule rule, String combinedResource, String subresource) {
    for (String resource : strings(rule.getResources())) {
      if (resource.equals(ALL) || resource.equals(combinedResource)) return true;
      if (!subresource.isEmpty() && resource.equals("*/" + subresource)) return true;
    }
    return false;
  }

  static boolean resourceNameMatches(PolicyRule rule, String name) {
    List<String> names = strings(rule.getResourceNames());
    return names.isEmpty() || names.contains(name);
  }

  static boolean nonResourceUrlMatches(PolicyRule rule, String path) {
    for (String url : strings(rule.getNonResourceURLs())) {
      if (url.equals(ALL) || url.equals(path)) return true;
      if (url.endsWith("*") && path.startsWith(url.replaceFirst("\\*+$", ""))) return true;
    }
    return false;
  }

  /** A role's rules, empty when absent. */
  static List<PolicyRule> rules(List<PolicyRule> rules) {
    return rules == null ? List.of() : rules;
  }

  /** A rule's list, empty when absent. */
  static List<String> strings(List<String> values) {
    return values == null ? List.of() : values;
  }

  private static boolean containsOrAll(List<String> values, String wanted) {
    for (String value : values) {
      if (value.equals(ALL) || value.equals(wanted)) return true;
    }
    return false;
  }
}
