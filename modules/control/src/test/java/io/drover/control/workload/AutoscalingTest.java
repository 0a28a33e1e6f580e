package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.control.metrics.PodUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoscalingTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private static final Autoscaling.Tuning TUNING =
      new Autoscaling.Tuning(0.1, Duration.ofMinutes(5), Duration.ofSeconds(30));
  private static final Autoscaling.Rules UP = new Autoscaling.Rules(0, "Max",
      List.of(new Autoscaling.Policy("Pods", 4, 15), new Autoscaling.Policy("Percent", 100, 15)));

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A Running pod, Ready for ten minutes, requesting {@code requestMilli} of cpu (none when null). */
  private static JsonNode pod(String name, Integer requestMilli) {
    String resources = requestMilli == null ? "{}" : "{\"requests\":{\"cpu\":\"" + requestMilli + "m\"}}";
    return parse("""
        {"metadata":{"name":"%s"},"spec":{"containers":[{"name":"main","resources":%s}]},
         "status":{"phase":"Running","startTime":"2026-01-01T11:50:00Z",
                   "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T11:50:01Z"}]}}"""
        .formatted(name, resources));
  }

  private static Map<String, PodUsage> usage(Map<String, Integer> milliByPod) {
    Map<String, PodUsage> usage = new HashMap<>();
    milliByPod.forEach((pod, milli) -> usage.put(pod, new PodUsage("demo", pod, pod, NOW.minusSeconds(5), 10_000,
        List.of(new PodUsage.ContainerUsage("main", milli * 1_000_000L, 1 << 20)))));
    return usage;
  }

  private static Autoscaling.Proposal cpu(int current, int target, List<JsonNode> pods, Map<String, Integer> milli) {
    return Autoscaling.resourceReplicas(current, "cpu", null, target, null, pods, usage(milli), TUNING, NOW);
  }

  @Test
  void desiredIsTheCeilingOfCurrentTimesUsageOverTarget() {
    // 2 pods requesting 100m use 90m each: 90% of requests against a 50% target -> ceil(2 * 1.8) = 4.
    Autoscaling.Proposal p = cpu(2, 50, List.of(pod("a", 100), pod("b", 100)), Map.of("a", 90, "b", 90));
    assertEquals(4, p.replicas());
    assertEquals(90L, p.utilization());
    assertEquals(90, p.rawAverage());
  }

  @Test
  void withinTheToleranceNothingChanges() {
    assertEquals(3, cpu(3, 50, List.of(pod("a", 100), pod("b", 100), pod("c", 100)),
        Map.of("a", 54, "b", 54, "c", 54)).replicas(), "54% of a 50% target is within 10%");
    assertEquals(2, cpu(3, 50, List.of(pod("a", 100), pod("b", 100), pod("c", 100)),
        Map.of("a", 30, "b", 30, "c", 30)).replicas(), "30% of 50%: ceil(3 * 0.6) = 2");
  }

  @Test
  void podsWithoutRequestsCannotBeMeasuredAgainstAUtilization() {
    Autoscaling.Proposal p = cpu(1, 50, List.of(pod("a", null)), Map.of("a", 90));
    assertEquals(-1, p.replicas());
    assertEquals("missing request for cpu of Pod a", p.error());
  }

  @Test
  void missingPodsCountAsIdleOnScaleUpAndAsFullOnScaleDown() {
    // b has no measurement yet: on a scale up it counts as 0, so 2 pods at (100+0)/200 = 50% of a 25% target -> 4.
    assertEquals(4, cpu(2, 25, List.of(pod("a", 100), pod("b", 100)), Map.of("a", 100)).replicas());
    // On a scale down it counts as its full request: (10+100)/200 = 55% of 50% -> within the tolerance, keep 2.
    assertEquals(2, cpu(2, 50, List.of(pod("a", 100), pod("b", 100)), Map.of("a", 10)).replicas());
  }

  @Test
  void aCpuSampleFromBeforeThePodTurnedReadyDoesNotCount() {
    JsonNode starting = parse("""
        {"metadata":{"name":"new"},"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"100m"}}}]},
         "status":{"phase":"Running","startTime":"2026-01-01T11:59:50Z",
                   "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T11:59:52Z"}]}}""");
    Map<String, PodUsage> usage = usage(Map.of("new", 100));
    assertTrue(Autoscaling.cpuUnready(starting, usage.get("new"), TUNING, NOW),
        "a 10 s window ending 5 s ago began before the pod was Ready");
    assertEquals("did not receive metrics for targeted pods (pods might be unready)",
        Autoscaling.resourceReplicas(1, "cpu", null, 50, null, List.of(starting), usage, TUNING, NOW).error());
  }

  @Test
  void anAverageValueTargetNeedsNoRequests() {
    Autoscaling.Proposal p = Autoscaling.resourceReplicas(2, "cpu", null, null, new java.math.BigDecimal(50),
        List.of(pod("a", null), pod("b", null)), usage(Map.of("a", 150, "b", 150)), TUNING, NOW);
    assertEquals(6, p.replicas());
    assertNull(p.utilization());
  }

  @Test
  void scaleDownWaitsForTheHighestRecommendationOfTheWindow() {
    Autoscaling.Rules down = new Autoscaling.Rules(300, "Max", List.of(new Autoscaling.Policy("Percent", 100, 15)));
    List<Autoscaling.Recommendation> recent = List.of(new Autoscaling.Recommendation(NOW.minusSeconds(200), 4),
        new Autoscaling.Recommendation(NOW.minusSeconds(400), 6));
    Autoscaling.Normalized n = Autoscaling.normalize(4, 1, 1, 10, UP, down, recent, List.of(), NOW);
    assertEquals(4, n.replicas(), "4 was recommended 200 s ago, within the 300 s window");
    assertEquals("ScaleDownStabilized", n.ableReason());
    Autoscaling.Rules shortDown = new Autoscaling.Rules(5, "Max", down.policies());
    assertEquals(1, Autoscaling.normalize(4, 1, 1, 10, UP, shortDown, recent, List.of(), NOW).replicas());
  }

  @Test
  void scaleUpIsNotDelayedByDefault() {
    Autoscaling.Rules down = new Autoscaling.Rules(300, "Max", List.of(new Autoscaling.Policy("Percent", 100, 15)));
    List<Autoscaling.Recommendation> recent = List.of(new Autoscaling.Recommendation(NOW.minusSeconds(10), 1));
    assertEquals(3, Autoscaling.normalize(1, 3, 1, 10, UP, down, recent, List.of(), NOW).replicas());
  }

  @Test
  void minAndMaxClampAndSayWhy() {
    Autoscaling.Rules down = new Autoscaling.Rules(0, "Max", List.of(new Autoscaling.Policy("Percent", 100, 15)));
    Autoscaling.Normalized high = Autoscaling.normalize(2, 9, 1, 3, UP, down, List.of(), List.of(), NOW);
    assertEquals(3, high.replicas());
    assertTrue(high.limited());
    assertEquals("TooManyReplicas", high.limitReason());
    Autoscaling.Normalized low = Autoscaling.normalize(4, 1, 2, 10, UP, down, List.of(), List.of(), NOW);
    assertEquals(2, low.replicas());
    assertEquals("TooFewReplicas", low.limitReason());
    Autoscaling.Normalized fine = Autoscaling.normalize(2, 3, 1, 10, UP, down, List.of(), List.of(), NOW);
    assertEquals(3, fine.replicas());
    assertEquals("DesiredWithinRange", fine.limitReason());
  }

  @Test
  void policiesLimitTheRateOfChange() {
    // Default scale-up: the larger of +4 pods and +100% per 15 s. From 1: at most 5.
    assertEquals(5, Autoscaling.normalize(1, 20, 1, 50, UP, UP, List.of(), List.of(), NOW).replicas());
    // One pod per minute up; one pod was added 30 s ago, so nothing more yet.
    Autoscaling.Rules slow = new Autoscaling.Rules(0, "Max", List.of(new Autoscaling.Policy("Pods", 1, 60)));
    List<Autoscaling.ScaleEvent> events = new ArrayList<>(List.of(new Autoscaling.ScaleEvent(NOW.minusSeconds(30), 1)));
    Autoscaling.Normalized n = Autoscaling.normalize(2, 5, 1, 10, slow, UP, List.of(), events, NOW);
    assertEquals(2, n.replicas());
    assertEquals("ScaleUpLimit", n.limitReason());
    // Disabled scale-down never goes down.
    Autoscaling.Rules disabled = new Autoscaling.Rules(0, "Disabled", List.of(new Autoscaling.Policy("Pods", 1, 60)));
    assertEquals(4, Autoscaling.normalize(4, 1, 1, 10, UP, disabled, List.of(), List.of(), NOW).replicas());
  }

  @Test
  void behaviorDefaultsFollowKubernetes() {
    Autoscaling.Rules up = Autoscaling.rules(Json.MAPPER.createObjectNode(), true, 300);
    Autoscaling.Rules down = Autoscaling.rules(Json.MAPPER.missingNode(), false, 300);
    assertEquals(0, up.stabilizationWindowSeconds());
    assertEquals(2, up.policies().size());
    assertEquals(300, down.stabilizationWindowSeconds());
    assertEquals("Max", down.selectPolicy());
  }
}
