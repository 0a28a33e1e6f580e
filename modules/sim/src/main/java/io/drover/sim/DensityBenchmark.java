package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.sim.VirtualNodes;
import io.drover.sim.Figures.Spread;
import io.drover.sim.PodTracker.Stage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code drover bench density}: M pods (100m cpu, 64Mi) created through the API onto N virtual nodes, as
 * kube-scheduler's density benchmarks and KWOK do at scale. Measures pods/s bound and running, create -> bound and
 * create -> running latency, API create latency, journal events/s and heap per node and per pod; then checks that no
 * node is overcommitted, no pod is lost or duplicated, and every node's allocation entity holds exactly its pods.
 */
public final class DensityBenchmark {
  static final String NAMESPACE = "sim-density";

  /** What to run: the shared simulation options and the number of pods. */
  public record Options(SimOptions sim, int pods) implements SimOptions.Scenario {
    public Options {
      if (pods < 1) throw new IllegalArgumentException("pods must be positive");
    }

    public static Options defaults() {
      return new Options(SimOptions.defaults(5000), 100_000);
    }

    /** Parses {@code --pods M} and the {@link SimOptions} keys. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, SimOptions.keysAnd("--pods"));
      return new Options(SimOptions.parse(a, d.sim()), a.integer("--pods", d.pods()));
    }
  }

  private DensityBenchmark() {}

  public static SimResult run(Options options) throws Exception {
    SimOptions sim = options.sim();
    long heapBefore = Figures.heapUsedAfterGcMb();
    String run = Long.toString(System.currentTimeMillis(), 36);
    VirtualNodes.Settings fleet = sim.fleet("sim-" + run);
    try (SimCluster cluster = SimCluster.start(sim, fleet, Map.of())) {
      long deadline = System.nanoTime() + sim.deadline().toNanos();
      Bench.progress("registering %d virtual nodes (%s journal)", sim.nodes(), sim.journal());
      long nodesStart = System.nanoTime();
      if (!cluster.awaitRegistered(deadline)) {
        throw new IllegalStateException("virtual nodes not registered: " + cluster.stats());
      }
      double nodesSeconds = seconds(System.nanoTime() - nodesStart);
      long heapWithNodes = Figures.heapUsedAfterGcMb();
      BenchHttp http = cluster.http;
      http.createNamespace(NAMESPACE);
      String collection = "/api/v1/namespaces/" + NAMESPACE + "/pods";
      String prefix = "pod-" + run + "-";
      PodTracker tracker = new PodTracker(prefix, options.pods());
      long journalStart = cluster.journalPosition();
      BenchHttp.Batch creates;
      long measuredNanos;
      List<Timeline.Series> series;
      try (WatchStream stream = http.watch(
              http.uri(collection + "?watch=true&resourceVersion=" + http.listResourceVersion(collection)), tracker);
          Timeline timeline = new Timeline(1000)
              .counter("pods bound", "pods/s", () -> tracker.reached(Stage.BOUND))
              .counter("pods running", "pods/s", () -> tracker.reached(Stage.RUNNING))
              .counter("journal events", "events/s", cluster::journalPosition).start()) {
        Bench.progress("creating %d pods with %d clients", options.pods(), sim.clients());
        creates = http.send(options.pods(), sim.clients(),
            i -> http.post(collection, SchedulerBenchmark.pod(prefix + i)), BenchHttp.CREATED);
        Bench.progress("%d pods created in %.2f s; %d bound, %d running so far", options.pods(),
            creates.wallNanos() / 1e9, tracker.reached(Stage.BOUND), tracker.reached(Stage.RUNNING));
        tracker.await(Stage.RUNNING, creates.startNanos() + sim.deadline().toNanos());
        measuredNanos = System.nanoTime() - creates.startNanos();
        series = timeline.series();
      }
      long journalEvents = cluster.journalPosition() - journalStart;
      SimFigures.Pods pods = podFigures(options.pods(), tracker, creates);
      Bench.progress("%d bound, %d running; checking invariants", pods.bound(), pods.running());
      long heapWithPods = Figures.heapUsedAfterGcMb();
      SchedulerBenchmark.Placement placement = SchedulerBenchmark.placement(http, cluster.server.system(),
          fleet.namePrefix() + "-", collection, sim.deadline(), System.nanoTime() + sim.deadline().toNanos());
      List<JsonNode> listed = http.listAll(collection);
      Set<String> names = new HashSet<>();
      for (int i = 0; i < options.pods(); i++) names.add(prefix + i);
      SimFigures.Invariants invariants = SimFigures.Invariants.check(placement, listed, names, null);
      return new SimResult.Builder(String.format("Density: %d pods onto %d virtual nodes", options.pods(),
          sim.nodes()), "M pods (cpu 100m, memory 64Mi) created through the API with C clients onto N virtual nodes "
          + "(" + sim.node() + "); measured from the first create until every pod runs.")
          .settings(sim).setting("pods", options.pods())
          .figure("nodes registered in", nodesSeconds, "s")
          .pods(pods, tracker, creates)
          .journal(new SimFigures.Journal(cluster.journal, journalEvents, seconds(measuredNanos),
              rate(journalEvents, measuredNanos)))
          .memory(SimFigures.Memory.of(heapBefore, heapWithNodes, heapWithPods, sim.nodes(), options.pods()))
          .fleet(cluster.stats())
          .invariants(invariants)
          .check("every pod running", pods.running() == options.pods(), pods.running() + " of " + options.pods())
          .watch(tracker)
          .timeline(series)
          .build();
    }
  }

  /** Rates and latencies of M pods from their create requests and the watch. */
  static SimFigures.Pods podFigures(int count, PodTracker tracker, BenchHttp.Batch creates) {
    int bound = tracker.reached(Stage.BOUND);
    int running = tracker.reached(Stage.RUNNING);
    long allBound = bound == 0 ? 0 : tracker.last(Stage.BOUND) - creates.startNanos();
    long allRunning = running == 0 ? 0 : tracker.last(Stage.RUNNING) - creates.startNanos();
    return new SimFigures.Pods(count, bound, running, rate(bound, allBound), rate(running, allRunning),
        Spread.of(tracker.latencies(Stage.BOUND, creates.sentAt())),
        Spread.of(tracker.latencies(Stage.RUNNING, creates.sentAt())), Spread.of(creates.latencies()),
        seconds(allBound), seconds(allRunning));
  }
}
