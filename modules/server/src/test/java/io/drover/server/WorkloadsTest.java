package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Deployments and ReplicaSets with real kubectl and real processes: rollout, undo, scale, healing, cascading delete. */
class WorkloadsTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static TestServers.Member member;
  static DroverServer server;
  static Kubectl kubectl;
  static final HttpClient http = TestServers.http().build();

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    server = member.server();
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  static String deployment(String name, int replicas, String image, String extraSpec) {
    // The image is only a label here (the process runtime runs the command); it marks the template's version.
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s}
        spec:
          replicas: %d
          %s
          selector: {matchLabels: {app: %s}}
          template:
            metadata: {labels: {app: %s}}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: %s
                command: ["sleep", "3600"]
                readinessProbe:
                  exec: {command: ["true"]}
                  initialDelaySeconds: 1
                  periodSeconds: 1
        """.formatted(name, replicas, extraSpec, name, name, image);
  }

  static JsonNode list(String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.apiUrl() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      return Json.MAPPER.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<JsonNode> activePods(String app) {
    List<JsonNode> pods = new ArrayList<>();
    for (JsonNode pod : list("/api/v1/namespaces/default/pods?labelSelector=app%3D" + app).path("items")) {
      if (pod.path("metadata").path("deletionTimestamp").isMissingNode()) pods.add(pod);
    }
    return pods;
  }

  static boolean ready(JsonNode pod) {
    for (JsonNode c : pod.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) return c.path("status").asText().equals("True");
    }
    return false;
  }

  static void rolloutStatus(String name) {
    kubectl.run("rollout", "status", "deployment/" + name, "--timeout=90s").assertOk();
  }

  @Test
  void aRollingUpdateStaysWithinMaxSurgeAndMaxUnavailableAndUndoGoesBack() throws Exception {
    String strategy = "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}";
    kubectl.runWithInput(deployment("web", 5, "busybox:1", strategy), "apply", "-f", "-").assertOk();
    rolloutStatus("web");
    assertEquals(5, activePods("web").size());
    // Sample the pods while the template changes: never more than 5 + 1, never fewer than 5 - 1 ready.
    AtomicBoolean sampling = new AtomicBoolean(true);
    List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    int[] samples = {0};
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        List<JsonNode> pods = activePods("web");
        long ready = pods.stream().filter(WorkloadsTest::ready).count();
        samples[0]++;
        if (pods.size() > 6) violations.add(pods.size() + " pods");
        if (ready < 4) violations.add(ready + " ready");
        Polling.pause();
      }
    }, "rollout-sampler");
    sampler.start();
    kubectl.run("set", "image", "deployment/web", "main=busybox:2").assertOk();
    rolloutStatus("web");
    sampling.set(false);
    sampler.join();
    assertTrue(violations.isEmpty(), "bounds broken: " + violations);
    assertTrue(samples[0] > 5, "sampled " + samples[0] + " times");
    List<JsonNode> pods = activePods("web");
    assertEquals(5, pods.size());
    assertTrue(pods.stream().allMatch(p -> p.at("/spec/containers/0/image").asText().equals("busybox:2")));
    String history = kubectl.run("rollout", "history", "deployment/web").assertOk().stdout();
    assertTrue(history.contains("1 ") && history.contains("2 "), history);

    kubectl.run("rollout", "undo", "deployment/web").assertOk();
    rolloutStatus("web");
    assertEquals("busybox:1", kubectl.run("get", "deployment", "web", "-o",
        "jsonpath={.spec.template.spec.containers[0].image}").stdout());
    Polling.await(() -> activePods("web").stream()
        .allMatch(p -> p.at("/spec/containers/0/image").asText().equals("busybox:1")) ? true : null, DEADLINE,
        "pods back on the first template");
    // The first ReplicaSet came back as revision 3; no third ReplicaSet was made.
    JsonNode sets = list("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb").path("items");
    assertEquals(2, sets.size(), sets.toString());
    String afterUndo = kubectl.run("rollout", "history", "deployment/web").assertOk().stdout();
    assertTrue(afterUndo.contains("3 ") && !afterUndo.contains("\n1 "), afterUndo);
  }

  @Test
  void scaleUpAndDownAndADeletedPodIsReplaced() {
    kubectl.runWithInput(deployment("scaled", 2, "busybox:1", ""), "apply", "-f", "-").assertOk();
    rolloutStatus("scaled");
    kubectl.run("scale", "deployment/scaled", "--replicas=4").assertOk();
    rolloutStatus("scaled");
    assertEquals(4, activePods("scaled").size());
    kubectl.run("scale", "deployment/scaled", "--replicas=1").assertOk();
    Polling.await(() -> activePods("scaled").size() == 1 ? true : null, DEADLINE, "scale down to 1");
    String victim = activePods("scaled").get(0).at("/metadata/name").asText();
    kubectl.run("delete", "pod", victim, "--wait=false").assertOk();
    JsonNode replacement = Polling.await(() -> {
      List<JsonNode> pods = activePods("scaled");
      return pods.size() == 1 && !pods.get(0).at("/metadata/name").asText().equals(victim) && ready(pods.get(0))
          ? pods.get(0) : null;
    }, DEADLINE, "a replacement pod");
    assertTrue(replacement.at("/metadata/ownerReferences/0/kind").asText().equals("ReplicaSet"));
    // The Deployment's status follows its ReplicaSet's, a moment after the pod.
    Polling.await(() -> kubectl.run("get", "deployment", "scaled").assertOk().stdout().lines()
        .anyMatch(l -> l.matches("scaled\\s+1/1\\s+1\\s+1\\s+.*")) ? true : null, DEADLINE,
        "kubectl get deployment to show 1/1 ready, up to date and available");
  }

  @Test
  void deletingADeploymentCascadesUnlessOrphaned() {
    kubectl.runWithInput(deployment("kept", 2, "busybox:1", ""), "apply", "-f", "-").assertOk();
    rolloutStatus("kept");
    kubectl.run("delete", "deployment", "kept", "--cascade=orphan").assertOk();
    Polling.await(() -> kubectl.run("get", "deployment", "kept").exitCode() != 0 ? true : null, DEADLINE,
        "the deployment to go");
    JsonNode sets = list("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dkept").path("items");
    assertEquals(1, sets.size());
    assertTrue(sets.get(0).path("metadata").path("ownerReferences").isMissingNode()
        || sets.get(0).path("metadata").path("ownerReferences").isEmpty(), "orphaned: " + sets);
    assertEquals(2, activePods("kept").size(), "orphaned pods keep running");
    // Foreground on the ReplicaSet: it stays until its pods are gone, then goes.
    String rs = sets.get(0).at("/metadata/name").asText();
    kubectl.run("delete", "replicaset", rs, "--cascade=foreground", "--wait=false").assertOk();
    Polling.await(() -> activePods("kept").isEmpty() ? true : null, DEADLINE, "pods deleted first");
    Polling.await(() -> kubectl.run("get", "replicaset", rs).exitCode() != 0 ? true : null, DEADLINE,
        "the ReplicaSet to go after its pods");

    kubectl.runWithInput(deployment("gone", 2, "busybox:1", ""), "apply", "-f", "-").assertOk();
    rolloutStatus("gone");
    kubectl.run("delete", "deployment", "gone").assertOk();
    Polling.await(() -> list("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dgone")
        .path("items").isEmpty() && list("/api/v1/namespaces/default/pods?labelSelector=app%3Dgone")
        .path("items").isEmpty() ? true : null, DEADLINE, "replicasets and pods to be collected");
    assertFalse(kubectl.run("get", "deployment", "gone").exitCode() == 0);
  }

  @Test
  void aDaemonSetRunsOnePodOnEachMatchingNodeFollowsLabelsAndRollsOut() {
    String node = kubectl.run("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").assertOk().stdout();
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: daemon}
        spec:
          selector: {matchLabels: {app: daemon}}
          template:
            metadata: {labels: {app: daemon}}
            spec:
              terminationGracePeriodSeconds: 1
              nodeSelector: {drover-test/daemon: "yes"}
              containers:
              - {name: main, image: busybox:1, command: ["sleep", "3600"]}
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "ds", "daemon", "-o", "jsonpath={.status.observedGeneration}").stdout()
        .equals("1") ? true : null, DEADLINE, "the daemon set to be observed");
    assertEquals("0", kubectl.run("get", "ds", "daemon", "-o", "jsonpath={.status.desiredNumberScheduled}").stdout());
    assertTrue(activePods("daemon").isEmpty(), "no node matches yet");
    try {
      kubectl.run("label", "node", node, "drover-test/daemon=yes").assertOk();
      kubectl.run("rollout", "status", "daemonset/daemon", "--timeout=90s").assertOk();
      List<JsonNode> pods = activePods("daemon");
      assertEquals(1, pods.size());
      assertEquals(node, pods.get(0).at("/spec/nodeName").asText());
      String table = kubectl.run("get", "ds", "daemon").assertOk().stdout();
      assertTrue(table.lines().anyMatch(l -> l.matches("daemon\\s+1\\s+1\\s+1\\s+1\\s+1\\s+drover-test/daemon=yes\\s+.*")),
          table);
      kubectl.run("set", "image", "daemonset/daemon", "main=busybox:2").assertOk();
      kubectl.run("rollout", "status", "daemonset/daemon", "--timeout=90s").assertOk();
      Polling.await(() -> {
        List<JsonNode> now = activePods("daemon");
        return now.size() == 1 && now.get(0).at("/spec/containers/0/image").asText().equals("busybox:2") ? true : null;
      }, DEADLINE, "one pod, on the new template");
      // ControllerRevisions give the DaemonSet a history, and undo goes back to the first template.
      String history = Polling.await(() -> {
        String h = kubectl.run("rollout", "history", "daemonset/daemon").stdout();
        return h.lines().anyMatch(l -> l.trim().startsWith("2")) ? h : null;
      }, DEADLINE, "two revisions");
      assertTrue(history.lines().anyMatch(l -> l.trim().startsWith("1")), history);
      kubectl.run("rollout", "undo", "daemonset/daemon").assertOk();
      Polling.await(() -> {
        List<JsonNode> now = activePods("daemon");
        return now.size() == 1 && !now.get(0).at("/spec/containers/0/image").asText().equals("busybox:2") ? true
            : null;
      }, DEADLINE, "back on the first template");
    } finally {
      kubectl.run("label", "node", node, "drover-test/daemon-").assertOk();
    }
    Polling.await(() -> activePods("daemon").isEmpty() ? true : null, DEADLINE, "the pod to go with the label");
    kubectl.run("delete", "ds", "daemon").assertOk();
  }
}
