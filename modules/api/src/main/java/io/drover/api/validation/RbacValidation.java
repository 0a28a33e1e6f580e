package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.validation.Formats.NameFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Roles, ClusterRoles and their bindings, as pkg/apis/rbac/validation/validation.go checks them. Names only need
 * to be valid path segments (ValidateRBACName); bad list and struct values are rendered as Go's {@code %#v} renders
 * them ({@code []string{"/healthz"}}, {@code rbac.RoleRef{APIGroup:"...", Kind:"Role", Name:"x"}}), as kube-apiserver
 * prints them.
 */
final class RbacValidation {
  private RbacValidation() {}

  private static final String GROUP = ResourceRegistry.RBAC_GROUP;

  static void role(JsonNode role, boolean namespaced, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(role, "metadata"), namespaced, NameFormat.PATH_SEGMENT, "metadata", errs);
    List<JsonNode> rules = Nodes.list(role, "rules");
    for (int i = 0; i < rules.size(); i++) {
      policyRule(rules.get(i), namespaced, index("rules", i), errs);
    }
    if (!namespaced && Nodes.has(role, "aggregationRule")) aggregationRule(Nodes.get(role, "aggregationRule"), errs);
  }

  private static void policyRule(JsonNode rule, boolean namespaced, String path, Errors errs) {
    if (Nodes.list(rule, "verbs").isEmpty()) {
      errs.required(child(path, "verbs"), "verbs must contain at least one value");
    }
    List<JsonNode> urls = Nodes.list(rule, "nonResourceURLs");
    if (!urls.isEmpty()) {
      Object value = Errors.goSyntax(goStrings(urls));
      if (namespaced) {
        errs.invalid(child(path, "nonResourceURLs"), value, "namespaced rules cannot apply to non-resource URLs");
      }
      if (!Nodes.list(rule, "apiGroups").isEmpty() || !Nodes.list(rule, "resources").isEmpty()
          || !Nodes.list(rule, "resourceNames").isEmpty()) {
        errs.invalid(child(path, "nonResourceURLs"), value,
            "rules cannot apply to both regular resources and non-resource URLs");
      }
      return;
    }
    if (Nodes.list(rule, "apiGroups").isEmpty()) {
      errs.required(child(path, "apiGroups"), "resource rules must supply at least one api group");
    }
    if (Nodes.list(rule, "resources").isEmpty()) {
      errs.required(child(path, "resources"), "resource rules must supply at least one resource");
    }
  }

  private static void aggregationRule(JsonNode aggregationRule, Errors errs) {
    String path = "aggregationRule.clusterRoleSelectors";
    List<JsonNode> selectors = Nodes.list(aggregationRule, "clusterRoleSelectors");
    if (selectors.isEmpty()) {
      errs.required(path, "at least one clusterRoleSelector required if aggregationRule is non-nil");
    }
    for (int i = 0; i < selectors.size(); i++) {
      MetaValidation.labelSelector(selectors.get(i), index(path, i), errs);
    }
  }

  /** A RoleBinding ({@code namespaced}) or ClusterRoleBinding, and on update its unchanged roleRef. */
  static void binding(JsonNode binding, JsonNode oldBinding, boolean namespaced, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(binding, "metadata"), namespaced, NameFormat.PATH_SEGMENT, "metadata", errs);
    JsonNode roleRef = Nodes.get(binding, "roleRef");
    String apiGroup = Nodes.str(roleRef, "apiGroup");
    if (!apiGroup.equals(GROUP)) errs.notSupported("roleRef.apiGroup", apiGroup, List.of(GROUP));
    List<String> kinds = namespaced ? List.of("Role", "ClusterRole") : List.of("ClusterRole");
    String kind = Nodes.str(roleRef, "kind");
    if (!kinds.contains(kind)) errs.notSupported("roleRef.kind", kind, kinds);
    String name = Nodes.str(roleRef, "name");
    if (name.isEmpty()) {
      errs.required("roleRef.name", "");
    } else {
      errs.invalidEach("roleRef.name", name, NameFormat.PATH_SEGMENT.check(name, false));
    }
    List<JsonNode> subjects = Nodes.list(binding, "subjects");
    for (int i = 0; i < subjects.size(); i++) {
      subject(subjects.get(i), namespaced, index("subjects", i), errs);
    }
    if (oldBinding != null && !sameRoleRef(roleRef, Nodes.get(oldBinding, "roleRef"))) {
      errs.invalid("roleRef", Errors.goSyntax(goRoleRef(roleRef)), "cannot change roleRef");
    }
  }

  private static void subject(JsonNode subject, boolean namespaced, String path, Errors errs) {
    String name = Nodes.str(subject, "name");
    if (name.isEmpty()) errs.required(child(path, "name"), "");
    String apiGroup = Nodes.str(subject, "apiGroup");
    String kind = Nodes.str(subject, "kind");
    switch (kind) {
      case "ServiceAccount" -> {
        if (!name.isEmpty()) errs.invalidEach(child(path, "name"), name, NameFormat.DNS_SUBDOMAIN.check(name, false));
        if (!apiGroup.isEmpty()) errs.notSupported(child(path, "apiGroup"), apiGroup, List.of(""));
        if (!namespaced && Nodes.str(subject, "namespace").isEmpty()) errs.required(child(path, "namespace"), "");
      }
      case "User", "Group" -> {
        if (!apiGroup.equals(GROUP)) errs.notSupported(child(path, "apiGroup"), apiGroup, List.of(GROUP));
      }
      default -> errs.notSupported(child(path, "kind"), kind, List.of("ServiceAccount", "User", "Group"));
    }
  }

  private static boolean sameRoleRef(JsonNode a, JsonNode b) {
    return List.of("apiGroup", "kind", "name").stream().allMatch(f -> Nodes.str(a, f).equals(Nodes.str(b, f)));
  }

  private static String goRoleRef(JsonNode roleRef) {
    return "rbac.RoleRef{APIGroup:" + Formats.quote(Nodes.str(roleRef, "apiGroup")) + ", Kind:"
        + Formats.quote(Nodes.str(roleRef, "kind")) + ", Name:" + Formats.quote(Nodes.str(roleRef, "name")) + "}";
  }

  private static String goStrings(List<JsonNode> values) {
    return values.stream().map(v -> Formats.quote(v.asText()))
        .collect(Collectors.joining(", ", "[]string{", "}"));
  }

  /** SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding and SetDefaults_Subject of pkg/apis/rbac/v1. */
  static void bindingDefaults(ObjectNode binding) {
    ObjectNode roleRef = Json.object(binding, "roleRef");
    if (Nodes.str(roleRef, "apiGroup").isEmpty()) roleRef.put("apiGroup", GROUP);
    for (JsonNode subject : Nodes.list(binding, "subjects")) {
      String kind = Nodes.str(subject, "kind");
      // A ServiceAccount's group stays "" (omitted); users and groups are rbac.authorization.k8s.io's.
      if (subject instanceof ObjectNode s && Nodes.str(s, "apiGroup").isEmpty()
          && (kind.equals("User") || kind.equals("Group"))) {
        s.put("apiGroup", GROUP);
      }
    }
  }
}
