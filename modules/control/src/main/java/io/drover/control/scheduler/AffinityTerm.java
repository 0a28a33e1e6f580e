package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.select.LabelSelector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A required inter-pod (anti-)affinity term (framework.AffinityTerm): pods in {@code namespaces} whose labels match
 * {@code selector}, counted per value of the node label {@code topologyKey}.
 *
 * <p>Namespaces default to the owning pod's namespace. A {@code namespaceSelector} of {@code {}} selects every
 * namespace; a non-empty one needs namespace labels, which the scheduler does not see, so it adds no namespace.
 */
public record AffinityTerm(Set<String> namespaces, boolean allNamespaces, LabelSelector selector, String topologyKey) {
  public AffinityTerm {
    namespaces = Set.copyOf(namespaces);
  }

  public boolean matches(PodInfo pod) {
    return (allNamespaces || namespaces.contains(pod.namespace())) && selector.matches(pod.labels());
  }

  /** Terms of a {@code requiredDuringSchedulingIgnoredDuringExecution} list, for a pod in {@code podNamespace}. */
  static List<AffinityTerm> listOf(JsonNode terms, String podNamespace) {
    List<AffinityTerm> result = new ArrayList<>();
    if (terms == null) return result;
    for (JsonNode term : terms) {
      JsonNode nsSelector = term.get("namespaceSelector");
      boolean hasNsSelector = nsSelector != null && !nsSelector.isNull();
      Set<String> namespaces = new LinkedHashSet<>();
      term.path("namespaces").forEach(ns -> namespaces.add(ns.asText()));
      if (namespaces.isEmpty() && !hasNsSelector) namespaces.add(podNamespace);
      boolean all = hasNsSelector && nsSelector.path("matchLabels").size() + nsSelector.path("matchExpressions").size() == 0;
      result.add(new AffinityTerm(namespaces, all, selector(term.get("labelSelector")), term.path("topologyKey").asText("")));
    }
    return List.copyOf(result);
  }

  /** A null selector matches nothing (LabelSelectorAsSelector); an invalid one too, as the scheduler ignores it. */
  private static LabelSelector selector(JsonNode labelSelector) {
    try {
      return LabelSelector.fromJson(labelSelector);
    } catch (ApiException e) {
      return LabelSelector.nothing();
    }
  }
}
