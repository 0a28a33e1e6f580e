package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.control.node.NodeAllocationEntity.Capacity;
import io.drover.control.scheduler.NodeInfo;
import io.drover.control.scheduler.Profile;
import io.drover.control.scheduler.Requests;
import io.drover.control.scheduler.Scheduler;
import io.drover.server.DroverServer;
import io.drover.sim.Figures.Spread;
import io.drover.sim.PodTracker.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * {@code drover bench scheduler}: one in-process member with only the control-plane role (no agent, no processes)
 * gets N virtual Nodes (4 cpu, 16Gi, 110 pods, Ready) over HTTP, each with its allocation entity told the same
 * capacity; then M pods (100m cpu, 64Mi) are created with concurrent clients, and a pod watch measures placements/s
 * and create -> bound latency. Afterwards every node is checked for overcommit from the listed pods, and each
 * node's allocation entity is checked to hold exactly the pods bound there.
 *
 * <p>Also, like kube-scheduler's own benchmarks, the pure scheduling cycle ({@link Scheduler#schedule}) on 1000
 * nodes with 5 pods each, with no actors and no I/O: cycles/s on a prepared snapshot, and how long building such a
 * snapshot from pod and node objects takes.
 */
public final class SchedulerBenchmark {
  static final String NAMESPACE = "bench-scheduler";
  static final long NODE_CPU_MILLIS = 4000;
  static final long NODE_MEMORY_BYTES = 16L << 30;
  static final long NODE_PODS = 110;
  static final int CYCLE_NODES = 1000;
  static final int CYCLE_PODS_PER_NODE = 5;
  static final Duration CYCLE_WARMUP = Duration.ofSeconds(2);
  static final Duration CYCLE_MEASURE = Duration.ofSeconds(5);

  /**
   * What to run. The deadline bounds each phase: registering the nodes, binding the pods (from the first create),
   * and the check. A null dataDir means a temporary directory, deleted afterwards; a null json writes no file.
   */
  public record Options(int nodes, int pods, int clients, Duration deadline, Path dataDir, Path json) {
    public Options {
      if (nodes < 1 || pods < 1 || clients < 1 || deadline.isNegative()) {
        throw new IllegalArgumentException("nodes, pods and clients must be positive");
      }
    }

    public static Options defaults() {
      return new Options(1000, 5000, 8, Duration.ofSeconds(120), null, null);
    }

    /** Parses {@code --nodes N --pods M --clients C --deadline SECONDS --data-dir DIR --json FILE}. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, List.of("--nodes", "--pods", "--clients", "--deadline", "--data-dir", "--json"));
      return new Options(a.integer("--nodes", d.nodes()), a.integer("--pods", d.pods()),
          a.integer("--clients", d.clients()), a.seconds("--deadline", d.deadline()), a.path("--data-dir"),
          a.path("--json"));
    }
  }

  /**
   * What the placements look like: the invariants, and how evenly pods spread.
   *
   * @param unreservedPods pods bound to a node whose allocation entity holds no reservation for them (never right)
   * @param strayReservations reservations for pods not bound to that node: in flight while pods are still being
   *     scheduled, a leak once all are bound
   */
  public record Placement(int nodesChecked, int podsListed, int podsBound, int overcommittedNodes,
      String firstOvercommit, int unreservedPods, int strayReservations, String firstAllocationMismatch,
      int nodesUsed, int minPodsPerNode, int maxPodsPerNode, long maxCpuMillisPerNode) {}

  /** The pure scheduling cycle: cycles/s on a prepared snapshot, and the cost of building that snapshot. */
  public record Cycles(int nodes, int podsPerNode, long cycles, double cyclesPerSecond, double microsPerCycle,
      double snapshotBuildMs) {}

