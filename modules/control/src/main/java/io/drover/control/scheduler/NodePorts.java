package io.drover.control.scheduler;

import java.util.List;

/** Two pods cannot bind the same host port and protocol on overlapping host addresses of one node. */
public final class NodePorts implements FilterPlugin {
  public static final String NAME = "NodePorts";
  public static final String REASON = "node(s) didn't have free ports for the requested pod ports";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PreFilterResult preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    return pod.hostPorts().isEmpty() ? PreFilterResult.SKIP : PreFilterResult.ALL;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    for (HostPort wanted : pod.hostPorts()) {
      for (HostPort used : node.usedPorts()) {
        if (wanted.conflictsWith(used)) return Status.unschedulable(REASON);
      }
    }
    return Status.SUCCESS;
  }
}
