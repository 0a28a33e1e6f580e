package io.drover.control.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final Duration GRACE = Duration.ofSeconds(40);

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static JsonNode node(String ready, String heartbeat, String taints) {
    return json("""
        {'metadata':{'name':'n1','creationTimestamp':'2026-01-01T00:00:00Z'},'spec':{'taints':%s},
         'status':{'conditions':[
           {'type':'MemoryPressure','status':'False','lastHeartbeatTime':'%s','reason':'KubeletHasSufficientMemory'},
           {'type':'Ready','status':'%s','lastHeartbeatTime':'%s','lastTransitionTime':'2026-01-01T00:00:00Z',
            'reason':'KubeletReady'}]}}
        """.formatted(taints, heartbeat, ready, heartbeat));
  }

  @Test
  void aNodeThatStopsPostingStatusBecomesUnknownAndUnreachable() {
    var plan = NodeLifecycleController.plan(node("True", "2026-01-01T00:09:00Z", "[{'key':'mine','effect':'NoSchedule'}]"),
        GRACE, NOW);
    for (JsonNode c : plan.status().path("conditions")) {
      assertEquals("Unknown", c.path("status").asText());
      assertEquals("NodeStatusUnknown", c.path("reason").asText());
    }
    assertEquals(3, plan.taints().size(), plan.taints().toString());
    assertEquals("mine", plan.taints().get(0).path("key").asText(), "the user's taint stays");
    assertEquals(NodeLifecycleController.UNREACHABLE, plan.taints().get(2).path("key").asText());
    assertEquals("NoExecute", plan.taints().get(2).path("effect").asText());
    assertEquals("2026-01-01T00:10:00Z", plan.taints().get(2).path("timeAdded").asText());
  }

  @Test
  void aFreshHeartbeatChangesNothingAndAReadyNodeLosesTheLifecycleTaints() {
    var fresh = NodeLifecycleController.plan(node("True", "2026-01-01T00:09:40Z", "[]"), GRACE, NOW);
    assertNull(fresh.status());
    assertNull(fresh.taints());
    var back = NodeLifecycleController.plan(node("True", "2026-01-01T00:09:55Z",
        "[{'key':'node.kubernetes.io/unreachable','effect':'NoExecute'},{'key':'mine','effect':'NoSchedule'}]"),
        GRACE, NOW);
    assertEquals(1, back.taints().size());
    assertEquals("mine", back.taints().get(0).path("key").asText());
  }

  @Test
  void aNodeReportingNotReadyGetsTheNotReadyTaints() {
    var plan = NodeLifecycleController.plan(node("False", "2026-01-01T00:09:55Z", "[]"), GRACE, NOW);
    assertNull(plan.status());
    assertEquals(NodeLifecycleController.NOT_READY, plan.taints().get(0).path("key").asText());
  }

  @Test
  void podsAreEvictedWhenTheirTolerationRunsOut() {
    JsonNode taints = json("[{'key':'node.kubernetes.io/unreachable','effect':'NoExecute',"
        + "'timeAdded':'2026-01-01T00:09:00Z'}]");
    JsonNode plain = json("{'spec':{}}");
    assertEquals(Optional.of(Instant.parse("2026-01-01T00:14:00Z")),
        NodeLifecycleController.evictionTime(plain, taints, 300, NOW), "the default toleration");
    JsonNode short30 = json("{'spec':{'tolerations':[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
        + "'effect':'NoExecute','tolerationSeconds':30}]}}");
    assertEquals(Optional.of(Instant.parse("2026-01-01T00:09:30Z")),
        NodeLifecycleController.evictionTime(short30, taints, 300, NOW));
    JsonNode forever = json("{'spec':{'tolerations':[{'operator':'Exists'}]}}");
    assertTrue(NodeLifecycleController.evictionTime(forever, taints, 300, NOW).isEmpty());
    JsonNode userTaint = json("[{'key':'dedicated','value':'db','effect':'NoExecute'}]");
    assertEquals(Optional.of(NOW), NodeLifecycleController.evictionTime(plain, userTaint, 300, NOW),
        "an untolerated taint evicts at once");
  }
}
