package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member with the sim container runtime, driven by the real kubectl: workloads run on virtual containers (no
 * process starts, so commands need not exist), with logs, a clear refusal of exec, and crashes from the profile.
 */
class SimRuntimeTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  /** The sim runtime with short start delays, nothing crashes; usage is sampled often. */
  static final Map<String, Object> SIM = Map.of(
      "drover.agent.runtime", "sim",
      "drover.sim.start-delay-min", "20ms",
      "drover.sim.start-delay-max", "50ms",
      "drover.agent.metrics-resolution", "500ms");
  static TestServers.Member member;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(SIM);
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  @Test
  void aDeploymentBecomesAvailableOnVirtualContainersWithLogsAndGoesWithItsPods() {
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - {name: web, image: example/web:1.0, command: ["/no/such/web-server", "--port", "8080"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("rollout", "status", "deployment/web", "--timeout=60s").assertOk();
    List<String> pods = podNames("app=web");
    assertEquals(3, pods.size(), pods.toString());

    String logs = kubectl.run("logs", pods.get(0)).assertOk().stdout();
    assertEquals("sim: started /no/such/web-server --port 8080\n", logs);
    // No pod network namespace for containers that have none: the pod has the node's address.
    String addresses = kubectl.run("get", "pod", pods.get(0), "-o", "jsonpath={.status.podIP} {.status.hostIP}")
        .assertOk().stdout();
    String[] ips = addresses.split(" ");
    assertEquals(ips[1], ips[0], addresses);
    String runtime = kubectl.run("get", "nodes", "-o", "jsonpath={.items[0].status.nodeInfo.containerRuntimeVersion}")
        .assertOk().stdout();
    assertEquals("sim://drover", runtime);

    kubectl.run("delete", "deployment", "web").assertOk();
    Polling.await(() -> podNames("app=web").isEmpty(), DEADLINE, "the deployment's pods to go");
  }

  @Test
  void aContainerWithoutCommandRunsItsImagesEntrypointVirtually() {
    kubectl.run("create", "deployment", "entry", "--image=nginx:1.27").assertOk();
    kubectl.run("rollout", "status", "deployment/entry", "--timeout=60s").assertOk();
    assertEquals("sim: started the entrypoint of nginx:1.27\n",
        kubectl.run("logs", "deployment/entry").assertOk().stdout());
    kubectl.run("delete", "deployment", "entry").assertOk();
  }

  @Test
  void aJobWhoseContainerSleepsOneSecondSucceeds() {
    kubectl.runWithInput("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: nap}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
              - {name: main, image: busybox, command: [sleep, "1"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("wait", "--for=condition=complete", "job/nap", "--timeout=60s").assertOk();
    assertEquals("1", kubectl.run("get", "job", "nap", "-o", "jsonpath={.status.succeeded}").assertOk().stdout());
    String logs = kubectl.run("logs", "job/nap").assertOk().stdout();
    assertEquals("sim: started sleep 1\nsim: exited with code 0\n", logs);
  }

  @Test
  void execAttachAndPortForwardAreRefusedWithAClearError() throws Exception {
    kubectl.run("run", "shell", "--image=busybox", "--command", "--", "sleep", "3600").assertOk();
    kubectl.run("wait", "--for=condition=Ready", "pod/shell", "--timeout=60s").assertOk();
    Kubectl.Result exec = kubectl.run("exec", "shell", "--", "ls", "/");
    assertNotEquals(0, exec.exitCode(), exec.stdout());
    assertTrue(exec.stderr().contains("the sim runtime runs no processes: cannot run ls /"), exec.stderr());
    assertFalse(exec.stderr().contains("Internal error"), exec.stderr());
    Kubectl.Result attach = kubectl.run("attach", "shell");
    assertNotEquals(0, attach.exitCode(), attach.stdout());
    assertTrue(attach.stderr().contains("the sim runtime cannot attach to containers"), attach.stderr());
    // The pod has the node's address, but nothing of it listens there: no connection goes to the host's ports.
    try (Kubectl.Background portForward = kubectl.background("port-forward", "pod/shell", ":6443")) {
      int local = PortForwardTest.localPort(portForward, 6443);
      try (java.net.Socket connection = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), local)) {
        connection.setSoTimeout(30_000);
        assertEquals(-1, connection.getInputStream().read());
      }
      assertEquals(1, portForward.awaitExit(DEADLINE));
      assertTrue(String.join("\n", portForward.errors).contains("error forwarding port 6443 to pod shell, uid ")
          && String.join("\n", portForward.errors).contains(": the sim runtime runs no processes: nothing listens "
          + "on the pod's ports"), String.join("\n", portForward.errors));
    }
    kubectl.run("delete", "pod", "shell", "--wait=false").assertOk();
  }

  @Test
  void kubectlTopShowsTheSyntheticUsage() {
    kubectl.run("run", "idle", "--image=busybox", "--command", "--", "sleep", "3600").assertOk();
    String top = Polling.await(() -> {
      Kubectl.Result result = kubectl.run("top", "pod", "idle", "--no-headers");
      return result.exitCode() == 0 ? result.stdout().trim() : null;
    }, DEADLINE, "usage of the pod");
    assertTrue(top.matches("idle\\s+1m\\s+8Mi"), top);
    kubectl.run("delete", "pod", "idle", "--wait=false").assertOk();
  }

  @Test
  void aContainerThatCrashesIsRestarted() throws Exception {
    Map<String, Object> crashing = new java.util.HashMap<>(SIM);
    crashing.put("drover.sim.crash-probability", 1);
    crashing.put("drover.sim.crash-after-min", "200ms");
    crashing.put("drover.sim.crash-after-max", "300ms");
    TestServers.Member crashy = TestServers.startMember(crashing);
    try {
      Kubectl k = crashy.kubectl();
      TestServers.awaitNode(k, DEADLINE);
      k.run("run", "crashy", "--image=busybox", "--command", "--", "sleep", "3600").assertOk();
      String restarts = Polling.await(() -> {
        String count = k.run("get", "pod", "crashy", "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}").stdout();
        return !count.isEmpty() && Integer.parseInt(count) >= 1 ? count : null;
      }, DEADLINE, "the crashed container to be restarted");
      assertTrue(Integer.parseInt(restarts) >= 1);
      String last = k.run("get", "pod", "crashy", "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated"
          + ".exitCode} {.status.containerStatuses[0].lastState.terminated.reason}").assertOk().stdout();
      assertEquals("1 Error", last);
    } finally {
      TestServers.stop(crashy);
    }
  }

  private static List<String> podNames(String selector) {
    String names = kubectl.run("get", "pods", "-l", selector, "-o", "name").assertOk().stdout();
    return names.lines().filter(l -> !l.isBlank()).map(l -> l.substring("pod/".length())).toList();
  }
}
