package io.drover.agent.runtime;

/** Cumulative CPU time and current memory (working set) of a container. */
public record ContainerStats(long cpuUsageNanos, long memoryWorkingSetBytes) {}
