package io.drover.api.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * What the pod printer derives from a pod's status: READY counts, the STATUS reason and RESTARTS. A port of
 * printPod in pkg/printers/internalversion/printers.go, including sidecars (restartable init containers).
 */
record PodSummary(int ready, int total, String reason, int restarts, Instant lastRestart) {

  static PodSummary of(JsonNode pod) {
    JsonNode spec = pod.path("spec");
    JsonNode status = pod.path("status");
    String phase = status.path("phase").asText("");
    String reason = status.path("reason").asText("").isEmpty() ? phase : status.path("reason").asText();
    for (JsonNode condition : status.path("conditions")) {
      if (condition.path("type").asText().equals("PodScheduled")
          && condition.path("reason").asText().equals("SchedulingGated")) {
        reason = "SchedulingGated";
      }
    }

    int total = spec.path("containers").size();
    Map<String, Boolean> sidecars = new HashMap<>();
    for (JsonNode init : spec.path("initContainers")) {
      boolean sidecar = init.path("restartPolicy").asText("").equals("Always");
      sidecars.put(init.path("name").asText(), sidecar);
      if (sidecar) total++;
    }

    int ready = 0;
    int restarts = 0;
    int sidecarRestarts = 0;
    Instant lastRestart = null;
    Instant lastSidecarRestart = null;
    boolean initializing = false;
    JsonNode initStatuses = status.path("initContainerStatuses");
    for (int i = 0; i < initStatuses.size(); i++) {
      JsonNode container = initStatuses.get(i);
      restarts += container.path("restartCount").asInt(0);
      Instant finished = Cells.time(container, "lastState.terminated.finishedAt");
      lastRestart = Cells.later(lastRestart, finished);
      boolean sidecar = sidecars.getOrDefault(container.path("name").asText(), false);
      if (sidecar) {
        sidecarRestarts += container.path("restartCount").asInt(0);
        lastSidecarRestart = Cells.later(lastSidecarRestart, finished);
      }
      JsonNode terminated = container.path("state").path("terminated");
      JsonNode waiting = container.path("state").path("waiting");
      if (terminated.isObject() && terminated.path("exitCode").asInt(0) == 0) {
        continue;
      }
      if (sidecar && container.path("started").asBoolean(false)) {
        if (container.path("ready").asBoolean(false)) ready++;
        continue;
      }
      if (terminated.isObject()) {
        reason = "Init:" + terminatedReason(terminated);
      } else if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()
          && !waiting.path("reason").asText().equals("PodInitializing")) {
        reason = "Init:" + waiting.path("reason").asText();
      } else {
        reason = "Init:" + i + "/" + spec.path("initContainers").size();
      }
      initializing = true;
      break;
    }

    if (!initializing || conditionTrue(status, "Initialized")) {
      restarts = sidecarRestarts;
      lastRestart = lastSidecarRestart;
      boolean hasRunning = false;
      JsonNode statuses = status.path("containerStatuses");
      for (int i = statuses.size() - 1; i >= 0; i--) {
        JsonNode container = statuses.get(i);
        restarts += container.path("restartCount").asInt(0);
        lastRestart = Cells.later(lastRestart, Cells.time(container, "lastState.terminated.finishedAt"));
        JsonNode waiting = container.path("state").path("waiting");
        JsonNode terminated = container.path("state").path("terminated");
        if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()) {
          reason = waiting.path("reason").asText();
        } else if (terminated.isObject()) {
          reason = terminatedReason(terminated);
        } else if (container.path("ready").asBoolean(false) && container.path("state").path("running").isObject()) {
          hasRunning = true;
          ready++;
        }
      }
      // A pod whose last container completed while another still runs is not "Completed".
      if (reason.equals("Completed") && hasRunning) {
        reason = conditionTrue(status, "Ready") ? "Running" : "NotReady";
      }
    }

    boolean deleting = !Cells.text(pod, "metadata.deletionTimestamp").isEmpty();
    if (deleting && status.path("reason").asText("").equals("NodeLost")) {
      reason = "Unknown";
    } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
      reason = "Terminating";
    }
    return new PodSummary(ready, total, reason, restarts, lastRestart);
  }

  /** A terminated state's reason, else "Signal:N" or "ExitCode:N". */
  private static String terminatedReason(JsonNode terminated) {
    String reason = terminated.path("reason").asText("");
    if (!reason.isEmpty()) return reason;
    int signal = terminated.path("signal").asInt(0);
    return signal != 0 ? "Signal:" + signal : "ExitCode:" + terminated.path("exitCode").asInt(0);
  }

  private static boolean conditionTrue(JsonNode status, String type) {
    for (JsonNode condition : status.path("conditions")) {
      if (condition.path("type").asText().equals(type)) {
        return condition.path("status").asText().equals("True");
      }
    }
    return false;
  }

  String readyCell() {
    return ready + "/" + total;
  }

  /** "0", or "2 (5m ago)" when the last restart time is known. */
  String restartsCell(Instant now) {
    if (restarts != 0 && lastRestart != null) {
      return restarts + " (" + HumanDuration.since(lastRestart, now) + " ago)";
    }
    return String.valueOf(restarts);
  }
}
