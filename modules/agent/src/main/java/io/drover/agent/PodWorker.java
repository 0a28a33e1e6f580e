package io.drover.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Drives one pod on this node (kubelet's pod worker): at most one {@link PodRun#sync} at a time on the blocking
 * dispatcher, triggered by pod changes and by its own timer (container exits, probes, back-off); writes the pod's
 * status when it changes; when the pod is being deleted, stops its containers within the grace period and then
 * deletes the pod for good.
 */
final class PodWorker {
  private PodWorker() {}

  sealed interface Command {}

  /** The pod as the API now has it. */
  record Update(ObjectNode pod) implements Command {}

  /** The pod object is gone (force-deleted): stop everything and end. */
  record Removed() implements Command {}

  private record SyncNow() implements Command {}

  private record SyncDone(PodRun.Outcome outcome, Throwable error) implements Command {}

  private record Finished() implements Command {}

  static Behavior<Command> create(PodRun run, ObjectNode pod, ObjectService service, Executor blocking,
      Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSelf().tell(new SyncNow());
      return new State(ctx, timers, run, service, blocking, clock, pod).idle();
    }));
  }

  private static final class State {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final PodRun run;
    private final ObjectService service;
    private final Executor blocking;
    private final Clock clock;
    private ObjectNode pod;
    private ObjectNode reportedStatus;
    private boolean dirty;

    State(ActorContext<Command> ctx, TimerScheduler<Command> timers, PodRun run, ObjectService service,
        Executor blocking, Clock clock, ObjectNode pod) {
      this.ctx = ctx;
      this.timers = timers;
      this.run = run;
      this.service = service;
      this.blocking = blocking;
      this.clock = clock;
      this.pod = pod;
      this.reportedStatus = pod.get("status") instanceof ObjectNode s ? s : null;
    }

    Behavior<Command> idle() {
      return Behaviors.receive(Command.class)
          .onMessage(Update.class, u -> {
            pod = u.pod();
            return startSync();
          })
          .onMessage(SyncNow.class, s -> startSync())
          .onMessage(Removed.class, r -> tearDown())
          .onMessage(SyncDone.class, d -> Behaviors.same())
          .build();
    }

    Behavior<Command> syncing() {
      return Behaviors.receive(Command.class)
          .onMessage(Update.class, u -> {
            pod = u.pod();
            dirty = true;
            return Behaviors.same();
          })
          .onMessage(SyncNow.class, s -> {
            dirty = true;
            return Behaviors.same();
          })
          .onMessage(Removed.class, r -> {
            // Let the running sync finish first; then tear down.
            ctx.getSelf().tell(new Removed());
            return waitingForSync();
          })
          .onMessage(SyncDone.class, this::onSyncDone)
          .build();
    }

    private Behavior<Command> waitingForSync() {
      return Behaviors.receive(Command.class)
          .onMessage(SyncDone.class, d -> tearDown())
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private Behavior<Command> startSync() {
      dirty = false;
      ObjectNode snapshot = pod;
      ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> run.sync(snapshot), blocking),
          (outcome, error) -> new SyncDone(outcome, error));
      return syncing();
    }

    private Behavior<Command> onSyncDone(SyncDone done) {
      if (done.error() != null) {
        ctx.getLog().warn("sync of pod {}/{} failed", namespace(), name(), done.error());
        timers.startSingleTimer(new SyncNow(), Duration.ofSeconds(1));
        return dirty ? startSync() : idle();
      }
      PodRun.Outcome outcome = done.outcome();
      if (!outcome.status().equals(reportedStatus)) {
        reportedStatus = outcome.status();
        ObjectNode update = Json.MAPPER.createObjectNode();
        update.putObject("metadata").put("name", name()).put("namespace", namespace());
        update.set("status", outcome.status());
        service.update(ResourceRegistry.POD, namespace(), name(), update, ObjectEntity.Scope.STATUS,
            WriteOptions.DEFAULT).whenComplete((r, e) -> {
              if (e != null) ctx.getLog().debug("status of {}/{} not written: {}", namespace(), name(), e.toString());
            });
      }
      if (PodRun.deleting(pod) && outcome.allStopped()) {
        return finish();
      }
      Duration wait = Duration.between(clock.instant(), outcome.nextSyncAt());
      timers.startSingleTimer(new SyncNow(), wait.isNegative() ? Duration.ZERO : wait);
      return dirty ? startSync() : idle();
    }

    /** All containers are stopped: remove them and the pod's files, then delete the pod object for good. */
    private Behavior<Command> finish() {
      ctx.pipeToSelf(CompletableFuture.runAsync(() -> {
        run.tearDown(Duration.ZERO);
        run.removeFiles();
      }, blocking).thenCompose(v -> service.delete(ResourceRegistry.POD, namespace(), name(),
          new DeleteOptions(Json.text(pod, "metadata.uid"), null, 0L, null, false))), (r, e) -> new Finished());
      return Behaviors.receive(Command.class)
          .onMessage(Finished.class, f -> Behaviors.stopped())
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private Behavior<Command> tearDown() {
      ctx.pipeToSelf(CompletableFuture.runAsync(() -> {
        run.tearDown(Duration.ofSeconds(2));
        run.removeFiles();
      }, blocking), (r, e) -> new Finished());
      return Behaviors.receive(Command.class)
          .onMessage(Finished.class, f -> Behaviors.stopped())
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private String name() {
      return Json.text(pod, "metadata.name");
    }

    private String namespace() {
      return Json.text(pod, "metadata.namespace");
    }
  }
}
