package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerBenchmarkTest {

  @Test
  void everyPodIsBoundWithoutOvercommitAndTheAllocationEntitiesAgree() throws Exception {
    SchedulerBenchmark.Result result = SchedulerBenchmark.run(
        SchedulerBenchmark.Options.parse("--nodes", "20", "--pods", "100"));
    SchedulerBenchmark.Placement placement = result.placement();

    assertAll(result.report(),
        () -> assertEquals(0, result.nodeCreateFailures(), "node creates: " + result.firstNodeCreateFailure()),
        () -> assertEquals(0, result.podCreateFailures(), "pod creates: " + result.firstPodCreateFailure()),
        () -> assertEquals(100, result.bound(), "bound pods seen on the watch"),
        () -> assertEquals(20, placement.nodesChecked()),
        () -> assertEquals(100, placement.podsBound(), "bound pods listed"),
        () -> assertEquals(0, placement.overcommittedNodes(), placement.firstOvercommit()),
        () -> assertEquals(0, placement.unreservedPods(), placement.firstAllocationMismatch()),
        () -> assertEquals(0, placement.strayReservations(), placement.firstAllocationMismatch()),
        () -> assertTrue(placement.maxPodsPerNode() <= 110),
        () -> assertEquals(0, result.watchErrors(), "watch errors: " + result.firstWatchError()),
        () -> assertTrue(result.cycles().cycles() > 0, "pure cycles ran"),
        () -> assertTrue(result.correct()));
  }

  @Test
  void theCheckCountsANodeWhosePodsRequestMoreThanItsAllocatableAsOvercommitted() throws Exception {
    JsonNode node = Json.MAPPER.readTree(SchedulerBenchmark.node("n1", Instant.now()));
    List<JsonNode> pods = new ArrayList<>();
    for (int i = 0; i < 41; i++) { // 41 x 100m on a 4-cpu node
      pods.add(boundPod("p" + i, "n1"));
    }
    Set<String> reservedKeys = Set.copyOf(pods.stream()
        .map(p -> "core/Pod/bench-scheduler/" + p.path("metadata").path("name").asText()).toList());

    SchedulerBenchmark.Placement over = SchedulerBenchmark.check(List.of(node), pods, Map.of("n1", reservedKeys));
    SchedulerBenchmark.Placement fits = SchedulerBenchmark.check(List.of(node), pods.subList(0, 40),
        Map.of("n1", reservedKeys));

    assertEquals(1, over.overcommittedNodes(), "4100m on 4000m");
    assertEquals(0, over.unreservedPods() + over.strayReservations());
    assertEquals(0, fits.overcommittedNodes(), "4000m on 4000m fits");
    assertEquals(1, fits.strayReservations(), "the entity reserves a pod that is not bound there");
    assertEquals(0, fits.unreservedPods());
    SchedulerBenchmark.Placement unreserved = SchedulerBenchmark.check(List.of(node), pods.subList(0, 2),
        Map.of("n1", Set.of()));
    assertEquals(2, unreserved.unreservedPods(), "bound pods the entity does not hold");
    assertEquals(4000, fits.maxCpuMillisPerNode());
  }

  @Test
  void thePureCycleSchedulesOnTheSnapshot() {
    SchedulerBenchmark.Cycles cycles = SchedulerBenchmark.cycles(10, 2, Duration.ZERO, Duration.ofMillis(100));
    assertTrue(cycles.cycles() > 0 && cycles.cyclesPerSecond() > 0, cycles.toString());
  }

  private static JsonNode boundPod(String name, String node) throws Exception {
    ObjectNode pod =
        (ObjectNode) Json.MAPPER.readTree(SchedulerBenchmark.pod(name));
    ((ObjectNode) pod.get("metadata")).put("namespace", "bench-scheduler");
    ((ObjectNode) pod.get("spec")).put("nodeName", node);
    return pod;
  }
}
