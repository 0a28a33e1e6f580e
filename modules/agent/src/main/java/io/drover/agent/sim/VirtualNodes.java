package io.drover.agent.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.NodeRegistration;
import io.drover.agent.pod.ContainerObservation;
import io.drover.agent.pod.PodObservation;
import io.drover.agent.pod.PodStatusCalculator;
import io.drover.agent.pod.RestartBackoff;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.Isolation;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.stream.UniqueKillSwitch;

/**
 * Virtual node agents, the way KWOK fakes kubelets: thousands of Nodes in one actor, each registered and heartbeating
 * like a real agent (the same Node object and status as {@link NodeRegistration}, its capacity told to its
 * allocation entity), and each "running" the pods bound to it: after a start delay drawn from the {@link SimProfile}
 * the pod's status becomes what kubelet would write (computed by the real {@link PodStatusCalculator}), containers
 * crash and are restarted with back-off as the profile says, pods of Jobs finish, and a pod being deleted is
 * deleted for good as its kubelet would once its containers stopped.
 *
 * <p>Failures to inject: a crashed node stops heartbeating and stops touching its pods until restored (then it
 * restarts their containers, as a rebooted kubelet does); a node that loses heartbeats keeps running its pods but
 * its Node is no longer refreshed.
 *
 * <p>One actor for the whole fleet rather than one per node: a single pod subscription and one timer queue keep
 * the cost per node at a few objects, so 5,000 nodes fit in one JVM beside the control plane.
 */
public final class VirtualNodes {
  private VirtualNodes() {}

  /** How often due work (container starts, crashes, heartbeats) is looked at. */
  static final Duration TICK = Duration.ofMillis(20);
  /** How soon a failed status write or final delete is sent again. */
  static final Duration RETRY = Duration.ofSeconds(1);
  /** Registrations and deletes in flight at once, so a large fleet does not flood the entities. */
  static final int MAX_IN_FLIGHT = 64;

  /**
   * @param namePrefix nodes are named prefix-0 .. prefix-(count-1); pods bound to other nodes are not the fleet's
   * @param labels extra labels on every Node (besides hostname, os, arch)
   */
  public record Settings(String namePrefix, int count, int cpus, long memoryBytes, int maxPods,
      Map<String, String> labels, Duration heartbeatInterval, Duration restartBackoffInitial,
      Duration restartBackoffMax, SimProfile profile) {

    public Settings {
      if (count < 1 || cpus < 1 || memoryBytes < 1 || maxPods < 1) {
        throw new IllegalArgumentException("count, cpus, memory and max pods must be positive");
      }
      if (heartbeatInterval.compareTo(TICK) < 0) {
        throw new IllegalArgumentException("heartbeat interval must be at least " + TICK);
      }
      labels = Map.copyOf(labels);
    }

    /** 4 cpus, 16 GiB, 110 pods; heartbeat every 10 s; back-off 10 s to 5 min, as kubelet. */
    public static Settings of(String namePrefix, int count, SimProfile profile) {
      return new Settings(namePrefix, count, 4, 16L << 30, 110, Map.of(), Duration.ofSeconds(10),
          RestartBackoff.DEFAULT_INITIAL, RestartBackoff.DEFAULT_MAX, profile);
    }

    public Settings withCapacity(int newCpus, long newMemoryBytes, int newMaxPods) {
      return new Settings(namePrefix, count, newCpus, newMemoryBytes, newMaxPods, labels, heartbeatInterval,
          restartBackoffInitial, restartBackoffMax, profile);
    }

    public Settings withHeartbeatInterval(Duration interval) {
      return new Settings(namePrefix, count, cpus, memoryBytes, maxPods, labels, interval, restartBackoffInitial,
          restartBackoffMax, profile);
    }

    public Settings withRestartBackoff(Duration initial, Duration max) {
      return new Settings(namePrefix, count, cpus, memoryBytes, maxPods, labels, heartbeatInterval, initial, max,
          profile);
    }

    public String nodeName(int index) {
      return namePrefix + "-" + index;
    }
  }

