package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.api.Json;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two members in one cluster on one journal (the H2 file of the first, shared in this JVM), each with its own node
 * agent: any member serves logs and exec of every pod, forwarding to the member whose agent runs it.
 */
class TwoMembersTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static TestServers.Member memberA;
  static TestServers.Member memberB;
  static Kubectl viaA;
  static Kubectl viaB;

  @BeforeAll
  static void start() throws Exception {
    memberA = TestServers.startMember(Map.of("drover.agent.node-name", "member-a",
        "drover.agent.metrics-resolution", "1s"));
    memberB = TestServers.joinMember(memberA, Map.of("drover.agent.node-name", "member-b",
        "drover.agent.metrics-resolution", "1s"));
    viaA = memberA.kubectl();
    viaB = memberB.kubectl();
    for (String node : List.of("member-a", "member-b")) {
      Polling.await(() -> viaA.run("get", "node", node).stdout().contains("Ready") ? true : null, DEADLINE,
          node + " to register");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(memberA, memberB);
  }

  static void runPod(String name, String node) {
    viaA.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          nodeName: %s
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo hello from %s; while true; do sleep 1; echo tick; done"]
        """.formatted(name, node, node), "apply", "-f", "-").assertOk();
    Polling.await(() -> viaA.run("get", "pod", name, "-o", "jsonpath={.status.phase}").stdout().equals("Running")
        ? true : null, DEADLINE, name + " to run");
  }

  @Test
  void logsExecAndAttachOfAPodOnTheOtherMembersNodeAreServedThroughEitherMember() {
    runPod("on-b", "member-b");
    runPod("on-a", "member-a");
    for (Kubectl kubectl : List.of(viaA, viaB)) {
      Polling.await(() -> kubectl.run("logs", "on-b").stdout().contains("hello from member-b") ? true : null,
          DEADLINE, "logs of on-b");
      Polling.await(() -> kubectl.run("logs", "on-a").stdout().contains("hello from member-a") ? true : null,
          DEADLINE, "logs of on-a");
    }
    // Followed through member A while the pod runs on member B: new lines stream across.
    try (Kubectl.Background follow = viaA.background("logs", "-f", "--tail=1", "on-b")) {
      follow.awaitLine(l -> l.equals("tick"), DEADLINE);
      int seen = follow.lines.size();
      follow.awaitLine(l -> follow.lines.size() > seen + 1, DEADLINE);
    }
    // exec through member A into member B's container: its own hostname, and the exit code comes back.
    Kubectl.Result hostname = viaA.run("exec", "on-b", "--", "hostname").assertOk();
    assertEquals("on-b", hostname.stdout().trim());
    Kubectl.Result failing = viaA.run("exec", "on-b", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
    assertEquals(7, failing.exitCode(), failing.stderr());
    assertEquals("out", failing.stdout().trim());
    assertTrue(failing.stderr().contains("err"), failing.stderr());
    // stdin crosses too.
    Kubectl.Result cat = viaB.runWithInput("piped through two members\n", "exec", "-i", "on-a", "--", "cat")
        .assertOk();
    assertEquals("piped through two members", cat.stdout().trim());
    // attach through member A to the output of on-b's container, as it is written.
    try (Kubectl.Background attach = viaA.background("attach", "on-b")) {
      attach.awaitLine(l -> l.equals("tick"), DEADLINE);
    }
    // Usage of both nodes, gathered from both agents, through either member (metrics.k8s.io).
    for (Kubectl kubectl : List.of(viaA, viaB)) {
      Polling.await(() -> {
        String top = kubectl.run("top", "nodes").stdout();
        return top.contains("member-a") && top.contains("member-b") ? top : null;
      }, DEADLINE, "kubectl top nodes listing both members' nodes");
      Polling.await(() -> {
        String top = kubectl.run("top", "pods").stdout();
        return top.contains("on-a") && top.contains("on-b") ? top : null;
      }, DEADLINE, "kubectl top pods listing pods of both nodes");
    }
    // Errors of the serving member come back as they are.
    Kubectl.Result noContainer = viaA.run("logs", "on-b", "-c", "nope");
    assertTrue(noContainer.stderr().contains("container nope is not valid for pod on-b"), noContainer.stderr());
  }

  @Test
  void portForwardThroughTheMemberThatDoesNotRunThePod() throws Exception {
    java.nio.file.Path www = java.nio.file.Files.createTempDirectory("drover-two-members-");
    try {
      java.nio.file.Files.writeString(www.resolve("index.html"), "served on member-b\n");
      viaA.runWithInput(PortForwardTest.httpServerPod("web-on-b", 18473, www).replace("spec:\n",
          "spec:\n  nodeName: member-b\n"), "apply", "-f", "-").assertOk();
      PortForwardTest.awaitServing(viaA, "pod/web-on-b", 18473);
      try (Kubectl.Background portForward = viaA.background("port-forward", "pod/web-on-b", ":18473")) {
        int local = PortForwardTest.localPort(portForward, 18473);
        for (int i = 0; i < 3; i++) {
          assertEquals("served on member-b\n", new String(PortForwardTest.get(local, "/index.html").body(),
              java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    } finally {
      viaA.run("delete", "pod", "web-on-b", "--grace-period=0", "--force");
      TestServers.deleteRecursively(www);
    }
  }

  @Test
  void aNodeWhoseMemberCannotBeReachedGivesServiceUnavailableNotAHang() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    // A Node whose member is gone, and one whose endpoint names member A although A's agent does not run it.
    registerNode("gone", closedPort);
    registerNode("stale", memberA.server().apiAddress().getPort());
    for (String node : List.of("gone", "stale")) {
      viaA.runWithInput("""
          apiVersion: v1
          kind: Pod
          metadata: {name: on-%s}
          spec:
            nodeName: %s
            containers:
            - {name: main, image: busybox, command: ["sleep", "60"]}
          """.formatted(node, node), "apply", "-f", "-").assertOk();
    }
    Kubectl.Result gone = viaA.run("logs", "on-gone");
    assertTrue(gone.exitCode() != 0 && gone.stderr().contains("cannot reach node gone at 127.0.0.1:" + closedPort),
        gone.stderr());
    Kubectl.Result stale = viaA.run("logs", "on-stale");
    assertTrue(stale.exitCode() != 0 && stale.stderr().contains("not served by the member its Node object names"),
        stale.stderr());
    viaA.run("delete", "pod", "on-gone", "on-stale", "--grace-period=0", "--force");
  }

  private static void registerNode(String name, int port) {
    viaA.runWithInput("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\"}}",
        "create", "-f", "-").assertOk();
    String status = Json.MAPPER.createObjectNode().set("status", Json.MAPPER.valueToTree(Map.of(
        "addresses", List.of(Map.of("type", "InternalIP", "address", "127.0.0.1")),
        "daemonEndpoints", Map.of("kubeletEndpoint", Map.of("Port", port))))).toString();
    viaA.run("patch", "node", name, "--subresource=status", "--type=merge", "-p", status).assertOk();
  }
}
