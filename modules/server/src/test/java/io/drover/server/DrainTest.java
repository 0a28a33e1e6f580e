package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kubectl cordon, drain and uncordon: evictions through pods/eviction, held back by a PodDisruptionBudget. */
class DrainTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static TestServers.Member member;
  static DroverServer server;
  static Kubectl kubectl;
  static String node;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    server = member.server();
    kubectl = member.kubectl();
    node = TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  @Test
  void drainEvictsWhatTheDisruptionBudgetAllowsAndNoMore() {
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: main, image: busybox, command: ["sleep", "3600"]}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: web}}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("rollout", "status", "deployment/web", "--timeout=90s").assertOk();
    Polling.await(() -> kubectl.run("get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}").stdout()
        .equals("1") ? true : null, DEADLINE, "the budget to allow one disruption");
    String table = kubectl.run("get", "pdb", "web").assertOk().stdout();
    assertTrue(table.lines().anyMatch(l -> l.matches("web\\s+1\\s+<none>\\s+1\\s+\\S+")), table);
    try {
      // One node: the evicted pod's replacement cannot run while the node is cordoned, so the budget stops the
      // second eviction and drain gives up at its timeout.
      Kubectl.Result drain = kubectl.run("drain", node, "--ignore-daemonsets", "--timeout=8s");
      assertTrue(drain.exitCode() != 0, drain.stdout() + drain.stderr());
      assertTrue(drain.stdout().contains("evicted") || drain.stderr().contains("evicted"), drain.stdout());
      assertTrue(kubectl.run("get", "node", node).stdout().contains("SchedulingDisabled"));
      String running = kubectl.run("get", "pods", "-l", "app=web", "--field-selector", "status.phase=Running",
          "-o", "name").stdout();
      assertEquals(1, running.lines().count(), "the budget kept one pod: " + running);
      String pending = kubectl.run("get", "pods", "-l", "app=web", "--field-selector", "status.phase=Pending",
          "-o", "name").stdout();
      assertEquals(1, pending.lines().count(), "its replacement waits for a schedulable node: " + pending);
    } finally {
      kubectl.run("uncordon", node).assertOk();
    }
    kubectl.run("rollout", "status", "deployment/web", "--timeout=90s").assertOk();
  }

  @Test
  void anEvictionTheBudgetForbidsIs429WithTheReason() throws Exception {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: single, labels: {app: single}}
        spec:
          containers:
          - {name: main, image: busybox, command: ["sleep", "3600"]}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: single}
        spec:
          maxUnavailable: 0
          selector: {matchLabels: {app: single}}
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "single", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
        .stdout().equals("True") ? true : null, DEADLINE, "the pod to be ready");
    var http = TestServers.http().build();
    var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.apiUrl()
            + "/api/v1/namespaces/default/pods/single/eviction"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"single\"}}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(429, response.statusCode(), response.body());
    assertTrue(response.body().contains("Cannot evict pod as it would violate the pod's disruption budget.")
        && response.body().contains("The disruption budget single needs 1 healthy pods and has 1 currently"),
        response.body());
    assertEquals(0, kubectl.run("get", "pod", "single").exitCode(), "still there");
  }
}
