package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Containers outlive their agent: a restarted member re-adopts them, with no orphan and no duplicate. */
class AgentRestartTest {
  static Path dataDir;
  static final Duration DEADLINE = Duration.ofSeconds(60);

  @BeforeAll
  static void createDataDir() {
    dataDir = TestServers.tempDataDir();
  }

  @AfterAll
  static void cleanUp() {
    ProcessHandle.allProcesses().filter(AgentRestartTest::belongsToThisTest).forEach(ProcessHandle::destroyForcibly);
    TestServers.deleteRecursively(dataDir);
  }

  static boolean belongsToThisTest(ProcessHandle process) {
    return process.info().commandLine().map(c -> c.contains(dataDir.toString()) && c.contains("drover-shim"))
        .orElse(false);
  }

  static List<Long> shims() {
    return ProcessHandle.allProcesses().filter(AgentRestartTest::belongsToThisTest).map(ProcessHandle::pid).toList();
  }

  static JsonNode pod(Kubectl kubectl) {
    try {
      return Json.MAPPER.readTree(kubectl.run("get", "pod", "survivor", "-o", "json").assertOk().stdout());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aRestartedMemberReadoptsItsRunningContainerInsteadOfStartingAnother() throws Exception {
    List<Long> before;
    try (DroverServer first = TestServers.start(dataDir,
        Map.of("drover.agent.stop-containers-on-shutdown", false))) {
      Kubectl kubectl = new Kubectl(first.kubeconfig());
      Polling.await(() -> kubectl.run("get", "nodes", "-o", "name").stdout().contains("node/"), DEADLINE, "node");
      kubectl.runWithInput("""
          apiVersion: v1
          kind: Pod
          metadata: {name: survivor}
          spec:
            containers:
            - name: main
              image: busybox
              command: ["sh", "-c", "echo started; sleep 3600"]
          """, "apply", "-f", "-").assertOk();
      Polling.await(() -> "Running".equals(pod(kubectl).at("/status/phase").asText()), DEADLINE, "running");
      before = Polling.await(() -> shims().size() == 1 ? shims() : null, DEADLINE, "one shim");
    }
    assertEquals(before, shims(), "the container keeps running while no agent is up");

    try (DroverServer second = TestServers.start(dataDir)) {
      Kubectl kubectl = new Kubectl(second.kubeconfig());
      // Give the new agent several sync periods to (wrongly) start a second copy.
      for (int i = 0; i < 5; i++) {
        Polling.await(() -> "Running".equals(pod(kubectl).at("/status/phase").asText()), DEADLINE, "running");
        Thread.sleep(1000); // observing that nothing changes over time; there is no event to wait for
      }
      assertEquals(before, shims(), "the same container, not a new one");
      JsonNode pod = pod(kubectl);
      assertEquals(0, pod.at("/status/containerStatuses/0/restartCount").asInt());
      assertTrue(kubectl.run("logs", "survivor").assertOk().stdout().contains("started"));
      kubectl.run("delete", "pod", "survivor", "--grace-period=1").assertOk();
      Polling.await(() -> shims().isEmpty(), DEADLINE, "the container to stop after the pod is deleted");
    }
  }
}
