package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.sim.SimProfile;
import io.drover.agent.sim.VirtualNodes;
import io.drover.api.Json;
import io.drover.sim.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each simulation scenario at a small size, as in CI: the run must be correct (every check of its report holds)
 * and the report must carry the figures the issue asks for. The large runs are `bin/drover bench <scenario>`.
 */
class SimScenariosTest {
  @TempDir Path dir;

  private static Optional<Report.Figure> figure(Report report, String name) {
    return report.summary().stream().filter(f -> f.name().equals(name)).findFirst();
  }

  private static void assertCorrect(SimResult result) {
    List<String> failed = result.data().invariants().stream().filter(c -> !c.ok())
        .map(c -> c.name() + ": " + c.detail()).toList();
    assertTrue(failed.isEmpty(), failed + "\n" + result.report());
  }

  @Test
  void densityPlacesEveryPodOnTheVirtualNodesAndWritesJsonAndHtml() throws Exception {
    Path json = dir.resolve("density.json");
    Path html = dir.resolve("density.html");
    int exit = Bench.simCli(new String[] {"--nodes", "20", "--pods", "300", "--clients", "8", "--journal", "memory",
            "--heartbeat", "2", "--start-delay-ms", "50..200", "--deadline", "120", "--json", json.toString(),
            "--html", html.toString()}, DensityBenchmark.Options::parse, DensityBenchmark::run);
    assertEquals(0, exit, "the run is correct");
    JsonNode report = Json.MAPPER.readTree(json.toFile());
    List<String> distributions = new java.util.ArrayList<>();
    report.path("distributions").forEach(d -> distributions.add(d.path("name").asText()));
    assertEquals(List.of("create -> bound", "create -> running", "API create request"), distributions);
    for (JsonNode d : report.path("distributions")) {
      assertEquals(300, d.path("count").asInt(), d.path("name").asText());
      assertTrue(d.path("p99").asDouble() >= d.path("p50").asDouble());
    }
    List<String> figures = new java.util.ArrayList<>();
    report.path("summary").forEach(f -> figures.add(f.path("name").asText()));
    assertTrue(figures.containsAll(List.of("pods bound per second", "pods running per second",
        "journal events per second", "heap per node", "heap per pod")), figures.toString());
    assertTrue(report.path("series").size() >= 3, "throughput over time");
    String page = Files.readString(html);
    assertTrue(page.contains("Chart") && page.contains("create -&gt; running"), "a page with charts");
  }

  @Test
  void churnReplacesEveryPodWithinMaxSurgeAndMaxUnavailable() throws Exception {
    SimResult result = ChurnBenchmark.run(ChurnBenchmark.Options.parse("--nodes", "10", "--replicas", "120",
        "--journal", "memory", "--heartbeat", "2", "--start-delay-ms", "20..100", "--deadline", "180"));
    assertCorrect(result);
    Report report = result.data();
    assertTrue(figure(report, "pods replaced per second").isPresent(), result.report());
    assertEquals(120, report.distributions().stream().filter(d -> d.name().equals("create -> running, rolling update"))
        .findFirst().orElseThrow().count(), "every pod of the update was created and ran");
  }

  @Test
  void aNodeFailureStormMovesEveryPodAndTheNodesCleanUpWhenBack() throws Exception {
    SimResult result = NodeFailureBenchmark.run(NodeFailureBenchmark.Options.parse("--nodes", "10",
        "--replicas", "60", "--fail-fraction", "0.3", "--journal", "memory", "--heartbeat", "1", "--grace-period",
        "6", "--toleration", "1", "--start-delay-ms", "20..100", "--deadline", "180"));
    assertCorrect(result);
    Report report = result.data();
    assertEquals("3", figure(report, "nodes crashed").orElseThrow().value());
    assertTrue(Integer.parseInt(figure(report, "pods on them").orElseThrow().value()) > 0, result.report());
    assertTrue(figure(report, "every pod running on a live node again after").orElseThrow().value()
        .matches("[0-9.]+"), result.report());
  }

  @Test
  void contendingSchedulersNeverOvercommitAndFillTheRoomExactly() throws Exception {
    SimResult result = ContentionBenchmark.run(ContentionBenchmark.Options.parse("--nodes", "20",
        "--schedulers", "3", "--demand", "1.2", "--clients", "8", "--journal", "memory", "--heartbeat", "2",
        "--deadline", "120"));
    assertCorrect(result);
    assertEquals("60 of 72", figure(result.data(), "pods bound").orElseThrow().value());
    assertEquals("12", figure(result.data(), "pods Pending as Unschedulable").orElseThrow().value());
  }

