package io.drover.control.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Role-based access control as kube-apiserver's RBAC authorizer decides it (plugin/pkg/auth/authorizer/rbac/rbac.go
 * over the rule resolver of pkg/registry/rbac/validation/rule.go). A user holds the rules of every role bound to
 * them: ClusterRoleBindings grant cluster roles everywhere; the RoleBindings of a request's namespace grant a Role of
 * that namespace, or a ClusterRole's rules within that namespace only. A binding's subject is a User (by name), a
 * Group (one of the user's groups) or a ServiceAccount (the user {@code system:serviceaccount:NS:NAME}; in a
 * RoleBinding a ServiceAccount without namespace is one of the binding's namespace). No group is special here:
 * {@code system:masters} has every right only through the bootstrap {@code cluster-admin} binding.
 *
 * <p>Pure: it reads its {@link PolicySource} and nothing else, so it answers on the caller's thread.
 */
public final class RbacAuthorizer {
  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private final PolicySource policy;

  public RbacAuthorizer(PolicySource policy) {
    this.policy = policy;
  }

  /**
   * Allowed when a rule the user holds in the request's namespace (cluster-wide rules for a request without
   * namespace) allows it; the reason names the first binding found that does.
   */
  public Decision authorize(Attributes request) {
    Grant[] allowedBy = {null};
    List<String> errors = visitRules(request.user(), request.groups(), request.namespace(), (grant, rule) -> {
      if (!PolicyRules.allows(request, rule)) return true;
      allowedBy[0] = grant;
      return false;
    });
    if (allowedBy[0] != null) return Decision.allow("RBAC: allowed by " + allowedBy[0].describe());
    return Decision.noOpinion(errors.isEmpty() ? "" : "RBAC: " + aggregate(errors));
  }

  /**
   * Every rule the user holds in a namespace (RulesFor, what a SelfSubjectRulesReview answers): the cluster-wide
   * ones and those of the namespace's RoleBindings. Rules of bindings whose role is missing are left out and named
   * in {@link RulesReview#evaluationError()}.
   */
  public RulesReview rulesFor(String user, List<String> groups, String namespace) {
    Resolved resolved = resolve(user, groups, namespace);
    List<RulesReview.ResourceRule> resourceRules = new ArrayList<>();
    List<RulesReview.NonResourceRule> nonResourceRules = new ArrayList<>();
    for (PolicyRule rule : resolved.rules()) {
      if (!PolicyRules.strings(rule.getResources()).isEmpty()) {
        resourceRules.add(new RulesReview.ResourceRule(PolicyRules.strings(rule.getVerbs()),
            PolicyRules.strings(rule.getApiGroups()), PolicyRules.strings(rule.getResources()),
            PolicyRules.strings(rule.getResourceNames())));
      }
      if (!PolicyRules.strings(rule.getNonResourceURLs()).isEmpty()) {
        nonResourceRules.add(new RulesReview.NonResourceRule(PolicyRules.strings(rule.getVerbs()),
            PolicyRules.strings(rule.getNonResourceURLs())));
      }
    }
    return new RulesReview(resourceRules, nonResourceRules, false, resolved.evaluationError());
  }

  /** The rules a user holds in a namespace and, worded as Kubernetes does, the roles their bindings miss. */
  record Resolved(List<PolicyRule> rules, String evaluationError) {}

  Resolved resolve(String user, List<String> groups, String namespace) {
    List<PolicyRule> rules = new ArrayList<>();
    List<String> errors = visitRules(user, groups, namespace, (grant, rule) -> rules.add(rule));
    return new Resolved(rules, errors.isEmpty() ? "" : aggregate(errors));
  }

  PolicySource policy() {
    return policy;
  }

  /** Called with each rule a binding gives the user; returns false to stop looking. */
  @FunctionalInterface
  private interface RuleVisitor {
    boolean visit(Grant grant, PolicyRule rule);
  }

  /**
   * VisitRulesFor: the rules of the ClusterRoleBindings, then of the namespace's RoleBindings, that apply to the
   * user, until the visitor stops.
   *
   * @return the roles that bindings applying to the user name but that do not exist, as Kubernetes words them
   */
  private List<String> visitRules(String user, List<String> groups, String namespace, RuleVisitor visitor) {
    List<String> errors = new ArrayList<>();
    for (ClusterRoleBinding binding : policy.clusterRoleBindings()) {
      Subject subject = firstApplying(user, groups, binding.getSubjects(), "");
      if (subject == null) continue;
      Grant grant = new Grant("ClusterRoleBinding", binding.getMetadata().getName(), "", binding.getRoleRef(),
          subject);
      if (!visitRole(grant, errors, visitor)) return errors;
    }
    if (namespace == null || namespace.isEmpty()) return errors;
    for (RoleBinding binding : policy.roleBindings(namespace)) {
      Subject subject = firstApplying(user, groups, binding.getSubjects(), namespace);
      if (subject == null) continue;
      Grant grant = new Grant("RoleBinding", binding.getMetadata().getName(), namespace, binding.getRoleRef(),
          subject);
      if (!visitRole(grant, errors, visitor)) return errors;
    }
    return errors;
  }

  /** Visits the rules of the grant's role; false when the visitor stopped. */
  private boolean visitRole(Grant grant, List<String> errors, RuleVisitor visitor) {
    List<PolicyRule> rules;
    RoleRef ref = grant.roleRef();
    if ("Role".equals(ref.getKind())) {
      Optional<Role> role = policy.role(grant.namespace(), ref.getName());
      if (role.isEmpty()) {
        errors.add("role.rbac.authorization.k8s.io " + quote(ref.getName()) + " not found");
        return true;
      }
      rules = role.get().getRules();
    } else if ("ClusterRole".equals(ref.getKind())) {
      Optional<ClusterRole> role = policy.clusterRole(ref.getName());
      if (role.isEmpty()) {
        errors.add("clusterrole.rbac.authorization.k8s.io " + quote(ref.getName()) + " not found");
        return true;
      }
      rules = role.get().getRules();
    } else {
      errors.add("unsupported role reference kind: " + quote(ref.getKind()));
      return true;
    }
    for (PolicyRule rule : rules == null ? List.<PolicyRule>of() : rules) {
      if (!visitor.visit(grant, rule)) return false;
    }
    return true;
  }

  /** The first subject of a binding that is this user, or null (appliesTo). */
  private static Subject firstApplying(String user, List<String> groups, List<Subject> subjects, String namespace) {
    if (subjects == null) return null;
    for (Subject subject : subjects) {
      if (applies(user, groups, subject, namespace)) return subject;
    }
    return null;
  }

  static boolean applies(String user, List<String> groups, Subject subject, String bindingNamespace) {
    String name = subject.getName();
    return switch (subject.getKind() == null ? "" : subject.getKind()) {
      case "User" -> user.equals(name);
      case "Group" -> groups.contains(name);
      case "ServiceAccount" -> {
        String namespace = subject.getNamespace() == null || subject.getNamespace().isEmpty() ? bindingNamespace
            : subject.getNamespace();
        yield !namespace.isEmpty() && user.equals(SERVICE_ACCOUNT_PREFIX + namespace + ":" + name);
      }
      default -> false;
    };
  }

  /**
   * Which binding gave a rule, worded as the allow reason names it: {@code ClusterRoleBinding "x" of ClusterRole "y"
   * to Group "z"}, {@code RoleBinding "x/ns" of Role "y" to ServiceAccount "name/ns"}.
   */
  private record Grant(String bindingKind, String bindingName, String namespace, RoleRef roleRef, Subject subject) {
    String describe() {
      String binding = namespace.isEmpty() ? bindingName : bindingName + "/" + namespace;
      return bindingKind + " " + quote(binding) + " of " + roleRef.getKind() + " " + quote(roleRef.getName())
          + " to " + describeSubject();
    }

    private String describeSubject() {
      if (!"ServiceAccount".equals(subject.getKind())) return subject.getKind() + " " + quote(subject.getName());
      String saNamespace = subject.getNamespace() == null || subject.getNamespace().isEmpty() ? namespace
          : subject.getNamespace();
      return "ServiceAccount " + quote(subject.getName() + "/" + saNamespace);
    }
  }

  /** utilerrors.NewAggregate(...).Error(): one message as is, several (without repeats) in brackets. */
  private static String aggregate(List<String> errors) {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(errors));
    return distinct.size() == 1 ? distinct.get(0) : "[" + String.join(", ", distinct) + "]";
  }

  /** Go's %q for the names in messages. */
  static String quote(String value) {
    String s = value == null ? "" : value;
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
