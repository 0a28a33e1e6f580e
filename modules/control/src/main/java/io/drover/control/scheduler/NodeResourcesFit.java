package io.drover.control.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the node has room: one more pod than it already holds within its pod capacity, and the pod's cpu,
 * memory and ephemeral-storage requests within allocatable minus what its pods request. Every shortage is
 * reported, in the order kube-scheduler reports them.
 */
public final class NodeResourcesFit implements FilterPlugin {
  public static final String NAME = "NodeResourcesFit";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    List<String> reasons = new ArrayList<>(4);
    if (node.podCount() + 1 > node.allowedPodNumber()) reasons.add("Too many pods");
    Requests want = pod.requests();
    Requests free = node.allocatable().minus(node.requested());
    if (want.cpuMillis() > 0 && want.cpuMillis() > free.cpuMillis()) reasons.add("Insufficient cpu");
    if (want.memoryBytes() > 0 && want.memoryBytes() > free.memoryBytes()) reasons.add("Insufficient memory");
    if (want.ephemeralStorageBytes() > 0 && want.ephemeralStorageBytes() > free.ephemeralStorageBytes()) {
      reasons.add("Insufficient ephemeral-storage");
    }
    return reasons.isEmpty() ? Status.SUCCESS : Status.unschedulable(reasons.toArray(String[]::new));
  }
}
