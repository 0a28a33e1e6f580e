package io.drover.control.scheduler;

import static io.drover.control.scheduler.Fixtures.node;
import static io.drover.control.scheduler.Fixtures.pod;
import static io.drover.control.scheduler.Fixtures.scores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ScorePluginTest {

  @Nested
  class LeastAllocated {
    private final NodeResourcesLeastAllocated plugin = new NodeResourcesLeastAllocated();

    @Test
    void emptierNodeScoresHigherWithTheKubernetesFormula() {
      NodeInfo empty = node("empty").allocatable("4", "8Gi", 110).with();
      NodeInfo half = node("half").allocatable("4", "8Gi", 110).with(pod("a").requests("2", "2Gi").build());
      var pod = pod("p").requests("1", "2Gi").build();
      // empty: cpu (4000-1000)*100/4000 = 75, memory (8-2)*100/8 = 75 -> 75
      // half:  cpu (4000-3000)*100/4000 = 25, memory (8-4)*100/8 = 50 -> 37
      assertEquals(Map.of("empty", 75L, "half", 37L), scores(plugin, pod, List.of(empty, half)));
    }

    @Test
    void podsWithoutRequestsStillWeighOnTheNode() {
      NodeInfo crowded = node("crowded").allocatable("1", "1Gi", 110)
          .with(pod("a").build(), pod("b").build(), pod("c").build());
      NodeInfo empty = node("empty").allocatable("1", "1Gi", 110).with();
      Map<String, Long> scores = scores(plugin, pod("p").build(), List.of(crowded, empty));
      assertTrue(scores.get("empty") > scores.get("crowded"), scores.toString());
    }
  }

  @Nested
  class BalancedAllocation {
    private final NodeResourcesBalancedAllocation plugin = new NodeResourcesBalancedAllocation();

    @Test
    void nodeUsedInEqualProportionScoresHighest() {
      NodeInfo cpuHeavy = node("cpu-heavy").allocatable("4", "8Gi", 110).with(pod("a").requests("3", "1Gi").build());
      NodeInfo even = node("even").allocatable("4", "8Gi", 110).with(pod("a").requests("1", "3Gi").build());
      var pod = pod("p").requests("1", "1Gi").build();
      // cpu-heavy: fractions 1.0 and 0.25 -> std 0.375 -> 62; even: 0.5 and 0.5 -> 100
      assertEquals(Map.of("cpu-heavy", 62L, "even", 100L), scores(plugin, pod, List.of(cpuHeavy, even)));
    }

    @Test
    void podWithoutRequestsIsNotScored() {
      assertEquals(Map.of(), scores(plugin, pod("p").build(), List.of(node("n1").with())));
    }
  }

  @Nested
  class TaintTolerationScore {
    private final TaintToleration plugin = new TaintToleration();

    @Test
    void fewerUntoleratedPreferNoScheduleTaintsScoreHigher() {
      NodeInfo clean = node("clean").with();
      NodeInfo one = node("one").taint("a", "1", "PreferNoSchedule").taint("hard", "", "NoSchedule").with();
      NodeInfo two = node("two").taint("a", "1", "PreferNoSchedule").taint("b", "2", "PreferNoSchedule").with();
      NodeInfo tolerated = node("tolerated").taint("c", "3", "PreferNoSchedule").with();
      var pod = pod("p").toleration("c", "Exists", null, "PreferNoSchedule").build();
      assertEquals(Map.of("clean", 100L, "one", 50L, "two", 0L, "tolerated", 100L),
          scores(plugin, pod, List.of(clean, one, two, tolerated)));
    }

    @Test
    void noSoftTaintsAnywhereGivesEveryNodeFullMarks() {
      assertEquals(Map.of("a", 100L, "b", 100L), scores(plugin, pod("p").build(), List.of(node("a").with(),
          node("b").with())));
    }
  }

  @Nested
  class NodeAffinityScore {
    private final NodeAffinity plugin = new NodeAffinity();

    @Test
    void matchingPreferredTermWeightsAreSummedAndScaled() {
      var pod = pod("p").spec("""
          affinity:
            nodeAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 80
                preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}
              - weight: 20
                preference: {matchExpressions: [{key: disk, operator: Exists}]}
              - weight: 50
                preference: {}
          """).build();
      NodeInfo both = node("both").label("zone", "a").label("disk", "ssd").with();
      NodeInfo zoneOnly = node("zone-only").label("zone", "a").with();
      NodeInfo diskOnly = node("disk-only").label("disk", "hdd").with();
      NodeInfo neither = node("neither").with();
      assertEquals(Map.of("both", 100L, "zone-only", 80L, "disk-only", 20L, "neither", 0L),
          scores(plugin, pod, List.of(both, zoneOnly, diskOnly, neither)));
    }

    @Test
    void podWithoutPreferencesIsNotScored() {
      assertEquals(Map.of(), scores(plugin, pod("p").build(), List.of(node("n1").with())));
    }
  }

  @Nested
  class ControllerSpreadScore {
    private final ControllerSpread plugin = new ControllerSpread();

    @Test
    void nodesWithFewerPodsOfTheSameControllerScoreHigher() {
      NodeInfo none = node("none").with(pod("other").ownedBy("rs-2").build(), pod("bare").build());
      NodeInfo one = node("one").with(pod("a").ownedBy("rs-1").build());
      NodeInfo two = node("two").with(pod("b").ownedBy("rs-1").build(), pod("c").ownedBy("rs-1").build());
      NodeInfo elsewhere = node("elsewhere").with(pod("d").namespace("prod").ownedBy("rs-1").build());
      var pod = pod("p").ownedBy("rs-1").build();
      assertEquals(Map.of("none", 100L, "one", 50L, "two", 0L, "elsewhere", 100L),
          scores(plugin, pod, List.of(none, one, two, elsewhere)));
    }

    @Test
    void podWithoutControllerIsNotScored() {
      assertEquals(Map.of(), scores(plugin, pod("p").build(), List.of(node("n1").with())));
    }
  }
}
