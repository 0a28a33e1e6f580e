package io.drover.control.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ResourceQuota, as Kubernetes' quota admission plugin and quota controller do it. Admission: a create that would
 * take a namespace over a quota's {@code spec.hard} is refused (403, "exceeded quota: ..."), and one that passes is
 * first recorded in the quota's {@code status.used} by a write conditional on the quota's resourceVersion, so two
 * creates racing on any members cannot both take the last unit (the loser re-reads and re-checks). The controller
 * recomputes {@code status.used} from what the namespace holds, which gives back what deletions freed and what a
 * failed create had recorded.
 */
public final class ResourceQuotas {
  private static final Logger log = LoggerFactory.getLogger(ResourceQuotas.class);
  private static final int MAX_ATTEMPTS = 20;

  private ResourceQuotas() {}

  /** Checks the create against every quota of its namespace and records it in their status (not for dry runs). */
  public static CompletionStage<Void> admit(ObjectService service, ResourceType type, String ns, String name,
      ObjectNode object, boolean dryRun) {
    if (!type.namespaced()) return CompletableFuture.completedFuture(null);
    List<StoredObject> quotas = service.store().list(ResourceRegistry.RESOURCE_QUOTA, ns).items();
    if (quotas.isEmpty()) return CompletableFuture.completedFuture(null);
    Map<String, BigDecimal> delta = QuotaUsage.of(type, object);
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (StoredObject quota : quotas) {
      chain = chain.thenCompose(v -> reserve(service, type, ns, name, quota.name(), object, delta, dryRun, 1));
    }
    return chain;
  }