  // --- protocol ---

  public sealed interface Command {}

  /** The nodes stop heartbeating and stop touching their pods (a machine that died). */
  public record Crash(Collection<String> nodes) implements Command {}

  /** The nodes stop heartbeating but keep running their pods (a kubelet cut off from the API for its Node only). */
  public record LoseHeartbeats(Collection<String> nodes) implements Command {}

  /** Crashed or silent nodes come back: heartbeats resume, a crashed node restarts its pods' containers. */
  public record Restore(Collection<String> nodes) implements Command {}

  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /**
   * What the fleet did so far. {@code registered}: nodes created (or found) with their capacity told to their
   * allocation entity; {@code podsRunning}: pods whose containers run now; {@code starts}: container starts
   * (restarts included); {@code finalized}: pods deleted for good after their deletion was asked for.
   */
  public record Stats(int nodes, int registered, int registrationFailures, long heartbeats, long heartbeatFailures,
      int podsKnown, int podsRunning, long starts, long crashes, long finished, long finalized,
      long statusWrites, long statusWriteFailures, int crashedNodes, int silentNodes) {}

  private record PodEvent(WatchEvent event) implements Command {}

  private record Tick() implements Command {}

  private record Registered(String node, boolean ok) implements Command {}

  /** A pod status write failed (a timeout while an entity moved, say): written again, as kubelet's sync does. */
  private record StatusFailed(String uid) implements Command {}

  /** The final delete of a pod failed: sent again a little later. */
  private record DeleteFailed(ObjectNode pod) implements Command {}

  private record RetryDelete(ObjectNode pod) implements Command {}

  // --- behaviour ---

