package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Follows every pod of a watch whose names are not known in advance (a controller's pods): when each was first
 * seen, bound, running, being deleted and gone, and where. Thread-safe; the watch thread writes, the scenario reads.
 */
final class PodEvents implements WatchStream.Listener {
  /** One pod's history, in System.nanoTime; 0 where it did not happen (yet). */
  static final class Seen {
    final String name;
    String node = "";
    String owner = "none";
    long added;
    long bound;
    long running;
    long deleting;
    long gone;

    Seen(String name) {
      this.name = name;
    }
  }

  private final Map<String, Seen> pods = new HashMap<>();
  private int errors;
  private String firstError;

  @Override
  public synchronized void onEvent(String type, JsonNode pod, long arrivedNanos) {
    if (type.equals("ERROR")) {
      error("watch ERROR event: " + pod.path("message").asText());
      return;
    }
    String uid = pod.path("metadata").path("uid").asText();
    Seen seen = pods.computeIfAbsent(uid, u -> new Seen(pod.path("metadata").path("name").asText()));
    if (seen.added == 0) {
      seen.added = arrivedNanos;
      seen.owner = SimFigures.Invariants.owner(pod);
    }
    if (type.equals("DELETED")) {
      if (seen.gone == 0) seen.gone = arrivedNanos;
      return;
    }
    String node = pod.path("spec").path("nodeName").asText("");
    if (!node.isEmpty() && seen.bound == 0) {
      seen.bound = arrivedNanos;
      seen.node = node;
    }
    if (seen.running == 0 && PodTracker.running(pod)) seen.running = arrivedNanos;
    if (seen.deleting == 0 && pod.path("metadata").has("deletionTimestamp")) seen.deleting = arrivedNanos;
  }

  @Override
  public synchronized void onEnd(Exception error) {
    error("the watch ended early" + (error == null ? "" : ": " + error));
  }

  private void error(String message) {
    errors++;
    if (firstError == null) firstError = message;
  }

  synchronized int errors() {
    return errors;
  }

  synchronized String firstError() {
    return firstError;
  }

  /** How many pods reached a stage (the field is non-zero), among those matching. */
  synchronized long count(Predicate<Seen> which) {
    return pods.values().stream().filter(which).count();
  }

  /** Pods that run now: running seen, not being deleted, not gone. */
  synchronized long serving() {
    return count(s -> s.running != 0 && s.deleting == 0 && s.gone == 0);
  }

  /** For the pods matching, the nanoseconds between two of their stages (both reached). */
  synchronized long[] between(Predicate<Seen> which, java.util.function.ToLongFunction<Seen> from,
      java.util.function.ToLongFunction<Seen> to) {
    return pods.values().stream().filter(which).filter(s -> from.applyAsLong(s) != 0 && to.applyAsLong(s) != 0)
        .mapToLong(s -> to.applyAsLong(s) - from.applyAsLong(s)).toArray();
  }

  /** The latest time a stage was reached among the matching pods, or 0. */
  synchronized long last(Predicate<Seen> which, java.util.function.ToLongFunction<Seen> stage) {
    return pods.values().stream().filter(which).mapToLong(stage).max().orElse(0);
  }
}
