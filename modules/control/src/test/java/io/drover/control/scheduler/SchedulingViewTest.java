package io.drover.control.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** What of a Node makes the scheduler read its snapshot again, and what (a heartbeat) does not. */
class SchedulingViewTest {
  static ObjectNode node(String heartbeat, String ready, String taint) {
    return Fixtures.yaml("""
        metadata: {name: n1, labels: {zone: a}}
        spec: {taints: [{key: %s, effect: NoSchedule}]}
        status:
          allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
          conditions:
          - {type: Ready, status: "%s", lastHeartbeatTime: "%s"}
          - {type: MemoryPressure, status: "False", lastHeartbeatTime: "%s"}
          nodeInfo: {bootID: "%s"}
        """.formatted(taint, ready, heartbeat, heartbeat, heartbeat));
  }

  @Test
  void aHeartbeatChangesNothingAPodsFitDependsOn() {
    assertEquals(SchedulerActor.schedulingView(node("2026-01-01T00:00:00Z", "True", "t")),
        SchedulerActor.schedulingView(node("2026-01-01T00:00:10Z", "True", "t")));
  }

  @Test
  void readinessTaintsLabelsAndAllocatableDo() {
    ObjectNode before = node("2026-01-01T00:00:00Z", "True", "t");
    assertNotEquals(SchedulerActor.schedulingView(before),
        SchedulerActor.schedulingView(node("2026-01-01T00:00:00Z", "Unknown", "t")));
    assertNotEquals(SchedulerActor.schedulingView(before),
        SchedulerActor.schedulingView(node("2026-01-01T00:00:00Z", "True", "other")));
    ObjectNode relabelled = before.deepCopy();
    ((ObjectNode) relabelled.path("metadata").path("labels")).put("zone", "b");
    assertNotEquals(SchedulerActor.schedulingView(before), SchedulerActor.schedulingView(relabelled));
    ObjectNode resized = before.deepCopy();
    ((ObjectNode) resized.path("status").path("allocatable")).put("cpu", "8");
    assertNotEquals(SchedulerActor.schedulingView(before), SchedulerActor.schedulingView(resized));
  }
}
