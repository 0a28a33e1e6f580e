package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.select.LabelSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Node selection by the pod. As a filter: {@code spec.nodeSelector} and the required node affinity terms (ORed;
 * each term ANDs its requirements). As a score: the sum of the weights of the preferred terms a node matches,
 * scaled so the best node gets 100.
 *
 * <p>Like kube-scheduler, when every required term pins {@code metadata.name In [...]} (DaemonSet pods do) the
 * pre-step narrows the cycle to those nodes, and the others are reported as not satisfying this plugin.
 */
public final class NodeAffinity implements FilterPlugin, ScorePlugin {
  public static final String NAME = "NodeAffinity";
  public static final String REASON = "node(s) didn't match Pod's node affinity/selector";
  public static final String REASON_CONFLICT = "pod affinity terms conflict";

  /** The nodeSelector, and the required terms or null when the pod has none. */
  private record Required(LabelSelector nodeSelector, List<NodeSelectorTerm> terms) {
    boolean matches(NodeInfo node) {
      if (!nodeSelector.matches(node.labels())) return false;
      if (terms == null) return true;
      for (NodeSelectorTerm term : terms) {
        if (term.matches(node)) return true;
      }
      return false;
    }
  }

  private record Preferred(NodeSelectorTerm term, long weight) {}

  private static final CycleState.Key<Required> REQUIRED = new CycleState.Key<>("PreFilter" + NAME);
  private static final CycleState.Key<List<Preferred>> PREFERRED = new CycleState.Key<>("PreScore" + NAME);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PreFilterResult preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    JsonNode spec = pod.pod().path("spec");
    JsonNode requiredTerms = spec.path("affinity").path("nodeAffinity")
        .path("requiredDuringSchedulingIgnoredDuringExecution");
    JsonNode selector = spec.get("nodeSelector");
    boolean hasSelector = selector != null && selector.isObject();
    if (requiredTerms.isMissingNode() || requiredTerms.isNull()) requiredTerms = null;
    if (requiredTerms == null && !hasSelector) return PreFilterResult.SKIP;

    Map<String, String> nodeSelector = new HashMap<>();
    if (hasSelector) selector.properties().forEach(e -> nodeSelector.put(e.getKey(), e.getValue().asText()));
    List<NodeSelectorTerm> terms = requiredTerms == null ? null
        : NodeSelectorTerm.listOf(requiredTerms.path("nodeSelectorTerms"));
    state.write(REQUIRED, new Required(LabelSelector.fromSet(nodeSelector), terms));
    return terms == null ? PreFilterResult.ALL : pinnedNodes(requiredTerms.path("nodeSelectorTerms"));
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    return state.read(REQUIRED).matches(node) ? Status.SUCCESS : Status.unresolvable(REASON);
  }

  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    JsonNode preferred = pod.pod().path("spec").path("affinity").path("nodeAffinity")
        .path("preferredDuringSchedulingIgnoredDuringExecution");
    List<Preferred> terms = new ArrayList<>();
    for (JsonNode term : preferred) {
      long weight = term.path("weight").asLong(0);
      NodeSelectorTerm preference = NodeSelectorTerm.of(term.path("preference"));
      if (weight != 0 && preference.matchable()) terms.add(new Preferred(preference, weight));
    }
    if (terms.isEmpty()) return Status.SKIP;
    state.write(PREFERRED, List.copyOf(terms));
    return Status.SUCCESS;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    long sum = 0;
    for (Preferred preferred : state.read(PREFERRED)) {
      if (preferred.term().matches(node)) sum += preferred.weight();
    }
    return sum;
  }

  @Override
  public long[] normalize(CycleState state, PodInfo pod, long[] scores) {
    return ScorePlugin.scaleToMax(scores, false);
  }

  /**
   * The nodes named by {@code metadata.name In} in every term (intersected within a term, united across terms);
   * all nodes as soon as one term does not pin names.
   */
  private static PreFilterResult pinnedNodes(JsonNode terms) {
    Set<String> union = null;
    for (JsonNode term : terms) {
      Set<String> names = null;
      for (JsonNode field : term.path("matchFields")) {
        if (!field.path("key").asText().equals(NodeSelectorTerm.NAME_FIELD)) continue;
        if (!field.path("operator").asText().equals("In")) continue;
        Set<String> values = new HashSet<>();
        field.path("values").forEach(v -> values.add(v.asText()));
        if (names == null) names = values;
        else names.retainAll(values);
      }
      if (names == null) return PreFilterResult.ALL;
      if (union == null) union = new HashSet<>();
      union.addAll(names);
    }
    if (union == null) return PreFilterResult.ALL;
    if (union.isEmpty()) return PreFilterResult.reject(Status.unresolvable(REASON_CONFLICT));
    return PreFilterResult.only(union);
  }
}