  private static CompletionStage<Void> reserve(ObjectService service, ResourceType type, String ns, String name,
      String quotaName, ObjectNode object, Map<String, BigDecimal> delta, boolean dryRun, int attempt) {
    StoredObject quota = service.store().get(ResourceRegistry.RESOURCE_QUOTA, ns, quotaName).orElse(null);
    if (quota == null) return CompletableFuture.completedFuture(null);
    JsonNode hard = quota.object().path("spec").path("hard");
    List<String> constrained = new ArrayList<>();
    hard.fieldNames().forEachRemaining(constrained::add);
    if (type == ResourceRegistry.POD) {
      Map<String, List<String>> missing = QuotaUsage.unspecified(object, constrained);
      if (!missing.isEmpty()) {
        List<String> parts = new ArrayList<>();
        missing.forEach((resource, containers) -> parts.add(resource + " for: " + String.join(",", containers)));
        throw forbidden(type, name, "failed quota: " + quotaName + ": must specify " + String.join("; ", parts));
      }
    }
    List<String> relevant = constrained.stream().filter(r -> delta.getOrDefault(r, BigDecimal.ZERO).signum() > 0)
        .toList();
    if (relevant.isEmpty()) return CompletableFuture.completedFuture(null);
    Map<String, BigDecimal> used = used(service, ns, quota.object(), relevant);
    List<String> requested = new ArrayList<>();
    List<String> usedNow = new ArrayList<>();
    List<String> limited = new ArrayList<>();
    Map<String, BigDecimal> after = new HashMap<>();
    for (String resource : relevant) {
      BigDecimal limit = QuotaUsage.amount(hard.get(resource));
      BigDecimal next = used.get(resource).add(delta.get(resource));
      after.put(resource, next);
      if (next.compareTo(limit) > 0) {
        requested.add(resource + "=" + QuotaUsage.format(resource, delta.get(resource)));
        usedNow.add(resource + "=" + QuotaUsage.format(resource, used.get(resource)));
        limited.add(resource + "=" + hard.get(resource).asText());
      }
    }
    if (!requested.isEmpty()) {
      throw forbidden(type, name, "exceeded quota: " + quotaName + ", requested: " + String.join(",", requested)
          + ", used: " + String.join(",", usedNow) + ", limited: " + String.join(",", limited));
    }
    if (dryRun) return CompletableFuture.completedFuture(null);
    ObjectNode updated = quota.object().deepCopy();
    ObjectNode status = Json.object(updated, "status");
    status.set("hard", hard.deepCopy());
    ObjectNode usedNode = Json.object(status, "used");
    after.forEach((resource, amount) -> usedNode.put(resource, QuotaUsage.format(resource, amount)));
    // Conditional on the quota as read: a concurrent reservation makes this one re-read and re-check.
    return service.update(ResourceRegistry.RESOURCE_QUOTA, ns, quotaName, updated, ObjectEntity.Scope.STATUS,
            WriteOptions.DEFAULT)
        .<CompletionStage<Void>>handle((ok, error) -> {
          if (error == null) return CompletableFuture.completedFuture(null);
          ApiException api = ObjectService.unwrap(error);
          if (api != null && api.code() == 409 && attempt < MAX_ATTEMPTS) {
            return CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(10L * attempt, TimeUnit.MILLISECONDS))
                .thenCompose(v -> reserve(service, type, ns, name, quotaName, object, delta, dryRun, attempt + 1));
          }
          return CompletableFuture.failedFuture(api != null && api.code() == 409
              ? new ApiException(409, "Conflict", "Operation cannot be fulfilled on resourcequotas \"" + quotaName
                  + "\": too many concurrent creates, try again") : error);
        })
        .thenCompose(next -> next);
  }

  /** What the quota's status says is used, and for resources it does not list yet what the namespace holds. */
  private static Map<String, BigDecimal> used(ObjectService service, String ns, JsonNode quota, List<String> resources) {
    Map<String, BigDecimal> used = new HashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String resource : resources) {
      JsonNode recorded = quota.path("status").path("used").get(resource);
      if (recorded == null) {
        unknown.add(resource);
      } else {
        used.put(resource, QuotaUsage.amount(recorded));
      }
    }
    if (!unknown.isEmpty()) used.putAll(measure(service, ns, unknown));
    return used;
  }

  /** What the namespace's objects use of each resource. */
  static Map<String, BigDecimal> measure(ObjectService service, String ns, List<String> resources) {
    Map<String, BigDecimal> total = new HashMap<>();
    for (String resource : resources) total.put(resource, BigDecimal.ZERO);
    for (ResourceType type : ResourceRegistry.ALL) {
      if (!type.namespaced()) continue;
      for (StoredObject object : service.store().list(type, ns).items()) {
        QuotaUsage.of(type, object.object()).forEach((resource, amount) -> {
          if (total.containsKey(resource)) total.put(resource, total.get(resource).add(amount));
        });
      }
    }
    return total;
  }

  private static ApiException forbidden(ResourceType type, String name, String why) {
    return new ApiException(403, "Forbidden", type.plural() + " \"" + name + "\" is forbidden: " + why, type.group(),
        type.plural(), name, List.of(), null);
  }

  // --- the controller ---

  public sealed interface Command {}

  private record Recount() implements Command {}

  /**
   * Keeps every quota's status (hard, used) true to its namespace; each member handles the quotas it owns. A new or
   * changed quota is counted at once. A recorded amount above what the namespace holds is lowered only when two
   * recounts a resync apart both find less: in between, it may be a create admitted but not yet stored, and
   * lowering it then would let a racing create through.
   */
  public static Behavior<Command> controller(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Map<String, LastRecount> lastMeasured = new HashMap<>();
      timers.startTimerWithFixedDelay(new Recount(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.RESOURCE_QUOTA, e -> {
        JsonNode quota = e.object().object();
        if (!quota.path("spec").path("hard").equals(quota.path("status").path("hard"))) {
          ctx.getSelf().tell(new Recount());
        }
      }, ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(Recount.class, r -> {
            recount(service, ownedHere, lastMeasured, resync, System.nanoTime());
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void recount(ObjectService service, Predicate<String> ownedHere,
      Map<String, LastRecount> lastMeasured, Duration resync, long nowNanos) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (StoredObject quota : service.store().list(ResourceRegistry.RESOURCE_QUOTA, null).items()) {
      if (!ownedHere.test(quota.key())) continue;
      seen.add(quota.key());
      JsonNode hard = quota.object().path("spec").path("hard");
      List<String> resources = new ArrayList<>();
      hard.fieldNames().forEachRemaining(resources::add);
      Map<String, BigDecimal> measured = measure(service, quota.namespace(), resources);
      JsonNode status = quota.object().path("status");
      Recounted recounted = recounted(measured, status.path("used"), lastMeasured.get(quota.key()), resync,
          nowNanos);
      lastMeasured.put(quota.key(), recounted.last());
      ObjectNode used = recounted.used();
      if (hard.equals(status.path("hard")) && sameAmounts(used, status.path("used"))) continue;
      ObjectNode updated = quota.object().deepCopy();
      ObjectNode newStatus = Json.object(updated, "status");
      newStatus.set("hard", hard.deepCopy());
      newStatus.set("used", used);
      service.update(ResourceRegistry.RESOURCE_QUOTA, quota.namespace(), quota.name(), updated,
              ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)
          .exceptionally(error -> {
            log.debug("quota {}: {}", quota.key(), error.toString()); // a reservation came first: the next recount
            return null;
          });
    }
    lastMeasured.keySet().retainAll(seen);
  }

  /** A quota's amounts at a recount (measured, recorded) and when it was. */
  record LastRecount(Map<String, BigDecimal[]> amounts, long atNanos) {}

  /** What a recount writes as status.used, and the recount later ones compare with. */
  record Recounted(ObjectNode used, LastRecount last) {}

  /**
   * The decision of one recount, pure. A recorded amount above the measured one is kept, as it may be a create
   * admitted but not yet stored, unless a recount at least a resync earlier found the same recorded amount (no
   * reservation since) also above what it measured. Recounts can come back to back (a quota change and the timer);
   * comparing two a few milliseconds apart would give away a reservation whose create is still on its way.
   */
  static Recounted recounted(Map<String, BigDecimal> measured, JsonNode recordedUsed, LastRecount previous,
      Duration resync, long nowNanos) {
    boolean resyncApart = previous != null && nowNanos - previous.atNanos() >= resync.toNanos();
    Map<String, BigDecimal[]> before = resyncApart ? previous.amounts() : Map.of();
    Map<String, BigDecimal[]> now = new HashMap<>();
    ObjectNode used = Json.MAPPER.createObjectNode();
    measured.forEach((resource, amount) -> {
      JsonNode recordedNode = recordedUsed.get(resource);
      BigDecimal recorded = recordedNode == null ? amount : QuotaUsage.amount(recordedNode);
      now.put(resource, new BigDecimal[] {amount, recorded});
      BigDecimal[] last = before.get(resource);
      boolean staleSinceLastRecount = last != null && last[1].compareTo(recorded) == 0
          && last[0].compareTo(recorded) < 0;
      BigDecimal kept = amount.compareTo(recorded) < 0 && !staleSinceLastRecount ? recorded : amount;
      used.put(resource, QuotaUsage.format(resource, kept));
    });
    LastRecount last = previous == null || resyncApart ? new LastRecount(now, nowNanos) : previous;
    return new Recounted(used, last);
  }

  private static boolean sameAmounts(JsonNode a, JsonNode b) {
    if (a.size() != b.size()) return false;
    for (var it = a.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!b.has(e.getKey())) return false;
      if (QuotaUsage.amount(e.getValue()).compareTo(QuotaUsage.amount(b.get(e.getKey()))) != 0) return false;
    }
    return true;
  }
}
