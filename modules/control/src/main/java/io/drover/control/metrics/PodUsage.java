package io.drover.control.metrics;

import java.time.Instant;
import java.util.List;

/**
 * A pod's measured usage, as the kubelet's summary and metrics.k8s.io PodMetrics carry it: per container, the CPU
 * rate over {@code windowMillis} ending at {@code timestamp}, and the memory working set at that time.
 */
public record PodUsage(String namespace, String name, String uid, Instant timestamp, long windowMillis,
    List<ContainerUsage> containers) {

  public record ContainerUsage(String name, long cpuNanoCores, long memoryBytes) {}

  public long cpuNanoCores() {
    return containers.stream().mapToLong(ContainerUsage::cpuNanoCores).sum();
  }

  public long memoryBytes() {
    return containers.stream().mapToLong(ContainerUsage::memoryBytes).sum();
  }
}
