package io.drover.control.rbac;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * kube-apiserver's privilege-escalation prevention for RBAC writes (the policybased storages of
 * pkg/registry/rbac): nobody gives away rights they do not hold. A Role or ClusterRole may only hold rules its writer
 * holds in that namespace (cluster-wide for a ClusterRole), unless the writer may {@code escalate} roles; setting an
 * aggregationRule needs every right. A binding may only bind a role whose rules its writer holds in the binding's
 * namespace, unless the writer may {@code bind} that role. Members of {@code system:masters} (the API server's own
 * privileged group) pass, and so does an update that only touches ownerReferences or finalizers.
 *
 * <p>The request path calls {@link #confirm} for every create and update of the four RBAC kinds, with the
 * requesting user, before storing the object.
 */
public final class EscalationCheck {
  private static final String GROUP = ResourceRegistry.RBAC_GROUP;
  private static final List<PolicyRule> FULL_AUTHORITY = List.of(
      new PolicyRuleBuilder().withVerbs("*").withApiGroups("*").withResources("*").build(),
      new PolicyRuleBuilder().withVerbs("*").withNonResourceURLs("*").build());
  /** Metadata a garbage collector changes (IsOnlyMutatingGCFields), and what the server sets on any write. */
  private static final Set<String> GC_AND_SERVER_FIELDS = Set.of("ownerReferences", "finalizers", "selfLink",
      "managedFields", "resourceVersion", "generation", "creationTimestamp", "uid");

  private final RbacAuthorizer authorizer;

  public EscalationCheck(RbacAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  /**
   * Refuses the write when it would grant what the user does not hold.
   *
   * @param type Role, ClusterRole, RoleBinding or ClusterRoleBinding (other kinds always pass)
   * @param namespace the request's namespace ("" for the cluster-scoped kinds)
   * @param object the object to store, after defaulting
   * @param oldObject the stored object on update, null on create
   * @throws ApiException 403 Forbidden with kube-apiserver's message (e.g. {@code roles.rbac.authorization.k8s.io "x"
   *     is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not
   *     currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}}); 404 NotFound when a binding's
   *     role does not exist
   */
  public void confirm(String user, List<String> groups, ResourceType type, String namespace, ObjectNode object,
      ObjectNode oldObject) {
    boolean roleKind = type == ResourceRegistry.ROLE || type == ResourceRegistry.CLUSTER_ROLE;
    boolean bindingKind = type == ResourceRegistry.ROLE_BINDING || type == ResourceRegistry.CLUSTER_ROLE_BINDING;
    if (!roleKind && !bindingKind) return;
    if (groups.contains(BootstrapPolicy.SYSTEM_MASTERS)) return;
    if (oldObject != null && onlyGcFieldsChange(object, oldObject)) return;
    String ns = namespace == null ? "" : namespace;
    String name = Json.text(object, "metadata.name");
    if (roleKind) {
      if (authorizer.authorize(Attributes.resource(user, groups, "escalate", GROUP, type.plural(), "", ns, name))
          .allowed()) {
        return;
      }
      ClusterRole role = Json.MAPPER.convertValue(object, ClusterRole.class); // a Role's fields are a subset
      confirmHeld(user, groups, type, ns, name, PolicyRules.rules(role.getRules()));
      if (role.getAggregationRule() != null
          && !PolicyComparator.uncovered(authorizer.resolve(user, groups, ns).rules(), FULL_AUTHORITY).isEmpty()) {
        throw forbidden(type, name, "must have cluster-admin privileges to use the aggregationRule");
      }
      return;
    }
    RoleRef roleRef = Json.MAPPER.convertValue(object.path("roleRef"), RoleRef.class);
    String resource = "Role".equals(roleRef.getKind()) ? "roles"
        : "ClusterRole".equals(roleRef.getKind()) ? "clusterroles" : null;
    if (resource != null && authorizer.authorize(Attributes.resource(user, groups, "bind", roleRef.getApiGroup(),
        resource, "", ns, roleRef.getName())).allowed()) {
      return;
    }
    confirmHeld(user, groups, type, ns, name, roleRefRules(roleRef, ns));
  }

  /** GetRoleReferenceRules, reading roles as the API does (so a missing one is a 404 of roles or clusterroles). */
  private List<PolicyRule> roleRefRules(RoleRef roleRef, String namespace) {
    String name = roleRef.getName();
    return switch (roleRef.getKind() == null ? "" : roleRef.getKind()) {
      case "Role" -> PolicyRules.rules(authorizer.policy().role(namespace, name)
          .orElseThrow(() -> ApiException.notFound(ResourceRegistry.ROLE, name)).getRules());
      case "ClusterRole" -> PolicyRules.rules(authorizer.policy().clusterRole(name)
          .orElseThrow(() -> ApiException.notFound(ResourceRegistry.CLUSTER_ROLE, name)).getRules());
      default -> throw ApiException.internal("unsupported role reference kind: "
          + RbacAuthorizer.quote(roleRef.getKind()));
    };
  }

  /** ConfirmNoEscalation: the user's rules in the namespace cover the given ones. */
  private void confirmHeld(String user, List<String> groups, ResourceType type, String namespace, String name,
      List<PolicyRule> rules) {
    RbacAuthorizer.Resolved held = authorizer.resolve(user, groups, namespace);
    List<PolicyRule> missing = PolicyComparator.uncovered(held.rules(), rules);
    if (missing.isEmpty()) return;
    Set<String> descriptions = new TreeSet<>();
    PolicyComparator.compact(missing).forEach(rule -> descriptions.add(PolicyComparator.describe(rule)));
    String message = "user " + RbacAuthorizer.quote(user) + " (groups=" + PolicyComparator.goStrings(groups)
        + ") is attempting to grant RBAC permissions not currently held:\n" + String.join("\n", descriptions);
    if (!held.evaluationError().isEmpty()) message += "; resolution errors: [" + held.evaluationError() + "]";
    throw forbidden(type, name, message);
  }

  private static ApiException forbidden(ResourceType type, String name, String detail) {
    return new ApiException(403, "Forbidden", type.resourceLabel() + " " + RbacAuthorizer.quote(name)
        + " is forbidden: " + detail, type.group(), type.plural(), name, List.of(), null);
  }

  private static boolean onlyGcFieldsChange(ObjectNode object, ObjectNode oldObject) {
    return withoutGcFields(object).equals(withoutGcFields(oldObject));
  }

  private static ObjectNode withoutGcFields(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    copy.remove(List.of("apiVersion", "kind"));
    if (copy.get("metadata") instanceof ObjectNode meta) meta.remove(GC_AND_SERVER_FIELDS);
    return copy;
  }
}
