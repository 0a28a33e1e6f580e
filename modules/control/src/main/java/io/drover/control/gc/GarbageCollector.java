package io.drover.control.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The garbage collector: follows {@code metadata.ownerReferences} as Kubernetes does.
 * <ul>
 *   <li>A dependent whose owners are all gone (no object of that kind and name with that uid) is deleted
 *       (background cascading deletion: the owner went first).</li>
 *   <li>An owner deleting with the {@code foregroundDeletion} finalizer has its dependents deleted (themselves in
 *       the foreground), and loses the finalizer once none is left, which completes its deletion.</li>
 *   <li>An owner deleting with the {@code orphan} finalizer has its reference removed from every dependent, then
 *       loses the finalizer.</li>
 * </ul>
 * Every control-plane member runs one over its read side; each acts only on the objects it owns by key hash
 * (writes are idempotent and conditional, so an overlap while membership changes repeats harmless requests).
 * Changes mark objects to look at; a periodic full pass repairs anything a failed write left behind.
 */
public final class GarbageCollector {
  public static final String ORPHAN = "orphan";
  public static final String FOREGROUND = "foregroundDeletion";

  private GarbageCollector() {}

  public sealed interface Command {}

  private record Changed(WatchEvent event) implements Command {}

  private record Work() implements Command {}

  private record FullPass() implements Command {}

  private record WorkDone() implements Command {}

  /** One object the collector tracks, by what identifies it. */
  record Ref(ResourceType type, String namespace, String name, String uid) {
    static Ref of(StoredObject object) {
      return new Ref(object.type(), object.namespace(), object.name(), Json.text(object.object(), "metadata.uid"));
    }

