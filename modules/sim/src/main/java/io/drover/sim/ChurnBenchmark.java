package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.sim.VirtualNodes;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * {@code drover bench churn}: a Deployment of R pods on N virtual nodes becomes available, then its template changes
 * and the rolling update replaces every pod (maxSurge and maxUnavailable 25%, as Kubernetes defaults). Measures the
 * time and pods/s of both phases and each new pod's latency from its creation by the ReplicaSet to bound and to
 * running; samples the rollout against maxSurge and maxUnavailable; and checks the invariants at the end (exactly R
 * pods of the new ReplicaSet run, none of the old, no overcommit, allocations agree).
 */
public final class ChurnBenchmark {
  static final String NAMESPACE = "sim-churn";
  static final String NAME = "churn";

  public record Options(SimOptions sim, int replicas) implements SimOptions.Scenario {
    public Options {
      if (replicas < 1) throw new IllegalArgumentException("replicas must be positive");
    }

    public static Options defaults() {
      return new Options(SimOptions.defaults(1000), 10_000);
    }

    /** Parses {@code --replicas R} and the {@link SimOptions} keys. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, SimOptions.keysAnd("--replicas"));
      return new Options(SimOptions.parse(a, d.sim()), a.integer("--replicas", d.replicas()));
    }
  }

  private ChurnBenchmark() {}

  public static SimResult run(Options options) throws Exception {
    SimOptions sim = options.sim();
    int replicas = options.replicas();
    long heapBefore = Figures.heapUsedAfterGcMb();
    String run = Long.toString(System.currentTimeMillis(), 36);
    VirtualNodes.Settings fleet = sim.fleet("sim-" + run);
    try (SimCluster cluster = SimCluster.start(sim, fleet, Map.of())) {
      long deadline = System.nanoTime() + sim.deadline().toNanos();
      Bench.progress("registering %d virtual nodes (%s journal)", sim.nodes(), sim.journal());
      if (!cluster.awaitRegistered(deadline)) {
        throw new IllegalStateException("virtual nodes not registered: " + cluster.stats());
      }
      long heapWithNodes = Figures.heapUsedAfterGcMb();
      BenchHttp http = cluster.http;
      http.createNamespace(NAMESPACE);
      String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";
      String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + NAME;
      PodEvents events = new PodEvents();
      long journalStart = cluster.journalPosition();
      SimResult.Builder report = new SimResult.Builder(
          String.format("Churn: a rolling update of a %d-pod Deployment on %d virtual nodes", replicas, sim.nodes()),
          "A Deployment of R pods (cpu 10m, memory 16Mi; maxSurge and maxUnavailable 25%) becomes available on N "
              + "virtual nodes; then its template changes and every pod is replaced. Latencies run from each pod's "
              + "ADDED event (its create by the ReplicaSet controller).")
          .settings(sim).setting("replicas", replicas).setting("maxSurge / maxUnavailable", "25% / 25%");
      try (WatchStream stream = http.watch(
              http.uri(pods + "?watch=true&resourceVersion=" + http.listResourceVersion(pods)), events);
          Timeline timeline = new Timeline(1000)
              .counter("pods bound", "pods/s", () -> events.count(s -> s.bound != 0))
              .counter("pods running", "pods/s", () -> events.count(s -> s.running != 0))
              .counter("pods deleted", "pods/s", () -> events.count(s -> s.gone != 0))
              .counter("journal events", "events/s", cluster::journalPosition).start()) {
        Bench.progress("creating a Deployment of %d replicas", replicas);
        long created = System.nanoTime();
        http.send(1, 1, i -> http.post("/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments",
            deployment(replicas, "v1")), BenchHttp.CREATED);
        boolean available = awaitComplete(http, path, replicas, deadline, null);
        long availableNanos = System.nanoTime() - created;
        long heapWithPods = Figures.heapUsedAfterGcMb();
        Bench.progress("available: %s after %.1f s; rolling update", available, availableNanos / 1e9);

        long updated = System.nanoTime();
        String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"sim/version\":\"v2\"}}}}}";
        BenchHttp.Batch patched = http.send(1, 1, i -> HttpRequest.newBuilder(http.uri(path))
            .header("Content-Type", "application/merge-patch+json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(patch)).build(), status -> status == 200);
        int[] bounds = {0, Integer.MAX_VALUE};
        boolean rolled = awaitComplete(http, path, replicas, deadline, sample -> {
          bounds[0] = Math.max(bounds[0], sample[0]);
          bounds[1] = Math.min(bounds[1], (int) events.serving());
        });
        long rolloutNanos = System.nanoTime() - updated;
        Bench.progress("rolled out: %s after %.1f s; checking invariants", rolled, rolloutNanos / 1e9);
        long journalEvents = cluster.journalPosition() - journalStart;
        long measured = System.nanoTime() - created;
        int surge = DeploymentBenchmark.scaled("25%", replicas, true);
        int unavailable = DeploymentBenchmark.scaled("25%", replicas, false);
        java.util.function.Predicate<PodEvents.Seen> first = s -> s.added < updated;
        java.util.function.Predicate<PodEvents.Seen> second = s -> s.added >= updated;
        report.figure("available after", seconds(availableNanos), "s")
            .figure("pods running per second, first rollout", rate(replicas, availableNanos), "pods/s")
            .figure("rolling update complete after", seconds(rolloutNanos), "s")
            .figure("pods replaced per second", rate(replicas, rolloutNanos), "pods/s")
            .figure("most pods asked for during the update (bound " + (replicas + surge) + ")", bounds[0], "pods")
            .figure("fewest pods serving during the update (bound " + (replicas - unavailable) + ")",
                bounds[1] == Integer.MAX_VALUE ? 0 : bounds[1], "pods")
            .latencies("create -> bound, first rollout", events.between(first, s -> s.added, s -> s.bound))
            .latencies("create -> running, first rollout", events.between(first, s -> s.added, s -> s.running))
            .latencies("create -> running, rolling update", events.between(second, s -> s.added, s -> s.running))
            .latencies("delete -> gone, rolling update", events.between(s -> true, s -> s.deleting, s -> s.gone))
            .latencies("API patch request", patched.latencies())
            .journal(new SimFigures.Journal(cluster.journal, journalEvents, seconds(measured),
                rate(journalEvents, measured)))
            .memory(SimFigures.Memory.of(heapBefore, heapWithNodes, heapWithPods, sim.nodes(), replicas))
            .check("the Deployment became available", available, "")
            .check("the rolling update completed", rolled, "")
            .check("the ReplicaSets never asked for more than replicas + maxSurge", bounds[0] <= replicas + surge,
                bounds[0] + " asked for, at most " + (replicas + surge))
            .check("never fewer pods serving than replicas - maxUnavailable",
                bounds[1] == Integer.MAX_VALUE || bounds[1] >= replicas - unavailable,
                bounds[1] + " serving, at least " + (replicas - unavailable));
        report.timeline(timeline.series());
      }
      String newReplicaSet = null;
      for (JsonNode rs : http.listAll("/apis/apps/v1/namespaces/" + NAMESPACE + "/replicasets")) {
        if (rs.path("spec").path("replicas").asInt() > 0) newReplicaSet = rs.path("metadata").path("name").asText();
      }
      SchedulerBenchmark.Placement placement = SchedulerBenchmark.placement(http, cluster.server.system(),
          fleet.namePrefix() + "-", pods, sim.deadline(), System.nanoTime() + sim.deadline().toNanos());
      SimFigures.Invariants invariants = SimFigures.Invariants.check(placement, http.listAll(pods), null,
          Map.of("ReplicaSet/" + newReplicaSet, replicas));
      return report.invariants(invariants).fleet(cluster.stats())
          .check("the pod watch saw no error", events.errors() == 0,
              events.errors() + " errors" + SimResult.first(events.firstError()))
          .build();
    }
  }

  /**
   * Polls the Deployment until its rollout is complete (as {@code kubectl rollout status} decides) or the deadline;
   * each sample (the sum of the ReplicaSets' spec.replicas) goes to the sampler when one is given.
   */
  static boolean awaitComplete(BenchHttp http, String path, int replicas, long deadline,
      java.util.function.Consumer<int[]> sampler) throws Exception {
    while (System.nanoTime() < deadline) {
      JsonNode d = http.get(path);
      JsonNode status = d.path("status");
      if (sampler != null) {
        int asked = 0;
        for (JsonNode rs : http.get(path.replace("/deployments/" + NAME, "/replicasets")).path("items")) {
          asked += rs.path("spec").path("replicas").asInt();
        }
        sampler.accept(new int[] {asked});
      }
      if (status.path("observedGeneration").asLong() >= d.path("metadata").path("generation").asLong()
          && status.path("updatedReplicas").asInt() == replicas && status.path("replicas").asInt() == replicas
          && status.path("availableReplicas").asInt() == replicas) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  static String deployment(int replicas, String version) {
    return """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},"spec":{"replicas":%d,
         "selector":{"matchLabels":{"app":"churn"}},
         "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%%","maxUnavailable":"25%%"}},
         "template":{"metadata":{"labels":{"app":"churn"},"annotations":{"sim/version":"%s"}},
          "spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","3600"],
           "resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}}}"""
        .formatted(NAME, replicas, version);
  }
}
