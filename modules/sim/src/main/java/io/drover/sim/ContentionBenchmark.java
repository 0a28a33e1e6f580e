package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.drover.agent.sim.VirtualNodes;
import io.drover.control.event.EventRecorder;
import io.drover.control.scheduler.SchedulerActor;
import io.drover.sim.PodTracker.Stage;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.Props;

/**
 * {@code drover bench contention}: K schedulers at once, every one of them trying to place every pod, on nodes with
 * room for 3 pods each (1 cpu, pods of 300m), with more pods than room (120% by default). The schedulers' views
 * go stale under each other's placements; only the nodes' allocation entities stand between them and an
 * overcommitted node. Checks: no node overcommitted, exactly as many pods bound as there is room (a leaked
 * reservation would leave room unused), the rest Pending as Unschedulable, and every allocation entity holds
 * exactly the pods bound to its node.
 */
public final class ContentionBenchmark {
  static final String NAMESPACE = "sim-contention";
  static final int PODS_PER_NODE = 3;

  /**
   * @param schedulers how many schedulers run at once (the member's own and K - 1 more)
   * @param demand pods asked for, as a multiple of the room there is
   */
  public record Options(SimOptions sim, int schedulers, double demand) implements SimOptions.Scenario {
    public Options {
      if (schedulers < 1 || demand <= 0) throw new IllegalArgumentException("schedulers and demand must be positive");
    }

    public static Options defaults() {
      return new Options(SimOptions.defaults(500), 4, 1.2);
    }

