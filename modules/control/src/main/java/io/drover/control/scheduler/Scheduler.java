package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One scheduling cycle as a pure function (kube-scheduler's schedulePod): pre-filter, filter every node, and if
 * any fit, pre-score, score, normalize and weigh them. The caller gathers the snapshot and acts on the ranking.
 *
 * <p>Nodes with equal totals are ordered by a hash of the pod's uid and the node's name: deterministic for one
 * pod, yet different pods (and so parallel schedulers) do not all crowd onto the same node.
 */
public final class Scheduler {
  private Scheduler() {}

  public static final String NO_NODES = "no nodes available to schedule pods";

  public static ScheduleResult schedule(ObjectNode pod, List<NodeInfo> nodes, Profile profile) {
    if (nodes.isEmpty()) return new ScheduleResult(List.of(), NO_NODES, Map.of());
    PodInfo podInfo;
    try {
      podInfo = PodInfo.of(pod);
    } catch (RuntimeException e) {
      return new ScheduleResult(List.of(), "invalid pod: " + e.getMessage(), Map.of());
    }
    try {
      return new Cycle(podInfo, nodes, profile).run();
    } catch (PluginError e) {
      return new ScheduleResult(List.of(), e.getMessage(), Map.of());
    }
  }

  /** kube-scheduler's minFeasibleNodesToFind: below this many nodes, every node is filtered and scored. */
  static final int MIN_FEASIBLE_NODES_TO_FIND = 100;

  /**
   * kube-scheduler's adaptive percentageOfNodesToScore (numFeasibleNodesToFind): all nodes up to 100; beyond, 50%
   * less 1% per 125 nodes, at least 5% and at least 100 nodes (5,000 nodes: 500).
   */
  static int feasibleNodesToFind(int allNodes) {
    if (allNodes <= MIN_FEASIBLE_NODES_TO_FIND) return allNodes;
    int percentage = Math.max(5, 50 - allNodes / 125);
    return Math.max(MIN_FEASIBLE_NODES_TO_FIND, allNodes * percentage / 100);
  }

  /** A plugin failed internally; the cycle stops and the message says which plugin and step. */
  private static final class PluginError extends RuntimeException {
    PluginError(String message) {
      super(message);
    }
  }

  private static final class Cycle {
    private final PodInfo pod;
    private final List<NodeInfo> nodes;
    private final Profile profile;
    private final CycleState state = new CycleState();

    Cycle(PodInfo pod, List<NodeInfo> nodes, Profile profile) {
      this.pod = pod;
      this.nodes = nodes;
      this.profile = profile;
    }

    ScheduleResult run() {
      // PreFilter: each plugin may skip itself, narrow the candidates, or turn the pod away from every node.
      List<FilterPlugin> filters = new ArrayList<>();
      Set<String> candidates = null;
      List<String> narrowedBy = new ArrayList<>();
      for (FilterPlugin plugin : profile.filters()) {
        PreFilterResult result = call("PreFilter", plugin, () -> plugin.preFilter(state, pod, nodes));
        Status status = result.status();
        if (status.code() == Status.Code.SKIP) continue;
        if (status.code() == Status.Code.ERROR) {
          throw new PluginError(stepError("PreFilter", plugin) + ": " + status.message());
        }
        if (status.isRejected()) return rejectedByPreFilter(status.withPlugin(plugin.name()));
        filters.add(plugin);
        if (!result.allNodes()) {
          narrowedBy.add(plugin.name());
          if (candidates == null) candidates = new HashSet<>(result.nodeNames());
          else candidates.retainAll(result.nodeNames());
          if (candidates.isEmpty()) {
            String message = narrowedBy.size() == 1
                ? "node(s) didn't satisfy plugin " + narrowedBy.get(0)
                : "node(s) didn't satisfy plugin(s) [" + String.join(" ", narrowedBy) + "] simultaneously";
            return rejectedByPreFilter(Status.unresolvable(message));
          }
        }
      }

      // Filter: a node's first rejection is its reason; nodes outside the narrowed candidates share one reason.
      Map<String, Status> failures = new HashMap<>();
      List<NodeInfo> feasible = new ArrayList<>();
      Status outside = candidates == null ? null : Status.unresolvable(
          "node(s) didn't satisfy plugin(s) [" + String.join(" ", new TreeSet<>(narrowedBy)) + "]");
      // As kube-scheduler: stop once enough feasible nodes are found, starting at a place that differs per pod,
      // so a large cluster is not filtered and scored whole for every pod. Nodes not looked at have no verdict.
      int wanted = feasibleNodesToFind(nodes.size());
      int start = nodes.size() <= wanted ? 0 : Math.floorMod(pod.key().hashCode(), nodes.size());
      for (int i = 0; i < nodes.size() && feasible.size() < wanted; i++) {
        NodeInfo node = nodes.get((start + i) % nodes.size());
        if (candidates != null && !candidates.contains(node.name())) {
          failures.put(node.name(), outside);
          continue;
        }
        Status status = filter(filters, node);
        if (status.isSuccess()) feasible.add(node);
        else failures.put(node.name(), status);
      }
      Map<String, String> nodeFailures = messages(failures);
      if (feasible.isEmpty()) {
        return new ScheduleResult(List.of(), fitError(failures.values(), nodes.size()), nodeFailures);
      }
      return new ScheduleResult(rank(feasible), null, nodeFailures);
    }

    private Status filter(List<FilterPlugin> filters, NodeInfo node) {
      for (FilterPlugin plugin : filters) {
        Status status = call("Filter", plugin, () -> plugin.filter(state, pod, node));
        if (status.isSuccess()) continue;
        if (!status.isRejected()) {
          throw new PluginError(stepError("Filter", plugin) + ": " + status.message());
        }
        return status.withPlugin(plugin.name());
      }
      return Status.SUCCESS;
    }

    /** Feasible nodes by weighted total, best first. One feasible node needs no scoring. */
    private List<String> rank(List<NodeInfo> feasible) {
      if (feasible.size() == 1) return List.of(feasible.get(0).name());
      long[] totals = new long[feasible.size()];
      for (WeightedScore weighted : profile.scores()) {
        ScorePlugin plugin = weighted.plugin();
        Status status = call("PreScore", plugin, () -> plugin.preScore(state, pod, feasible));
        if (status.code() == Status.Code.SKIP) continue;
        if (!status.isSuccess()) {
          throw new PluginError(stepError("PreScore", plugin) + ": " + status.message());
        }
        long[] raw = new long[feasible.size()];
        for (int i = 0; i < raw.length; i++) {
          NodeInfo node = feasible.get(i);
          raw[i] = call("Score", plugin, () -> plugin.score(state, pod, node));
        }
        long[] normalized = call("NormalizeScore", plugin, () -> plugin.normalize(state, pod, raw));
        for (int i = 0; i < totals.length; i++) {
          if (normalized[i] < 0 || normalized[i] > ScorePlugin.MAX_SCORE) {
            throw new PluginError("plugin \"" + plugin.name() + "\" returns an invalid score " + normalized[i]
                + ", it should in the range of [0, 100] after normalizing");
          }
          totals[i] += normalized[i] * weighted.weight();
        }
      }
      long[] ties = new long[feasible.size()];
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < totals.length; i++) {
        ties[i] = tieBreak(pod.key(), feasible.get(i).name());
        order.add(i);
      }
      order.sort(Comparator.<Integer>comparingLong(i -> -totals[i])
          .thenComparing((a, b) -> Long.compareUnsigned(ties[a], ties[b]))
          .thenComparing(i -> feasible.get(i).name()));
      return order.stream().map(i -> feasible.get(i).name()).toList();
    }

    private ScheduleResult rejectedByPreFilter(Status status) {
      Map<String, String> failures = new LinkedHashMap<>();
      nodes.forEach(node -> failures.put(node.name(), status.message()));
      String message = "0/" + nodes.size() + " nodes are available: " + status.message() + ".";
      return new ScheduleResult(List.of(), message, failures);
    }

    /** Runs a plugin step; an exception becomes the cycle's error, prefixed as kube-scheduler words it. */
    private static <T> T call(String step, Plugin plugin, Supplier<T> body) {
      try {
        return body.get();
      } catch (PluginError e) {
        throw e;
      } catch (RuntimeException e) {
        throw new PluginError(stepError(step, plugin) + ": " + e.getMessage());
      }
    }

    private static String stepError(String step, Plugin plugin) {
      return step.equals("Filter")
          ? "running \"" + plugin.name() + "\" filter plugin"
          : "running " + step + " plugin \"" + plugin.name() + "\"";
    }
  }

  /**
   * framework.FitError.Error(): "0/N nodes are available: " then every reason prefixed with how many nodes gave
   * it, sorted as strings (so "10 ..." sorts before "2 ..." exactly as in Go), joined by ", ", ending with ".".
   */
  static String fitError(Iterable<Status> statuses, int allNodes) {
    Map<String, Integer> histogram = new HashMap<>();
    for (Status status : statuses) {
      for (String reason : status.reasons()) histogram.merge(reason, 1, Integer::sum);
    }
    String reasons = histogram.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey())
        .sorted()
        .collect(Collectors.joining(", "));
    return "0/" + allNodes + " nodes are available:" + (reasons.isEmpty() ? "" : " " + reasons + ".");
  }

  private static Map<String, String> messages(Map<String, Status> failures) {
    Map<String, String> messages = new TreeMap<>();
    failures.forEach((node, status) -> messages.put(node, status.message()));
    return messages;
  }

  /** FNV-1a over "podKey/nodeName", finished with a 64-bit mixer so neighbouring names land far apart. */
  static long tieBreak(String podKey, String nodeName) {
    long hash = 0xcbf29ce484222325L;
    String text = podKey + "/" + nodeName;
    for (int i = 0; i < text.length(); i++) {
      hash ^= text.charAt(i);
      hash *= 0x100000001b3L;
    }
    hash ^= hash >>> 33;
    hash *= 0xff51afd7ed558ccdL;
    hash ^= hash >>> 33;
    hash *= 0xc4ceb93fe53ec49L;
    hash ^= hash >>> 33;
    return hash;
  }
}
