package io.drover.api.table;

import static io.drover.api.table.Column.ageColumn;
import static io.drover.api.table.Column.column;
import static io.drover.api.table.Column.nameColumn;
import static io.drover.api.table.Column.wide;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Columns of the RBAC bindings: their role and, wide, their subjects (printRoleBinding and printClusterRoleBinding
 * in pkg/printers/internalversion). Roles and ClusterRoles have no printer in kube-apiserver: they get its default
 * table ({@code NAME  CREATED AT}, {@link Printers#DEFAULT}).
 */
final class RbacPrinters {
  private RbacPrinters() {}

  private static final String ROLE_BINDING_REF_DOC = "RoleRef can reference a Role in the current namespace or a "
      + "ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. "
      + "This field is immutable.";
  private static final String CLUSTER_ROLE_BINDING_REF_DOC = "RoleRef can only reference a ClusterRole in the global "
      + "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.";

  static Map<String, List<Column>> columns() {
    return Map.of(
        "Role", Printers.DEFAULT,
        "ClusterRole", Printers.DEFAULT,
        "RoleBinding", binding(ROLE_BINDING_REF_DOC, "roleBinding"),
        "ClusterRoleBinding", binding(CLUSTER_ROLE_BINDING_REF_DOC, "clusterRoleBinding"));
  }

  private static List<Column> binding(String roleRefDoc, String kindInDocs) {
    return List.of(
        nameColumn(),
        column("Role", roleRefDoc, (o, now) -> Cells.text(o, "roleRef.kind") + "/" + Cells.text(o, "roleRef.name")),
        ageColumn(),
        wide("Users", "Users in the " + kindInDocs, (o, now) -> subjects(o, "User")),
        wide("Groups", "Groups in the " + kindInDocs, (o, now) -> subjects(o, "Group")),
        wide("ServiceAccounts", "ServiceAccounts in the " + kindInDocs, (o, now) -> subjects(o, "ServiceAccount")));
  }

  /** rbac.SubjectsStrings: the subjects of one kind joined by ", "; service accounts as namespace/name. */
  private static String subjects(JsonNode binding, String kind) {
    List<String> names = new ArrayList<>();
    for (JsonNode subject : binding.path("subjects")) {
      if (!kind.equals(subject.path("kind").asText())) continue;
      String name = subject.path("name").asText("");
      names.add(kind.equals("ServiceAccount") ? subject.path("namespace").asText("") + "/" + name : name);
    }
    return String.join(", ", names);
  }
}
