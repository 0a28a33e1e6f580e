package io.drover.control.scheduler;

import static io.drover.control.scheduler.Fixtures.filter;
import static io.drover.control.scheduler.Fixtures.node;
import static io.drover.control.scheduler.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.control.scheduler.Status.Code;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FilterPluginTest {

  private static void assertRejected(Status status, Code code, String... reasons) {
    assertEquals(code, status.code(), status.toString());
    assertEquals(List.of(reasons), status.reasons());
  }

  private static void assertFits(Status status) {
    assertTrue(status.isSuccess(), status.toString());
  }

  @Nested
  class NodeUnschedulableFilter {
    private final NodeUnschedulable plugin = new NodeUnschedulable();

    @Test
    void cordonedNodeRejectsPodWithUnresolvableReason() {
      Status status = filter(plugin, pod("p").build(), node("n1").unschedulable().with());
      assertRejected(status, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) were unschedulable");
    }

    @Test
    void podToleratingTheUnschedulableTaintFitsOnCordonedNode() {
      var pod = pod("p").toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule").build();
      assertFits(filter(plugin, pod, node("n1").unschedulable().with()));
    }

    @Test
    void schedulableNodeFits() {
      assertFits(filter(plugin, pod("p").build(), node("n1").with()));
    }
  }

  @Nested
  class NodeResourcesFitFilter {
    private final NodeResourcesFit plugin = new NodeResourcesFit();

    @Test
    void podFitsIntoWhatIsLeft() {
      NodeInfo node = node("n1").allocatable("2", "4Gi", 10).with(pod("a").requests("1500m", "3Gi").build());
      assertFits(filter(plugin, pod("p").requests("500m", "1Gi").build(), node));
    }

    @Test
    void cpuShortageIsReported() {
      NodeInfo node = node("n1").allocatable("2", "4Gi", 10).with(pod("a").requests("1500m", "1Gi").build());
      assertRejected(filter(plugin, pod("p").requests("501m", "1Gi").build(), node),
          Code.UNSCHEDULABLE, "Insufficient cpu");
    }

    @Test
    void everyShortageIsReportedInKubernetesOrder() {
      NodeInfo node = node("n1").allocatable("1", "1Gi", 1).with(pod("a").requests("1", "1Gi").build());
      assertRejected(filter(plugin, pod("p").requests("1", "1Gi").build(), node),
          Code.UNSCHEDULABLE, "Too many pods", "Insufficient cpu", "Insufficient memory");
    }

    @Test
    void podCountIsLimitedEvenForPodsWithoutRequests() {
      NodeInfo node = node("n1").allocatable("4", "8Gi", 2).with(pod("a").build(), pod("b").build());
      assertRejected(filter(plugin, pod("p").build(), node), Code.UNSCHEDULABLE, "Too many pods");
    }

    @Test
    void podWithoutRequestsFitsOnAFullNode() {
      NodeInfo node = node("n1").allocatable("1", "1Gi", 10).with(pod("a").requests("1", "1Gi").build());
      assertFits(filter(plugin, pod("p").build(), node));
    }

    @Test
    void finishedPodsHoldNoResources() {
      NodeInfo node = node("n1").allocatable("1", "1Gi", 10)
          .with(pod("done").requests("1", "1Gi").phase("Succeeded").build());
      assertFits(filter(plugin, pod("p").requests("1", "1Gi").build(), node));
    }

    @Test
    void reservationAddedToTheSnapshotCounts() {
      NodeInfo node = node("n1").allocatable("1", "1Gi", 10).with();
      NodeInfo reserved = node.withPod(pod("a").requests("800m", "100Mi").build());
      assertFits(filter(plugin, pod("p").requests("500m", null).build(), node));
      assertRejected(filter(plugin, pod("p").requests("500m", null).build(), reserved),
          Code.UNSCHEDULABLE, "Insufficient cpu");
      assertFits(filter(plugin, pod("p").requests("500m", null).build(), reserved.withoutPod("uid-a")));
    }
  }

  @Nested
  class NodeNameFilter {
    private final NodeName plugin = new NodeName();

    @Test
    void podNamingANodeFitsOnlyThere() {
      var pod = pod("p").nodeName("n1").build();
      assertFits(filter(plugin, pod, node("n1").with()));
      assertRejected(filter(plugin, pod, node("n2").with()), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) didn't match the requested node name");
    }

    @Test
    void podWithoutNodeNameFitsAnywhere() {
      assertFits(filter(plugin, pod("p").build(), node("n2").with()));
    }
  }

  @Nested
  class NodeAffinityFilter {
    private final NodeAffinity plugin = new NodeAffinity();
    private final NodeInfo ssdNode = node("n1").label("disk", "ssd").label("cores", "16").with();
    private final NodeInfo plainNode = node("n2").label("cores", "4").with();

    private Status affinity(String expressions, NodeInfo node) {
      var pod = pod("p").spec("""
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
          """ + expressions.indent(6)).build();
      return filter(plugin, pod, node, List.of(ssdNode, plainNode));
    }

    @Test
    void nodeSelectorMustMatchLabels() {
      var pod = pod("p").nodeSelector("disk", "ssd").build();
      assertFits(filter(plugin, pod, ssdNode));
      assertRejected(filter(plugin, pod, plainNode), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) didn't match Pod's node affinity/selector");
    }

    @Test
    void inAndNotInCompareLabelValues() {
      String in = "- matchExpressions: [{key: disk, operator: In, values: [ssd, nvme]}]";
      assertFits(affinity(in, ssdNode));
      assertRejected(affinity(in, plainNode), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) didn't match Pod's node affinity/selector");
      String notIn = "- matchExpressions: [{key: disk, operator: NotIn, values: [ssd]}]";
      assertFits(affinity(notIn, plainNode));
      assertTrue(affinity(notIn, ssdNode).isRejected());
    }

    @Test
    void existsAndDoesNotExistLookAtTheKeyOnly() {
      assertFits(affinity("- matchExpressions: [{key: disk, operator: Exists}]", ssdNode));
      assertTrue(affinity("- matchExpressions: [{key: disk, operator: Exists}]", plainNode).isRejected());
      assertFits(affinity("- matchExpressions: [{key: disk, operator: DoesNotExist}]", plainNode));
      assertTrue(affinity("- matchExpressions: [{key: disk, operator: DoesNotExist}]", ssdNode).isRejected());
    }

    @Test
    void gtAndLtCompareIntegers() {
      assertFits(affinity("- matchExpressions: [{key: cores, operator: Gt, values: ['8']}]", ssdNode));
      assertTrue(affinity("- matchExpressions: [{key: cores, operator: Gt, values: ['8']}]", plainNode).isRejected());
      assertFits(affinity("- matchExpressions: [{key: cores, operator: Lt, values: ['8']}]", plainNode));
      assertTrue(affinity("- matchExpressions: [{key: disk, operator: Lt, values: ['8']}]", ssdNode).isRejected());
    }

    @Test
    void termsAreOredAndRequirementsWithinATermAnded() {
      String terms = """
          - matchExpressions: [{key: disk, operator: In, values: [ssd]}, {key: cores, operator: In, values: ['4']}]
          - matchExpressions: [{key: cores, operator: In, values: ['4']}]
          """;
      assertFits(affinity(terms, plainNode));
      assertTrue(affinity(terms, ssdNode).isRejected());
    }

    @Test
    void emptyTermMatchesNoNode() {
      assertTrue(affinity("- matchExpressions: []", ssdNode).isRejected());
    }

    @Test
    void matchFieldsSelectsByNodeNameAndNarrowsTheCandidates() {
      String byName = "- matchFields: [{key: metadata.name, operator: In, values: [n2]}]";
      assertFits(affinity(byName, plainNode));
      assertTrue(affinity(byName, ssdNode).isRejected());

      var pod = pod("p").spec("""
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                - matchFields: [{key: metadata.name, operator: In, values: [n2]}]
          """).build();
      PreFilterResult pre = plugin.preFilter(new CycleState(), PodInfo.of(pod), List.of(ssdNode, plainNode));
      assertEquals(Set.of("n2"), pre.nodeNames());
    }

    @Test
    void podWithoutNodeConstraintsSkipsTheFilter() {
      PreFilterResult pre = plugin.preFilter(new CycleState(), PodInfo.of(pod("p").build()), List.of(ssdNode));
      assertEquals(Code.SKIP, pre.status().code());
    }
  }

  @Nested
  class TaintTolerationFilter {
    private final TaintToleration plugin = new TaintToleration();
    private final NodeInfo gpuNode = node("n1").taint("dedicated", "gpu", "NoSchedule").with();

    @Test
    void untoleratedNoScheduleTaintIsNamedInTheReason() {
      assertRejected(filter(plugin, pod("p").build(), gpuNode), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) had untolerated taint {dedicated: gpu}");
    }

    @Test
    void equalTolerationNeedsTheSameValue() {
      assertFits(filter(plugin, pod("p").toleration("dedicated", "Equal", "gpu", "NoSchedule").build(), gpuNode));
      assertFits(filter(plugin, pod("p").toleration("dedicated", null, "gpu", null).build(), gpuNode));
      assertTrue(filter(plugin, pod("p").toleration("dedicated", "Equal", "cpu", "NoSchedule").build(), gpuNode)
          .isRejected());
    }

    @Test
    void existsWithoutKeyToleratesEverything() {
      assertFits(filter(plugin, pod("p").toleration(null, "Exists", null, null).build(), gpuNode));
    }

    @Test
    void tolerationForAnotherEffectDoesNotHelp() {
      var pod = pod("p").toleration("dedicated", "Exists", null, "NoExecute").build();
      assertTrue(filter(plugin, pod, gpuNode).isRejected());
    }

    @Test
    void noExecuteTaintsBlockAndPreferNoScheduleTaintsDoNot() {
      NodeInfo node = node("n2").taint("soft", "x", "PreferNoSchedule").taint("hard", "", "NoExecute").with();
      assertRejected(filter(plugin, pod("p").build(), node), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) had untolerated taint {hard: }");
      assertFits(filter(plugin, pod("p").toleration("hard", "Exists", null, null).build(), node));
    }
  }

  @Nested
  class NodePortsFilter {
    private final NodePorts plugin = new NodePorts();
    private final NodeInfo node = node("n1").with(pod("web").hostPort(8080, null, null).build(),
        pod("dns").hostPort(53, "UDP", "10.0.0.1").build());

    @Test
    void samePortAndProtocolConflict() {
      assertRejected(filter(plugin, pod("p").hostPort(8080, "TCP", null).build(), node), Code.UNSCHEDULABLE,
          "node(s) didn't have free ports for the requested pod ports");
    }

    @Test
    void otherProtocolOrPortIsFree() {
      assertFits(filter(plugin, pod("p").hostPort(8080, "UDP", null).build(), node));
      assertFits(filter(plugin, pod("p").hostPort(8081, null, null).build(), node));
    }

    @Test
    void specificAddressesConflictOnlyWithTheSameAddressOrAllAddresses() {
      assertFits(filter(plugin, pod("p").hostPort(53, "UDP", "10.0.0.2").build(), node));
      assertTrue(filter(plugin, pod("p").hostPort(53, "UDP", "10.0.0.1").build(), node).isRejected());
      assertTrue(filter(plugin, pod("p").hostPort(53, "UDP", null).build(), node).isRejected());
      assertTrue(filter(plugin, pod("p").hostPort(8080, null, "10.0.0.9").build(), node).isRejected());
    }
  }

  @Nested
  class InterPodAffinityFilter {
    private final InterPodAffinity plugin = new InterPodAffinity();

    private static final String ANTI_AFFINITY_WEB = """
        affinity:
          podAntiAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
        """;

    @Test
    void antiAffinityRejectsNodeRunningAMatchingPod() {
      NodeInfo busy = node("n1").with(pod("web-1").label("app", "web").build());
      NodeInfo free = node("n2").with(pod("db-1").label("app", "db").build());
      var pod = pod("web-2").label("app", "web").spec(ANTI_AFFINITY_WEB).build();
      List<NodeInfo> all = List.of(busy, free);
      assertRejected(filter(plugin, pod, busy, all), Code.UNSCHEDULABLE,
          "node(s) didn't match pod anti-affinity rules");
      assertFits(filter(plugin, pod, free, all));
    }

    @Test
    void antiAffinityLooksInThePodsOwnNamespaceByDefault() {
      NodeInfo node = node("n1").with(pod("web-1").namespace("other").label("app", "web").build());
      var pod = pod("web-2").label("app", "web").spec(ANTI_AFFINITY_WEB).build();
      assertFits(filter(plugin, pod, node));
    }

    @Test
    void existingPodsAntiAffinityKeepsMatchingPodsAway() {
      NodeInfo node = node("n1").with(pod("web-1").label("app", "web").spec(ANTI_AFFINITY_WEB).build());
      assertRejected(filter(plugin, pod("web-2").label("app", "web").build(), node), Code.UNSCHEDULABLE,
          "node(s) didn't satisfy existing pods anti-affinity rules");
      assertFits(filter(plugin, pod("db").label("app", "db").build(), node));
    }

    @Test
    void zoneTopologyRejectsEveryNodeOfTheZone() {
      NodeInfo a1 = node("a1").label("zone", "a").with(pod("web-1").label("app", "web").build());
      NodeInfo a2 = node("a2").label("zone", "a").with();
      NodeInfo b1 = node("b1").label("zone", "b").with();
      var pod = pod("web-2").label("app", "web").spec("""
          affinity:
            podAntiAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
              - labelSelector: {matchLabels: {app: web}}
                topologyKey: zone
          """).build();
      List<NodeInfo> all = List.of(a1, a2, b1);
      assertTrue(filter(plugin, pod, a2, all).isRejected());
      assertFits(filter(plugin, pod, b1, all));
    }

    @Test
    void requiredAffinityNeedsAMatchingPodInTheDomainExceptForTheFirstOfAGroup() {
      String cacheAffinity = """
          affinity:
            podAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
              - labelSelector: {matchLabels: {app: cache}}
                topologyKey: kubernetes.io/hostname
          """;
      NodeInfo withCache = node("n1").with(pod("cache-1").label("app", "cache").build());
      NodeInfo empty = node("n2").with();
      var web = pod("web").spec(cacheAffinity).build();
      assertFits(filter(plugin, web, withCache, List.of(withCache, empty)));
      assertRejected(filter(plugin, web, empty, List.of(withCache, empty)), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
          "node(s) didn't match pod affinity rules");
      // No cache pod anywhere: a pod that matches its own term may start the group.
      var firstCache = pod("cache-1").label("app", "cache").spec(cacheAffinity).build();
      assertFits(filter(plugin, firstCache, empty, List.of(empty)));
      assertTrue(filter(plugin, web, empty, List.of(empty)).isRejected());
    }
  }
}
