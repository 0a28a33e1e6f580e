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

class ReplicaSetControllerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static StoredObject rs(int replicas) {
    ObjectNode rs = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web','namespace':'ns','uid':'rs-uid','generation':3},
         'spec':{'replicas':%d,'minReadySeconds':0,'selector':{'matchLabels':{'app':'web'}},
                 'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'i'}]}}}}
        """.formatted(replicas));
    return new StoredObject(ResourceRegistry.REPLICA_SET, "ns", "web", rs, 10, 3);
  }

  /** A pod: owned by the ReplicaSet or an orphan, on a node or not, ready since a time or not. */
  static StoredObject pod(String name, boolean owned, String node, String readySince, String created) {
    ObjectNode pod = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','namespace':'ns','uid':'u-%s','labels':{'app':'web'},
          'creationTimestamp':'%s'},'spec':{'nodeName':'%s'},'status':{'phase':'%s','conditions':[]}}
        """.formatted(name, name, created, node, node.isEmpty() ? "Pending" : "Running"));
    if (owned) {
      Json.object(pod, "metadata").putArray("ownerReferences").addObject().put("apiVersion", "apps/v1")
          .put("kind", "ReplicaSet").put("name", "web").put("uid", "rs-uid").put("controller", true);
    }
    if (readySince != null) {
      pod.withObjectProperty("status").withArrayProperty("conditions").addObject().put("type", "Ready")
          .put("status", "True").put("lastTransitionTime", readySince);
    }
    return new StoredObject(ResourceRegistry.POD, "ns", name, pod, 11, 1);
  }

  static ReplicaSetController.State none() {
    return new ReplicaSetController.State("rs-uid", Set.of(), Set.of());
  }

  @Test
  void createsTheMissingPodsCountingCreatesStillUnderWay() {
    StoredObject one = pod("web-a", true, "n1", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    assertEquals(2, ReplicaSetController.plan(rs(3), List.of(one), none(), Set.of(), NOW).create());
    var creating = new ReplicaSetController.State("rs-uid", Set.of("web-b"), Set.of());
    var plan = ReplicaSetController.plan(rs(3), List.of(one), creating, Set.of("web-b"), NOW);
    assertEquals(1, plan.create(), "web-b is on its way");
    assertTrue(plan.resend().isEmpty());
  }

  @Test
  void aRecoveredControllerResendsItsUnfinishedCreatesUnderTheSameNames() {
    var creating = new ReplicaSetController.State("rs-uid", Set.of("web-b", "web-c"), Set.of());
    StoredObject b = pod("web-b", true, "", null, "2026-01-01T00:00:00Z");
    var plan = ReplicaSetController.plan(rs(2), List.of(b), creating, Set.of(), NOW);
    assertEquals(0, plan.create(), "never more than asked for");
    assertEquals(List.of("web-c"), plan.resend());
    assertEquals(List.of("web-b"), plan.settled());
  }

  @Test
  void scaleDownGivesUpUnscheduledThenNotReadyThenNewestFirst() {
    List<StoredObject> pods = List.of(
        pod("old-ready", true, "n1", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        pod("new-ready", true, "n1", "2026-01-01T00:05:00Z", "2026-01-01T00:04:00Z"),
        pod("not-ready", true, "n1", null, "2026-01-01T00:01:00Z"),
        pod("unscheduled", true, "", null, "2026-01-01T00:00:30Z"));
    var plan = ReplicaSetController.plan(rs(1), pods, none(), Set.of(), NOW);
    assertEquals(List.of("unscheduled", "not-ready", "new-ready"),
        plan.delete().stream().map(StoredObject::name).toList());
  }

  @Test
  void adoptsMatchingOrphansAndReleasesPodsThatStoppedMatching() {
    StoredObject orphan = pod("orphan", false, "n1", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    StoredObject relabelled = pod("relabelled", true, "n1", null, "2026-01-01T00:00:00Z");
    Json.object(Json.object(relabelled.object(), "metadata"), "labels").put("app", "debug");
    var plan = ReplicaSetController.plan(rs(1), List.of(orphan, relabelled), none(), Set.of(), NOW);
    assertEquals(List.of("orphan"), plan.adopt().stream().map(StoredObject::name).toList());
    assertEquals(List.of("relabelled"), plan.release().stream().map(StoredObject::name).toList());
    assertEquals(0, plan.create(), "the adopted orphan counts");
    assertEquals(1, plan.status().path("availableReplicas").asInt());
  }

  @Test
  void minReadySecondsDelaysAvailabilityAndAsksForARecheck() {
    ObjectNode spec = Json.object(rs(1).object(), "spec");
    StoredObject set = rs(1);
    Json.object(set.object(), "spec").put("minReadySeconds", 30);
    StoredObject ready = pod("p", true, "n1", "2026-01-01T00:09:50Z", "2026-01-01T00:09:00Z");
    var plan = ReplicaSetController.plan(set, List.of(ready), none(), Set.of(), NOW);
    assertEquals(1, plan.status().path("readyReplicas").asInt());
    assertEquals(0, plan.status().path("availableReplicas").asInt());
    assertTrue(plan.recheckIn() != null && plan.recheckIn().toSeconds() >= 19 && plan.recheckIn().toSeconds() <= 21,
        String.valueOf(plan.recheckIn()) + spec);
  }
}