    /** Parses {@code --schedulers K --demand D} and the shared keys. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, SimOptions.keysAnd("--schedulers", "--demand"));
      return new Options(SimOptions.parse(a, d.sim()), a.integer("--schedulers", d.schedulers()),
          a.decimal("--demand", d.demand()));
    }
  }

  private ContentionBenchmark() {}

  public static SimResult run(Options options) throws Exception {
    SimOptions sim = options.sim();
    int room = sim.nodes() * PODS_PER_NODE;
    int count = (int) Math.round(room * options.demand());
    String run = Long.toString(System.currentTimeMillis(), 36);
    VirtualNodes.Settings fleet = sim.fleet("sim-" + run)
        .withCapacity(1, 4L << 30, 110); // by design: room for 3 pods of 300m per node, whatever --node-cpus says
    try (SimCluster cluster = SimCluster.start(sim, fleet, Map.of())) {
      long deadline = System.nanoTime() + sim.deadline().toNanos();
      Bench.progress("registering %d virtual nodes (%s journal)", sim.nodes(), sim.journal());
      if (!cluster.awaitRegistered(deadline)) {
        throw new IllegalStateException("virtual nodes not registered: " + cluster.stats());
      }
      Config config = cluster.server.system().settings().config().getConfig("drover.scheduler");
      for (int i = 1; i < options.schedulers(); i++) {
        // Every extra scheduler owns every pod: they all race for the same pods and the same room.
        cluster.server.system().systemActorOf(SchedulerActor.create(cluster.server.service(),
            new SchedulerActor.Settings(config.getInt("max-in-flight"), config.getDuration("initial-backoff"),
                config.getDuration("max-backoff"), config.getDuration("tick")),
            new EventRecorder(cluster.server.service(), SchedulerActor.NAME, "", Clock.systemUTC()), pod -> true,
            Clock.systemUTC()), "contending-scheduler-" + i, Props.empty());
      }
      BenchHttp http = cluster.http;
      http.createNamespace(NAMESPACE);
      String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";
      String prefix = "pod-" + run + "-";
      PodTracker tracker = new PodTracker(prefix, count);
      SimResult.Builder report = new SimResult.Builder(String.format(
              "Scheduler contention: %d schedulers, %d pods for room of %d on %d virtual nodes",
              options.schedulers(), count, room, sim.nodes()),
          "Every scheduler tries every pod. Nodes have 1 cpu; pods ask 300m, so 3 fit per node. More pods than room "
              + "are created; the extra ones must stay Pending, and no node may hold more than it has.")
          .settings(sim).setting("schedulers", options.schedulers()).setting("pods", count)
          .setting("room", room + " pods (" + PODS_PER_NODE + " per node)");
      BenchHttp.Batch creates;
      long filledAt;
      try (WatchStream stream = http.watch(
              http.uri(pods + "?watch=true&resourceVersion=" + http.listResourceVersion(pods)), tracker);
          Timeline timeline = new Timeline(1000)
              .counter("pods bound", "pods/s", () -> tracker.reached(Stage.BOUND))
              .counter("journal events", "events/s", cluster::journalPosition).start()) {
        Bench.progress("creating %d pods with %d clients for room of %d", count, sim.clients(), room);
        creates = http.send(count, sim.clients(), i -> http.post(pods, pod(prefix + i)), BenchHttp.CREATED);
        // Bound until the room is full, then a quiet period: a late double placement would show there.
        while (System.nanoTime() < deadline && tracker.reached(Stage.BOUND) < Math.min(room, count)) {
          Thread.sleep(100);
        }
        filledAt = tracker.last(Stage.BOUND);
        Thread.sleep(3000);
        report.timeline(timeline.series());
      }
      int bound = tracker.reached(Stage.BOUND);
      // The pods left over are marked Unschedulable by the cycle that finds no room; a pod that lost races before
      // the room filled waits out its back-off (1 s, doubling) first. Wait for all of them, within the deadline.
      List<JsonNode> listed = http.listAll(pods);
      int unschedulable = unschedulable(listed);
      while (unschedulable < count - bound && System.nanoTime() < deadline) {
        Thread.sleep(500);
        listed = http.listAll(pods);
        unschedulable = unschedulable(listed);
      }
      long markedAt = System.nanoTime();
      SchedulerBenchmark.Placement placement = SchedulerBenchmark.placement(http, cluster.server.system(),
          fleet.namePrefix() + "-", pods, sim.deadline(), System.nanoTime() + sim.deadline().toNanos());
      SimFigures.Invariants invariants = SimFigures.Invariants.check(placement, listed, null, null);
      long fill = filledAt == 0 ? 0 : filledAt - creates.startNanos();
      int expectedBound = Math.min(room, count);
      return report.figure("pods bound", bound + " of " + count, "")
          .figure("room filled after", seconds(fill), "s")
          .figure("pods bound per second", rate(bound, fill), "pods/s")
          .figure("pods Pending as Unschedulable", unschedulable, "pods")
          .figure("all left over marked Unschedulable after", seconds(markedAt - creates.startNanos()), "s")
          .latencies("create -> bound", tracker.latencies(Stage.BOUND, creates.sentAt()))
          .latencies("API create request", creates.latencies())
          .check("every create answered 201", creates.failures() == 0,
              creates.failures() + " failed" + SimResult.first(creates.firstFailure()))
          .check("exactly as many pods bound as there is room", bound == expectedBound,
              bound + " bound, room for " + expectedBound)
          .check("every pod left over is Pending as Unschedulable", unschedulable == count - bound,
              unschedulable + " of " + (count - bound))
          .invariants(invariants).fleet(cluster.stats()).watch(tracker)
          .build();
    }
  }

  /** Pods not bound whose PodScheduled condition says Unschedulable. */
  private static int unschedulable(List<JsonNode> pods) {
    int count = 0;
    for (JsonNode pod : pods) {
      if (!pod.path("spec").path("nodeName").asText("").isEmpty()) continue;
      for (JsonNode condition : pod.path("status").path("conditions")) {
        if (condition.path("type").asText().equals("PodScheduled")
            && condition.path("reason").asText().equals("Unschedulable")) {
          count++;
        }
      }
    }
    return count;
  }

  static String pod(String name) {
    return """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"contention"}},\
        "spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","3600"],\
        "resources":{"requests":{"cpu":"300m","memory":"64Mi"}}}]}}""".formatted(name);
  }
}
