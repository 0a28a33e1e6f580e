package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.event.EventRecorder;
import io.drover.control.metrics.DroverMetrics;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.stream.UniqueKillSwitch;

/**
 * One member's scheduler: takes the unscheduled pods it owns, runs a scheduling cycle ({@link Scheduler}) on a
 * snapshot of nodes and pods, asks the chosen node's {@link NodeAllocationEntity} to reserve the pod's requests
 * (the next best node when it refuses), then binds the pod. Several schedulers run at once; the allocation
 * entities make that safe. A pod that fits nowhere is marked Unschedulable with the reasons and retried with
 * back-off, and at once when nodes change or pods go away.
 */
public final class SchedulerActor {
  private SchedulerActor() {}

  public static final String NAME = "default-scheduler";

  /** How long a scheduler trusts its view of the nodes before reading them again. */
  static final Duration SNAPSHOT_MAX_AGE = Duration.ofSeconds(2);

  /** Knobs from drover.scheduler; see config/application.conf. */
  public record Settings(int maxInFlight, Duration initialBackoff, Duration maxBackoff, Duration tick) {}

  public sealed interface Command {}

  private record PodEvent(WatchEvent event) implements Command {}

  private record NodeEvent(WatchEvent event) implements Command {}

  private record Tick() implements Command {}

  private record CycleDone(String podKey, Outcome outcome, long startedNanos) implements Command {}

  /** How one scheduling attempt ended. */
  private sealed interface Outcome {}

  private record Bound(String node, ObjectNode pod) implements Outcome {}

  private record Unschedulable(String message) implements Outcome {}

  /** Nothing to do (gone, already bound, not ours); or try again soon (every reservation was refused). */
  private record Skipped(boolean retry) implements Outcome {}

