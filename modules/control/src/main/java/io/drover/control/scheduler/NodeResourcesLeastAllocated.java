package io.drover.control.scheduler;

/**
 * Prefers nodes with the most room left (the LeastAllocated strategy of NodeResourcesFit): per resource
 * {@code (allocatable - requested) * 100 / allocatable}, averaged over cpu and memory with equal weights. Requests
 * count as scoring counts them, so request-less pods still weigh 100m cpu and 200Mi memory.
 */
public final class NodeResourcesLeastAllocated implements ScorePlugin {
  public static final String NAME = "NodeResourcesLeastAllocated";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    Requests requested = node.nonZeroRequested().plus(pod.nonZeroRequests());
    Requests allocatable = node.allocatable();
    long sum = 0;
    long weights = 0;
    if (allocatable.cpuMillis() != 0) {
      sum += leastRequested(requested.cpuMillis(), allocatable.cpuMillis());
      weights++;
    }
    if (allocatable.memoryBytes() != 0) {
      sum += leastRequested(requested.memoryBytes(), allocatable.memoryBytes());
      weights++;
    }
    return weights == 0 ? 0 : sum / weights;
  }

  private static long leastRequested(long requested, long capacity) {
    if (requested > capacity) return 0;
    return (capacity - requested) * MAX_SCORE / capacity;
  }
}
