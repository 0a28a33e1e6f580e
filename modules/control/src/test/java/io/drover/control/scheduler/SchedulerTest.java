package io.drover.control.scheduler;

import static io.drover.control.scheduler.Fixtures.node;
import static io.drover.control.scheduler.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  private final Profile profile = Profile.defaults();

  @Test
  void mixedClusterFailureMessageMatchesKubeScheduler() {
    List<NodeInfo> nodes = List.of(
        node("small").allocatable("2", "8Gi", 110).with(),
        node("gpu").allocatable("16", "64Gi", 110).taint("dedicated", "gpu", "NoSchedule").with(),
        node("cordoned").allocatable("16", "64Gi", 110).unschedulable().with());
    ScheduleResult result = Scheduler.schedule(pod("p").requests("4", "1Gi").build(), nodes, profile);

    assertFalse(result.scheduled());
    assertEquals("0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, "
        + "1 node(s) were unschedulable.", result.failureMessage());
    assertEquals(Map.of("small", "Insufficient cpu", "gpu", "node(s) had untolerated taint {dedicated: gpu}",
        "cordoned", "node(s) were unschedulable"), result.nodeFailures());
  }

  @Test
  void reasonsAreSortedAsStringsAndEveryReasonOfANodeCounts() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 10; i++) nodes.add(node("cordoned-" + i).unschedulable().with());
    nodes.add(node("tiny-1").allocatable("1", "1Gi", 110).with());
    nodes.add(node("tiny-2").allocatable("1", "1Gi", 110).with());
    ScheduleResult result = Scheduler.schedule(pod("p").requests("2", "2Gi").build(), nodes, profile);
    // Go sorts "10 ..." before "2 ...".
    assertEquals("0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu, "
        + "2 Insufficient memory.", result.failureMessage());
    assertEquals("Insufficient cpu, Insufficient memory", result.nodeFailures().get("tiny-1"));
  }

  @Test
  void emptyClusterHasNoNodesAvailable() {
    ScheduleResult result = Scheduler.schedule(pod("p").build(), List.of(), profile);
    assertEquals("no nodes available to schedule pods", result.failureMessage());
  }

  @Test
  void pinnedPodReportsTheOtherNodesAsNotSatisfyingNodeAffinity() {
    var daemonPod = pod("ds-abc").requests("8", null).spec("""
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
              - matchFields: [{key: metadata.name, operator: In, values: [n1]}]
        """).build();
    List<NodeInfo> nodes = List.of(node("n1").with(), node("n2").with(), node("n3").with());
    ScheduleResult result = Scheduler.schedule(daemonPod, nodes, profile);
    assertEquals("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
        result.failureMessage());
  }

  @Test
  void conflictingNodeNamePinsRejectThePodBeforeFiltering() {
    var pod = pod("p").spec("""
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
              - matchFields:
                - {key: metadata.name, operator: In, values: [n1]}
                - {key: metadata.name, operator: In, values: [n2]}
        """).build();
    ScheduleResult result = Scheduler.schedule(pod, List.of(node("n1").with(), node("n2").with()), profile);
    assertEquals("0/2 nodes are available: pod affinity terms conflict.", result.failureMessage());
    assertEquals(Set.of("n1", "n2"), result.nodeFailures().keySet());
  }

  @Test
  void rankingCombinesWeightedScoresOverFiveNodes() {
    // The pod asks for 1 cpu / 2Gi, belongs to rs-1 and prefers zone a.
    var pod = pod("web-3").requests("1", "2Gi").ownedBy("rs-1").spec("""
        affinity:
          nodeAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}
        """).build();
    // Totals = 3 x TaintToleration + 2 x NodeAffinity + 1 x LeastAllocated + 2 x spread + 1 x BalancedAllocation.
    List<NodeInfo> nodes = List.of(
        // 0 + 200 + 93 + 200 + 100 = 593: an untolerated soft taint costs the most.
        node("soft-tainted").allocatable("16", "32Gi", 110).label("zone", "a")
            .taint("maintenance", "soon", "PreferNoSchedule").with(),
        // 300 + 200 + 92 + 0 + 99 = 691: already runs both siblings.
        node("siblings").allocatable("16", "32Gi", 110).label("zone", "a")
            .with(pod("web-1").requests("100m", "128Mi").ownedBy("rs-1").build(),
                pod("web-2").requests("100m", "128Mi").ownedBy("rs-1").build()),
        // 300 + 0 + 93 + 200 + 100 = 693: wrong zone, but emptier than "siblings".
        node("zone-b").allocatable("16", "32Gi", 110).label("zone", "b").with(),
        // 300 + 200 + 37 + 200 + 87 = 824: right zone, small and half used.
        node("busy").allocatable("4", "8Gi", 110).label("zone", "a")
            .with(pod("batch").requests("2", "2Gi").build()),
        // 300 + 200 + 93 + 200 + 100 = 893: right zone, big and empty.
        node("best").allocatable("16", "32Gi", 110).label("zone", "a").with());

    ScheduleResult result = Scheduler.schedule(pod, nodes, profile);

    assertNull(result.failureMessage());
    assertEquals(Map.of(), result.nodeFailures());
    assertEquals(List.of("best", "busy", "zone-b", "siblings", "soft-tainted"), result.rankedNodes());
  }

  @Test
  void infeasibleNodesAreLeftOutOfTheRanking() {
    List<NodeInfo> nodes = List.of(node("full").allocatable("1", "1Gi", 110).with(), node("roomy").with());
    ScheduleResult result = Scheduler.schedule(pod("p").requests("2", null).build(), nodes, profile);
    assertEquals(List.of("roomy"), result.rankedNodes());
    assertEquals(Map.of("full", "Insufficient cpu"), result.nodeFailures());
  }

  @Test
  void tiesBreakTheSameWayForOnePodButDifferentlyAcrossPods() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 5; i++) nodes.add(node("n" + i).with());
    var pod = pod("p").requests("1", "1Gi").build();
    List<NodeInfo> reversed = new ArrayList<>(nodes);
    Collections.reverse(reversed);
    assertEquals(Scheduler.schedule(pod, nodes, profile).rankedNodes(),
        Scheduler.schedule(pod, reversed, profile).rankedNodes());

    Set<String> firstChoices = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      firstChoices.add(Scheduler.schedule(pod("p" + i).requests("1", "1Gi").build(), nodes, profile)
          .bestNode().orElseThrow());
    }
    assertTrue(firstChoices.size() >= 4, "first choices: " + firstChoices);
  }

  @Test
  void reservedPodSteersTheNextPodElsewhere() {
    NodeInfo a = node("a").with();
    NodeInfo b = node("b").with();
    var first = pod("web-1").requests("1", "1Gi").ownedBy("rs-1").build();
    String chosen = Scheduler.schedule(first, List.of(a, b), profile).bestNode().orElseThrow();
    List<NodeInfo> after = chosen.equals("a") ? List.of(a.withPod(first), b) : List.of(a, b.withPod(first));

    var second = pod("web-2").requests("1", "1Gi").ownedBy("rs-1").build();
    String next = Scheduler.schedule(second, after, profile).bestNode().orElseThrow();
    assertTrue(!next.equals(chosen), "both pods went to " + chosen);
  }

  @Test
  void unreadablePodRequestFailsTheCycleWithAMessage() {
    ScheduleResult result = Scheduler.schedule(pod("p").requests("lots", null).build(), List.of(node("n").with()),
        profile);
    assertFalse(result.scheduled());
    assertTrue(result.failureMessage().startsWith("invalid pod: "), result.failureMessage());
  }

  @Test
  void failingPluginStopsTheCycleNamingThePlugin() {
    FilterPlugin broken = new FilterPlugin() {
      @Override
      public String name() {
        return "Broken";
      }

      @Override
      public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
        throw new IllegalStateException("no data");
      }
    };
    Profile withBroken = new Profile(List.of(new NodeName(), broken), profile.scores());
    ScheduleResult result = Scheduler.schedule(pod("p").build(), List.of(node("n").with()), withBroken);
    assertEquals("running \"Broken\" filter plugin: no data", result.failureMessage());
  }

  @Test
  void feasibleNodesToFindFollowsKubeSchedulersAdaptivePercentage() {
    assertEquals(50, Scheduler.feasibleNodesToFind(50));
    assertEquals(100, Scheduler.feasibleNodesToFind(100));
    assertEquals(420, Scheduler.feasibleNodesToFind(1000)); // 50% - 1000/125 = 42%
    assertEquals(500, Scheduler.feasibleNodesToFind(5000)); // 50% - 40 = 10%
    assertEquals(1000, Scheduler.feasibleNodesToFind(20000)); // never below 5%
    assertEquals(100, Scheduler.feasibleNodesToFind(150)); // never below 100 nodes
  }

  @Test
  void aLargeClusterIsFilteredOnlyUntilEnoughNodesFitAndDifferentPodsStartElsewhere() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 1000; i++) nodes.add(node("n-" + i).allocatable("4", "16Gi", 110).with());
    ScheduleResult first = Scheduler.schedule(pod("a").requests("100m", "64Mi").build(), nodes, profile);
    ScheduleResult second = Scheduler.schedule(pod("b").requests("100m", "64Mi").build(), nodes, profile);
    assertEquals(420, first.rankedNodes().size());
    assertEquals(420, second.rankedNodes().size());
    assertNotEquals(new java.util.HashSet<>(first.rankedNodes()), new java.util.HashSet<>(second.rankedNodes()));
  }

  @Test
  void whenFewNodesFitEveryNodeIsLookedAtAndTheFailuresCountThemAll() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 300; i++) nodes.add(node("full-" + i).allocatable("1", "1Gi", 110).with());
    nodes.add(node("big").allocatable("8", "32Gi", 110).with());
    ScheduleResult result = Scheduler.schedule(pod("p").requests("4", "1Gi").build(), nodes, profile);
    assertEquals(List.of("big"), result.rankedNodes());
    assertEquals(300, result.nodeFailures().size());
  }
}
