package io.drover.control.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.patch.PatchType;
import io.drover.control.event.EventRecorder;
import io.drover.control.scheduler.Taint;
import io.drover.control.scheduler.Toleration;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node lifecycle, as Kubernetes' node lifecycle controller and taint manager do it: a Node whose agent has not
 * posted status for the grace period gets its conditions set to Unknown and the {@code node.kubernetes.io/unreachable}
 * taints (NoSchedule, so nothing new lands there, and NoExecute); a Node reporting Ready=False gets the
 * {@code not-ready} ones. Once the node reports Ready again the taints go. Pods on a node with a NoExecute taint
 * they do not tolerate are deleted (evicted) when their toleration runs out, so their controllers replace them
 * elsewhere. Pods without a toleration for the two standard taints get the configured default (Kubernetes adds
 * those tolerations, 300 s, at admission).
 *
 * <p>Every control-plane member runs one and handles the nodes it owns by key hash.
 */
public final class NodeLifecycleController {
  private static final Logger log = LoggerFactory.getLogger(NodeLifecycleController.class);
  public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
  public static final String NOT_READY = "node.kubernetes.io/not-ready";

  private NodeLifecycleController() {}

  public record Settings(Duration monitorPeriod, Duration gracePeriod, long defaultTolerationSeconds) {}

  public sealed interface Command {}

  private record Tick() implements Command {}

