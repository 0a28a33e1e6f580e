package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.sim.VirtualNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code drover bench node-failure}: a Deployment of R pods runs on N virtual nodes; then a fraction of the nodes
 * (10% by default) crash at once. Measures how long until every crashed node is NotReady, and until every pod that
 * ran there has a replacement running on a live node (pods/s replaced, each replacement's create -> running);
 * then the nodes come back, as rebooted machines, and must clean up the pods evicted from them. Checks that R pods
 * of the Deployment run on live nodes, none more, no node is overcommitted and the allocations agree.
 */
public final class NodeFailureBenchmark {
  static final String NAMESPACE = "sim-node-failure";

  /**
   * @param failFraction share of the nodes that crash at once
   * @param gracePeriod how long without heartbeats before a node is NotReady (node-monitor-grace-period)
   * @param toleration how long pods tolerate a NotReady node before they are evicted (Kubernetes: 300 s)
   */
  public record Options(SimOptions sim, int replicas, double failFraction, Duration gracePeriod,
      Duration toleration) implements SimOptions.Scenario {
    public Options {
      if (replicas < 1 || failFraction <= 0 || failFraction >= 1) {
        throw new IllegalArgumentException("replicas must be positive and --fail-fraction between 0 and 1");
      }
      if (gracePeriod.compareTo(sim.heartbeat().multipliedBy(2)) < 0) {
        throw new IllegalArgumentException("--grace-period must be at least two heartbeats (" + sim.heartbeat()
            .multipliedBy(2).toSeconds() + " s), or live nodes would go NotReady too");
      }
    }

    public static Options defaults() {
      SimOptions sim = SimOptions.defaults(1000);
      sim = new SimOptions(sim.nodes(), sim.clients(), sim.journal(), Duration.ofSeconds(2), sim.startDelayMin(),
          sim.startDelayMax(), sim.crashProbability(), sim.slowNodeFraction(), sim.seed(), sim.deadline(),
          sim.dataDir(), sim.json(), sim.html(), sim.node());
      return new Options(sim, 5000, 0.1, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    /** Parses {@code --replicas R --fail-fraction F --grace-period S --toleration S} and the shared keys. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, SimOptions.keysAnd("--replicas", "--fail-fraction", "--grace-period",
          "--toleration"));
      return new Options(SimOptions.parse(a, d.sim()), a.integer("--replicas", d.replicas()),
          a.decimal("--fail-fraction", d.failFraction()), a.seconds("--grace-period", d.gracePeriod()),
          a.seconds("--toleration", d.toleration()));
    }
  }

  private NodeFailureBenchmark() {}

  public static SimResult run(Options options) throws Exception {
    SimOptions sim = options.sim();
    int replicas = options.replicas();
    String run = Long.toString(System.currentTimeMillis(), 36);
    VirtualNodes.Settings fleet = sim.fleet("sim-" + run);
    Map<String, Object> lifecycle = Map.of(
        "drover.node-lifecycle.monitor-period", "1s",
        "drover.node-lifecycle.grace-period", options.gracePeriod().toMillis() + "ms",
        "drover.node-lifecycle.default-toleration", options.toleration().toMillis() + "ms");
    try (SimCluster cluster = SimCluster.start(sim, fleet, lifecycle)) {
      long deadline = System.nanoTime() + sim.deadline().toNanos();
      Bench.progress("registering %d virtual nodes (%s journal)", sim.nodes(), sim.journal());
      if (!cluster.awaitRegistered(deadline)) {
        throw new IllegalStateException("virtual nodes not registered: " + cluster.stats());
      }
      BenchHttp http = cluster.http;
      http.createNamespace(NAMESPACE);
      String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";
      String deployments = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments";
      PodEvents events = new PodEvents();
      SimResult.Builder report = new SimResult.Builder(String.format(
              "Node failure storm: %.0f%% of %d virtual nodes crash under a %d-pod Deployment",
              options.failFraction() * 100, sim.nodes(), replicas),
          "The nodes stop heartbeating and stop touching their pods at the same moment. The node lifecycle "
              + "controller marks them NotReady after the grace period and evicts their pods after the "
              + "toleration; the ReplicaSet replaces them on live nodes. Then the nodes come back and clean up.")
          .settings(sim).setting("replicas", replicas).setting("failing nodes", options.failFraction())
          .setting("node grace period", options.gracePeriod().toSeconds() + " s")
          .setting("NotReady toleration", options.toleration().toSeconds() + " s");
      Set<String> crashed = new HashSet<>();
      try (WatchStream stream = http.watch(
              http.uri(pods + "?watch=true&resourceVersion=" + http.listResourceVersion(pods)), events);
          Timeline timeline = new Timeline(1000)
              .counter("pods running", "pods/s", () -> events.count(s -> s.running != 0))
              .counter("pods evicted", "pods/s", () -> events.count(s -> s.deleting != 0))
              .counter("journal events", "events/s", cluster::journalPosition).start()) {
        Bench.progress("creating a Deployment of %d replicas", replicas);
        http.send(1, 1, i -> http.post(deployments, ChurnBenchmark.deployment(replicas, "v1")), BenchHttp.CREATED);
        String path = deployments + "/" + ChurnBenchmark.NAME;
        boolean available = ChurnBenchmark.awaitComplete(http, path, replicas, deadline, null);
        report.check("the Deployment became available", available, "");

        List<String> names = new ArrayList<>();
        for (int i = 0; i < sim.nodes(); i++) names.add(cluster.nodeName(i));
        Collections.shuffle(names, new Random(sim.seed()));
        crashed.addAll(names.subList(0, Math.max(1, (int) Math.round(sim.nodes() * options.failFraction()))));
        Predicate<PodEvents.Seen> onCrashed = s -> crashed.contains(s.node) && s.running != 0 && s.gone == 0;
        long affected = events.count(onCrashed);
        Bench.progress("crashing %d nodes running %d pods", crashed.size(), affected);
        long crashedAt = System.nanoTime();
        cluster.fleet.tell(new VirtualNodes.Crash(crashed));

        long notReadyAt = 0;
        long replacedAt = 0;
        Predicate<PodEvents.Seen> servingOnLive = s -> s.running != 0 && s.deleting == 0 && s.gone == 0
            && !crashed.contains(s.node);
        while (System.nanoTime() < deadline && (notReadyAt == 0 || replacedAt == 0)) {
          if (notReadyAt == 0 && notReady(http, crashed) == crashed.size()) notReadyAt = System.nanoTime();
          if (replacedAt == 0 && events.count(servingOnLive) >= replicas) replacedAt = System.nanoTime();
          Thread.sleep(250);
        }
        Predicate<PodEvents.Seen> replacement = s -> s.added > crashedAt;
        long replacements = events.count(replacement);
        report.figure("nodes crashed", crashed.size(), "nodes")
            .figure("pods on them", affected, "pods")
            .figure("all crashed nodes NotReady after", notReadyAt == 0 ? "never" : seconds(notReadyAt - crashedAt),
                "s")
            .figure("every pod running on a live node again after",
                replacedAt == 0 ? "never" : seconds(replacedAt - crashedAt), "s")
            .figure("replacement pods created", replacements, "pods")
            .figure("replacements running per second, from the crash",
                replacedAt == 0 ? 0 : rate(affected, replacedAt - crashedAt), "pods/s")
            .latencies("replacement create -> bound", events.between(replacement, s -> s.added, s -> s.bound))
            .latencies("replacement create -> running", events.between(replacement, s -> s.added, s -> s.running))
            .check("every crashed node went NotReady", notReadyAt != 0, "")
            .check("every affected pod was replaced on a live node", replacedAt != 0,
                events.count(servingOnLive) + " of " + replicas + " running on live nodes");

        Bench.progress("restoring the %d nodes; they clean up the pods evicted from them", crashed.size());
        long restoredAt = System.nanoTime();
        cluster.fleet.tell(new VirtualNodes.Restore(crashed));
        long cleanedAt = 0;
        while (System.nanoTime() < deadline && cleanedAt == 0) {
          boolean terminating = false;
          for (JsonNode pod : http.listAll(pods)) terminating |= pod.path("metadata").has("deletionTimestamp");
          if (!terminating) cleanedAt = System.nanoTime();
          else Thread.sleep(500);
        }
        report.figure("restored nodes cleaned up their evicted pods after",
                cleanedAt == 0 ? "never" : seconds(cleanedAt - restoredAt), "s")
            .check("no pod left terminating once the nodes are back", cleanedAt != 0, "")
            .timeline(timeline.series());
      }
      String replicaSet = null;
      for (JsonNode rs : http.listAll("/apis/apps/v1/namespaces/" + NAMESPACE + "/replicasets")) {
        replicaSet = rs.path("metadata").path("name").asText();
      }
      SchedulerBenchmark.Placement placement = SchedulerBenchmark.placement(http, cluster.server.system(),
          fleet.namePrefix() + "-", pods, sim.deadline(), System.nanoTime() + sim.deadline().toNanos());
      SimFigures.Invariants invariants = SimFigures.Invariants.check(placement, http.listAll(pods), null,
          Map.of("ReplicaSet/" + replicaSet, replicas));
      return report.invariants(invariants).fleet(cluster.stats())
          .check("the pod watch saw no error", events.errors() == 0,
              events.errors() + " errors" + SimResult.first(events.firstError()))
          .build();
    }
  }

  /** How many of the nodes have Ready other than True. */
  private static int notReady(BenchHttp http, Set<String> nodes) throws Exception {
    int count = 0;
    for (JsonNode node : http.listAll("/api/v1/nodes")) {
      if (!nodes.contains(node.path("metadata").path("name").asText())) continue;
      for (JsonNode condition : node.path("status").path("conditions")) {
        if (condition.path("type").asText().equals("Ready") && !condition.path("status").asText().equals("True")) {
          count++;
        }
      }
    }
    return count;
  }
}
