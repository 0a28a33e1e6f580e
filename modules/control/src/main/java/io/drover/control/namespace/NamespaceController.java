package io.drover.control.namespace;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Empties terminating namespaces: deletes everything in a namespace whose deletion has begun and, once nothing is
 * left, removes the namespace's "kubernetes" finalizer so its entity deletes it. Objects whose own finalizers are
 * not removed keep the namespace Terminating, as in Kubernetes.
 *
 * <p>Every control-plane member runs one; deletions are idempotent, so members working on the same namespace
 * only repeat harmless requests. Level-triggered: it looks at all terminating namespaces on every tick.
 */
public final class NamespaceController {
  private NamespaceController() {}

  public sealed interface Command {}

  private record Tick() implements Command {}

  private record PassDone() implements Command {}

  public static Behavior<Command> create(ObjectService service, Duration resyncInterval) {
    return Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), resyncInterval);
      return Behaviors.setup(ctx -> idle(ctx, service));
    });
  }

  private static Behavior<Command> idle(ActorContext<Command> ctx, ObjectService service) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> {
          ctx.pipeToSelf(pass(service), (ok, error) -> {
            if (error != null) ctx.getLog().debug("namespace pass: {}", error.toString());
            return new PassDone();
          });
          return busy(ctx, service);
        })
        .onMessage(PassDone.class, done -> Behaviors.same())
        .build();
  }

  /** A pass is running: ticks meanwhile are dropped (the next tick after it starts a new pass). */
  private static Behavior<Command> busy(ActorContext<Command> ctx, ObjectService service) {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(PassDone.class, done -> idle(ctx, service))
        .build();
  }

  private static CompletionStage<Void> pass(ObjectService service) {
    List<CompletableFuture<?>> work = new ArrayList<>();
    for (StoredObject namespace : service.store().list(ResourceRegistry.NAMESPACE, null).items()) {
      if (Json.text(namespace.object(), "metadata.deletionTimestamp") != null) {
        work.add(empty(service, namespace).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
  }

  private static CompletionStage<?> empty(ObjectService service, StoredObject namespace) {
    String ns = namespace.name();
    boolean anyLeft = false;
    List<CompletableFuture<?>> deletions = new ArrayList<>();
    for (ResourceType type : ResourceRegistry.ALL) {
      if (!type.namespaced()) continue;
      List<StoredObject> left = service.store().list(type, ns).items();
      if (left.isEmpty()) continue;
      anyLeft = true;
      boolean undeleted = left.stream()
          .anyMatch(o -> Json.text(o.object(), "metadata.deletionTimestamp") == null);
      if (undeleted) {
        deletions.add(service.deleteCollection(type, ns, o -> true, DeleteOptions.DEFAULT).toCompletableFuture());
      }
    }
    if (anyLeft) {
      return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new));
    }
    ObjectNode finalized = namespace.object().deepCopy();
    if (Json.at(finalized, "spec.finalizers") instanceof ArrayNode finalizers) {
      ArrayNode remaining = Json.MAPPER.createArrayNode();
      finalizers.forEach(f -> {
        if (!f.asText().equals("kubernetes")) remaining.add(f);
      });
      Json.object(finalized, "spec").set("finalizers", remaining);
    }
    return service.update(ResourceRegistry.NAMESPACE, null, ns, finalized, ObjectEntity.Scope.FINALIZE,
        WriteOptions.DEFAULT);
  }
}