  private record PassDone() implements Command {}

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Settings settings,
      Clock clock) {
    EventRecorder events = new EventRecorder(service, "node-controller", "", clock);
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), settings.monitorPeriod());
      boolean[] busy = {false};
      return Behaviors.receive(Command.class)
          .onMessage(Tick.class, t -> {
            if (busy[0]) return Behaviors.same();
            busy[0] = true;
            ctx.pipeToSelf(pass(service, ownedHere, settings, events, clock.instant()), (ok, error) -> {
              if (error != null) log.debug("node lifecycle pass: {}", error.toString());
              return new PassDone();
            });
            return Behaviors.same();
          })
          .onMessage(PassDone.class, d -> {
            busy[0] = false;
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static CompletionStage<Void> pass(ObjectService service, Predicate<String> ownedHere, Settings settings,
      EventRecorder events, Instant now) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    List<StoredObject> pods = null;
    for (StoredObject node : service.store().list(ResourceRegistry.NODE, null).items()) {
      if (!ownedHere.test(node.key())) continue;
      NodePlan plan = plan(node.object(), settings.gracePeriod(), now);
      if (plan.status() != null) {
        ObjectNode updated = node.object().deepCopy();
        updated.set("status", plan.status());
        Json.object(updated, "metadata").remove("resourceVersion");
        writes.add(quietly(service.update(ResourceRegistry.NODE, "", node.name(), updated, ObjectEntity.Scope.STATUS,
            WriteOptions.DEFAULT)));
        events.normal(node.object(), "NodeNotReady", "Node " + node.name() + " status is now: NodeNotReady");
      }
      if (plan.taints() != null) {
        // A merge patch of spec.taints alone, retried on conflicts: a cordon meanwhile is kept.
        ObjectNode patch = Json.MAPPER.createObjectNode();
        patch.putObject("spec").set("taints", plan.taints().isEmpty() ? Json.MAPPER.nullNode() : plan.taints());
        writes.add(quietly(service.patch(ResourceRegistry.NODE, "", node.name(), PatchType.MERGE_PATCH,
            Json.bytes(patch), ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
      }
      JsonNode taints = plan.taints() != null ? plan.taints() : node.object().path("spec").path("taints");
      if (!hasNoExecute(taints)) continue;
      if (pods == null) pods = service.store().list(ResourceRegistry.POD, null).items();
      for (StoredObject pod : pods) {
        if (!node.name().equals(Json.text(pod.object(), "spec.nodeName"))) continue;
        if (Json.text(pod.object(), "metadata.deletionTimestamp") != null) continue;
        Optional<Instant> evictAt = evictionTime(pod.object(), taints, settings.defaultTolerationSeconds(), now);
        if (evictAt.isPresent() && !now.isBefore(evictAt.get())) {
          events.normal(pod.object(), "TaintManagerEviction", "Marking for deletion Pod " + pod.namespace() + "/"
              + pod.name());
          writes.add(quietly(service.delete(ResourceRegistry.POD, pod.namespace(), pod.name(),
              new DeleteOptions(Json.text(pod.object(), "metadata.uid"), null, null, null, false))));
        }
      }
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** What to change on a node: a new status (heartbeats stopped) and/or new taints; null means unchanged. */
  record NodePlan(ObjectNode status, ArrayNode taints) {}

  static NodePlan plan(JsonNode node, Duration grace, Instant now) {
    JsonNode status = node.path("status");
    JsonNode ready = null;
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) ready = c;
    }
    ObjectNode newStatus = null;
    String readyStatus = ready == null ? "Unknown" : ready.path("status").asText("Unknown");
    Instant heartbeat = ready == null ? null : parse(ready.path("lastHeartbeatTime").asText(""));
    if (heartbeat == null) heartbeat = parse(Json.text(node, "metadata.creationTimestamp"));
    boolean stale = heartbeat != null && now.isAfter(heartbeat.plus(grace));
    if (stale && !"Unknown".equals(readyStatus)) {
      newStatus = status.deepCopy();
      String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
      for (JsonNode c : newStatus.path("conditions")) {
        String type = c.path("type").asText();
        if (!List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure").contains(type)) continue;
        ((ObjectNode) c).put("status", "Unknown").put("reason", "NodeStatusUnknown")
            .put("message", "Kubelet stopped posting node status.").put("lastTransitionTime", time);
      }
      readyStatus = "Unknown";
    }
    String wantedKey = switch (readyStatus) {
      case "True" -> null;
      case "False" -> NOT_READY;
      default -> UNREACHABLE;
    };
    ArrayNode current = node.path("spec").path("taints").isArray()
        ? (ArrayNode) node.path("spec").path("taints") : Json.MAPPER.createArrayNode();
    ArrayNode wanted = Json.MAPPER.createArrayNode();
    for (JsonNode t : current) {
      String key = t.path("key").asText();
      boolean lifecycle = key.equals(UNREACHABLE) || key.equals(NOT_READY);
      if (!lifecycle || key.equals(wantedKey)) wanted.add(t);
    }
    if (wantedKey != null) {
      for (String effect : List.of(Taint.NO_SCHEDULE, Taint.NO_EXECUTE)) {
        boolean present = false;
        for (JsonNode t : wanted) {
          present |= t.path("key").asText().equals(wantedKey) && t.path("effect").asText().equals(effect);
        }
        if (!present) {
          ObjectNode taint = wanted.addObject().put("key", wantedKey).put("effect", effect);
          if (effect.equals(Taint.NO_EXECUTE)) taint.put("timeAdded", now.truncatedTo(ChronoUnit.SECONDS).toString());
        }
      }
    }
    return new NodePlan(newStatus, wanted.equals(current) ? null : wanted);
  }

  /**
   * When the taint manager deletes a pod on a node with these taints: never (empty) when it tolerates every
   * NoExecute taint without a time limit, else the earliest end of its tolerations (now when one is not tolerated).
   */
  static Optional<Instant> evictionTime(JsonNode pod, JsonNode taints, long defaultTolerationSeconds, Instant now) {
    Instant earliest = null;
    JsonNode tolerations = pod.path("spec").path("tolerations");
    for (JsonNode t : taints) {
      if (!Taint.NO_EXECUTE.equals(t.path("effect").asText())) continue;
      Taint taint = new Taint(t.path("key").asText(""), t.path("value").asText(""), Taint.NO_EXECUTE);
      Instant added = Optional.ofNullable(parse(t.path("timeAdded").asText(""))).orElse(now);
      Instant until = null;
      boolean tolerated = false;
      boolean forever = false;
      for (JsonNode raw : tolerations) {
        Toleration toleration = Toleration.listOf(Json.MAPPER.createArrayNode().add(raw)).get(0);
        if (!toleration.tolerates(taint)) continue;
        tolerated = true;
        if (!raw.has("tolerationSeconds") || raw.get("tolerationSeconds").isNull()) {
          forever = true;
        } else {
          Instant end = added.plusSeconds(Math.max(0, raw.get("tolerationSeconds").asLong()));
          if (until == null || end.isBefore(until)) until = end;
        }
      }
      if (!tolerated && (taint.key().equals(UNREACHABLE) || taint.key().equals(NOT_READY))) {
        until = added.plusSeconds(defaultTolerationSeconds);
      } else if (!tolerated) {
        until = now;
      } else if (forever && until == null) {
        continue;
      }
      if (earliest == null || until.isBefore(earliest)) earliest = until;
    }
    return Optional.ofNullable(earliest);
  }

  private static boolean hasNoExecute(JsonNode taints) {
    for (JsonNode t : taints) {
      if (Taint.NO_EXECUTE.equals(t.path("effect").asText())) return true;
    }
    return false;
  }

  private static Instant parse(String time) {
    if (time == null || time.isEmpty()) return null;
    try {
      return Instant.parse(time);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static CompletableFuture<?> quietly(CompletionStage<?> write) {
    return write.toCompletableFuture().exceptionally(error -> {
      log.debug("node lifecycle write: {}", error.toString());
      return null;
    });
  }
}
