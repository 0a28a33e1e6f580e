package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.patch.PatchType;
import io.drover.api.select.LabelSelector;
import io.drover.control.CborSerializable;
import io.drover.control.event.EventRecorder;
import io.drover.control.metrics.PodMetricsSource;
import io.drover.control.metrics.PodUsage;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HorizontalPodAutoscaler controller: one sharded entity per HPA looks every sync period at the target's
 * scale, the pods its selector picks and their measured usage ({@link PodMetricsSource}), computes the replica
 * count with Kubernetes' arithmetic ({@link Autoscaling}), sets the target's spec.replicas (the scale subresource's
 * meaning) and writes the HPA's status and conditions.
 *
 * <p>It persists nothing. What Kubernetes' controller also keeps only in memory stays in memory here: the recent
 * recommendations (the stabilization window) and the recent scale changes (the policies' periods). When the entity
 * moves to another member it starts with empty lists, as kube-controller-manager does after a restart: the first
 * scale-down then waits no window, which is acceptable for a rare event.
 */
public final class HorizontalPodAutoscalerController {
  private static final Logger log = LoggerFactory.getLogger(HorizontalPodAutoscalerController.class);
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "HorizontalPodAutoscalerController");

  private HorizontalPodAutoscalerController() {}

  public sealed interface Command extends CborSerializable {}

  public record Reconcile() implements Command {}

  private record RoundDone() implements Command {}

  /** drover.controllers.horizontal-pod-autoscaler (the kube-controller-manager's --horizontal-pod-autoscaler-*). */
  public record Settings(Duration syncPeriod, double tolerance, Duration downscaleStabilization,
      Duration cpuInitializationPeriod, Duration initialReadinessDelay) {
    public static Settings from(com.typesafe.config.Config config) {
      return new Settings(config.getDuration("sync-period"), config.getDouble("tolerance"),
          config.getDuration("downscale-stabilization"), config.getDuration("cpu-initialization-period"),
          config.getDuration("initial-readiness-delay"));
    }

    Autoscaling.Tuning tuning() {
      return new Autoscaling.Tuning(tolerance, cpuInitializationPeriod, initialReadinessDelay);
    }
  }

  public static void init(ActorSystem<?> system, ObjectService service, PodMetricsSource metrics, Settings settings,
      Clock clock) {
    EventRecorder events = new EventRecorder(service, "horizontal-pod-autoscaler", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new Run(entity.getEntityId(), ctx, timers, service, metrics, settings, events,
                clock).behavior())))
        .withRole("control-plane"));
  }

  public static String entityId(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** The outcome of one look: the replicas to set (or none), the status to write, and an event. */
  record Decision(Integer scaleTo, String reason, ObjectNode status) {}

  private static final class Run {
    private final String namespace;
    private final String name;
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ObjectService service;
    private final PodMetricsSource metrics;
    private final Settings settings;
    private final EventRecorder events;
    private final Clock clock;
    /** In memory only (see the class comment); rounds never overlap, so one round at a time touches them. */
    private final List<Autoscaling.Recommendation> recommendations = new CopyOnWriteArrayList<>();
    private final List<Autoscaling.ScaleEvent> scaleEvents = new CopyOnWriteArrayList<>();

    Run(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers, ObjectService service,
        PodMetricsSource metrics, Settings settings, EventRecorder events, Clock clock) {
      int slash = entityId.indexOf('/');
      this.namespace = entityId.substring(0, slash);
      this.name = entityId.substring(slash + 1);
      this.ctx = ctx;
      this.timers = timers;
      this.service = service;
      this.metrics = metrics;
      this.settings = settings;
      this.events = events;
      this.clock = clock;
    }

    Behavior<Command> behavior() {
      return new SyncRounds<>(ctx, Command.class, new Reconcile(), new RoundDone(), this::sync,
          "horizontalpodautoscaler " + namespace + "/" + name).idle();
    }

    private CompletionStage<?> sync() {
      Optional<StoredObject> found = service.store().get(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, namespace, name);
      if (found.isEmpty()) {
        timers.cancel("sync");
        return CompletableFuture.completedFuture(null);
      }
      if (!timers.isTimerActive("sync")) timers.startTimerWithFixedDelay("sync", new Reconcile(), settings.syncPeriod());
      ObjectNode hpa = found.get().object();
      return metrics.pods(namespace)
          .exceptionally(error -> {
            log.debug("hpa {}/{}: no metrics: {}", namespace, name, error.toString());
            return List.of();
          })
          .thenCompose(usage -> act(hpa, usage));
    }

    private CompletionStage<?> act(ObjectNode hpa, List<PodUsage> usage) {
      Instant now = clock.instant();
      Decision decision = decide(hpa, usage, now);
      CompletionStage<ObjectNode> scaled = CompletableFuture.completedFuture(decision.status());
      if (decision.scaleTo() != null) {
        JsonNode ref = hpa.path("spec").path("scaleTargetRef");
        ResourceType type = targetType(ref).orElseThrow();
        ObjectNode patch = Json.MAPPER.createObjectNode();
        patch.putObject("spec").put("replicas", decision.scaleTo());
        int current = decision.status().path("currentReplicas").asInt();
        scaled = service.patch(type, namespace, ref.path("name").asText(), PatchType.MERGE_PATCH, Json.bytes(patch),
                ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)
            .handle((ok, error) -> {
              ObjectNode status = decision.status();
              if (error == null) {
                scaleEvents.add(new Autoscaling.ScaleEvent(now, decision.scaleTo() - current));
                status.put("lastScaleTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
                condition(status, "AbleToScale", "True", "SucceededRescale",
                    "the HPA controller was able to update the target scale to " + decision.scaleTo(), hpa, now);
                events.normal(hpa, "SuccessfulRescale", "New size: " + decision.scaleTo() + "; reason: "
                    + decision.reason());
              } else {
                ApiException api = ObjectService.unwrap(error);
                String why = api != null ? api.getMessage() : error.toString();
                status.put("desiredReplicas", current);
                condition(status, "AbleToScale", "False", "FailedUpdateScale",
                    "the HPA controller was unable to update the target scale: " + why, hpa, now);
                events.warning(hpa, "FailedRescale", "New size: " + decision.scaleTo() + "; reason: "
                    + decision.reason() + "; error: " + why);
              }
              return status;
            });
      }
      return scaled.thenCompose(status -> {
        if (status.equals(hpa.path("status"))) return CompletableFuture.completedFuture(null);
        ObjectNode updated = hpa.deepCopy();
        updated.set("status", status);
        Json.object(updated, "metadata").remove("resourceVersion");
        return service.update(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, namespace, name, updated,
            ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT);
      });
    }

    private Decision decide(ObjectNode hpa, List<PodUsage> usage, Instant now) {
      JsonNode spec = hpa.path("spec");
      JsonNode previous = hpa.path("status");
      ObjectNode status = Json.MAPPER.createObjectNode();
      status.put("observedGeneration", hpa.path("metadata").path("generation").asLong(1));
      if (previous.has("lastScaleTime")) status.set("lastScaleTime", previous.get("lastScaleTime"));
      status.put("currentReplicas", previous.path("currentReplicas").asInt(0));
      status.put("desiredReplicas", previous.path("desiredReplicas").asInt(0));
      if (previous.has("currentMetrics")) status.set("currentMetrics", previous.get("currentMetrics"));
      if (previous.has("conditions")) status.set("conditions", previous.get("conditions").deepCopy());
      JsonNode ref = spec.path("scaleTargetRef");
      Optional<ResourceType> type = targetType(ref);
      Optional<StoredObject> target = type.flatMap(t -> service.store().get(t, namespace, ref.path("name").asText()));
      if (target.isEmpty()) {
        String why = type.isEmpty()
            ? "no matches for kind \"" + ref.path("kind").asText() + "\" in group \"" + group(ref) + "\""
            : type.get().resourceLabel() + " \"" + ref.path("name").asText() + "\" not found";
        condition(status, "AbleToScale", "False", "FailedGetScale",
            "the HPA controller was unable to get the target's current scale: " + why, hpa, now);
        return new Decision(null, null, status);
      }
      JsonNode object = target.get().object();
      int specReplicas = object.path("spec").path("replicas").asInt(1);
      int current = object.path("status").path("replicas").asInt(0);
      int min = spec.path("minReplicas").asInt(1);
      int max = spec.path("maxReplicas").asInt();
      status.put("currentReplicas", current);
      condition(status, "AbleToScale", "True", "SucceededGetScale",
          "the HPA controller was able to get the target's current scale", hpa, now);
      if (specReplicas == 0 && min != 0) {
        status.put("desiredReplicas", 0);
        status.remove("currentMetrics");
        condition(status, "ScalingActive", "False", "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero", hpa, now);
        return new Decision(null, null, status);
      }
      if (current > max || current < min) {
        int desired = current > max ? max : min;
        String reason = current > max ? "Current number of replicas above Spec.MaxReplicas"
            : "Current number of replicas below Spec.MinReplicas";
        status.put("desiredReplicas", desired);
        condition(status, "ScalingLimited", "True", current > max ? "TooManyReplicas" : "TooFewReplicas",
            current > max ? "the desired replica count is more than the maximum replica count"
                : "the desired replica count is less than the minimum replica count", hpa, now);
        return new Decision(desired, reason, status);
      }
      List<JsonNode> pods = selectedPods(object);
      Map<String, PodUsage> byPod = new HashMap<>();
      for (PodUsage u : usage) byPod.put(u.name(), u);
      ArrayNode currentMetrics = Json.MAPPER.createArrayNode();
      int proposed = -1;
      String proposedBy = null;
      String failureReason = null;
      String failure = null;
      for (JsonNode metric : spec.path("metrics")) {
        String type0 = metric.path("type").asText();
        JsonNode source = metric.path(type0.equals("Resource") ? "resource" : "containerResource");
        if (!type0.equals("Resource") && !type0.equals("ContainerResource")) {
          failureReason = "FailedGet" + type0 + "Metric";
          failure = "the HPA was unable to compute the replica count: Drover serves only resource metrics "
              + "(cpu, memory), not " + type0 + " metrics";
          currentMetrics.addObject().put("type", "");
          continue;
        }
        String resource = source.path("name").asText();
        String container = type0.equals("ContainerResource") ? source.path("container").asText() : null;
        JsonNode goal = source.path("target");
        Integer utilization = goal.has("averageUtilization") ? goal.path("averageUtilization").asInt() : null;
        BigDecimal average = goal.has("averageValue") ? milli(resource, goal.path("averageValue").asText()) : null;
        Autoscaling.Proposal p = Autoscaling.resourceReplicas(current, resource, container, utilization, average,
            pods, byPod, settings.tuning(), now);
        if (p.error() != null) {
          failureReason = type0.equals("Resource") ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
          failure = "the HPA was unable to compute the replica count: " + p.error();
          currentMetrics.addObject().put("type", "");
          continue;
        }
        ObjectNode m = currentMetrics.addObject().put("type", type0);
        ObjectNode s = m.putObject(type0.equals("Resource") ? "resource" : "containerResource").put("name", resource);
        if (container != null) s.put("container", container);
        ObjectNode c = s.putObject("current");
        if (p.utilization() != null) c.put("averageUtilization", p.utilization());
        c.put("averageValue", resource.equals("cpu") ? p.rawAverage() + "m" : Long.toString(p.rawAverage()));
        if (p.replicas() > proposed) {
          proposed = p.replicas();
          proposedBy = resource + (container == null ? "" : " container " + container) + " resource"
              + (utilization != null ? " utilization (percentage of request)" : "");
        }
      }
      // Kubernetes drops the statuses of metrics that failed (an empty type) from what it writes.
      ArrayNode kept = Json.MAPPER.createArrayNode();
      currentMetrics.forEach(m -> {
        if (!m.path("type").asText().isEmpty()) kept.add(m);
      });
      if (kept.isEmpty()) status.remove("currentMetrics");
      else status.set("currentMetrics", kept);
      if (proposed < 0) {
        condition(status, "ScalingActive", "False", failureReason == null ? "InvalidMetricSourceType" : failureReason,
            failure == null ? "the HPA was unable to compute the replica count: no metrics" : failure, hpa, now);
        return new Decision(null, null, status);
      }
      if (failure != null) {
        condition(status, "ScalingActive", "False", failureReason, failure, hpa, now);
      } else {
        condition(status, "ScalingActive", "True", "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from " + proposedBy, hpa, now);
      }
      int downWindow = (int) settings.downscaleStabilization().toSeconds();
      JsonNode behavior = spec.path("behavior");
      Autoscaling.Rules up = Autoscaling.rules(behavior.path("scaleUp"), true, downWindow);
      Autoscaling.Rules down = Autoscaling.rules(behavior.path("scaleDown"), false, downWindow);
      Autoscaling.Normalized normalized = Autoscaling.normalize(current, proposed, min, max, up, down,
          List.copyOf(recommendations), List.copyOf(scaleEvents), now);
      remember(proposed, now, up, down);
      condition(status, "AbleToScale", "True", normalized.ableReason(), normalized.ableMessage(), hpa, now);
      condition(status, "ScalingLimited", normalized.limited() ? "True" : "False", normalized.limitReason(),
          normalized.limitMessage(), hpa, now);
      status.put("desiredReplicas", normalized.replicas());
      if (normalized.replicas() == current) return new Decision(null, null, status);
      String reason = normalized.replicas() > current ? proposedBy + " above target" : "All metrics below target";
      return new Decision(normalized.replicas(), reason, status);
    }

    /** Keeps this recommendation and what the windows and periods still need. */
    private void remember(int proposed, Instant now, Autoscaling.Rules up, Autoscaling.Rules down) {
      long window = Math.max(up.stabilizationWindowSeconds(), down.stabilizationWindowSeconds());
      recommendations.removeIf(r -> r.at().isBefore(now.minusSeconds(window)));
      recommendations.add(new Autoscaling.Recommendation(now, proposed));
      long period = java.util.stream.Stream.concat(up.policies().stream(), down.policies().stream())
          .mapToLong(Autoscaling.Policy::periodSeconds).max().orElse(0);
      scaleEvents.removeIf(e -> e.at().isBefore(now.minusSeconds(period)));
    }

    private List<JsonNode> selectedPods(JsonNode target) {
      LabelSelector selector;
      try {
        selector = LabelSelector.fromJson(target.path("spec").path("selector"));
      } catch (ApiException e) {
        return List.of();
      }
      List<JsonNode> pods = new ArrayList<>();
      for (StoredObject pod : service.store().list(ResourceRegistry.POD, namespace).items()) {
        if (Owners.matches(selector, pod.object())) pods.add(pod.object());
      }
      return pods;
    }
  }

  /** A kind with a scale subresource, by the reference's apiVersion (any version of the group) and kind. */
  static Optional<ResourceType> targetType(JsonNode ref) {
    String group = group(ref);
    String kind = ref.path("kind").asText();
    return ResourceRegistry.ALL.stream().filter(t -> t.group().equals(group) && t.kind().equals(kind))
        .filter(ResourceType::hasScale).findFirst();
  }

  private static String group(JsonNode ref) {
    String apiVersion = ref.path("apiVersion").asText("");
    return apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
  }

  /** A target average in the units the calculation uses: millicores for cpu, units otherwise. */
  private static BigDecimal milli(String resource, String quantity) {
    BigDecimal amount = Quantity.getAmountInBytes(new Quantity(quantity));
    return resource.equals("cpu") ? amount.movePointRight(3) : amount;
  }

  /**
   * Sets a condition in the order Kubernetes writes them (AbleToScale, ScalingActive, ScalingLimited), keeping its
   * lastTransitionTime while its status stays the same.
   */
  static void condition(ObjectNode status, String type, String value, String reason, String message, JsonNode hpa,
      Instant now) {
    Map<String, ObjectNode> byType = new LinkedHashMap<>();
    for (String t : List.of("AbleToScale", "ScalingActive", "ScalingLimited")) byType.put(t, null);
    for (JsonNode c : status.path("conditions")) byType.put(c.path("type").asText(), (ObjectNode) c);
    ObjectNode old = byType.get(type);
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("type", type).put("status", value);
    c.put("lastTransitionTime", old != null && old.path("status").asText().equals(value)
        ? old.path("lastTransitionTime").asText() : now.truncatedTo(ChronoUnit.SECONDS).toString());
    c.put("reason", reason).put("message", message);
    byType.put(type, c);
    ArrayNode conditions = Json.MAPPER.createArrayNode();
    byType.values().forEach(v -> {
      if (v != null) conditions.add(v);
    });
    status.set("conditions", conditions);
  }
}
