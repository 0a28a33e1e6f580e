package io.drover.control.scheduler;

import java.util.List;

/** Decides whether a pod may run on a node (framework.FilterPlugin, with its PreFilter step). */
public interface FilterPlugin extends Plugin {

  /**
   * Runs once per cycle before any {@link #filter}: parses the pod, counts what it needs across all nodes into
   * {@code state}, and may narrow the candidate nodes, skip the filter, or reject the pod for every node.
   */
  default PreFilterResult preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    return PreFilterResult.ALL;
  }

  /** Success, or a rejection whose reasons say why this node does not fit. */
  Status filter(CycleState state, PodInfo pod, NodeInfo node);
}
