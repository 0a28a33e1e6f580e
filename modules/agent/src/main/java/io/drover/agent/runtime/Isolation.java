package io.drover.agent.runtime;

/**
 * What isolation the host permits: each flag is false with a reason when not (e.g. not root, no cgroup v2 delegation).
 * The agent reports a degraded isolation as a node condition and an event instead of failing silently.
 */
public record Isolation(boolean namespaces, boolean cgroups, String reason) {}
