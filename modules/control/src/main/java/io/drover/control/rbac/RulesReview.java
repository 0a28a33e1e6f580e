package io.drover.control.rbac;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.util.List;

/**
 * The rules a user holds in a namespace, as a SelfSubjectRulesReview reports them ({@code kubectl auth can-i
 * --list}).
 *
 * @param incomplete always false for RBAC (it can list everything it would allow)
 * @param evaluationError "" or which roles named by the user's bindings do not exist
 */
public record RulesReview(List<ResourceRule> resourceRules, List<NonResourceRule> nonResourceRules,
    boolean incomplete, String evaluationError) {

  public RulesReview {
    resourceRules = List.copyOf(resourceRules);
    nonResourceRules = List.copyOf(nonResourceRules);
  }

  public record ResourceRule(List<String> verbs, List<String> apiGroups, List<String> resources,
      List<String> resourceNames) {
    public ResourceRule {
      verbs = List.copyOf(verbs);
      apiGroups = List.copyOf(apiGroups);
      resources = List.copyOf(resources);
      resourceNames = List.copyOf(resourceNames);
    }
  }

  public record NonResourceRule(List<String> verbs, List<String> nonResourceURLs) {
    public NonResourceRule {
      verbs = List.copyOf(verbs);
      nonResourceURLs = List.copyOf(nonResourceURLs);
    }
  }

  /** The {@code status} of an authorization.k8s.io/v1 SelfSubjectRulesReview (empty lists left out per rule). */
  public ObjectNode toStatus() {
    ObjectNode status = Json.MAPPER.createObjectNode();
    ArrayNode resources = status.putArray("resourceRules");
    for (ResourceRule rule : resourceRules) {
      ObjectNode node = resources.addObject();
      strings(node, "verbs", rule.verbs());
      strings(node, "apiGroups", rule.apiGroups());
      strings(node, "resources", rule.resources());
      strings(node, "resourceNames", rule.resourceNames());
    }
    ArrayNode nonResources = status.putArray("nonResourceRules");
    for (NonResourceRule rule : nonResourceRules) {
      ObjectNode node = nonResources.addObject();
      strings(node, "verbs", rule.verbs());
      strings(node, "nonResourceURLs", rule.nonResourceURLs());
    }
    status.put("incomplete", incomplete);
    if (!evaluationError.isEmpty()) status.put("evaluationError", evaluationError);
    return status;
  }

  private static void strings(ObjectNode node, String field, List<String> values) {
    if (values.isEmpty()) return;
    ArrayNode array = node.putArray(field);
    values.forEach(array::add);
  }
}