  /**
   * @param ownsPod whether this member schedules a pod (the pods are partitioned among the schedulers)
   */
  public static Behavior<Command> create(ObjectService service, Settings settings, EventRecorder events,
      java.util.function.Predicate<String> ownsPod, Clock clock) {
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), settings.tick());
      ObjectStore store = service.store();
      ActorRef<Command> self = ctx.getSelf();
      List<UniqueKillSwitch> follows = List.of(
          store.follow(o -> o.type() == ResourceRegistry.POD, e -> self.tell(new PodEvent(e)), ctx.getSystem()),
          store.follow(o -> o.type() == ResourceRegistry.NODE, e -> self.tell(new NodeEvent(e)), ctx.getSystem()));
      return new Running(ctx, service, settings, events, ownsPod, clock).behavior(follows);
    }))).onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  private static final class Running {
    private final ActorContext<Command> ctx;
    private final ObjectService service;
    private final ObjectStore store;
    private final ClusterSharding sharding;
    private final Settings settings;
    private final EventRecorder events;
    private final java.util.function.Predicate<String> ownsPod;
    private final Clock clock;
    private final Duration askTimeout = Duration.ofSeconds(10);
    private final VolumeBinding.Lookup volumes;
    private final DroverMetrics metrics;

    /** Pods waiting for a cycle, in arrival order. */
    private final LinkedHashSet<String> ready = new LinkedHashSet<>();
    /** Pods that did not fit, with when to try again. */
    private final Map<String, Instant> backoff = new HashMap<>();
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Set<String> inFlight = new HashSet<>();
    /** The last Unschedulable message per pod, so an unchanged verdict is not written (or evented) again. */
    private final Map<String, String> lastVerdict = new HashMap<>();
    /**
     * The nodes and their pods as this scheduler last read them, kept current with its own bindings, and read
     * again when nodes change, pods go away, or it is older than SNAPSHOT_MAX_AGE (bindings by other schedulers).
     * A stale view is safe: the allocation entities refuse what no longer fits. Confined to the actor.
     */
    private Map<String, NodeInfo> snapshot;
    private Instant snapshotAt = Instant.EPOCH;
    /**
     * Pods in flight, assumed on the node their cycle chose (as kube-scheduler's cache assumes them), so the
     * cycles dispatched right after see them: otherwise a burst of a ReplicaSet's pods all scores the same
     * snapshot and can land on one node. Key: pod key; value: the assumed node and the pod.
     */
    private final Map<String, Map.Entry<String, ObjectNode>> assumed = new HashMap<>();

    Running(ActorContext<Command> ctx, ObjectService service, Settings settings, EventRecorder events,
        java.util.function.Predicate<String> ownsPod, Clock clock) {
      this.ctx = ctx;
      this.service = service;
      this.store = service.store();
      this.sharding = ClusterSharding.get(ctx.getSystem());
      this.settings = settings;
      this.events = events;
      this.ownsPod = ownsPod;
      this.clock = clock;
      this.metrics = DroverMetrics.get(ctx.getSystem());
      this.volumes = new VolumeBinding.Lookup() {
        @Override
        public java.util.Optional<JsonNode> claim(String namespace, String name) {
          return store.get(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, namespace, name).map(StoredObject::object);
        }

        @Override
        public java.util.Optional<JsonNode> volume(String name) {
          return store.get(ResourceRegistry.PERSISTENT_VOLUME, "", name).map(StoredObject::object);
        }

        @Override
        public java.util.Optional<JsonNode> storageClass(String name) {
          return store.get(ResourceRegistry.STORAGE_CLASS, "", name).map(StoredObject::object);
        }
      };
    }

    Behavior<Command> behavior(List<UniqueKillSwitch> follows) {
      return Behaviors.receive(Command.class)
          .onSignal(PreRestart.class, signal -> {
            follows.forEach(UniqueKillSwitch::shutdown);
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            follows.forEach(UniqueKillSwitch::shutdown);
            return Behaviors.same();
          })
          .onMessage(PodEvent.class, this::onPodEvent)
          .onMessage(NodeEvent.class, e -> {
            WatchEvent event = e.event();
            if (event.type() == WatchEvent.Type.MODIFIED && event.previous() != null
                && schedulingView(event.previous().object()).equals(schedulingView(event.object().object()))) {
              // A heartbeat: nothing a pod's fit depends on changed. Thousands of nodes send one every few
              // seconds, so reading every node and pod again for each would be the scheduler's whole work.
              NodeInfo node = snapshot == null ? null : snapshot.get(event.object().name());
              if (node != null) snapshot.put(node.name(), node.withNode(event.object().object()));
              return Behaviors.same();
            }
            snapshot = null;
            retryAllNow(); // a node joined or changed: pods that did not fit may fit now
            return dispatch();
          })
          .onMessage(Tick.class, t -> {
            Instant now = clock.instant();
            backoff.entrySet().removeIf(e -> {
              if (e.getValue().isAfter(now)) return false;
              ready.add(e.getKey());
              return true;
            });
            return dispatch();
          })
          .onMessage(CycleDone.class, this::onCycleDone)
          .build();
    }

    private Behavior<Command> onPodEvent(PodEvent message) {
      WatchEvent event = message.event();
      StoredObject pod = event.object();
      String key = pod.key();
      boolean gone = event.type() == WatchEvent.Type.DELETED || isFinished(pod.object());
      if (gone) {
        ready.remove(key);
        backoff.remove(key);
        attempts.remove(key);
        lastVerdict.remove(key);
        String node = Json.text(pod.object(), "spec.nodeName");
        if (node != null && !node.isEmpty() && ownsPod.test(key)) {
          release(node, key);
        }
        if (event.type() == WatchEvent.Type.DELETED) {
          NodeInfo info = node == null || snapshot == null ? null : snapshot.get(node);
          if (info != null) {
            // The room is free in the snapshot at once, without reading every node and pod again.
            snapshot.put(node, info.withoutPod(PodInfo.of(pod.object()).key()));
          }
          retryAllNow(); // room was freed
        }
      } else if (needsScheduling(pod.object()) && ownsPod.test(key)) {
        if (!backoff.containsKey(key)) ready.add(key);
      }
      return dispatch();
    }

    private Behavior<Command> onCycleDone(CycleDone done) {
      inFlight.remove(done.podKey());
      Outcome outcome = done.outcome();
      forget(done.podKey());
      if (!(outcome instanceof Skipped s && !s.retry())) { // "nothing to do" was no attempt
        metrics.schedulingAttempt(outcome instanceof Bound ? "scheduled"
            : outcome instanceof Unschedulable ? "unschedulable" : "error", done.startedNanos());
      }
      if (outcome instanceof Bound bound) addToSnapshot(bound.node(), bound.pod());
      if (outcome instanceof Unschedulable || (outcome instanceof Skipped s && s.retry())) {
        int attempt = attempts.merge(done.podKey(), 1, Integer::sum);
        long factor = 1L << Math.min(attempt - 1, 20);
        Duration wait = settings.initialBackoff().multipliedBy(factor);
        if (wait.compareTo(settings.maxBackoff()) > 0) wait = settings.maxBackoff();
        backoff.put(done.podKey(), clock.instant().plus(wait));
      } else {
        attempts.remove(done.podKey());
        lastVerdict.remove(done.podKey());
      }
      return dispatch();
    }

    private void retryAllNow() {
      ready.addAll(backoff.keySet());
      backoff.clear();
    }

    private Behavior<Command> dispatch() {
      var it = ready.iterator();
      while (inFlight.size() < settings.maxInFlight() && it.hasNext()) {
        String key = it.next();
        it.remove();
        if (inFlight.contains(key)) continue;
        inFlight.add(key);
        long started = System.nanoTime();
        ctx.pipeToSelf(cycle(key), (outcome, error) -> new CycleDone(key,
            error == null ? outcome : new Skipped(true), started));
      }
      return Behaviors.same();
    }

    /** One scheduling attempt for a pod, off the actor: filter and score, reserve, bind. */
    private CompletionStage<Outcome> cycle(String podKey) {
      String[] parts = podKey.split("/", 4);
      StoredObject stored = store.get(ResourceRegistry.POD, parts[2], parts[3]).orElse(null);
      if (stored == null || !needsScheduling(stored.object())) {
        return CompletableFuture.completedFuture(new Skipped(false));
      }
      ObjectNode pod = stored.object();
      ScheduleResult result = Scheduler.schedule(pod, nodeInfos(), Profile.defaults(volumes));
      if (result.rankedNodes().isEmpty()) {
        return markUnschedulable(stored, result.failureMessage());
      }
      assume(podKey, result.rankedNodes().get(0), pod);
      return reserveAndBind(stored, result.rankedNodes(), 0, result);
    }

    private CompletionStage<Outcome> reserveAndBind(StoredObject pod, List<String> ranked, int index,
        ScheduleResult result) {
      if (index >= ranked.size() || index >= 5) {
        return CompletableFuture.completedFuture(new Skipped(true));
      }
      String node = ranked.get(index);
      NodeAllocationEntity.Reservation reservation = reservationOf(pod);
      return sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, node)
          .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.Reserve(reservation, r), askTimeout)
          .thenComposeAsync(reply -> {
            if (reply instanceof NodeAllocationEntity.Refused) {
              return reserveAndBind(pod, ranked, index + 1, result); // someone else took the room first
            }
            java.util.concurrent.atomic.AtomicBoolean claimsSelected = new java.util.concurrent.atomic.AtomicBoolean();
            return selectNode(pod.object(), node).thenCompose(v -> {
              claimsSelected.set(true);
              return service.bind(pod.namespace(), pod.name(), node);
            }).handle((bound, error) -> {
              if (error != null) {
                // Bound meanwhile by another scheduler, or gone; or a claim changed: try again. The room is given
                // back only if the pod is not bound to this very node: another scheduler that won the race here
                // holds the same reservation (a reservation is the pod's, not the scheduler's).
                releaseUnlessBoundThere(node, pod);
                return (Outcome) new Skipped(!claimsSelected.get());
              }
              events.normal(bound.object(), "Scheduled", "Successfully assigned " + pod.namespace() + "/"
                  + pod.name() + " to " + node);
              return (Outcome) new Bound(node, pod.object());
            });
          }, ctx.getExecutionContext());
    }

    /**
     * Volume binding's PreBind: each unbound WaitForFirstConsumer claim is annotated with the chosen node, whose
     * agent then provisions the volume (the pod waits on its node until the claim is bound).
     */
    private CompletionStage<Void> selectNode(ObjectNode pod, String node) {
      CompletableFuture<?>[] writes = VolumeBinding.claimsToProvision(pod, volumes).stream().map(claim -> {
        ObjectNode updated = claim.deepCopy();
        Json.object(Json.object(updated, "metadata"), "annotations").put(VolumeBinding.SELECTED_NODE, node);
        return service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, Json.text(claim, "metadata.namespace"),
            Json.text(claim, "metadata.name"), updated, ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)
            .toCompletableFuture();
      }).toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(writes);
    }

    private CompletionStage<Outcome> markUnschedulable(StoredObject pod, String message) {
      Outcome outcome = new Unschedulable(message);
      if (message.equals(lastVerdict.get(pod.key()))) {
        return CompletableFuture.completedFuture(outcome);
      }
      lastVerdict.put(pod.key(), message);
      events.warning(pod.object(), "FailedScheduling", message);
      ObjectNode updated = pod.object().deepCopy();
      ObjectNode status = Json.object(updated, "status");
      ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
      for (int i = conditions.size() - 1; i >= 0; i--) {
        if ("PodScheduled".equals(conditions.get(i).path("type").asText())) conditions.remove(i);
      }
      conditions.addObject().put("type", "PodScheduled").put("status", "False").putNull("lastProbeTime")
          .put("lastTransitionTime", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
          .put("reason", "Unschedulable").put("message", message);
      Json.object(updated, "metadata").remove("resourceVersion");
      return service.update(ResourceRegistry.POD, pod.namespace(), pod.name(), updated, ObjectEntity.Scope.STATUS,
              WriteOptions.DEFAULT)
          .handle((ok, error) -> outcome);
    }

    private List<NodeInfo> nodeInfos() {
      Instant now = clock.instant();
      if (snapshot == null || Duration.between(snapshotAt, now).compareTo(SNAPSHOT_MAX_AGE) > 0) {
        snapshot = new java.util.LinkedHashMap<>();
        for (NodeInfo node : readNodeInfos()) snapshot.put(node.name(), node);
        snapshotAt = now;
        // A fresh read does not hold the pods still in flight: assume them again.
        assumed.forEach((podKey, placed) -> addToSnapshot(placed.getKey(), placed.getValue()));
      }
      return new ArrayList<>(snapshot.values());
    }

    private void assume(String podKey, String node, ObjectNode pod) {
      assumed.put(podKey, Map.entry(node, pod));
      addToSnapshot(node, pod);
    }

    /** The cycle ended: its assumption goes; a binding, if any, is added by the caller. */
    private void forget(String podKey) {
      Map.Entry<String, ObjectNode> placed = assumed.remove(podKey);
      if (placed == null || snapshot == null) return;
      NodeInfo node = snapshot.get(placed.getKey());
      if (node != null) snapshot.put(placed.getKey(), node.withoutPod(PodInfo.of(placed.getValue()).key()));
    }

    private void addToSnapshot(String nodeName, ObjectNode pod) {
      NodeInfo node = snapshot == null ? null : snapshot.get(nodeName);
      if (node == null) return;
      String key = PodInfo.of(pod).key();
      // Never twice: a fresh read may already hold the pod bound.
      snapshot.put(nodeName, node.withoutPod(key).withPod(pod));
    }

    private List<NodeInfo> readNodeInfos() {
      Map<String, List<ObjectNode>> podsByNode = new HashMap<>();
      for (StoredObject pod : store.list(ResourceRegistry.POD, null).items()) {
        String node = Json.text(pod.object(), "spec.nodeName");
        if (node != null && !node.isEmpty() && !isFinished(pod.object())) {
          podsByNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod.object());
        }
      }
      List<NodeInfo> nodes = new ArrayList<>();
      for (StoredObject node : store.list(ResourceRegistry.NODE, null).items()) {
        nodes.add(new NodeInfo(node.object(), podsByNode.getOrDefault(node.name(), List.of())));
      }
      return nodes;
    }

    private void releaseUnlessBoundThere(String node, StoredObject pod) {
      service.current(ResourceRegistry.POD, pod.namespace(), pod.name()).whenComplete((current, error) -> {
        boolean boundThere = error == null && current.isPresent()
            && node.equals(Json.text(current.get(), "spec.nodeName"));
        // When the pod cannot be read, keep the reservation: a leaked one only leaves room unused (until the pod
        // goes), a wrongly released one would let the node be overcommitted.
        if (error == null && !boundThere) release(node, pod.key());
      });
    }

    private void release(String node, String podKey) {
      sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, node)
          .tell(new NodeAllocationEntity.Release(podKey, ctx.getSystem().ignoreRef()));
    }
  }

  /** What a pod holds on its node: its requests and host ports. */
  static NodeAllocationEntity.Reservation reservationOf(StoredObject pod) {
    Requests requests = Requests.of((ObjectNode) pod.object().get("spec"));
    List<String> hostPorts = new ArrayList<>();
    for (JsonNode container : pod.object().path("spec").path("containers")) {
      for (JsonNode port : container.path("ports")) {
        if (port.path("hostPort").asInt(0) > 0) {
          hostPorts.add(port.path("protocol").asText("TCP") + "/" + port.path("hostIP").asText("0.0.0.0") + "/"
              + port.path("hostPort").asInt());
        }
      }
    }
    return new NodeAllocationEntity.Reservation(pod.key(), requests.cpuMillis(), requests.memoryBytes(), hostPorts);
  }

  /**
   * What of a Node a pod's fit depends on: labels, spec (taints, unschedulable), allocatable and whether it is
   * Ready. A change anywhere else (heartbeat times, images, addresses) leaves every scheduling decision as it was.
   */
  static JsonNode schedulingView(ObjectNode node) {
    ObjectNode view = Json.MAPPER.createObjectNode();
    view.set("labels", node.path("metadata").path("labels"));
    view.set("spec", node.path("spec"));
    view.set("allocatable", node.path("status").path("allocatable"));
    for (JsonNode condition : node.path("status").path("conditions")) {
      if ("Ready".equals(condition.path("type").asText())) view.set("ready", condition.path("status"));
    }
    return view;
  }

  static boolean needsScheduling(ObjectNode pod) {
    String node = Json.text(pod, "spec.nodeName");
    String scheduler = Json.text(pod, "spec.schedulerName");
    return (node == null || node.isEmpty())
        && (scheduler == null || scheduler.equals(NAME))
        && Json.text(pod, "metadata.deletionTimestamp") == null
        && !isFinished(pod);
  }

  static boolean isFinished(ObjectNode pod) {
    String phase = Json.text(pod, "status.phase");
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

}
