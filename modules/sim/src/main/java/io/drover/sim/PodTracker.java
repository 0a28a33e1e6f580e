package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Follows the pods {@code <prefix>0 .. <prefix>count-1} on a pod watch: when each was first seen bound to a node,
 * running, and gone (its DELETED event), and which node it went to. Waiting for a stage blocks until every pod
 * reached it, the stream broke, or the deadline passed.
 */
final class PodTracker implements WatchStream.Listener {
  enum Stage { BOUND, RUNNING, GONE }

  private final String prefix;
  private final int count;
  private final Map<Stage, long[]> reachedAt = new EnumMap<>(Stage.class);
  private final Map<Stage, Integer> reached = new EnumMap<>(Stage.class);
  private final String[] nodes;
  private int errors;
  private String firstError;

  PodTracker(String prefix, int count) {
    this.prefix = prefix;
    this.count = count;
    this.nodes = new String[count];
    for (Stage stage : Stage.values()) {
      reachedAt.put(stage, new long[count]);
      reached.put(stage, 0);
    }
  }

  @Override
  public synchronized void onEvent(String type, JsonNode pod, long arrivedNanos) {
    if (type.equals("ERROR")) {
      error("watch ERROR event: " + pod.path("message").asText());
      return;
    }
    String name = pod.path("metadata").path("name").asText();
    if (!name.startsWith(prefix)) return;
    int index;
    try {
      index = Integer.parseInt(name.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return; // another run's pod that shares the prefix
    }
    if (index < 0 || index >= count) return;
    if (type.equals("DELETED")) {
      reach(Stage.GONE, index, arrivedNanos);
      return;
    }
    String node = pod.path("spec").path("nodeName").asText("");
    if (!node.isEmpty() && reach(Stage.BOUND, index, arrivedNanos)) nodes[index] = node;
    if (running(pod)) reach(Stage.RUNNING, index, arrivedNanos);
    String phase = pod.path("status").path("phase").asText();
    // A pod being deleted ends in a terminal phase once its containers are stopped (as in Kubernetes 1.27+).
    boolean deleting = !pod.path("metadata").path("deletionTimestamp").isMissingNode();
    if (!deleting && (phase.equals("Failed") || phase.equals("Succeeded"))) {
      error(name + " ended in phase " + phase + ": " + pod.path("status").path("message").asText());
    }
  }

  @Override
  public synchronized void onEnd(Exception error) {
    error("the watch ended early" + (error == null ? "" : ": " + error));
  }

  /** Phase Running with every container running (not merely started once). */
  static boolean running(JsonNode pod) {
    JsonNode statuses = pod.path("status").path("containerStatuses");
    if (!pod.path("status").path("phase").asText().equals("Running")
        || statuses.size() != pod.path("spec").path("containers").size()) {
      return false;
    }
    for (JsonNode status : statuses) {
      if (!status.path("state").has("running")) return false;
    }
    return true;
  }

  private boolean reach(Stage stage, int index, long now) {
    long[] at = reachedAt.get(stage);
    if (at[index] != 0) return false;
    at[index] = now;
    reached.merge(stage, 1, Integer::sum);
    notifyAll();
    return true;
  }

  private void error(String message) {
    errors++;
    if (firstError == null) firstError = message;
    notifyAll();
  }

  /**
   * Waits until every pod reached the stage; false if the deadline passed first, or something went wrong (the watch
   * broke, a pod ended) so that waiting longer would only delay the report.
   */
  synchronized boolean await(Stage stage, long deadlineNanos) throws InterruptedException {
    while (reached.get(stage) < count && errors == 0) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) return false;
      wait(Math.max(1, left / 1_000_000));
    }
    return reached.get(stage) == count;
  }

  synchronized int reached(Stage stage) {
    return reached.get(stage);
  }

  /** For each pod that reached the stage, the time from {@code since[i]} to its arrival there. */
  synchronized long[] latencies(Stage stage, long[] since) {
    long[] at = reachedAt.get(stage);
    return IntStream.range(0, count).filter(i -> at[i] != 0).mapToLong(i -> at[i] - since[i])
        .toArray();
  }

  /** When the last pod reached the stage (System.nanoTime), or 0 if none did. */
  synchronized long last(Stage stage) {
    return Arrays.stream(reachedAt.get(stage)).max().orElse(0);
  }

  /** The node each pod was bound to (null for pods not bound). */
  synchronized String[] nodes() {
    return nodes.clone();
  }

  synchronized int errors() {
    return errors;
  }

  synchronized String firstError() {
    return firstError;
  }
}
