package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import io.drover.control.store.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * PodDisruptionBudgets (policy/v1): their status, as Kubernetes' disruption controller computes it, and the
 * {@code pods/eviction} subresource that {@code kubectl drain} uses. An eviction of a healthy pod covered by a
 * budget is allowed only while the budget allows a disruption; it is recorded in the budget's
 * {@code status.disruptedPods} by a conditional status write before the pod is deleted, so two evictions racing
 * for the last allowed disruption cannot both win. A refused eviction is 429 TooManyRequests, as kubectl expects.
 */
public final class DisruptionBudgets {
  /** How long an eviction counts as a disruption before the pod's deletion shows up (Kubernetes: 2 minutes). */
  static final Duration DISRUPTION_TIMEOUT = Duration.ofMinutes(2);

  private DisruptionBudgets() {}

  /** The budget's status for the pods now in its namespace. */
  public static ObjectNode status(JsonNode pdb, List<StoredObject> pods, List<StoredObject> replicaSets, Instant now) {
    LabelSelector selector;
    try {
      selector = LabelSelector.fromJsonNullAsEverything(pdb.path("spec").path("selector"));
    } catch (ApiException e) {
      selector = LabelSelector.nothing();
    }
    int expected = 0;
    int healthy = 0;
    Map<String, Integer> scales = new java.util.HashMap<>();
    List<String> podNames = new ArrayList<>();
    for (StoredObject pod : pods) {
      JsonNode p = pod.object();
      if (!Owners.matches(selector, p) || Owners.isDeleting(p)) continue;
      podNames.add(pod.name());
      expected++;
      if (Owners.isReady(p)) healthy++;
      Owners.controllerRef(p).filter(r -> "ReplicaSet".equals(r.path("kind").asText())).ifPresent(r -> {
        for (StoredObject rs : replicaSets) {
          if (rs.name().equals(r.path("name").asText())) scales.put(rs.name(), rs.object().path("spec").path("replicas").asInt());
        }
      });
    }
    // With a percentage or maxUnavailable the expected count is the controllers' scale, not the pods that exist.
    JsonNode minAvailable = pdb.path("spec").path("minAvailable");
    JsonNode maxUnavailable = pdb.path("spec").path("maxUnavailable");
    boolean needsScale = !maxUnavailable.isMissingNode() || minAvailable.asText("").endsWith("%");
    if (needsScale && !scales.isEmpty()) expected = scales.values().stream().mapToInt(Integer::intValue).sum();
    int desired;
    if (!maxUnavailable.isMissingNode()) {
      desired = Math.max(0, expected - DeploymentRollout.scaled(maxUnavailable, expected, true, "0"));
    } else if (!minAvailable.isMissingNode()) {
      desired = DeploymentRollout.scaled(minAvailable, expected, true, "0");
    } else {
      desired = expected; // neither: no disruption allowed
    }
    ObjectNode disrupted = Json.MAPPER.createObjectNode();
    pdb.path("status").path("disruptedPods").properties().forEach(e -> {
      Instant at = parse(e.getValue().asText());
      if (podNames.contains(e.getKey()) && at != null && now.isBefore(at.plus(DISRUPTION_TIMEOUT))) {
        disrupted.put(e.getKey(), e.getValue().asText());
      }
    });
    int allowed = Math.max(0, healthy - desired - disrupted.size());
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("observedGeneration", pdb.path("metadata").path("generation").asLong(1));
    if (!disrupted.isEmpty()) status.set("disruptedPods", disrupted);
    status.put("disruptionsAllowed", allowed).put("currentHealthy", healthy).put("desiredHealthy", desired)
        .put("expectedPods", expected);
    JsonNode old = null;
    for (JsonNode c : pdb.path("status").path("conditions")) {
      if ("DisruptionAllowed".equals(c.path("type").asText())) old = c;
    }
    String value = allowed > 0 ? "True" : "False";
    String since = old != null && value.equals(old.path("status").asText())
        ? old.path("lastTransitionTime").asText() : now.truncatedTo(ChronoUnit.SECONDS).toString();
    status.putArray("conditions").addObject().put("type", "DisruptionAllowed").put("status", value)
        .put("reason", allowed > 0 ? "SufficientPods" : "InsufficientPods").put("message", "")
        .put("observedGeneration", pdb.path("metadata").path("generation").asLong(1))
        .put("lastTransitionTime", since);
    return status;
  }

