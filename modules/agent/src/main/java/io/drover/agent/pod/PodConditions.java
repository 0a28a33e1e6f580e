package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Kubelet's pod conditions (pkg/kubelet/status/generate.go). */
final class PodConditions {
  private PodConditions() {}

  static ObjectNode condition(String type, String status, String reason, String message) {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("type", type).put("status", status).putNull("lastProbeTime");
    if (reason != null) c.put("reason", reason);
    if (message != null) c.put("message", message);
    return c;
  }

  /** Init containers done (regular ones Ready, i.e. exited 0), or any app container already started. */
  static ObjectNode initialized(JsonNode spec, List<JsonNode> statuses, String phase) {
    if (phase.equals("Succeeded")) return condition("Initialized", "True", "PodCompleted", null);
    for (JsonNode c : spec.path("containers")) {
      JsonNode state = find(statuses, c).path("state");
      if (state.has("running") || state.has("terminated")) return condition("Initialized", "True", null, null);
    }
    List<String> incomplete = new ArrayList<>();
    for (JsonNode c : spec.path("initContainers")) {
      if (!find(statuses, c).path("ready").asBoolean(false)) incomplete.add(c.path("name").asText());
    }
    if (incomplete.isEmpty()) return condition("Initialized", "True", null, null);
    return condition("Initialized", "False", "ContainersNotInitialized",
        "containers with incomplete status: " + goList(incomplete));
  }

  static ObjectNode containersReady(JsonNode spec, List<JsonNode> statuses, String phase) {
    if (phase.equals("Succeeded")) return condition("ContainersReady", "False", "PodCompleted", null);
    if (phase.equals("Failed")) return condition("ContainersReady", "False", "PodFailed", null);
    List<String> unready = new ArrayList<>();
    for (JsonNode c : spec.path("containers")) {
      if (!find(statuses, c).path("ready").asBoolean(false)) unready.add(c.path("name").asText());
    }
    if (unready.isEmpty()) return condition("ContainersReady", "True", null, null);
    return condition("ContainersReady", "False", "ContainersNotReady",
        "containers with unready status: " + goList(unready));
  }

  /** Ready mirrors ContainersReady, then requires every readiness gate's condition to be True. */
  static ObjectNode ready(JsonNode spec, JsonNode conditions, ObjectNode containersReady) {
    if (!containersReady.path("status").asText().equals("True")) {
      return condition("Ready", containersReady.path("status").asText(), text(containersReady, "reason"),
          text(containersReady, "message"));
    }
    List<String> messages = new ArrayList<>();
    for (JsonNode gate : spec.path("readinessGates")) {
      String type = gate.path("conditionType").asText();
      JsonNode found = null;
      for (JsonNode c : conditions) if (type.equals(c.path("type").asText())) found = c;
      if (found == null) {
        messages.add("corresponding condition of pod readiness gate \"" + type + "\" does not exist.");
      } else if (!found.path("status").asText().equals("True")) {
        messages.add("the status of pod readiness gate \"" + type + "\" is not \"True\", but "
            + found.path("status").asText());
      }
    }
    if (messages.isEmpty()) return condition("Ready", "True", null, null);
    return condition("Ready", "False", "ReadinessGatesNotReady", String.join(", ", messages));
  }

  /** A condition keeps its lastTransitionTime while its status is unchanged; otherwise it moved now. */
  static void keepTransitionTimes(JsonNode conditions, JsonNode oldConditions, Instant now) {
    Map<String, JsonNode> old = new HashMap<>();
    for (JsonNode c : oldConditions) old.put(c.path("type").asText(), c);
    for (JsonNode node : conditions) {
      ObjectNode c = (ObjectNode) node;
      if (c.hasNonNull("lastTransitionTime")) continue;
      JsonNode previous = old.get(c.path("type").asText());
      boolean unchanged = previous != null && previous.path("status").asText().equals(c.path("status").asText())
          && previous.hasNonNull("lastTransitionTime");
      c.put("lastTransitionTime", unchanged ? previous.get("lastTransitionTime").asText()
          : PodStatusCalculator.time(now));
    }
  }

  /** Go's %s of a []string: {@code [a b]}. */
  private static String goList(List<String> names) {
    return "[" + String.join(" ", names) + "]";
  }

  private static JsonNode find(List<JsonNode> statuses, JsonNode container) {
    String name = container.path("name").asText();
    for (JsonNode s : statuses) if (name.equals(s.path("name").asText())) return s;
    return Json.MAPPER.createObjectNode();
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }
}
