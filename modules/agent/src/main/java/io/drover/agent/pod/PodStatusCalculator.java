package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The pod {@code status} kubelet would report (generateAPIPodStatus): container statuses, phase by getPhase,
 * kubelet-owned conditions with transition times kept while unchanged, addresses, start time and QoS class.
 */
public final class PodStatusCalculator {
  private PodStatusCalculator() {}

  public static final String CONTAINER_CREATING = "ContainerCreating";
  public static final String POD_INITIALIZING = "PodInitializing";
  public static final String CRASH_LOOP_BACK_OFF = "CrashLoopBackOff";
  private static final Set<String> KUBELET_CONDITIONS =
      Set.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled");

  public static ObjectNode status(ObjectNode pod, PodObservation observed) {
    JsonNode old = pod.path("status");
    JsonNode spec = pod.path("spec");
    boolean hasInit = spec.path("initContainers").size() > 0;
    ArrayNode initStatuses = Json.MAPPER.createArrayNode();
    for (JsonNode c : spec.path("initContainers")) initStatuses.add(containerStatus(pod, c, observed, hasInit, true));
    List<ObjectNode> appStatuses = new ArrayList<>();
    for (JsonNode c : spec.path("containers")) appStatuses.add(containerStatus(pod, c, observed, hasInit, false));
    appStatuses.sort(Comparator.comparing(s -> s.path("name").asText()));

    String phase = PodPhase.of(pod, initStatuses, appStatuses, pod.path("metadata").hasNonNull("deletionTimestamp"));
    String oldPhase = old.path("phase").asText("");
    if (!phase.equals("Failed") && !phase.equals("Succeeded")
        && (oldPhase.equals("Failed") || oldPhase.equals("Succeeded"))) {
      phase = oldPhase; // pods never leave a terminal phase
    }

    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("phase", phase);
    ArrayNode conditions = status.putArray("conditions");
    for (JsonNode c : old.path("conditions")) {
      if (!KUBELET_CONDITIONS.contains(c.path("type").asText())) conditions.add(c.deepCopy());
    }
    List<JsonNode> all = new ArrayList<>();
    initStatuses.forEach(all::add);
    all.addAll(appStatuses);
    Instant now = observed.now();
    ObjectNode initialized = PodConditions.initialized(spec, all, phase);
    ObjectNode containersReady = PodConditions.containersReady(spec, all, phase);
    conditions.add(PodConditions.condition("PodReadyToStartContainers", observed.sandboxReady() ? "True" : "False",
        null, null));
    conditions.add(initialized);
    conditions.add(PodConditions.ready(spec, conditions, containersReady));
    conditions.add(containersReady);
    conditions.add(PodConditions.condition("PodScheduled", "True", null, null));
    PodConditions.keepTransitionTimes(conditions, old.path("conditions"), now);

    if (phase.equals(oldPhase)) {
      if (old.hasNonNull("message")) status.put("message", old.get("message").asText());
      if (old.hasNonNull("reason")) status.put("reason", old.get("reason").asText());
    }
    addresses(status, old, observed);
    status.put("startTime", old.hasNonNull("startTime") ? old.get("startTime").asText() : time(now));
    if (hasInit) status.set("initContainerStatuses", initStatuses);
    status.putArray("containerStatuses").addAll(appStatuses);
    status.put("qosClass", old.hasNonNull("qosClass") ? old.get("qosClass").asText() : QosClass.of(spec));
    return status;
  }

  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static ObjectNode containerStatus(ObjectNode pod, JsonNode container, PodObservation observed,
      boolean hasInit, boolean isInit) {
    String name = container.path("name").asText();
    ContainerObservation obs = observed.container(name);
    ContainerState current = obs.current();
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("name", name);
    ObjectNode state = Json.MAPPER.createObjectNode();
    ObjectNode lastState = Json.MAPPER.createObjectNode();
    if (obs.previous() != null) lastState.set("terminated", terminated(obs.previous()));
    if (current == null) {
      waiting(state, hasInit ? POD_INITIALIZING : CONTAINER_CREATING, null);
    } else if (current.running()) {
      state.putObject("running").put("startedAt", time(current.startedAt()));
    } else {
      state.set("terminated", terminated(current));
    }
    ContainerObservation.Waiting reason = startFailure(pod, obs, isInit, observed.now());
    if (reason != null) {
      if (state.has("terminated")) {
        lastState = Json.MAPPER.createObjectNode().set("terminated", state.get("terminated"));
      }
      state.removeAll();
      waiting(state, reason.reason(), reason.message());
    }
    status.set("state", state);
    status.set("lastState", lastState);
    boolean initDone = isInit && current != null && !current.running() && Integer.valueOf(0).equals(current.exitCode());
    status.put("ready", isInit ? initDone : obs.ready());
    status.put("restartCount", obs.restartCount());
    status.put("image", container.path("image").asText(""));
    status.put("imageID", current == null || current.imageRef() == null ? "" : current.imageRef());
    if (current != null) status.put("containerID", containerId(current));
    status.put("started", obs.started());
    ArrayNode mounts = Json.MAPPER.createArrayNode();
    for (JsonNode m : container.path("volumeMounts")) {
      ObjectNode mount = mounts.addObject().put("name", m.path("name").asText())
          .put("mountPath", m.path("mountPath").asText());
      if (m.path("readOnly").asBoolean(false)) mount.put("readOnly", true).put("recursiveReadOnly", "Disabled");
    }
    if (!mounts.isEmpty()) status.set("volumeMounts", mounts);
    return status;
  }

