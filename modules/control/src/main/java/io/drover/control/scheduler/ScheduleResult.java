package io.drover.control.scheduler;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The outcome of one scheduling cycle.
 *
 * @param rankedNodes the nodes the pod fits on, best first; empty when it fits nowhere
 * @param failureMessage null when some node fits; otherwise the FailedScheduling message, word for word as
 *     kube-scheduler writes it ("0/3 nodes are available: 1 Insufficient cpu, ...")
 * @param nodeFailures for every node the pod does not fit on, its reasons joined with ", " (sorted by node name)
 */
public record ScheduleResult(List<String> rankedNodes, String failureMessage, Map<String, String> nodeFailures) {
  public ScheduleResult {
    rankedNodes = List.copyOf(rankedNodes);
    nodeFailures = Collections.unmodifiableMap(new TreeMap<>(nodeFailures));
  }

  public boolean scheduled() {
    return !rankedNodes.isEmpty();
  }

  public Optional<String> bestNode() {
    return rankedNodes.stream().findFirst();
  }
}
