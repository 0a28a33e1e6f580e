package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Kubelet's getPhase over the container statuses it just built (restartable init containers not modelled). */
final class PodPhase {
  private PodPhase() {}

  static String of(JsonNode pod, Iterable<JsonNode> initStatuses, List<? extends JsonNode> appStatuses,
      boolean podIsTerminal) {
    String policy = pod.path("spec").path("restartPolicy").asText("Always");
    int pendingInitialization = 0;
    int failedInitialization = 0;
    for (JsonNode s : initStatuses) {
      JsonNode state = s.path("state");
      if (state.has("running")) {
        pendingInitialization++;
      } else if (state.has("terminated")) {
        if (state.path("terminated").path("exitCode").asInt() != 0) failedInitialization++;
      } else if (s.path("lastState").has("terminated")) {
        if (s.path("lastState").path("terminated").path("exitCode").asInt() != 0) failedInitialization++;
      } else {
        pendingInitialization++;
      }
    }
    int running = 0;
    int waiting = 0;
    int stopped = 0;
    int succeeded = 0;
    for (JsonNode s : appStatuses) {
      JsonNode state = s.path("state");
      if (state.has("running")) {
        running++;
      } else if (state.has("terminated")) {
        stopped++;
        if (state.path("terminated").path("exitCode").asInt() == 0) succeeded++;
      } else if (s.path("lastState").has("terminated")) {
        stopped++;
      } else {
        waiting++;
      }
    }
    if (failedInitialization > 0 && policy.equals("Never")) return "Failed";
    boolean anyRegularStarted = running + stopped > 0;
    if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return "Pending";
    if (running > 0) return "Running";
    if (stopped > 0) {
      if (podIsTerminal) return stopped == succeeded ? "Succeeded" : "Failed";
      if (policy.equals("Always")) return "Running";
      if (stopped == succeeded) return "Succeeded";
      return policy.equals("Never") ? "Failed" : "Running";
    }
    return "Pending";
  }
}
