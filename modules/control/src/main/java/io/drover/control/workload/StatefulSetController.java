package io.drover.control.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.CborSerializable;
import io.drover.control.event.EventRecorder;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * The StatefulSet controller: one sharded entity per StatefulSet (entity id {@code namespace/name}), so one member
 * at a time manages a set, and after a member dies the entity continues on a survivor.
 *
 * <p>Like the Deployment controller it persists nothing of its own, and needs not: a StatefulSet's pods and claims
 * have fixed names ({@code web-0}, {@code data-web-0}), so creating one twice is refused rather than duplicated,
 * and everything else it decides lives in the objects (revision labels, ControllerRevisions, status). A recovered
 * entity reads them and continues. The decisions are {@link StatefulSetControl}'s.
 */
public final class StatefulSetController {
  private static final Logger log = LoggerFactory.getLogger(StatefulSetController.class);
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "StatefulSetController");

  private StatefulSetController() {}

  public sealed interface Command extends CborSerializable {}

  /** Look again (from the dispatcher, a minReadySeconds timer, or after a round of writes). */
  public record Reconcile() implements Command {}

  private record RoundDone() implements Command {}

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "statefulset-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new Run(entity.getEntityId(), ctx, timers, service, events, clock).behavior())))
        .withRole("control-plane"));
  }

  private static final class Run {
    private final String namespace;
    private final String name;
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ObjectService service;
    private final EventRecorder events;
    private final Clock clock;

    Run(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers, ObjectService service,
        EventRecorder events, Clock clock) {
      int slash = entityId.indexOf('/');
      this.namespace = entityId.substring(0, slash);
      this.name = entityId.substring(slash + 1);
      this.ctx = ctx;
      this.timers = timers;
      this.service = service;
      this.events = events;
      this.clock = clock;
    }

    Behavior<Command> behavior() {
      return new SyncRounds<>(ctx, Command.class, new Reconcile(), new RoundDone(), this::sync,
          "statefulset " + namespace + "/" + name).idle();
    }

    private CompletionStage<?> sync() {
      Optional<StoredObject> found = service.store().get(ResourceRegistry.STATEFUL_SET, namespace, name);
      if (found.isEmpty() || Owners.isDeleting(found.get().object())) {
        return CompletableFuture.completedFuture(null); // the garbage collector removes its pods
      }
      StoredObject set = found.get();
      ObjectNode owner = set.object();
      StatefulSetControl.Plan plan = StatefulSetControl.plan(set,
          service.store().list(ResourceRegistry.POD, namespace).items(),
          service.store().list(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, namespace).items(),
          service.store().list(ResourceRegistry.CONTROLLER_REVISION, namespace).items(), clock.instant());
      if (plan.recheckIn() != null) timers.startSingleTimer("available", new Reconcile(), plan.recheckIn());

      // Revisions and claims first: a pod is created once its claims are (or were) written.
      List<CompletableFuture<?>> first = new ArrayList<>();
      for (ObjectNode revision : plan.createRevisions()) {
        first.add(tolerateExisting(service.create(ResourceRegistry.CONTROLLER_REVISION, namespace, revision,
            WriteOptions.DEFAULT)));
      }
      for (ObjectNode revision : plan.updateRevisions()) {
        first.add(quietly(service.update(ResourceRegistry.CONTROLLER_REVISION, namespace,
            Json.text(revision, "metadata.name"), revision, ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
      }
      for (ObjectNode claim : plan.createClaims()) {
        String claimName = Json.text(claim, "metadata.name");
        first.add(tolerateExisting(service.create(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, namespace, claim,
                WriteOptions.DEFAULT)
            .thenRun(() -> events.normal(owner, "SuccessfulCreate", "create Claim " + claimName + " Pod "
                + podOfClaim(plan, claimName) + " in StatefulSet " + name + " success"))));
      }
      for (ObjectNode adopted : plan.adopt()) {
        first.add(quietly(service.update(ResourceRegistry.POD, namespace, Json.text(adopted, "metadata.name"),
            adopted, ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
      }
      return CompletableFuture.allOf(first.toArray(CompletableFuture[]::new)).thenComposeAsync(v -> {
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (ObjectNode pod : plan.createPods()) {
          String podName = Json.text(pod, "metadata.name");
          writes.add(service.create(ResourceRegistry.POD, namespace, pod, WriteOptions.DEFAULT).toCompletableFuture()
              .handle((created, error) -> {
                ApiException api = error == null ? null : ObjectService.unwrap(error);
                if (error == null) {
                  events.normal(owner, "SuccessfulCreate", "create Pod " + podName + " in StatefulSet " + name
                      + " successful");
                } else if (api == null || api.code() != 409) {
                  events.warning(owner, "FailedCreate", "create Pod " + podName + " in StatefulSet " + name
                      + " failed error: " + (api != null ? api.getMessage() : error.toString()));
                }
                return null;
              }));
        }
        for (StoredObject pod : plan.deletePods()) {
          writes.add(quietly(service.delete(ResourceRegistry.POD, namespace, pod.name(),
                  new DeleteOptions(Json.text(pod.object(), "metadata.uid"), null, null, null, false))
              .thenRun(() -> events.normal(owner, "SuccessfulDelete", "delete Pod " + pod.name()
                  + " in StatefulSet " + name + " successful"))));
        }
        for (StoredObject claim : plan.deleteClaims()) {
          writes.add(quietly(service.delete(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, namespace, claim.name(),
              new DeleteOptions(Json.text(claim.object(), "metadata.uid"), null, null, null, false))));
        }
        for (StoredObject revision : plan.deleteRevisions()) {
          writes.add(quietly(service.delete(ResourceRegistry.CONTROLLER_REVISION, namespace, revision.name(),
              new DeleteOptions(Json.text(revision.object(), "metadata.uid"), null, null, null, false))));
        }
        if (!plan.status().equals(owner.path("status"))) {
          ObjectNode updated = owner.deepCopy();
          updated.set("status", plan.status());
          Json.object(updated, "metadata").remove("resourceVersion");
          writes.add(quietly(service.update(ResourceRegistry.STATEFUL_SET, namespace, name, updated,
              ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
      }, ctx.getExecutionContext());
    }

    private String podOfClaim(StatefulSetControl.Plan plan, String claimName) {
      int dash = claimName.lastIndexOf('-');
      return name + "-" + claimName.substring(dash + 1);
    }

    private CompletableFuture<?> tolerateExisting(CompletionStage<?> create) {
      return create.toCompletableFuture().exceptionally(error -> {
        ApiException api = ObjectService.unwrap(error);
        if (api == null || api.code() != 409) log.debug("statefulset {}/{}: {}", namespace, name, error.toString());
        return null;
      });
    }

    private CompletableFuture<?> quietly(CompletionStage<?> write) {
      return write.toCompletableFuture().exceptionally(error -> {
        log.debug("statefulset {}/{}: {}", namespace, name, error.toString());
        return null;
      });
    }
  }

  public static String entityId(String namespace, String name) {
    return namespace + "/" + name;
  }
}