  /** The figures of one run; latencies in milliseconds from the send of the pod's create request. */
  public record Result(int nodes, int pods, int clients, double nodesCreateSeconds, int nodeCreateFailures,
      String firstNodeCreateFailure, int podCreateFailures, String firstPodCreateFailure, double podsCreateSeconds,
      Spread createRequestMs, Spread boundMs, int bound, double allBoundSeconds, double placementsPerSecond,
      Placement placement, int watchErrors, String firstWatchError, Cycles cycles) implements Bench.Result {

    /** Every node and pod was created, every pod bound, no node overcommitted, and the entities agree. */
    @Override
    public boolean correct() {
      return nodeCreateFailures == 0 && podCreateFailures == 0 && bound == pods && watchErrors == 0
          && placement.overcommittedNodes() == 0 && placement.unreservedPods() == 0
          && placement.strayReservations() == 0
          && placement.podsBound() == pods;
    }

    @Override
    public String report() {
      Placement p = placement;
      return String.format("""
          Drover scheduler benchmark: %d pods (cpu 100m, memory 64Mi) onto %d virtual nodes (4 cpu, 16Gi, 110 pods), \
          one control-plane member, %d clients
          nodes created        %.2f s (%d not 201%s)
          pods created         %.2f s (%d not 201%s)
          create request ms    %s
          create -> bound ms   %s
          all bound            %d of %d, %.2f s after the first create: %.2f placements/s
          invariant            %d nodes, %d pods listed, %d bound: %d nodes overcommitted%s; \
          %d bound pods not reserved on their node, %d reservations of pods not bound there%s
          spread               %d nodes used, %d to %d pods per node, at most %dm cpu on one node
          pure cycle           Scheduler.schedule on %d nodes x %d pods: %.1f cycles/s (%.1f us/cycle, %d cycles); \
          building that snapshot from objects: %.2f ms%s""",
          pods, nodes, clients, nodesCreateSeconds, nodeCreateFailures, failure(firstNodeCreateFailure),
          podsCreateSeconds, podCreateFailures, failure(firstPodCreateFailure), createRequestMs, boundMs, bound, pods,
          allBoundSeconds, placementsPerSecond, p.nodesChecked(), p.podsListed(), p.podsBound(),
          p.overcommittedNodes(), failure(p.firstOvercommit()), p.unreservedPods(), p.strayReservations(),
          failure(p.firstAllocationMismatch()), p.nodesUsed(), p.minPodsPerNode(), p.maxPodsPerNode(),
          p.maxCpuMillisPerNode(), cycles.nodes(), cycles.podsPerNode(), cycles.cyclesPerSecond(),
          cycles.microsPerCycle(), cycles.cycles(), cycles.snapshotBuildMs(),
          watchErrors == 0 ? "" : "\nwatch errors         " + watchErrors + "; first: " + firstWatchError);
    }

    Result withCycles(Cycles measured) {
      return new Result(nodes, pods, clients, nodesCreateSeconds, nodeCreateFailures, firstNodeCreateFailure,
          podCreateFailures, firstPodCreateFailure, podsCreateSeconds, createRequestMs, boundMs, bound,
          allBoundSeconds, placementsPerSecond, placement, watchErrors, firstWatchError, measured);
    }

    private static String failure(String first) {
      return first == null ? "" : "; first: " + first;
    }
  }

  private final Options options;
  private final BenchHttp http;
  private final ActorSystem<?> system;
  private final String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";

  private SchedulerBenchmark(Options options, BenchHttp http, ActorSystem<?> system) {
    this.options = options;
    this.http = http;
    this.system = system;
  }