  public static Behavior<Command> create(ObjectService service, Settings settings, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Fleet(ctx, timers, service, settings, clock)
        .start()));
  }

  /** What a node does now. */
  private enum NodeMode { UP, CRASHED, SILENT }

  private static final class VirtualNode {
    final int index;
    final String name;
    final boolean slow;
    final NodeRegistration.Machine machine;
    NodeMode mode = NodeMode.UP;
    boolean registered;
    int nextPodAddress;

    VirtualNode(int index, String name, boolean slow, NodeRegistration.Machine machine) {
      this.index = index;
      this.name = name;
      this.slow = slow;
      this.machine = machine;
    }

    /** 10.64.0.0/10 split in /24s, one per node (up to 16,384 nodes), host part 1..254. */
    String nextPodIp() {
      int host = 1 + (nextPodAddress++ % 254);
      return "10." + (64 + (index >> 8)) + "." + (index & 255) + "." + host;
    }

    String internalIp() {
      return machine.internalIp();
    }
  }

  /** One pod on a virtual node: its containers' current and previous attempts. */
  private static final class VirtualPod {
    final String uid;
    final String namespace;
    final String name;
    final VirtualNode node;
    ObjectNode pod;
    String podIp;
    /** Bumped whenever the pod's plan changes, so queued work for an older plan is dropped. */
    long generation;
    final Map<String, ContainerState> current = new LinkedHashMap<>();
    final Map<String, ContainerState> previous = new HashMap<>();
    final Map<String, Integer> restarts = new HashMap<>();
    RestartBackoff backoff;
    boolean running;
    boolean done;
    boolean finalizing;

    VirtualPod(String uid, String namespace, String name, VirtualNode node, ObjectNode pod, RestartBackoff backoff) {
      this.uid = uid;
      this.namespace = namespace;
      this.name = name;
      this.node = node;
      this.pod = pod;
      this.backoff = backoff;
    }

    String restartPolicy() {
      return pod.path("spec").path("restartPolicy").asText("Always");
    }
  }

  private enum Work { START, CRASH, FINISH, STATUS }

  private record Due(long atNanos, String uid, long generation, Work work) {}

  private static final class Fleet {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ObjectService service;
    private final Settings settings;
    private final Clock clock;
    private final Random random;
    private final Map<String, VirtualNode> nodes = new LinkedHashMap<>();
    private final List<VirtualNode> byIndex = new ArrayList<>();
    private final Map<String, VirtualPod> pods = new HashMap<>();
    private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Isolation isolation = new Isolation(false, false, "virtual node: containers are simulated");
    private final AtomicLong heartbeatFailures = new AtomicLong();
    private final AtomicLong statusWriteFailures = new AtomicLong();
    private int registered;
    private int registrationFailures;
    private long heartbeats;
    private long starts;
    private long crashes;
    private long finished;
    private long finalized;
    private long statusWrites;
    /** Heartbeats are spread evenly: each tick refreshes the nodes of one slot. */
    private final int slots;
    private int slot;
    private UniqueKillSwitch follow;
    /** For replies from other threads: the context itself is only for the actor's own thread. */
    private final ActorRef<Command> self;
    private final ClusterSharding sharding;
    private final java.util.concurrent.Executor blocking;

    Fleet(ActorContext<Command> ctx, TimerScheduler<Command> timers, ObjectService service, Settings settings,
        Clock clock) {
      this.ctx = ctx;
      this.timers = timers;
      this.service = service;
      this.settings = settings;
      this.clock = clock;
      this.self = ctx.getSelf();
      this.sharding = ClusterSharding.get(ctx.getSystem());
      this.blocking = ctx.getSystem().dispatchers().lookup(org.apache.pekko.actor.typed.DispatcherSelector.blocking());
      this.random = new Random(settings.profile().seed());
      this.slots = (int) Math.max(1, settings.heartbeatInterval().toMillis() / TICK.toMillis());
      for (int i = 0; i < settings.count(); i++) {
        String name = settings.nodeName(i);
        NodeRegistration.Machine machine = new NodeRegistration.Machine(name, settings.cpus(),
            settings.memoryBytes(), 100L << 30, settings.maxPods(),
            "10." + (32 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255), 0, "linux", "amd64",
            "virtual", "Drover virtual node", "sim", List.of("worker"));
        VirtualNode node = new VirtualNode(i, name, settings.profile().slow(name), machine);
        nodes.put(name, node);
        byIndex.add(node);
      }
    }

    Behavior<Command> start() {
      java.util.Set<String> names = java.util.Set.copyOf(nodes.keySet()); // read on the store's stream
      follow = service.store().follow(o -> o.type() == ResourceRegistry.POD && onFleet(names, o.object()),
          e -> self.tell(new PodEvent(e)), ctx.getSystem());
      timers.startTimerWithFixedDelay(new Tick(), TICK);
      CompletableFuture.runAsync(this::registerAll, blocking); // waits for its permits: not on the actor
      return Behaviors.receive(Command.class)
          .onMessage(Tick.class, t -> onTick())
          .onMessage(PodEvent.class, e -> onPodEvent(e.event()))
          .onMessage(Registered.class, r -> {
            if (r.ok()) {
              nodes.get(r.node()).registered = true;
              registered++;
            } else {
              registrationFailures++;
            }
            return Behaviors.same();
          })
          .onMessage(StatusFailed.class, f -> {
            VirtualPod pod = pods.get(f.uid());
            if (pod != null) schedule(pod, RETRY, Work.STATUS);
            return Behaviors.same();
          })
          .onMessage(DeleteFailed.class, f -> {
            ctx.scheduleOnce(RETRY, self, new RetryDelete(f.pod()));
            return Behaviors.same();
          })
          .onMessage(RetryDelete.class, r -> {
            VirtualNode node = nodes.get(Json.text(r.pod(), "spec.nodeName"));
            if (node != null && node.mode != NodeMode.CRASHED) finalizeDelete(r.pod());
            return Behaviors.same();
          })
          .onMessage(Crash.class, c -> setMode(c.nodes(), NodeMode.CRASHED))
          .onMessage(LoseHeartbeats.class, c -> setMode(c.nodes(), NodeMode.SILENT))
          .onMessage(Restore.class, c -> restore(c.nodes()))
          .onMessage(GetStats.class, g -> {
            g.replyTo().tell(stats());
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            follow.shutdown();
            return Behaviors.same();
          })
          .build();
    }

    private static boolean onFleet(java.util.Set<String> names, JsonNode pod) {
      String node = Json.text(pod, "spec.nodeName");
      return node != null && names.contains(node); // Set.copyOf refuses contains(null)
    }

    // --- registration and heartbeats ---

    /** Off the actor: creates every Node and tells its allocation entity the capacity, a bounded number at once. */
    private void registerAll() {
      for (VirtualNode node : byIndex) {
        inFlight.acquireUninterruptibly();
        ObjectNode object = NodeRegistration.node(node.machine, isolation, null, clock.instant());
        ObjectNode labels = (ObjectNode) object.path("metadata").path("labels");
        labels.put("type", "virtual");
        settings.labels().forEach(labels::put);
        service.create(ResourceRegistry.NODE, null, object, WriteOptions.DEFAULT)
            .exceptionallyCompose(error -> {
              ApiException api = ObjectService.unwrap(error);
              return api != null && api.code() == 409 ? CompletableFuture.completedFuture(null)
                  : CompletableFuture.failedFuture(error);
            })
            .thenCompose(created -> sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, node.name)
                .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.SetCapacity(node.machine.capacity(), r),
                    Duration.ofSeconds(30)))
            .whenComplete((reply, error) -> {
              inFlight.release();
              self.tell(new Registered(node.name, error == null));
            });
      }
    }

    private void heartbeatSlot() {
      for (int i = slot; i < byIndex.size(); i += slots) {
        VirtualNode node = byIndex.get(i);
        if (node.registered && node.mode == NodeMode.UP) heartbeat(node);
      }
      slot = (slot + 1) % slots;
    }

    private void heartbeat(VirtualNode node) {
      ObjectNode previous = service.store().get(ResourceRegistry.NODE, "", node.name)
          .map(n -> n.object().get("status") instanceof ObjectNode s ? s : null).orElse(null);
      ObjectNode update = Json.MAPPER.createObjectNode();
      update.putObject("metadata").put("name", node.name);
      update.set("status", NodeRegistration.status(node.machine, isolation, null, clock.instant(), previous));
      heartbeats++;
      service.update(ResourceRegistry.NODE, null, node.name, update, ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)
          .whenComplete((r, e) -> {
            if (e != null) heartbeatFailures.incrementAndGet();
          });
    }

    // --- failure injection ---

    private Behavior<Command> setMode(Collection<String> names, NodeMode mode) {
      for (String name : names) {
        VirtualNode node = known(name);
        node.mode = mode;
        if (mode == NodeMode.CRASHED) {
          // Its containers die with it; nothing it had planned happens.
          for (VirtualPod pod : pods.values()) {
            if (pod.node == node) {
              pod.generation++;
              pod.running = false;
            }
          }
        }
      }
      return Behaviors.same();
    }

    private Behavior<Command> restore(Collection<String> names) {
      for (String name : names) {
        VirtualNode node = known(name);
        NodeMode was = node.mode;
        node.mode = NodeMode.UP;
        if (node.registered) heartbeat(node);
        if (was != NodeMode.CRASHED) continue;
        // A rebooted kubelet: its pods are gone from the machine; it lists what is bound to it and starts over.
        pods.values().removeIf(p -> p.node == node);
        for (StoredObject pod : service.store().list(ResourceRegistry.POD, null).items()) {
          if (name.equals(Json.text(pod.object(), "spec.nodeName"))) {
            onPod(pod.object(), node);
          }
        }
      }
      return Behaviors.same();
    }

    private VirtualNode known(String name) {
      VirtualNode node = nodes.get(name);
      if (node == null) throw new IllegalArgumentException("no virtual node " + name);
      return node;
    }

    // --- pods ---

    private Behavior<Command> onPodEvent(WatchEvent event) {
      ObjectNode object = event.object().object();
      VirtualNode node = nodes.get(Json.text(object, "spec.nodeName"));
      if (node == null) return Behaviors.same();
      String uid = Json.text(object, "metadata.uid");
      if (event.type() == WatchEvent.Type.DELETED) {
        VirtualPod gone = pods.remove(uid);
        if (gone != null && gone.running) gone.running = false;
        return Behaviors.same();
      }
      if (node.mode == NodeMode.CRASHED) return Behaviors.same();
      onPod(object, node);
      return Behaviors.same();
    }

    private void onPod(ObjectNode object, VirtualNode node) {
      String uid = Json.text(object, "metadata.uid");
      VirtualPod pod = pods.get(uid);
      boolean deleting = object.path("metadata").hasNonNull("deletionTimestamp");
      if (pod == null) {
        String phase = object.path("status").path("phase").asText("");
        if (phase.equals("Succeeded") || phase.equals("Failed")) {
          if (deleting) finalizeDelete(object);
          return; // nothing to run
        }
        pod = new VirtualPod(uid, Json.text(object, "metadata.namespace"), Json.text(object, "metadata.name"), node,
            object, RestartBackoff.of(settings.restartBackoffInitial(), settings.restartBackoffMax()));
        pod.podIp = node.nextPodIp();
        pods.put(uid, pod);
        if (!deleting) {
          schedule(pod, settings.profile().startDelay(random, node.slow), Work.START);
          return;
        }
      }
      pod.pod = object;
      if (deleting && !pod.finalizing) {
        // Stopping simulated containers takes no time: stop them and delete the pod for good, as kubelet does.
        pod.finalizing = true;
        pod.generation++;
        pod.running = false;
        finalizeDelete(object);
      }
    }

    private void finalizeDelete(ObjectNode object) {
      String namespace = Json.text(object, "metadata.namespace");
      String name = Json.text(object, "metadata.name");
      service.delete(ResourceRegistry.POD, namespace, name,
          new DeleteOptions(Json.text(object, "metadata.uid"), null, 0L, null, false))
          .whenComplete((r, e) -> {
            ApiException api = e == null ? null : ObjectService.unwrap(e);
            // 404: gone already, as wanted; 409: the uid precondition failed, another pod has the name now
            if (e != null && (api == null || (api.code() != 404 && api.code() != 409))) {
              statusWriteFailures.incrementAndGet();
              self.tell(new DeleteFailed(object));
            }
          });
      finalized++;
    }

    private void schedule(VirtualPod pod, Duration after, Work work) {
      due.add(new Due(System.nanoTime() + after.toNanos(), pod.uid, pod.generation, work));
    }

    private Behavior<Command> onTick() {
      heartbeatSlot();
      long now = System.nanoTime();
      while (!due.isEmpty() && due.peek().atNanos() <= now) {
        Due next = due.poll();
        VirtualPod pod = pods.get(next.uid());
        if (pod == null || pod.generation != next.generation() || pod.finalizing
            || pod.node.mode == NodeMode.CRASHED) {
          continue;
        }
        switch (next.work()) {
          case START -> startContainers(pod);
          case CRASH -> exitContainers(pod, 1, "Error");
          case FINISH -> exitContainers(pod, 0, "Completed");
          case STATUS -> writeStatus(pod);
        }
      }
      return Behaviors.same();
    }

    private void startContainers(VirtualPod pod) {
      Instant now = clock.instant();
      // Init containers ran to completion instantly; app containers start now.
      for (JsonNode init : pod.pod.path("spec").path("initContainers")) {
        String name = init.path("name").asText();
        pod.current.putIfAbsent(name, new ContainerState(pod.uid + "_" + name + "_0", pod.uid, name, 0,
            ContainerState.Status.EXITED, 0, now, now, 0, "Completed", null));
      }
      for (JsonNode container : pod.pod.path("spec").path("containers")) {
        String name = container.path("name").asText();
        ContainerState before = pod.current.get(name);
        if (before != null && before.running()) continue;
        int attempt = before == null ? 0 : before.attempt() + 1;
        if (before != null) pod.previous.put(name, before);
        pod.current.put(name, new ContainerState(pod.uid + "_" + name + "_" + attempt, pod.uid, name, attempt,
            ContainerState.Status.RUNNING, 0, now, null, null, null, null));
        starts++;
      }
      pod.running = true;
      pod.generation++;
      settings.profile().crashAfter(random).ifPresent(after -> schedule(pod, after, Work.CRASH));
      if (!pod.restartPolicy().equals("Always")) {
        schedule(pod, settings.profile().finishAfter(), Work.FINISH);
      }
      writeStatus(pod);
    }

    /** Every running container exits with this code; restarted with back-off where the restart policy says so. */
    private void exitContainers(VirtualPod pod, int exitCode, String reason) {
      Instant now = clock.instant();
      ContainerState last = null;
      for (Map.Entry<String, ContainerState> entry : List.copyOf(pod.current.entrySet())) {
        ContainerState c = entry.getValue();
        if (!c.running()) continue;
        last = new ContainerState(c.id(), c.podUid(), c.containerName(), c.attempt(), ContainerState.Status.EXITED,
            0, c.startedAt(), now, exitCode, reason, null);
        entry.setValue(last);
        if (exitCode != 0) crashes++;
      }
      pod.running = false;
      pod.generation++;
      RestartBackoff.Decision decision = last == null ? new RestartBackoff.DoNotRestart()
          : pod.backoff.decide(pod.restartPolicy(), last, now);
      if (decision instanceof RestartBackoff.DoNotRestart) {
        pod.done = true;
        finished++;
      } else {
        for (ContainerState c : pod.current.values()) {
          if (c.exitCode() != null && c.finishedAt() == now) pod.restarts.merge(c.containerName(), 1, Integer::sum);
        }
        Instant restartAt = decision instanceof RestartBackoff.Wait wait ? wait.until() : now;
        pod.backoff = pod.backoff.next(now, restartAt);
        schedule(pod, Duration.between(now, restartAt), Work.START);
      }
      writeStatus(pod);
    }

    private void writeStatus(VirtualPod pod) {
      Map<String, ContainerObservation> observed = new HashMap<>();
      for (ContainerState c : pod.current.values()) {
        observed.put(c.containerName(), new ContainerObservation(c.containerName(), c,
            pod.previous.get(c.containerName()), pod.restarts.getOrDefault(c.containerName(), 0), null, Map.of(),
            null, pod.backoff));
      }
      ObjectNode status = PodStatusCalculator.status(pod.pod,
          new PodObservation(observed, pod.podIp, pod.node.internalIp(), true, clock.instant()));
      ObjectNode update = Json.MAPPER.createObjectNode();
      update.putObject("metadata").put("name", pod.name).put("namespace", pod.namespace);
      update.set("status", status);
      statusWrites++;
      CompletionStage<?> write = service.update(ResourceRegistry.POD, pod.namespace, pod.name, update,
          ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT);
      write.whenComplete((r, e) -> {
        if (e == null) return;
        ApiException api = ObjectService.unwrap(e);
        if (api != null && (api.code() == 404 || api.code() == 409)) return; // gone, or changed under us: a newer
        statusWriteFailures.incrementAndGet(); // event brings the pod back here
        self.tell(new StatusFailed(pod.uid));
      });
    }

    private Stats stats() {
      int running = 0;
      for (VirtualPod pod : pods.values()) if (pod.running) running++;
      int crashed = 0;
      int silent = 0;
      for (VirtualNode node : byIndex) {
        if (node.mode == NodeMode.CRASHED) crashed++;
        if (node.mode == NodeMode.SILENT) silent++;
      }
      return new Stats(byIndex.size(), registered, registrationFailures, heartbeats, heartbeatFailures.get(),
          pods.size(), running, starts, crashes, finished, finalized, statusWrites, statusWriteFailures.get(),
          crashed, silent);
    }
  }
}
