package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.sim.Figures.Spread;
import io.drover.sim.SchedulerBenchmark.Placement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The figures every simulation scenario reports, and the invariant check they share. */
final class SimFigures {
  private SimFigures() {}

  /**
   * Pods through the pipeline: rates from the first create to the last pod bound or running, latencies from each
   * pod's create request.
   */
  record Pods(int pods, int bound, int running, double boundPerSecond, double runningPerSecond,
      Spread createToBoundMs, Spread createToRunningMs, Spread apiWriteMs, double allBoundSeconds,
      double allRunningSeconds) {}

  /** Journal events (every write is one) over the measured phase. */
  record Journal(String kind, long events, double seconds, double eventsPerSecond) {}

  /** Heap after a full GC: before the nodes, with the nodes registered, and with the pods running. */
  record Memory(long heapMbBefore, long heapMbWithNodes, long heapMbWithPods, double heapKbPerNode,
      double heapKbPerPod) {
    static Memory of(long before, long withNodes, long withPods, int nodes, int pods) {
      return new Memory(before, withNodes, withPods, Figures.round((withNodes - before) * 1024.0 / nodes),
          Figures.round((withPods - withNodes) * 1024.0 / Math.max(1, pods)));
    }
  }

  /**
   * What must hold after any run. Overcommit and the allocation entities' agreement come from {@link Placement};
   * lost pods are expected pods missing from the list or not running; duplicates are listed pods that were never
   * asked for (a controller that made one too many) or names listed twice.
   */
  record Invariants(int overcommittedNodes, String firstOvercommit, int lostPods, String firstLost,
      int duplicatePods, String firstDuplicate, int unreservedPods, int strayReservations,
      String firstAllocationMismatch, int nodesUsed, int minPodsPerNode, int maxPodsPerNode) {

    boolean ok() {
      return overcommittedNodes == 0 && lostPods == 0 && duplicatePods == 0 && unreservedPods == 0
          && strayReservations == 0;
    }

    @Override
    public String toString() {
      return String.format("%d nodes overcommitted%s; %d pods lost%s; %d duplicates%s; %d bound pods not reserved, "
              + "%d reservations of pods not bound there%s; %d nodes used, %d to %d pods per node",
          overcommittedNodes, first(firstOvercommit), lostPods, first(firstLost), duplicatePods,
          first(firstDuplicate), unreservedPods, strayReservations, first(firstAllocationMismatch), nodesUsed,
          minPodsPerNode, maxPodsPerNode);
    }

    private static String first(String text) {
      return text == null ? "" : " (first: " + text + ")";
    }

    /**
     * @param expected how many pods should be running under each name prefix that is not a fixed name (a
     *     controller's pods carry generated names); null to expect exactly the names given in {@code names}
     */
    static Invariants check(Placement placement, List<JsonNode> pods, java.util.Set<String> names,
        Map<String, Integer> expected) {
      int lost = 0;
      String firstLost = null;
      int duplicates = 0;
      String firstDuplicate = null;
      Map<String, Integer> seen = new HashMap<>();
      Map<String, Integer> runningByOwner = new HashMap<>();
      for (JsonNode pod : pods) {
        if (pod.path("metadata").has("deletionTimestamp")) continue; // on its way out: neither lost nor extra
        String name = pod.path("metadata").path("name").asText();
        if (seen.merge(name, 1, Integer::sum) > 1) {
          duplicates++;
          if (firstDuplicate == null) firstDuplicate = name + " listed twice";
        }
        if (names != null && !names.contains(name)) {
          duplicates++;
          if (firstDuplicate == null) firstDuplicate = name + " was never asked for";
        }
        if (expected != null && PodTracker.running(pod)) {
          runningByOwner.merge(owner(pod), 1, Integer::sum);
        } else if (names != null && !PodTracker.running(pod)) {
          lost++;
          if (firstLost == null) firstLost = name + " is not running: " + pod.path("status").path("phase").asText();
        }
      }
      if (names != null) {
        for (String name : names) {
          if (!seen.containsKey(name)) {
            lost++;
            if (firstLost == null) firstLost = name + " is gone";
          }
        }
      }
      if (expected != null) {
        for (Map.Entry<String, Integer> want : expected.entrySet()) {
          int have = runningByOwner.getOrDefault(want.getKey(), 0);
          if (have < want.getValue()) {
            lost += want.getValue() - have;
            if (firstLost == null) firstLost = want.getKey() + " runs " + have + " of " + want.getValue() + " pods";
          } else if (have > want.getValue()) {
            duplicates += have - want.getValue();
            if (firstDuplicate == null) {
              firstDuplicate = want.getKey() + " runs " + have + " pods, " + want.getValue() + " asked for";
            }
          }
        }
      }
      return new Invariants(placement.overcommittedNodes(), placement.firstOvercommit(), lost, firstLost,
          duplicates, firstDuplicate, placement.unreservedPods(), placement.strayReservations(),
          placement.firstAllocationMismatch(), placement.nodesUsed(), placement.minPodsPerNode(),
          placement.maxPodsPerNode());
    }

    /** The pod's controller as kind/name, or "none". */
    static String owner(JsonNode pod) {
      for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
        if (ref.path("controller").asBoolean()) return ref.path("kind").asText() + "/" + ref.path("name").asText();
      }
      return "none";
    }
  }
}