  /**
   * Starts a control-plane-only member, measures placements, stops it, deletes a temporary data directory, and then
   * (with the member gone, so it does not compete for the CPU) measures the pure cycle.
   */
  public static Result run(Options options) throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-bench-scheduler-");
    Result placed;
    try {
      try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0,
          Map.of("pekko.cluster.roles", List.of("control-plane"))))) {
        placed = new SchedulerBenchmark(options, BenchHttp.of(server, options.deadline()), server.system()).measure();
        Bench.progress("closing the member");
      }
    } finally {
      if (options.dataDir() == null) Bench.deleteRecursively(dataDir);
    }
    Bench.progress("pure scheduling cycle on %d nodes with %d pods each", CYCLE_NODES, CYCLE_PODS_PER_NODE);
    return placed.withCycles(cycles(CYCLE_NODES, CYCLE_PODS_PER_NODE, CYCLE_WARMUP, CYCLE_MEASURE));
  }

  private Result measure() throws Exception {
    long deadline = System.nanoTime() + options.deadline().toNanos();
    String run = Long.toString(System.currentTimeMillis(), 36);
    http.createNamespace(NAMESPACE);

    Bench.progress("registering %d virtual nodes", options.nodes());
    String nodePrefix = "vnode-" + run + "-";
    BenchHttp.Batch nodes = http.send(options.nodes(), options.clients(),
        i -> http.post("/api/v1/nodes", node(nodePrefix + i, Instant.now())), BenchHttp.CREATED);
    setCapacities(nodePrefix, deadline);

    String prefix = "pod-" + run + "-";
    PodTracker tracker = new PodTracker(prefix, options.pods());
    try (WatchStream stream = http.watch(
        http.uri(pods + "?watch=true&resourceVersion=" + http.listResourceVersion(pods)), tracker)) {
      Bench.progress("creating %d pods with %d clients", options.pods(), options.clients());
      BenchHttp.Batch creates = http.send(options.pods(), options.clients(), i -> http.post(pods, pod(prefix + i)),
          BenchHttp.CREATED);
      Bench.progress("%d pods created in %.2f s; %d bound so far", options.pods(), creates.wallNanos() / 1e9,
          tracker.reached(Stage.BOUND));
      tracker.await(Stage.BOUND, creates.startNanos() + options.deadline().toNanos());
      int bound = tracker.reached(Stage.BOUND);
      long allBound = bound == 0 ? 0 : tracker.last(Stage.BOUND) - creates.startNanos();
      Bench.progress("%d of %d pods bound after %.2f s; checking placements", bound, options.pods(), allBound / 1e9);
      // The check has a deadline of its own, so that it runs even when binding used all of the first.
      Placement placement = placement(nodePrefix, System.nanoTime() + options.deadline().toNanos());
      return new Result(options.nodes(), options.pods(), options.clients(), seconds(nodes.wallNanos()),
          nodes.failures(), nodes.firstFailure(), creates.failures(), creates.firstFailure(),
          seconds(creates.wallNanos()), Spread.of(creates.latencies()),
          Spread.of(tracker.latencies(Stage.BOUND, creates.sentAt())), bound, seconds(allBound),
          rate(bound, allBound), placement, tracker.errors(), tracker.firstError(), null);
    }
  }

  /** Tells each node's allocation entity its capacity, as a node agent would, and waits until all have it. */
  private void setCapacities(String nodePrefix, long deadline) throws Exception {
    ClusterSharding sharding = ClusterSharding.get(system);
    Capacity capacity = new Capacity(NODE_CPU_MILLIS, NODE_MEMORY_BYTES, NODE_PODS);
    Duration timeout = options.deadline();
    CompletableFuture<?>[] set = new CompletableFuture<?>[options.nodes()];
    for (int i = 0; i < options.nodes(); i++) {
      set[i] = sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, nodePrefix + i)
          .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.SetCapacity(capacity, r), timeout)
          .toCompletableFuture();
    }
    CompletableFuture.allOf(set).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  // --- the invariant ---

  /**
   * Lists the run's nodes and pods, then asks every node's allocation entity what it holds, and checks. In this
   * order a pod listed as bound was reserved before (the scheduler reserves, then binds), even while it still runs.
   */
  private Placement placement(String nodePrefix, long deadline) throws Exception {
    return placement(http, system, nodePrefix, pods, options.deadline(), deadline);
  }

  /** The same check for any run: the nodes named with the prefix and the pods of one collection. */
  static Placement placement(BenchHttp http, ActorSystem<?> system, String nodePrefix, String podCollection,
      Duration timeout, long deadline) throws Exception {
    List<JsonNode> nodes = http.listAll("/api/v1/nodes").stream()
        .filter(n -> n.path("metadata").path("name").asText().startsWith(nodePrefix)).toList();
    List<JsonNode> listed = http.listAll(podCollection);
    ClusterSharding sharding = ClusterSharding.get(system);
    Map<String, CompletableFuture<NodeAllocationEntity.Reply>> asks = new HashMap<>();
    for (JsonNode node : nodes) {
      String name = node.path("metadata").path("name").asText();
      asks.put(name, sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, name)
          .<NodeAllocationEntity.Reply>ask(NodeAllocationEntity.Get::new, timeout).toCompletableFuture());
    }
    CompletableFuture.allOf(asks.values().toArray(CompletableFuture[]::new))
        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    Map<String, Set<String>> reserved = new HashMap<>();
    for (Map.Entry<String, CompletableFuture<NodeAllocationEntity.Reply>> ask : asks.entrySet()) {
      NodeAllocationEntity.Accepted accepted = (NodeAllocationEntity.Accepted) ask.getValue().get();
      reserved.put(ask.getKey(), accepted.state().reservations().keySet());
    }
    return check(nodes, listed, reserved);
  }

  /**
   * The invariant, from the stored objects: on every node the requests of the pods bound there add up to no more
   * than its allocatable and their number to no more than its pod count; and the node's allocation entity reserves
   * exactly those pods (by the scheduler's pod key).
   */
  static Placement check(List<JsonNode> nodes, List<JsonNode> pods, Map<String, Set<String>> reserved) {
    Map<String, Requests> requested = new HashMap<>();
    Map<String, Set<String>> podsOn = new HashMap<>();
    for (JsonNode pod : pods) {
      String node = pod.path("spec").path("nodeName").asText("");
      if (node.isEmpty()) continue;
      requested.merge(node, Requests.of(pod.path("spec")), Requests::plus);
      podsOn.computeIfAbsent(node, n -> new HashSet<>()).add(ResourceRegistry.POD.objectKey(
          pod.path("metadata").path("namespace").asText(), pod.path("metadata").path("name").asText()));
    }
    int overcommitted = 0;
    String firstOvercommit = null;
    int unreserved = 0;
    int stray = 0;
    String firstMismatch = null;
    int bound = 0;
    long maxCpu = 0;
    int minPods = Integer.MAX_VALUE;
    int maxPods = 0;
    for (JsonNode node : nodes) {
      String name = node.path("metadata").path("name").asText();
      JsonNode allocatableList = node.path("status").path("allocatable");
      Requests allocatable = Requests.ofResourceList(allocatableList);
      long allowedPods = Long.parseLong(allocatableList.path("pods").asText("0"));
      Requests used = requested.getOrDefault(name, Requests.ZERO);
      Set<String> here = podsOn.getOrDefault(name, Set.of());
      bound += here.size();
      maxCpu = Math.max(maxCpu, used.cpuMillis());
      minPods = Math.min(minPods, here.size());
      maxPods = Math.max(maxPods, here.size());
      Requests free = allocatable.minus(used);
      if (free.cpuMillis() < 0 || free.memoryBytes() < 0 || here.size() > allowedPods) {
        overcommitted++;
        if (firstOvercommit == null) {
          firstOvercommit = name + " holds " + here.size() + " pods requesting " + used + " of " + allocatable;
        }
      }
      Set<String> holds = reserved.getOrDefault(name, Set.of());
      long missing = here.stream().filter(pod -> !holds.contains(pod)).count();
      long extra = holds.stream().filter(pod -> !here.contains(pod)).count();
      unreserved += (int) missing;
      stray += (int) extra;
      if (firstMismatch == null && missing + extra > 0) {
        firstMismatch = name + " reserves " + holds.size() + " pods, " + here.size() + " are bound to it";
      }
    }
    return new Placement(nodes.size(), pods.size(), bound, overcommitted, firstOvercommit, unreserved, stray,
        firstMismatch, (int) nodes.stream().filter(n -> podsOn.containsKey(n.path("metadata").path("name").asText()))
        .count(), nodes.isEmpty() ? 0 : minPods, maxPods, maxCpu);
  }

  // --- objects ---

  static String node(String name, Instant now) {
    return """
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"%1$s","labels":{"kubernetes.io/hostname":"%1$s",\
        "drover.io/virtual":"true"}},"spec":{},"status":{\
        "capacity":{"cpu":"4","memory":"16Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"},\
        "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"virtual node",\
        "lastHeartbeatTime":"%2$s","lastTransitionTime":"%2$s"}]}}""".formatted(name, now.truncatedTo(ChronoUnit.SECONDS));
  }

  static String pod(String name) {
    return """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"drover-bench"}},\
        "spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","3600"],\
        "resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}""".formatted(name);
  }

  // --- the pure cycle ---

  /**
   * Runs {@link Scheduler#schedule} with the default profile on {@code nodes} nodes holding {@code podsPerNode} pods
   * each, for a warm-up and then a measured period; and times building such a snapshot from the objects.
   */
  static Cycles cycles(int nodes, int podsPerNode, Duration warmup, Duration measure) {
    List<ObjectNode> nodeObjects = new ArrayList<>();
    Map<String, List<ObjectNode>> podsByNode = new HashMap<>();
    for (int n = 0; n < nodes; n++) {
      String name = "node-" + n;
      nodeObjects.add(parse(node(name, Instant.now())));
      List<ObjectNode> bound = new ArrayList<>();
      for (int p = 0; p < podsPerNode; p++) {
        ObjectNode pod = podObject("bound-" + n + "-" + p);
        ((ObjectNode) pod.get("spec")).put("nodeName", name);
        bound.add(pod);
      }
      podsByNode.put(name, bound);
    }
    List<ObjectNode> incoming = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      incoming.add(podObject("incoming-" + i));
    }
    Profile profile = Profile.defaults();
    List<NodeInfo> snapshot = snapshot(nodeObjects, podsByNode);

    long warmupEnd = System.nanoTime() + warmup.toNanos();
    for (int i = 0; System.nanoTime() < warmupEnd; i++) {
      check(Scheduler.schedule(incoming.get(i % incoming.size()), snapshot, profile).scheduled());
    }
    long cycles = 0;
    long start = System.nanoTime();
    long end = start + measure.toNanos();
    while (System.nanoTime() < end) {
      check(Scheduler.schedule(incoming.get((int) (cycles % incoming.size())), snapshot, profile).scheduled());
      cycles++;
    }
    long elapsed = System.nanoTime() - start;

    int builds = 0;
    long buildStart = System.nanoTime();
    long buildEnd = buildStart + measure.toNanos() / 5;
    while (builds == 0 || System.nanoTime() < buildEnd) {
      check(snapshot(nodeObjects, podsByNode).size() == nodes);
      builds++;
    }
    long buildElapsed = System.nanoTime() - buildStart;
    return new Cycles(nodes, podsPerNode, cycles, rate(cycles, elapsed),
        Figures.round(elapsed / 1e3 / Math.max(1, cycles)), Figures.ms(buildElapsed / builds));
  }

  /** NodeInfos from node and pod objects, as the scheduler builds its snapshot. */
  private static List<NodeInfo> snapshot(List<ObjectNode> nodes, Map<String, List<ObjectNode>> podsByNode) {
    List<NodeInfo> infos = new ArrayList<>(nodes.size());
    for (ObjectNode node : nodes) {
      infos.add(new NodeInfo(node, podsByNode.get(Json.text(node, "metadata.name"))));
    }
    return infos;
  }

  private static ObjectNode podObject(String name) {
    ObjectNode pod = parse(pod(name));
    ((ObjectNode) pod.get("metadata")).put("namespace", NAMESPACE).put("uid", "uid-" + name);
    return pod;
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void check(boolean ok) {
    if (!ok) throw new IllegalStateException("a pod that fits was not scheduled");
  }
}
