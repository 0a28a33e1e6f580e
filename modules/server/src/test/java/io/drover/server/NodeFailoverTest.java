package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two members, each with its node; member B goes away. Its Node turns Unknown and gets the unreachable taints, its
 * pods are evicted when their toleration ends, and the Deployment's ReplicaSet replaces them on member A, ending
 * with exactly the replicas it asked for. Short heartbeat, grace and toleration times keep the test quick.
 */
class NodeFailoverTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static final Map<String, Object> FAST = Map.of(
      "drover.agent.heartbeat-interval", "1s",
      "drover.node-lifecycle.monitor-period", "1s",
      "drover.node-lifecycle.grace-period", "5s",
      "drover.node-lifecycle.default-toleration", "2s");
  static TestServers.Member memberA;
  static TestServers.Member memberB;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> a = new java.util.HashMap<>(FAST);
    a.put("drover.agent.node-name", "node-a");
    memberA = TestServers.startMember(a);
    Map<String, Object> b = new java.util.HashMap<>(FAST);
    b.put("drover.agent.node-name", "node-b");
    memberB = TestServers.joinMember(memberA, b);
    kubectl = memberA.kubectl();
    for (String node : List.of("node-a", "node-b")) {
      Polling.await(() -> kubectl.run("get", "node", node).stdout().contains(" Ready") ? true : null, DEADLINE,
          node + " to register");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(memberA, memberB);
  }

  static List<JsonNode> pods() {
    try {
      JsonNode list = Json.MAPPER.readTree(kubectl.run("get", "pods", "-l", "app=spread", "-o", "json")
          .assertOk().stdout());
      List<JsonNode> pods = new ArrayList<>();
      list.path("items").forEach(pods::add);
      return pods;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static boolean active(JsonNode pod) {
    return pod.path("metadata").path("deletionTimestamp").isMissingNode();
  }

  @Test
  void podsOfANodeThatStopsHeartbeatingAreReplacedOnTheOtherNode() throws Exception {
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: spread}
        spec:
          replicas: 4
          selector: {matchLabels: {app: spread}}
          template:
            metadata: {labels: {app: spread}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: main, image: busybox, command: ["sleep", "3600"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("rollout", "status", "deployment/spread", "--timeout=90s").assertOk();
    long onB = pods().stream().filter(p -> p.at("/spec/nodeName").asText().equals("node-b")).count();
    assertTrue(onB > 0, "the scheduler spread the pods over both nodes");

    memberB.server().close(); // its agent stops heartbeating (and its containers stop); stop() closes it again

    JsonNode node = Polling.await(() -> {
      try {
        JsonNode n = Json.MAPPER.readTree(kubectl.run("get", "node", "node-b", "-o", "json").assertOk().stdout());
        return n.at("/spec/taints").toString().contains("node.kubernetes.io/unreachable") ? n : null;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, DEADLINE, "node-b to be tainted unreachable");
    for (JsonNode c : node.at("/status/conditions")) {
      if (c.path("type").asText().equals("Ready")) assertEquals("Unknown", c.path("status").asText());
    }
    assertTrue(kubectl.run("get", "node", "node-b").stdout().contains("NotReady"));

    Polling.await(() -> {
      List<JsonNode> active = pods().stream().filter(NodeFailoverTest::active).toList();
      boolean allOnA = active.stream().allMatch(p -> p.at("/spec/nodeName").asText().equals("node-a")
          && p.at("/status/phase").asText().equals("Running"));
      return active.size() == 4 && allOnA ? true : null;
    }, DEADLINE, "4 running pods on node-a");
    kubectl.run("rollout", "status", "deployment/spread", "--timeout=60s").assertOk();
    // Never more than asked for: the evicted pods are terminating, not counted, and nothing extra was created.
    JsonNode rs = Json.MAPPER.readTree(kubectl.run("get", "rs", "-l", "app=spread", "-o", "json").stdout())
        .path("items").get(0);
    assertEquals(4, rs.at("/status/replicas").asInt());
    assertEquals(4, pods().stream().filter(NodeFailoverTest::active).count());
    String events = kubectl.run("get", "events", "--field-selector", "reason=TaintManagerEviction").stdout();
    assertTrue(events.contains("Marking for deletion"), events);
  }
}
