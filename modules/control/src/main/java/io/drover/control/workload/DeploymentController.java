package io.drover.control.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The Deployment controller: one sharded entity per Deployment (entity id {@code namespace/name}), so exactly one
 * member rolls a Deployment out at a time, and after a member dies the entity continues on a survivor.
 *
 * <p>Unlike the ReplicaSet controller it persists nothing of its own: everything it decides is written into the
 * objects (ReplicaSet names are the template hash, so creating one twice is refused, never duplicated; scaling is
 * an update with the ReplicaSet's resourceVersion), which is where Kubernetes keeps a rollout's state too, and a
 * recovered entity picks the rollout up from them. The decisions are {@link DeploymentRollout}'s.
 */
public final class DeploymentController {
  private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "DeploymentController");

  private DeploymentController() {}

  public sealed interface Command extends CborSerializable {}

  /** Look again (from the dispatcher, the progress-deadline timer, or after a round of writes). */
  public record Reconcile() implements Command {}

  private record RoundDone() implements Command {}

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "deployment-controller", "", clock);
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
          "deployment " + namespace + "/" + name).idle();
    }

    private CompletionStage<?> sync() {
      Optional<StoredObject> found = service.store().get(ResourceRegistry.DEPLOYMENT, namespace, name);
      if (found.isEmpty()) return CompletableFuture.completedFuture(null);
      StoredObject deployment = found.get();
      List<StoredObject> replicaSets = service.store().list(ResourceRegistry.REPLICA_SET, namespace).items();
      DeploymentRollout.Plan plan = DeploymentRollout.plan(deployment, replicaSets, clock.instant());
      if (plan.recheckIn() != null) timers.startSingleTimer("deadline", new Reconcile(), plan.recheckIn());
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (ObjectNode rs : plan.create()) {
        writes.add(quietly(service.create(ResourceRegistry.REPLICA_SET, namespace, rs, WriteOptions.DEFAULT)
            .thenRun(() -> events.normal((ObjectNode) deployment.object(), "ScalingReplicaSet",
                "Scaled up replica set " + Json.text(rs, "metadata.name") + " from 0 to "
                    + rs.path("spec").path("replicas").asInt()))));
      }
      for (ObjectNode rs : plan.update()) {
        String rsName = Json.text(rs, "metadata.name");
        int before = replicaSets.stream().filter(s -> s.name().equals(rsName)).findFirst()
            .map(s -> DeploymentRollout.specReplicas(s.object())).orElse(-1);
        int after = DeploymentRollout.specReplicas(rs);
        // The update carries the resourceVersion it was planned from: a concurrent change means a new round.
        writes.add(quietly(service.update(ResourceRegistry.REPLICA_SET, namespace, rsName, rs,
            ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT).thenRun(() -> {
              if (before != after) {
                events.normal((ObjectNode) deployment.object(), "ScalingReplicaSet", "Scaled "
                    + (after > before ? "up" : "down") + " replica set " + rsName + " from " + before + " to " + after);
              }
            })));
      }
      for (StoredObject rs : plan.delete()) {
        writes.add(quietly(service.delete(ResourceRegistry.REPLICA_SET, namespace, rs.name(),
            new DeleteOptions(Json.text(rs.object(), "metadata.uid"), null, null, "Background", false))));
      }
      if (plan.deploymentAnnotations() != null) {
        ObjectNode updated = deployment.object().deepCopy();
        ObjectNode annotations = Json.object(Json.object(updated, "metadata"), "annotations");
        annotations.setAll(plan.deploymentAnnotations());
        writes.add(quietly(service.update(ResourceRegistry.DEPLOYMENT, namespace, name, updated,
            ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
      } else if (!plan.status().equals(deployment.object().path("status"))) {
        ObjectNode updated = deployment.object().deepCopy();
        updated.set("status", plan.status());
        Json.object(updated, "metadata").remove("resourceVersion");
        writes.add(quietly(service.update(ResourceRegistry.DEPLOYMENT, namespace, name, updated,
            ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
      }
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<?> quietly(CompletionStage<?> write) {
      return write.toCompletableFuture().exceptionally(error -> {
        log.debug("deployment {}/{}: {}", namespace, name, error.toString());
        return null;
      });
    }
  }
}
