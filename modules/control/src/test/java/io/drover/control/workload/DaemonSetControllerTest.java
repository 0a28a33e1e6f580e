package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DaemonSetControllerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static StoredObject ds(String image, String extraSpec) {
    ObjectNode ds = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'d','namespace':'ns','uid':'ds-uid','generation':1},
         'spec':{%s'selector':{'matchLabels':{'app':'d'}},
          'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':1}},
          'template':{'metadata':{'labels':{'app':'d'}},'spec':{'nodeSelector':{'pool':'a'},
            'containers':[{'name':'c','image':'%s'}]}}}}""".formatted(extraSpec, image));
    return new StoredObject(ResourceRegistry.DAEMON_SET, "ns", "d", ds, 10, 1);
  }

  static StoredObject node(String name, String pool, String taintEffect) {
    ObjectNode node = (ObjectNode) DeploymentRolloutTest.json("""
        {'metadata':{'name':'%s','labels':{'pool':'%s'}},'spec':{%s}}""".formatted(name, pool,
        taintEffect == null ? "" : "'taints':[{'key':'dedicated','effect':'" + taintEffect + "'}]"));
    return new StoredObject(ResourceRegistry.NODE, "", name, node, 1, 1);
  }

  static StoredObject pod(StoredObject ds, String name, String node, boolean ready) {
    ObjectNode pod = DaemonSetController.daemonPod(ds.object(), Owners.reference(ResourceRegistry.DAEMON_SET,
        ds.object()), name, node);
    Json.object(pod, "metadata").put("uid", "u-" + name).put("creationTimestamp", "2026-01-01T00:00:00Z");
    Json.object(pod, "spec").put("nodeName", node);
    ObjectNode status = pod.putObject("status").put("phase", "Running");
    if (ready) {
      status.putArray("conditions").addObject().put("type", "Ready").put("status", "True")
          .put("lastTransitionTime", "2026-01-01T00:00:00Z");
    }
    return new StoredObject(ResourceRegistry.POD, "ns", name, pod, 2, 1);
  }

  static PodOwnerController.State none() {
    return new PodOwnerController.State("ds-uid", Set.of(), Set.of());
  }

  @Test
  void onePodPerEligibleNodeAndNoneWhereTheSelectorOrATaintSaysNo() {
    StoredObject ds = ds("v1", "");
    List<StoredObject> nodes = List.of(node("n1", "a", null), node("n2", "a", null), node("n3", "b", null),
        node("n4", "a", "NoSchedule"), node("n5", "a", "PreferNoSchedule"));
    var plan = DaemonSetController.plan(ds, nodes, List.of(pod(ds, "d-x", "n1", true)), none(), Set.of(), NOW);
    assertEquals(List.of("n2", "n5"), plan.needing());
    assertEquals(2, plan.create());
    assertEquals(3, plan.status().path("desiredNumberScheduled").asInt());
    ObjectNode created = DaemonSetController.daemonPod(ds.object(), Owners.reference(ResourceRegistry.DAEMON_SET,
        ds.object()), "d-y", "n2");
    assertEquals("n2", DaemonSetController.targetNode(created));
    assertTrue(created.at("/spec/tolerations").toString().contains("node.kubernetes.io/unschedulable"));
  }

  @Test
  void extraPodsAndPodsOnNodesNoLongerEligibleAreDeleted() {
    StoredObject ds = ds("v1", "");
    List<StoredObject> nodes = List.of(node("n1", "a", null), node("n2", "b", null));
    var plan = DaemonSetController.plan(ds, nodes, List.of(pod(ds, "keep", "n1", true), pod(ds, "twin", "n1", true),
        pod(ds, "stray", "n2", true)), none(), Set.of(), NOW);
    assertEquals(Set.of("twin", "stray"), Set.copyOf(plan.delete().stream().map(StoredObject::name).toList()));
    assertEquals(1, plan.status().path("numberMisscheduled").asInt());
  }

  @Test
  void aRollingUpdateReplacesAtMostMaxUnavailableNodesAtATime() {
    StoredObject old = ds("v1", "");
    StoredObject current = ds("v2", "");
    List<StoredObject> nodes = List.of(node("n1", "a", null), node("n2", "a", null), node("n3", "a", null));
    var plan = DaemonSetController.plan(current, nodes, List.of(pod(old, "p1", "n1", true),
        pod(old, "p2", "n2", true), pod(old, "p3", "n3", true)), none(), Set.of(), NOW);
    assertEquals(1, plan.delete().size(), "maxUnavailable 1");
    // With one node already without a pod, no further old pod may go.
    var waiting = DaemonSetController.plan(current, nodes, List.of(pod(old, "p2", "n2", true),
        pod(old, "p3", "n3", true)), none(), Set.of(), NOW);
    assertTrue(waiting.delete().isEmpty());
    assertEquals(List.of("n1"), waiting.needing());
  }

  @Test
  void withMaxSurgeTheNewPodStartsBesideTheOldOneWhichGoesOnceTheNewIsAvailable() {
    StoredObject old = ds("v1", "");
    StoredObject current = ds("v2", "");
    ((ObjectNode) current.object().at("/spec/updateStrategy/rollingUpdate")).put("maxUnavailable", 0)
        .put("maxSurge", 1);
    List<StoredObject> nodes = List.of(node("n1", "a", null), node("n2", "a", null));
    var first = DaemonSetController.plan(current, nodes, List.of(pod(old, "p1", "n1", true),
        pod(old, "p2", "n2", true)), none(), Set.of(), NOW);
    assertEquals(List.of("n1"), first.needing(), "one node surges at a time");
    assertTrue(first.delete().isEmpty(), "no old pod goes before its replacement is available");
    var starting = DaemonSetController.plan(current, nodes, List.of(pod(old, "p1", "n1", true),
        pod(current, "q1", "n1", false), pod(old, "p2", "n2", true)), none(), Set.of(), NOW);
    assertTrue(starting.delete().isEmpty() && starting.needing().isEmpty(), "n1 still surging");
    var ready = DaemonSetController.plan(current, nodes, List.of(pod(old, "p1", "n1", true),
        pod(current, "q1", "n1", true), pod(old, "p2", "n2", true)), none(), Set.of(), NOW);
    assertEquals(List.of("p1"), ready.delete().stream().map(StoredObject::name).toList());
    assertEquals(List.of("n2"), ready.needing());
  }
}
