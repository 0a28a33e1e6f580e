package io.drover.control.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of one member: every object's latest state and a window of recent changes, fed by the journal's
 * single tagged event stream in journal order. The journal ordering of an event is the object's
 * resourceVersion, so versions are global, monotonic and comparable across objects and members (they share one
 * journal), and a watch from version V is "every event with ordering > V", exactly once and in order.
 *
 * <p>All state is guarded by this object's monitor; {@link #apply} runs on the stream, readers copy what they
 * need under the monitor and work on the copy outside it.
 */
public final class ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(ObjectStore.class);

  /** A consistent read: the items and the resourceVersion they are current at. */
  public record Snapshot(List<StoredObject> items, long resourceVersion) {}

  /** A subscription's filter; it sees both the new and previous state of each change. */
  private record Watcher(Predicate<StoredObject> filter, BoundedSourceQueue<WatchEvent> queue) {}

  private record VersionWaiter(long entityVersion, CompletableFuture<StoredObject> done) {}

  private record PositionWaiter(long position, CompletableFuture<Long> done) {}

  private final int windowCapacity;
  private final int watcherBuffer;

  private final Map<ResourceType, TreeMap<String, StoredObject>> objects = new HashMap<>();
  /** Latest applied entity version per object key, including deleted objects (writers wait on it). */
  private final Map<String, Long> appliedVersions = new HashMap<>();
  /**
   * The last state of recently deleted objects, so a writer that waits for its delete after the read side applied
   * it still answers the object with the deletion's resourceVersion. Bounded: the oldest are forgotten.
   */
  private final Map<String, StoredObject> recentlyDeleted = new java.util.LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, StoredObject> eldest) {
      return size() > RECENTLY_DELETED_CAPACITY;
    }
  };
  private static final int RECENTLY_DELETED_CAPACITY = 4096;
  private final ArrayDeque<WatchEvent> window = new ArrayDeque<>();
  /** Changes after this version are all in the window. */
  private long windowStart = 0;
  private long position = 0;
  private final List<Watcher> watchers = new ArrayList<>();
  private final Map<String, List<VersionWaiter>> versionWaiters = new HashMap<>();
  private final List<PositionWaiter> positionWaiters = new ArrayList<>();
  private final CompletableFuture<Done> ready = new CompletableFuture<>();
  private volatile JournalTail tail;
  /** Runs writers' continuations, so they never run on the journal stream or under this object's lock. */
  private volatile Executor executor = Runnable::run;

  public ObjectStore(int windowCapacity, int watcherBuffer) {
    this.windowCapacity = windowCapacity;
    this.watcherBuffer = watcherBuffer;
    for (ResourceType type : ResourceRegistry.ALL) {
      objects.put(type, new TreeMap<>());
    }
  }

  /**
   * Replays the journal, then follows it ({@link JournalTail}). {@link #ready()} completes once the journal as it was
   * at the start is applied; the tail stops when the actor system terminates.
   */
  public void start(ActorSystem<?> system) {
    executor = system.executionContext();
    JournalTail started = JournalTail.of(system, new JournalTail.Target() {
      @Override
      public void apply(String persistenceId, long entityVersion, long ordering, ObjectEntity.Event event) {
        ObjectStore.this.apply(persistenceId, entityVersion, ordering, event);
      }

      @Override
      public void advance(long ordering) {
        ObjectStore.this.advance(ordering);
      }

      @Override
      public long position() {
        return ObjectStore.this.position();
      }
    }, ObjectEntity.ENTITY_TYPE_KEY.name() + "|");
    tail = started;
    started.caughtUp().whenComplete((done, error) -> {
      log.info("read side replayed the journal up to resourceVersion {}", position());
      ready.complete(Done.getInstance());
    });
    system.getWhenTerminated().whenComplete((done, error) -> started.stop());
    started.start();
  }

  /** A write of this member completed: read the journal now rather than at the next poll. */
  public void poke() {
    JournalTail current = tail;
    if (current != null) current.poke();
  }

  /** The read side's state, for a log line when a writer waited too long for its event. */
  public String describeReadSide() {
    JournalTail current = tail;
    // Without this monitor: a read side stuck behind it must still be described.
    return "journal tail: " + (current == null ? "none" : current.describe());
  }

  public CompletionStage<Done> ready() {
    return ready;
  }

  public boolean isReady() {
    return ready.isDone() && !ready.isCompletedExceptionally();
  }

  /** Applies one journal event, then wakes the writers waiting for it; visible for tests. */
  void apply(String persistenceId, long entityVersion, long ordering, ObjectEntity.Event event) {
    List<Runnable> wakeUps = applyLocked(persistenceId, entityVersion, ordering, event);
    for (Runnable wakeUp : wakeUps) {
      executor.execute(wakeUp);
    }
  }

  /** A journal event that is not an object's (another entity type's): only the position moves past it. */
  void advance(long ordering) {
    List<Runnable> wakeUps = new ArrayList<>();
    synchronized (this) {
      if (ordering <= position) return;
      position = ordering;
      positionWaiters.removeIf(w -> {
        if (w.position() <= ordering) {
          wakeUps.add(() -> w.done().complete(ordering));
          return true;
        }
        return false;
      });
    }
    for (Runnable wakeUp : wakeUps) executor.execute(wakeUp);
  }

  private synchronized List<Runnable> applyLocked(String persistenceId, long entityVersion, long ordering,
      ObjectEntity.Event event) {
    List<Runnable> wakeUps = new ArrayList<>();
    if (ordering <= position) {
      return wakeUps; // already applied (a restarted stream may repeat its last event)
    }
    String key = ObjectEntity.objectKeyOf(persistenceId);
    ResourceType type = ResourceRegistry.byKey(key).orElse(null);
    position = ordering;
    if (type == null) {
      log.warn("skipping event of unknown kind {}", key);
      return wakeUps;
    }
    String[] parts = key.split("/", 4);
    String namespace = parts[2];
    String name = parts[3];
    ObjectNode object = event.object().deepCopy();
    Json.object(object, "metadata").put("resourceVersion", Long.toString(ordering));
    object.put("apiVersion", type.apiVersion());
    object.put("kind", type.kind());
    StoredObject stored = new StoredObject(type, namespace, name, object, ordering, entityVersion);
    TreeMap<String, StoredObject> byName = objects.get(type);
    String mapKey = namespace + "/" + name;
    StoredObject previous = event instanceof ObjectEntity.Deleted
        ? byName.remove(mapKey) : byName.put(mapKey, stored);
    WatchEvent.Type kind = event instanceof ObjectEntity.Deleted ? WatchEvent.Type.DELETED
        : previous == null ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED;
    WatchEvent change = WatchEvent.change(kind, stored, previous);

    window.addLast(change);
    while (window.size() > windowCapacity) {
      windowStart = window.removeFirst().resourceVersion();
    }
    appliedVersions.put(key, entityVersion);
    if (event instanceof ObjectEntity.Deleted) {
      recentlyDeleted.put(key, stored);
    } else {
      recentlyDeleted.remove(key);
    }
    for (Watcher watcher : List.copyOf(watchers)) {
      deliver(watcher, change);
    }
    List<VersionWaiter> waiting = versionWaiters.get(key);
    if (waiting != null) {
      waiting.removeIf(w -> {
        if (w.entityVersion() <= entityVersion) {
          wakeUps.add(() -> w.done().complete(stored));
          return true;
        }
        return false;
      });
      if (waiting.isEmpty()) versionWaiters.remove(key);
    }
    positionWaiters.removeIf(w -> {
      if (w.position() <= ordering) {
        wakeUps.add(() -> w.done().complete(ordering));
        return true;
      }
      return false;
    });
    return wakeUps;
  }

  /** The newest resourceVersion applied. */
  public synchronized long position() {
    return position;
  }

  /** How many objects of a type there are (for metrics). */
  public synchronized int count(ResourceType type) {
    return objects.get(type).size();
  }

  public synchronized Optional<StoredObject> get(ResourceType type, String namespace, String name) {
    return Optional.ofNullable(objects.get(type).get((type.namespaced() ? namespace : "") + "/" + name));
  }

  /** Objects of a type, sorted by namespace and name; namespace null lists all namespaces. */
  public synchronized Snapshot list(ResourceType type, String namespace) {
    TreeMap<String, StoredObject> byName = objects.get(type);
    List<StoredObject> items = type.namespaced() && namespace != null
        ? new ArrayList<>(byName.subMap(namespace + "/", namespace + "/\uffff").values())
        : new ArrayList<>(byName.values());
    return new Snapshot(items, position);
  }

  /**
   * Completes once the read side has applied this entity version of the object: with the object as that event
   * left it (a deletion gives the last state), or, when it was applied earlier, as it is now (a recent deletion
   * still gives that last state; null if gone long ago).
   */
  public synchronized CompletionStage<StoredObject> awaitEntityVersion(String objectKey, long entityVersion) {
    Long applied = appliedVersions.get(objectKey);
    if (applied != null && applied >= entityVersion) {
      ResourceType type = ResourceRegistry.byKey(objectKey).orElseThrow();
      String[] parts = objectKey.split("/", 4);
      StoredObject now = objects.get(type).get(parts[2] + "/" + parts[3]);
      if (now == null) {
        StoredObject deleted = recentlyDeleted.get(objectKey);
        if (deleted != null && deleted.entityVersion() >= entityVersion) now = deleted;
      }
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<StoredObject> done = new CompletableFuture<>();
    versionWaiters.computeIfAbsent(objectKey, k -> new ArrayList<>()).add(new VersionWaiter(entityVersion, done));
    return done;
  }

  /** Completes once the read side has reached resourceVersion {@code version} (e.g. one another member gave out). */
  public synchronized CompletionStage<Long> awaitPosition(long version) {
    if (position >= version) {
      return CompletableFuture.completedFuture(position);
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    positionWaiters.add(new PositionWaiter(version, done));
    return done;
  }

  /**
   * Every change after {@code fromVersion} that the filter selects, then live changes. With
   * {@code fromVersion} null, starts with ADDED for every selected object as of now (Kubernetes' "0" and unset).
   * Throws 410 Gone when changes after fromVersion are no longer retained.
   */
  public synchronized Source<WatchEvent, NotUsed> watch(Long fromVersion, Predicate<StoredObject> filter,
      boolean markInitialEventsEnd, ActorSystem<?> system) {
    List<WatchEvent> initial = new ArrayList<>();
    if (fromVersion == null) {
      for (TreeMap<String, StoredObject> byName : objects.values()) {
        for (StoredObject object : byName.values()) {
          if (filter.test(object)) initial.add(WatchEvent.change(WatchEvent.Type.ADDED, object, null));
        }
      }
    } else {
      if (fromVersion < windowStart) {
        throw ApiException.gone("too old resource version: " + fromVersion + " (" + windowStart + ")");
      }
      for (WatchEvent change : window) {
        if (change.resourceVersion() > fromVersion) {
          WatchEvent selected = select(filter, change);
          if (selected != null) initial.add(selected);
        }
      }
    }
    if (fromVersion == null && markInitialEventsEnd) {
      initial.add(WatchEvent.bookmark(position, true));
    }
    Pair<BoundedSourceQueue<WatchEvent>, Source<WatchEvent, NotUsed>> queued =
        Source.<WatchEvent>queue(initial.size() + watcherBuffer).preMaterialize(system);
    BoundedSourceQueue<WatchEvent> queue = queued.first();
    initial.forEach(queue::offer);
    Watcher watcher = new Watcher(filter, queue);
    watchers.add(watcher);
    return queued.second().watchTermination((notUsed, done) -> {
      done.whenComplete((d, e) -> unsubscribe(watcher));
      return NotUsed.getInstance();
    });
  }

  /**
   * For Drover's own controllers: every change the filter selects, starting with ADDED for the current objects,
   * for as long as the returned switch is not shut down. When the watch ends (the subscriber fell behind) it
   * resumes from the last version seen, or starts over from the current objects when that is no longer retained.
   * Bookmarks are not passed on.
   */
  public org.apache.pekko.stream.UniqueKillSwitch follow(Predicate<StoredObject> filter,
      java.util.function.Consumer<WatchEvent> onEvent, ActorSystem<?> system) {
    long[] last = {-1};
    return RestartSource.withBackoff(RestartSettings.create(Duration.ofMillis(50), Duration.ofSeconds(2), 0.2)
                .withMaxRestarts(Integer.MAX_VALUE, Duration.ofMinutes(1)),
            () -> {
              Long from = last[0] < 0 ? null : last[0];
              try {
                return watch(from, filter, false, system);
              } catch (ApiException gone) {
                last[0] = -1;
                return watch(null, filter, false, system);
              }
            })
        .filter(e -> e.type() != WatchEvent.Type.BOOKMARK)
        .map(e -> {
          last[0] = e.resourceVersion();
          return e;
        })
        .viaMat(org.apache.pekko.stream.KillSwitches.single(), org.apache.pekko.stream.javadsl.Keep.right())
        .to(Sink.foreach(onEvent::accept))
        .run(system);
  }

  /** Tells every watcher that all changes up to now were delivered (sent to clients that allow bookmarks). */
  public synchronized void bookmark() {
    WatchEvent bookmark = WatchEvent.bookmark(position, false);
    for (Watcher watcher : List.copyOf(watchers)) {
      deliver(watcher, bookmark);
    }
  }

  /** Ends every watch stream cleanly (at shutdown, before the API unbinds); clients re-watch elsewhere. */
  public synchronized void closeWatches() {
    for (Watcher watcher : List.copyOf(watchers)) {
      watcher.queue().complete();
    }
    watchers.clear();
  }

  private synchronized void unsubscribe(Watcher watcher) {
    watchers.remove(watcher);
  }

  private void deliver(Watcher watcher, WatchEvent change) {
    WatchEvent selected = select(watcher.filter(), change);
    if (selected == null) return;
    QueueOfferResult result = watcher.queue().offer(selected);
    if (result != QueueOfferResult.enqueued()) {
      // Too far behind (or gone): end its stream; the client re-watches from its last version.
      watchers.remove(watcher);
      try {
        watcher.queue().complete();
      } catch (IllegalStateException alreadyClosed) {
        // its stream ended first (the client went away): nothing to end, and the other watchers must still get
        // this change (a throw here used to abort the apply half-way)
      }
    }
  }

  /** How a change looks through a selector: entering it is ADDED, leaving it is DELETED. */
  private static WatchEvent select(Predicate<StoredObject> filter, WatchEvent change) {
    if (change.type() == WatchEvent.Type.BOOKMARK) return change;
    boolean now = filter.test(change.object());
    boolean before = change.previous() != null && filter.test(change.previous());
    return switch (change.type()) {
      case ADDED, DELETED -> now ? change : null;
      case MODIFIED -> now && before ? change
          : now ? WatchEvent.change(WatchEvent.Type.ADDED, change.object(), change.previous())
          : before ? WatchEvent.change(WatchEvent.Type.DELETED, change.object(), change.previous())
          : null;
      default -> change;
    };
  }
}