  /**
   * Evicts a pod: deletes it with the eviction's delete options when no budget forbids it. 429 when a budget does,
   * 500 when more than one budget covers the pod (Kubernetes does not support that either).
   */
  public static CompletionStage<WriteResult> evict(ObjectService service, String namespace, String podName,
      ObjectNode eviction, Instant now) {
    StoredObject pod = service.get(ResourceRegistry.POD, namespace, podName);
    DeleteOptions options = deleteOptions(eviction.path("deleteOptions"));
    List<StoredObject> budgets = new ArrayList<>();
    for (StoredObject pdb : service.store().list(ResourceRegistry.POD_DISRUPTION_BUDGET, namespace).items()) {
      LabelSelector selector = LabelSelector.fromJsonNullAsEverything(pdb.object().path("spec").path("selector"));
      if (Owners.matches(selector, pod.object())) budgets.add(pdb);
    }
    // A pod not running or not ready serves nobody: evicting it disrupts nothing.
    boolean healthy = Owners.isReady(pod.object()) && !Owners.isDeleting(pod.object());
    if (budgets.isEmpty() || !healthy) {
      return service.delete(ResourceRegistry.POD, namespace, podName, options);
    }
    if (budgets.size() > 1) {
      throw new ApiException(500, "InternalError",
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    }
    StoredObject pdb = budgets.get(0);
    ObjectNode status = status(pdb.object(), service.store().list(ResourceRegistry.POD, namespace).items(),
        service.store().list(ResourceRegistry.REPLICA_SET, namespace).items(), now);
    if (status.path("disruptionsAllowed").asInt() <= 0) {
      ApiException refused = tooManyRequests("The disruption budget " + pdb.name() + " needs "
          + status.path("desiredHealthy").asInt() + " healthy pods and has " + status.path("currentHealthy").asInt()
          + " currently");
      throw refused;
    }
    status.put("disruptionsAllowed", status.path("disruptionsAllowed").asInt() - 1);
    status.withObjectProperty("disruptedPods").put(podName, now.truncatedTo(ChronoUnit.SECONDS).toString());
    ObjectNode updated = pdb.object().deepCopy();
    updated.set("status", status);
    // Conditional on the budget as read: a concurrent eviction that got there first makes this one a 409, retried.
    return service.update(ResourceRegistry.POD_DISRUPTION_BUDGET, namespace, pdb.name(), updated,
            ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)
        .exceptionally(error -> {
          ApiException api = ObjectService.unwrap(error);
          // Another eviction used the budget first: the client retries, as on any 429.
          if (api != null && api.code() == 409) throw tooManyRequests("The disruption budget " + pdb.name()
              + " was changed by another eviction; retry");
          throw error instanceof java.util.concurrent.CompletionException c ? c
              : new java.util.concurrent.CompletionException(error);
        })
        .thenCompose(recorded -> service.delete(ResourceRegistry.POD, namespace, podName, options));
  }

  private static ApiException tooManyRequests(String cause) {
    return new ApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption "
        + "budget.", null, null, null, List.of(new ApiException.Cause("DisruptionBudget", cause, "")), 10);
  }

  private static DeleteOptions deleteOptions(JsonNode options) {
    Long grace = options.path("gracePeriodSeconds").isNumber() ? options.path("gracePeriodSeconds").asLong() : null;
    String uid = options.path("preconditions").path("uid").asText(null);
    String rv = options.path("preconditions").path("resourceVersion").asText(null);
    boolean dryRun = options.path("dryRun").size() > 0;
    String policy = options.path("propagationPolicy").asText(null);
    return new DeleteOptions(uid, rv, grace, policy, dryRun);
  }

  private static Instant parse(String time) {
    try {
      return Instant.parse(time);
    } catch (RuntimeException e) {
      return null;
    }
  }

  // --- the status writer ---

  public sealed interface Command {}

  private record Tick() implements Command {}

  private record PassDone() implements Command {}

  /** Keeps every budget's status current (level-triggered, each member for the budgets it owns). */
  public static Behavior<Command> statusWriter(ObjectService service, Predicate<String> ownedHere, Duration every) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), every);
      boolean[] busy = {false};
      return Behaviors.receive(Command.class)
          .onMessage(Tick.class, t -> {
            if (busy[0]) return Behaviors.same();
            busy[0] = true;
            ctx.pipeToSelf(writeStatuses(service, ownedHere), (ok, error) -> new PassDone());
            return Behaviors.same();
          })
          .onMessage(PassDone.class, d -> {
            busy[0] = false;
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static CompletionStage<Void> writeStatuses(ObjectService service, Predicate<String> ownedHere) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (StoredObject pdb : service.store().list(ResourceRegistry.POD_DISRUPTION_BUDGET, null).items()) {
      if (!ownedHere.test(pdb.key())) continue;
      ObjectNode status = status(pdb.object(), service.store().list(ResourceRegistry.POD, pdb.namespace()).items(),
          service.store().list(ResourceRegistry.REPLICA_SET, pdb.namespace()).items(), Instant.now());
      if (status.equals(pdb.object().path("status"))) continue;
      ObjectNode updated = pdb.object().deepCopy();
      updated.set("status", status);
      writes.add(service.update(ResourceRegistry.POD_DISRUPTION_BUDGET, pdb.namespace(), pdb.name(), updated,
          ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT).toCompletableFuture().exceptionally(e -> null));
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }
}
