package io.drover.control.scheduler;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Required inter-pod affinity and anti-affinity, over any topology key (kubernetes.io/hostname makes the domain one
 * node; a zone label makes it a zone). A node is rejected when, in its topology domain:
 * <ul>
 *   <li>no pod matches all the pod's required affinity terms (unless no such pod exists anywhere and the pod
 *       matches its own terms, so the first pod of a group can start);</li>
 *   <li>a pod matches one of the pod's required anti-affinity terms;</li>
 *   <li>a pod already there has a required anti-affinity term that matches the incoming pod.</li>
 * </ul>
 */
public final class InterPodAffinity implements FilterPlugin {
  public static final String NAME = "InterPodAffinity";
  public static final String REASON_AFFINITY = "node(s) didn't match pod affinity rules";
  public static final String REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
  public static final String REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

  private record TopologyPair(String key, String value) {}

  /** The topology domains holding matching pods, counted once across all nodes in the pre-step. */
  private record Domains(Set<TopologyPair> affinity, Set<TopologyPair> antiAffinity,
      Set<TopologyPair> existingAntiAffinity) {}

  private static final CycleState.Key<Domains> DOMAINS = new CycleState.Key<>("PreFilter" + NAME);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PreFilterResult preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    Set<TopologyPair> affinity = new HashSet<>();
    Set<TopologyPair> antiAffinity = new HashSet<>();
    Set<TopologyPair> existingAntiAffinity = new HashSet<>();
    boolean anyTerms = !pod.requiredAffinityTerms().isEmpty() || !pod.requiredAntiAffinityTerms().isEmpty();
    for (NodeInfo node : nodes) {
      for (PodInfo existing : node.podsWithRequiredAntiAffinity()) {
        for (AffinityTerm term : existing.requiredAntiAffinityTerms()) {
          if (term.matches(pod)) add(existingAntiAffinity, node, term);
        }
      }
      if (!anyTerms) continue;
      for (PodInfo existing : node.podInfos()) {
        if (!pod.requiredAffinityTerms().isEmpty() && matchesAll(pod.requiredAffinityTerms(), existing)) {
          pod.requiredAffinityTerms().forEach(term -> add(affinity, node, term));
        }
        for (AffinityTerm term : pod.requiredAntiAffinityTerms()) {
          if (term.matches(existing)) add(antiAffinity, node, term);
        }
      }
    }
    if (!anyTerms && existingAntiAffinity.isEmpty()) return PreFilterResult.SKIP;
    state.write(DOMAINS, new Domains(affinity, antiAffinity, existingAntiAffinity));
    return PreFilterResult.ALL;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    Domains domains = state.read(DOMAINS);
    if (!satisfiesAffinity(domains, pod, node)) return Status.unresolvable(REASON_AFFINITY);
    for (AffinityTerm term : pod.requiredAntiAffinityTerms()) {
      if (domains.antiAffinity().contains(pairOf(node, term))) return Status.unschedulable(REASON_ANTI_AFFINITY);
    }
    for (Map.Entry<String, String> label : node.labels().entrySet()) {
      if (domains.existingAntiAffinity().contains(new TopologyPair(label.getKey(), label.getValue()))) {
        return Status.unschedulable(REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return Status.SUCCESS;
  }

  private static boolean satisfiesAffinity(Domains domains, PodInfo pod, NodeInfo node) {
    boolean podsExist = true;
    for (AffinityTerm term : pod.requiredAffinityTerms()) {
      TopologyPair pair = pairOf(node, term);
      if (pair == null) return false;
      if (!domains.affinity().contains(pair)) podsExist = false;
    }
    return podsExist || (domains.affinity().isEmpty() && matchesAll(pod.requiredAffinityTerms(), pod));
  }

  private static boolean matchesAll(List<AffinityTerm> terms, PodInfo pod) {
    for (AffinityTerm term : terms) {
      if (!term.matches(pod)) return false;
    }
    return true;
  }

  private static void add(Set<TopologyPair> domains, NodeInfo node, AffinityTerm term) {
    TopologyPair pair = pairOf(node, term);
    if (pair != null) domains.add(pair);
  }

  /** The node's domain for the term's topology key, or null when the node lacks that label. */
  private static TopologyPair pairOf(NodeInfo node, AffinityTerm term) {
    String value = node.labels().get(term.topologyKey());
    return value == null ? null : new TopologyPair(term.topologyKey(), value);
  }
}
