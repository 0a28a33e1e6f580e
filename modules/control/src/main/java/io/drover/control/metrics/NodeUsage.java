package io.drover.control.metrics;

import java.time.Instant;
import java.util.List;

/**
 * What one node agent measured (the kubelet's stats summary): the node's CPU rate and memory working set, and
 * those of each pod it runs.
 */
public record NodeUsage(String node, Instant timestamp, long windowMillis, long cpuNanoCores, long memoryBytes,
    List<PodUsage> pods) {}