  @Test
  void virtualNodesCrashContainersAsTheProfileSaysAndRestartThemWithBackoff() throws Exception {
    SimOptions options = new SimOptions(2, 1, "memory", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMillis(20),
        0, 0, 7, Duration.ofSeconds(60), null, null, null, SimOptions.NodeShape.DEFAULT);
    SimProfile crashing = options.profile().withCrashes(1, Duration.ofMillis(300), Duration.ofMillis(300));
    VirtualNodes.Settings fleet = VirtualNodes.Settings.of("crashy", 2, crashing)
        .withHeartbeatInterval(Duration.ofSeconds(1)).withRestartBackoff(Duration.ofMillis(200),
            Duration.ofSeconds(1));
    try (SimCluster cluster = SimCluster.start(options, fleet, Map.of())) {
      assertTrue(cluster.awaitRegistered(System.nanoTime() + Duration.ofSeconds(30).toNanos()));
      cluster.http.createNamespace("crashy");
      cluster.http.send(1, 1, i -> cluster.http.post("/api/v1/namespaces/crashy/pods",
          SchedulerBenchmark.pod("crasher")), BenchHttp.CREATED);
      JsonNode status = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        status = cluster.http.get("/api/v1/namespaces/crashy/pods/crasher").path("status");
        if (status.path("containerStatuses").path(0).path("restartCount").asInt() >= 2) break;
        Thread.sleep(100);
      }
      JsonNode container = status.path("containerStatuses").path(0);
      JsonNode finalStatus = status;
      assertAll(finalStatus.toString(),
          () -> assertTrue(container.path("restartCount").asInt() >= 2, "restarted after each crash"),
          () -> assertEquals(1, container.path("lastState").path("terminated").path("exitCode").asInt()),
          () -> assertEquals("Error", container.path("lastState").path("terminated").path("reason").asText()),
          () -> assertTrue(cluster.stats().crashes() >= 2));
    }
  }

  @Test
  void aNodeThatLosesHeartbeatsGoesNotReadyAndBackWhileItsPodsRun() throws Exception {
    SimOptions options = SimOptions.parse(Args.parse(new String[] {"--nodes", "2", "--journal", "memory",
        "--heartbeat", "1", "--node-cpus", "2", "--node-memory-gi", "8", "--node-max-pods", "30"},
        SimOptions.KEYS), SimOptions.defaults(2));
    VirtualNodes.Settings fleet = options.fleet("quiet");
    try (SimCluster cluster = SimCluster.start(options, fleet,
        Map.of("drover.node-lifecycle.monitor-period", "500ms", "drover.node-lifecycle.grace-period", "3s"))) {
      assertTrue(cluster.awaitRegistered(System.nanoTime() + Duration.ofSeconds(30).toNanos()));
      JsonNode node = cluster.http.get("/api/v1/nodes/quiet-0");
      assertEquals("2", node.at("/status/allocatable/cpu").asText(), "the shape asked for");
      assertEquals("30", node.at("/status/allocatable/pods").asText());
      cluster.http.createNamespace("quiet");
      cluster.http.send(1, 1, i -> cluster.http.post("/api/v1/namespaces/quiet/pods",
          SchedulerBenchmark.pod("p").replace("\"spec\":{", "\"spec\":{\"nodeName\":\"quiet-0\",")),
          BenchHttp.CREATED);
      await(cluster, "/api/v1/namespaces/quiet/pods/p", pod -> PodTracker.running(pod));

      cluster.fleet.tell(new VirtualNodes.LoseHeartbeats(List.of("quiet-0")));
      await(cluster, "/api/v1/nodes/quiet-0", n -> !ready(n).equals("True"));
      assertEquals("True", ready(cluster.http.get("/api/v1/nodes/quiet-1")), "the other node heartbeats on");
      assertTrue(PodTracker.running(cluster.http.get("/api/v1/namespaces/quiet/pods/p")),
          "its pod still runs (the default toleration of 300 s has not passed)");
      assertEquals(1, cluster.stats().silentNodes());

      cluster.fleet.tell(new VirtualNodes.Restore(List.of("quiet-0")));
      await(cluster, "/api/v1/nodes/quiet-0", n -> ready(n).equals("True"));
    }
  }

  private static String ready(JsonNode node) {
    for (JsonNode condition : node.path("status").path("conditions")) {
      if (condition.path("type").asText().equals("Ready")) return condition.path("status").asText();
    }
    return "";
  }

  private static void await(SimCluster cluster, String path, java.util.function.Predicate<JsonNode> until)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = cluster.http.get(path);
      if (until.test(last)) return;
      Thread.sleep(100);
    }
    throw new AssertionError(path + " never got there: " + last);
  }
}
