package io.drover.control.scheduler;

import java.util.List;

/**
 * Prefers nodes whose cpu and memory would be used in equal proportion after placing the pod:
 * {@code (1 - std deviation of the used fractions) * 100}; with two resources the deviation is
 * {@code |cpuFraction - memoryFraction| / 2}. Actual requests count here, not the scoring stand-ins, and pods
 * without any request are not scored by it (kubernetes#129138: it would otherwise pile them onto one node).
 */
public final class NodeResourcesBalancedAllocation implements ScorePlugin {
  public static final String NAME = "NodeResourcesBalancedAllocation";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    Requests requests = pod.requests();
    return requests.cpuMillis() == 0 && requests.memoryBytes() == 0 ? Status.SKIP : Status.SUCCESS;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    Requests requested = node.requested().plus(pod.requests());
    Requests allocatable = node.allocatable();
    double[] fractions = new double[2];
    int n = 0;
    if (allocatable.cpuMillis() != 0) fractions[n++] = fraction(requested.cpuMillis(), allocatable.cpuMillis());
    if (allocatable.memoryBytes() != 0) fractions[n++] = fraction(requested.memoryBytes(), allocatable.memoryBytes());
    double std = n == 2 ? Math.abs((fractions[0] - fractions[1]) / 2) : 0;
    return (long) ((1 - std) * MAX_SCORE);
  }

  private static double fraction(long requested, long allocatable) {
    return Math.min(1.0, (double) requested / (double) allocatable);
  }
}
