package io.drover.agent.stats;

import io.drover.agent.runtime.ContainerStats;
import io.drover.control.metrics.NodeUsage;
import io.drover.control.metrics.PodUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Turns cumulative counters into usage, as the kubelet and metrics-server do: every resolution period the agent
 * reads each running container's CPU time and working set (and the node's), and a rate is the CPU time used between
 * the last two reads divided by the time between them. The latest result is kept for {@link #summary}. Called from
 * one thread at a time (the agent's sampling task); {@link #summary} may be read from any thread.
 */
public final class UsageSampler {
  /** A pod this node runs and its running containers' runtime ids by container name. */
  public record RunningPod(String namespace, String name, String uid, Map<String, String> containerIds) {}

  /** Cumulative CPU time (nanoseconds) and the working set, of a container or the whole node. */
  public record Counters(long cpuNanos, long memoryBytes) {}

  private record Sample(Instant at, Counters counters) {}

  private final String nodeName;
  private final Function<String, Optional<ContainerStats>> containerStats;
  private final Supplier<Optional<Counters>> nodeCounters;
  private final Map<String, Sample> previousByContainerId = new HashMap<>();
  private Sample previousNode;
  private volatile NodeUsage latest;

  public UsageSampler(String nodeName, Function<String, Optional<ContainerStats>> containerStats,
      Supplier<Optional<Counters>> nodeCounters) {
    this.nodeName = nodeName;
    this.containerStats = containerStats;
    this.nodeCounters = nodeCounters;
  }

  /** Reads every container of the given pods and the node at {@code now}. */
  public void sample(Instant now, List<RunningPod> pods) {
    Map<String, Sample> seen = new HashMap<>();
    List<PodUsage> usages = new ArrayList<>();
    for (RunningPod pod : pods) {
      List<PodUsage.ContainerUsage> containers = new ArrayList<>();
      long window = 0;
      boolean complete = !pod.containerIds().isEmpty();
      for (Map.Entry<String, String> container : pod.containerIds().entrySet()) {
        Optional<ContainerStats> stats = containerStats.apply(container.getValue());
        if (stats.isEmpty()) {
          complete = false;
          continue;
        }
        Sample current = new Sample(now, new Counters(stats.get().cpuUsageNanos(), stats.get().memoryWorkingSetBytes()));
        seen.put(container.getValue(), current);
        Sample previous = previousByContainerId.get(container.getValue());
        Long rate = previous == null ? null : rate(previous, current);
        if (rate == null) {
          complete = false;
          continue;
        }
        window = Math.max(window, Duration.between(previous.at(), now).toMillis());
        containers.add(new PodUsage.ContainerUsage(container.getKey(), rate, current.counters().memoryBytes()));
      }
      // metrics-server leaves out a pod until every container has a rate (no partial pods).
      if (complete) usages.add(new PodUsage(pod.namespace(), pod.name(), pod.uid(), now, window, containers));
    }
    previousByContainerId.clear();
    previousByContainerId.putAll(seen);
    Optional<Counters> node = nodeCounters.get();
    Sample nodeSample = node.map(c -> new Sample(now, c)).orElse(null);
    Long nodeRate = previousNode == null || nodeSample == null ? null : rate(previousNode, nodeSample);
    long nodeWindow = previousNode == null ? 0 : Duration.between(previousNode.at(), now).toMillis();
    previousNode = nodeSample;
    latest = nodeRate == null ? null : new NodeUsage(nodeName, now, nodeWindow, nodeRate,
        nodeSample.counters().memoryBytes(), List.copyOf(usages));
  }

  /** The latest measurements; empty until two samples were taken. */
  public Optional<NodeUsage> summary() {
    return Optional.ofNullable(latest);
  }

  /** CPU nanoseconds per second between two samples (nanocores); null when the counter went back (a restart). */
  static Long rate(Sample previous, Sample current) {
    long nanos = Duration.between(previous.at(), current.at()).toNanos();
    long used = current.counters().cpuNanos() - previous.counters().cpuNanos();
    if (nanos <= 0 || used < 0) return null;
    return (long) (used * 1e9 / nanos);
  }
}
