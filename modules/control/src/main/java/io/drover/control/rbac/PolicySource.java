package io.drover.control.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Optional;

/**
 * Where the RBAC authorizer reads roles and bindings (the RoleGetter, RoleBindingLister, ClusterRoleGetter and
 * ClusterRoleBindingLister of kube-apiserver's rule resolver). Implementations answer from memory, without blocking:
 * the authorizer asks on every request. The objects returned are shared: callers must not change them.
 */
public interface PolicySource {

  Optional<Role> role(String namespace, String name);

  /** The RoleBindings of one namespace. */
  List<RoleBinding> roleBindings(String namespace);

  Optional<ClusterRole> clusterRole(String name);

  List<ClusterRoleBinding> clusterRoleBindings();

  /** A fixed policy from plain lists (tests, and evaluating a policy before it is stored). */
  static PolicySource of(List<Role> roles, List<RoleBinding> roleBindings, List<ClusterRole> clusterRoles,
      List<ClusterRoleBinding> clusterRoleBindings) {
    return PolicyIndex.of(roles, roleBindings, clusterRoles, clusterRoleBindings);
  }
}