    String key() {
      return type.objectKey(namespace, name);
    }
  }

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new FullPass(), resync);
      Run run = new Run(ctx, timers, service, ownedHere);
      service.store().follow(o -> true, e -> ctx.getSelf().tell(new Changed(e)), ctx.getSystem());
      return run.behavior();
    }));
  }

  private static final class Run {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ObjectService service;
    private final Predicate<String> ownedHere;
    /** Owner uid to the objects that name it in their ownerReferences. */
    private final Map<String, Map<String, Ref>> dependents = new HashMap<>();
    /** Objects to look at on the next round, by key. */
    private final Map<String, Ref> dirty = new HashMap<>();
    private boolean working;

    Run(ActorContext<Command> ctx, TimerScheduler<Command> timers, ObjectService service,
        Predicate<String> ownedHere) {
      this.ctx = ctx;
      this.timers = timers;
      this.service = service;
      this.ownedHere = ownedHere;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, changed -> {
            index(changed.event());
            schedule();
            return Behaviors.same();
          })
          .onMessage(FullPass.class, pass -> {
            for (ResourceType type : ResourceRegistry.ALL) {
              for (StoredObject object : service.store().list(type, null).items()) {
                if (interesting(object.object())) dirty.put(object.key(), Ref.of(object));
              }
            }
            schedule();
            return Behaviors.same();
          })
          .onMessage(Work.class, work -> {
            if (working || dirty.isEmpty()) return Behaviors.same();
            List<Ref> batch = new ArrayList<>(dirty.values());
            dirty.clear();
            working = true;
            ctx.pipeToSelf(collect(batch), (ok, error) -> {
              if (error != null) ctx.getLog().debug("garbage collection round: {}", error.toString());
              return new WorkDone();
            });
            return Behaviors.same();
          })
          .onMessage(WorkDone.class, done -> {
            working = false;
            schedule();
            return Behaviors.same();
          })
          .build();
    }

    /** A short delay gathers a burst of changes (a ReplicaSet's pods going) into one round. */
    private void schedule() {
      if (!dirty.isEmpty() && !working && !timers.isTimerActive("work")) {
        timers.startSingleTimer("work", new Work(), Duration.ofMillis(50));
      }
    }

    private void index(WatchEvent event) {
      StoredObject object = event.object();
      Ref ref = Ref.of(object);
      if (event.previous() != null) {
        for (String owner : ownerUids(event.previous().object())) {
          Map<String, Ref> of = dependents.get(owner);
          if (of != null) {
            of.remove(ref.key());
            if (of.isEmpty()) dependents.remove(owner);
          }
        }
      }
      if (event.type() == WatchEvent.Type.DELETED) {
        // Its dependents may now be orphans (background deletion) and its owners may be waiting for it.
        Map<String, Ref> own = dependents.get(ref.uid());
        if (own != null) own.values().forEach(d -> dirty.put(d.key(), d));
        ownerRefsOf(object.object(), object.namespace()).forEach(o -> markOwner(o));
        return;
      }
      for (String owner : ownerUids(object.object())) {
        dependents.computeIfAbsent(owner, k -> new HashMap<>()).put(ref.key(), ref);
      }
      if (interesting(object.object())) dirty.put(ref.key(), ref);
      if (isDeleting(object.object())) {
        // A dependent going away may complete its owner's foreground deletion.
        ownerRefsOf(object.object(), object.namespace()).forEach(o -> markOwner(o));
      }
    }

    private void markOwner(Ref owner) {
      if (owner.type() == null) return;
      service.store().get(owner.type(), owner.namespace(), owner.name())
          .ifPresent(o -> dirty.put(o.key(), Ref.of(o)));
    }

    /** One round: each object looked at once against the current read side. */
    private CompletionStage<Void> collect(List<Ref> batch) {
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (Ref ref : batch) {
        if (!ownedHere.test(ref.key())) continue;
        Optional<StoredObject> found = service.store().get(ref.type(), ref.namespace(), ref.name());
        if (found.isEmpty() || !ref.uid().equals(Json.text(found.get().object(), "metadata.uid"))) continue;
        StoredObject object = found.get();
        CompletionStage<?> write = asOwner(object).orElseGet(() -> asDependent(object).orElse(null));
        if (write != null) {
          writes.add(write.toCompletableFuture().exceptionally(error -> {
            ctx.getLog().debug("garbage collection of {}: {}", ref.key(), error.toString());
            return null;
          }));
        }
      }
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /** An owner deleting with the orphan or foregroundDeletion finalizer. */
    private Optional<CompletionStage<?>> asOwner(StoredObject owner) {
      if (!isDeleting(owner.object())) return Optional.empty();
      boolean orphan = hasFinalizer(owner.object(), ORPHAN);
      boolean foreground = hasFinalizer(owner.object(), FOREGROUND);
      if (!orphan && !foreground) return Optional.empty();
      String uid = Json.text(owner.object(), "metadata.uid");
      List<StoredObject> left = new ArrayList<>();
      for (Ref d : dependents.getOrDefault(uid, Map.of()).values()) {
        service.store().get(d.type(), d.namespace(), d.name())
            .filter(o -> ownerUids(o.object()).contains(uid))
            .ifPresent(left::add);
      }
      List<CompletableFuture<?>> writes = new ArrayList<>();
      if (left.isEmpty()) {
        writes.add(removeFinalizers(owner, Set.of(ORPHAN, FOREGROUND)).toCompletableFuture());
      } else if (orphan) {
        for (StoredObject dependent : left) writes.add(removeOwnerRefs(dependent, Set.of(uid)).toCompletableFuture());
      } else {
        for (StoredObject dependent : left) {
          if (!isDeleting(dependent.object())) writes.add(delete(dependent, "Foreground").toCompletableFuture());
        }
      }
      return Optional.of(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
    }

    /** A dependent: deleted when all its owners are gone or being deleted in the foreground. */
    private Optional<CompletionStage<?>> asDependent(StoredObject dependent) {
      List<Ref> owners = ownerRefsOf(dependent.object(), dependent.namespace());
      if (owners.isEmpty() || isDeleting(dependent.object())) return Optional.empty();
      Set<String> dangling = new HashSet<>();
      boolean ownerDeletingInForeground = false;
      int unresolvable = 0;
      for (Ref owner : owners) {
        if (owner.type() == null) {
          unresolvable++; // a kind Drover does not serve: leave the reference alone, as Kubernetes does
          continue;
        }
        Optional<StoredObject> found = service.store().get(owner.type(), owner.namespace(), owner.name())
            .filter(o -> owner.uid().equals(Json.text(o.object(), "metadata.uid")));
        if (found.isEmpty()) {
          dangling.add(owner.uid());
        } else if (isDeleting(found.get().object()) && hasFinalizer(found.get().object(), FOREGROUND)) {
          ownerDeletingInForeground = true;
        }
      }
      if (dangling.size() == owners.size()) return Optional.of(delete(dependent, "Background"));
      if (ownerDeletingInForeground && dangling.size() + 1 + unresolvable >= owners.size()) {
        return Optional.of(delete(dependent, "Foreground"));
      }
      if (!dangling.isEmpty()) return Optional.of(removeOwnerRefs(dependent, dangling));
      return Optional.empty();
    }

    private CompletionStage<?> delete(StoredObject object, String policy) {
      return service.delete(object.type(), object.namespace(), object.name(), new DeleteOptions(
          Json.text(object.object(), "metadata.uid"), null, null, policy, false));
    }

    private CompletionStage<?> removeOwnerRefs(StoredObject dependent, Set<String> uids) {
      ObjectNode updated = dependent.object().deepCopy();
      ArrayNode kept = Json.MAPPER.createArrayNode();
      for (JsonNode ref : updated.path("metadata").path("ownerReferences")) {
        if (!uids.contains(ref.path("uid").asText())) kept.add(ref);
      }
      ObjectNode meta = Json.object(updated, "metadata");
      if (kept.isEmpty()) meta.remove("ownerReferences");
      else meta.set("ownerReferences", kept);
      return service.update(dependent.type(), dependent.namespace(), dependent.name(), updated,
          ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT);
    }

    private CompletionStage<?> removeFinalizers(StoredObject owner, Set<String> finalizers) {
      ObjectNode updated = owner.object().deepCopy();
      ArrayNode kept = Json.MAPPER.createArrayNode();
      for (JsonNode f : updated.path("metadata").path("finalizers")) {
        if (!finalizers.contains(f.asText())) kept.add(f);
      }
      ObjectNode meta = Json.object(updated, "metadata");
      if (kept.isEmpty()) meta.remove("finalizers");
      else meta.set("finalizers", kept);
      return service.update(owner.type(), owner.namespace(), owner.name(), updated, ObjectEntity.Scope.MAIN,
          WriteOptions.DEFAULT);
    }
  }

  /** Worth a look: it has owners, or it is an owner deleting with one of the collector's finalizers. */
  private static boolean interesting(ObjectNode object) {
    return object.path("metadata").path("ownerReferences").size() > 0
        || (isDeleting(object) && (hasFinalizer(object, ORPHAN) || hasFinalizer(object, FOREGROUND)));
  }

  private static Set<String> ownerUids(ObjectNode object) {
    Set<String> uids = new LinkedHashSet<>();
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) uids.add(ref.path("uid").asText());
    return uids;
  }

  /** The owners an object names; type is null for a kind Drover does not serve. */
  private static List<Ref> ownerRefsOf(ObjectNode object, String namespace) {
    List<Ref> refs = new ArrayList<>();
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
      ResourceType type = ResourceRegistry.byKind(ref.path("apiVersion").asText(), ref.path("kind").asText())
          .orElse(null);
      String ns = type != null && !type.namespaced() ? "" : namespace;
      refs.add(new Ref(type, ns, ref.path("name").asText(), ref.path("uid").asText()));
    }
    return refs;
  }

  private static boolean isDeleting(ObjectNode object) {
    return Json.text(object, "metadata.deletionTimestamp") != null;
  }

  private static boolean hasFinalizer(ObjectNode object, String finalizer) {
    for (JsonNode f : object.path("metadata").path("finalizers")) {
      if (f.asText().equals(finalizer)) return true;
    }
    return false;
  }
}
