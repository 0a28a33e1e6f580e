package io.drover.control.scheduler;

import java.util.List;

/**
 * Which plugins run, in which order, and how much each score counts (a KubeSchedulerProfile). Filters run in list
 * order and a node's first rejection is its reason, so cheap and decisive filters come first.
 */
public record Profile(List<FilterPlugin> filters, List<WeightedScore> scores) {
  public Profile {
    filters = List.copyOf(filters);
    scores = List.copyOf(scores);
  }

  /**
   * kube-scheduler's default order and weights for the plugins Drover has: TaintToleration 3, NodeAffinity 2,
   * NodeResourcesFit (LeastAllocated) 1, spreading 2 (as PodTopologySpread), NodeResourcesBalancedAllocation 1.
   */
  public static Profile defaults() {
    return defaults(VolumeBinding.Lookup.NONE);
  }

  /** The defaults with the VolumeBinding filter reading claims, volumes and classes through {@code volumes}. */
  public static Profile defaults(VolumeBinding.Lookup volumes) {
    TaintToleration taints = new TaintToleration();
    NodeAffinity affinity = new NodeAffinity();
    return new Profile(
        List.of(new NodeUnschedulable(), new NodeName(), taints, affinity, new NodePorts(), new NodeResourcesFit(),
            new VolumeBinding(volumes), new InterPodAffinity()),
        List.of(new WeightedScore(taints, 3), new WeightedScore(affinity, 2),
            new WeightedScore(new NodeResourcesLeastAllocated(), 1), new WeightedScore(new ControllerSpread(), 2),
            new WeightedScore(new NodeResourcesBalancedAllocation(), 1)));
  }
}
