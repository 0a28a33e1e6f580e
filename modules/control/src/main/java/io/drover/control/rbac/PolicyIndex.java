package io.drover.control.rbac;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An immutable policy indexed for the authorizer's questions: roles by namespace and name, role bindings by
 * namespace, cluster roles by name. Bindings are in name order, so the binding named in an allow reason does not
 * depend on the order objects were stored in.
 */
final class PolicyIndex implements PolicySource {
  private static final Comparator<HasMetadata> BY_NAME = Comparator.comparing(o -> o.getMetadata().getName());

  private final Map<String, Map<String, Role>> roles;
  private final Map<String, List<RoleBinding>> roleBindings;
  private final Map<String, ClusterRole> clusterRoles;
  private final List<ClusterRoleBinding> clusterRoleBindings;

  private PolicyIndex(Map<String, Map<String, Role>> roles, Map<String, List<RoleBinding>> roleBindings,
      Map<String, ClusterRole> clusterRoles, List<ClusterRoleBinding> clusterRoleBindings) {
    this.roles = roles;
    this.roleBindings = roleBindings;
    this.clusterRoles = clusterRoles;
    this.clusterRoleBindings = clusterRoleBindings;
  }

  static PolicyIndex of(Collection<Role> roles, Collection<RoleBinding> roleBindings,
      Collection<ClusterRole> clusterRoles, Collection<ClusterRoleBinding> clusterRoleBindings) {
    Map<String, Map<String, Role>> rolesByNamespace = new HashMap<>();
    for (Role role : roles) {
      rolesByNamespace.computeIfAbsent(role.getMetadata().getNamespace(), ns -> new HashMap<>())
          .put(role.getMetadata().getName(), role);
    }
    rolesByNamespace.replaceAll((ns, byName) -> Map.copyOf(byName));
    Map<String, List<RoleBinding>> bindingsByNamespace = roleBindings.stream().sorted(BY_NAME)
        .collect(Collectors.groupingBy(b -> b.getMetadata().getNamespace(), Collectors.toUnmodifiableList()));
    Map<String, ClusterRole> clusterRolesByName = new HashMap<>();
    clusterRoles.forEach(r -> clusterRolesByName.put(r.getMetadata().getName(), r));
    return new PolicyIndex(Map.copyOf(rolesByNamespace), Map.copyOf(bindingsByNamespace),
        Map.copyOf(clusterRolesByName), clusterRoleBindings.stream().sorted(BY_NAME).toList());
  }

  @Override
  public Optional<Role> role(String namespace, String name) {
    return Optional.ofNullable(roles.getOrDefault(namespace, Map.of()).get(name));
  }

  @Override
  public List<RoleBinding> roleBindings(String namespace) {
    return roleBindings.getOrDefault(namespace, List.of());
  }

  @Override
  public Optional<ClusterRole> clusterRole(String name) {
    return Optional.ofNullable(clusterRoles.get(name));
  }

  @Override
  public List<ClusterRoleBinding> clusterRoleBindings() {
    return clusterRoleBindings;
  }
}
