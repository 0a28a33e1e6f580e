package io.drover.control.metrics;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where controllers read pods' measured usage (the HPA's resource metrics client). The server wires one that asks
 * every node agent, as metrics-server does; the control module does not know how.
 */
@FunctionalInterface
public interface PodMetricsSource {
  /** The usage of the pods of a namespace that have been measured, on every node. */
  CompletionStage<List<PodUsage>> pods(String namespace);

  /** No measurements at all (members and tests without agents or metrics). */
  PodMetricsSource NONE = namespace -> CompletableFuture.completedFuture(List.of());
}