  /**
   * Why a container that is to be (re)started is waiting: a start failure the agent recorded, or CrashLoopBackOff
   * while its back-off runs. Null when it is not waiting on anything.
   */
  private static ContainerObservation.Waiting startFailure(ObjectNode pod, ContainerObservation obs, boolean isInit,
      Instant now) {
    ContainerState current = obs.current();
    if (isInit && current != null && !current.running() && Integer.valueOf(0).equals(current.exitCode())) return null;
    String policy = pod.path("spec").path("restartPolicy").asText("Always");
    RestartBackoff.Decision decision = obs.backoff().decide(policy, current, now);
    if (decision instanceof RestartBackoff.DoNotRestart) return null;
    if (decision instanceof RestartBackoff.Wait wait) {
      return new ContainerObservation.Waiting(CRASH_LOOP_BACK_OFF,
          RestartBackoff.crashLoopMessage(wait.backoff(), obs.name(), pod));
    }
    return obs.waiting();
  }

  private static void waiting(ObjectNode state, String reason, String message) {
    ObjectNode waiting = state.putObject("waiting").put("reason", reason);
    if (message != null && !message.isEmpty()) waiting.put("message", message);
  }

  private static ObjectNode terminated(ContainerState s) {
    ObjectNode t = Json.MAPPER.createObjectNode();
    t.put("exitCode", s.exitCode() == null ? 0 : s.exitCode());
    if (s.reason() != null) t.put("reason", s.reason());
    if (s.message() != null && !s.message().isEmpty()) t.put("message", s.message());
    if (s.startedAt() != null) t.put("startedAt", time(s.startedAt()));
    if (s.finishedAt() != null) t.put("finishedAt", time(s.finishedAt()));
    t.put("containerID", containerId(s));
    return t;
  }

  private static String containerId(ContainerState s) {
    return s.containerUri();
  }

  private static void addresses(ObjectNode status, JsonNode old, PodObservation observed) {
    String hostIP = observed.hostIP() != null ? observed.hostIP() : old.path("hostIP").asText(null);
    if (hostIP != null) {
      status.put("hostIP", hostIP);
      status.putArray("hostIPs").addObject().put("ip", hostIP);
    }
    String podIP = observed.podIP() != null ? observed.podIP() : old.path("podIP").asText(null);
    if (podIP != null) {
      status.put("podIP", podIP);
      status.putArray("podIPs").addObject().put("ip", podIP);
    }
  }
}
