package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods run as real processes: the real kubectl against a member with the process runtime. */
class PodsTest {
  static Path dataDir;
  static DroverServer server;
  static Kubectl kubectl;
  static final Duration DEADLINE = Duration.ofSeconds(60);

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir);
    kubectl = new Kubectl(server.kubeconfig());
    Polling.await(() -> kubectl.run("get", "nodes", "-o", "name").stdout().contains("node/"), DEADLINE,
        "the node to register");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
    try {
      // Every container (and its shim) of this test's node is gone once the server is closed.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      List<String> alive;
      do {
        alive = ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(false))
            .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
            .toList();
        if (!alive.isEmpty()) Polling.pause();
      } while (!alive.isEmpty() && System.nanoTime() < deadline);
      assertTrue(alive.isEmpty(), "processes left after close: " + alive);
    } finally {
      ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
      TestServers.deleteRecursively(dataDir);
    }
  }

  static JsonNode pod(String name) {
    try {
      return Json.MAPPER.readTree(kubectl.run("get", "pod", name, "-o", "json").assertOk().stdout());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void apply(String manifest) {
    kubectl.runWithInput(manifest, "apply", "-f", "-").assertOk();
  }

  static JsonNode awaitPod(String name, java.util.function.Predicate<JsonNode> condition, String what) {
    return Polling.await(() -> {
      JsonNode pod = pod(name);
      return condition.test(pod) ? pod : null;
    }, DEADLINE, name + " " + what);
  }

  @Test
  void aPodRunsItsCommandAndKubectlLogsShowsAndFollowsItsOutput() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: echo}
        spec:
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo hello from drover; while true; do sleep 1; echo tick; done"]
        """);
    JsonNode running = awaitPod("echo", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    assertTrue(running.at("/spec/nodeName").asText().length() > 0, "scheduled");
    Polling.await(() -> kubectl.run("logs", "echo").stdout().contains("hello from drover"), DEADLINE, "logs");
    try (Kubectl.Background follow = kubectl.background("logs", "-f", "echo")) {
      follow.awaitLine(l -> l.equals("tick"), DEADLINE);
    }
    String table = kubectl.run("get", "pod", "echo").assertOk().stdout();
    assertTrue(table.lines().anyMatch(l -> l.matches("echo\\s+1/1\\s+Running\\s+0\\s+\\S+")), table);
  }

  @Test
  void aFailingLivenessProbeRestartsTheContainer() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: unhealthy}
        spec:
          containers:
          - name: main
            image: busybox
            command: ["sleep", "3600"]
            livenessProbe:
              exec: {command: ["false"]}
              periodSeconds: 1
              failureThreshold: 1
        """);
    awaitPod("unhealthy", p -> p.at("/status/containerStatuses/0/restartCount").asInt() >= 1, "restarted");
    String events = kubectl.run("get", "events", "--field-selector", "involvedObject.name=unhealthy").stdout();
    assertTrue(events.contains("Unhealthy"), events);
  }

  @Test
  void aCrashingContainerBacksOffInCrashLoopBackOff() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: crasher}
        spec:
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo dying; exit 3"]
        """);
    JsonNode pod = awaitPod("crasher", p -> "CrashLoopBackOff".equals(
        p.at("/status/containerStatuses/0/state/waiting/reason").asText()), "in CrashLoopBackOff");
    assertEquals(3, pod.at("/status/containerStatuses/0/lastState/terminated/exitCode").asInt());
    Polling.await(() -> kubectl.run("get", "pod", "crasher").stdout().contains("CrashLoopBackOff"), DEADLINE,
        "kubectl to show CrashLoopBackOff");
  }

  @Test
  void aContainerOverItsMemoryLimitEndsOomKilled() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: hog}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: python
            command: ["python3", "-c", "b = bytearray(300 * 1024 * 1024); import time; time.sleep(30)"]
            resources:
              limits: {memory: 64Mi}
        """);
    JsonNode pod = awaitPod("hog", p -> p.at("/status/containerStatuses/0/state/terminated").isObject(), "ended");
    assertEquals("OOMKilled", pod.at("/status/containerStatuses/0/state/terminated/reason").asText());
    assertEquals(137, pod.at("/status/containerStatuses/0/state/terminated/exitCode").asInt());
    assertEquals("Failed", pod.at("/status/phase").asText());
  }

  @Test
  void configMapVolumeAndSecretEnvironmentReachTheProcessAndExecRunsInside() {
    kubectl.run("create", "configmap", "settings", "--from-literal=greeting=hi-there").assertOk();
    kubectl.run("create", "secret", "generic", "creds", "--from-literal=password=s3cret").assertOk();
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: configured}
        spec:
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "cat /etc/settings/greeting; echo; echo pw=$PASSWORD; sleep 3600"]
            env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: creds, key: password}}
            volumeMounts:
            - {name: settings, mountPath: /etc/settings}
          volumes:
          - name: settings
            configMap: {name: settings}
        """);
    awaitPod("configured", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    Polling.await(() -> {
      String logs = kubectl.run("logs", "configured").stdout();
      return logs.contains("hi-there") && logs.contains("pw=s3cret");
    }, DEADLINE, "the volume and env in the output");
    Kubectl.Result exec = kubectl.run("exec", "configured", "--", "cat", "/etc/settings/greeting");
    assertEquals("hi-there", exec.assertOk().stdout().trim());
    Kubectl.Result failing = kubectl.run("exec", "configured", "--", "sh", "-c", "exit 7");
    assertEquals(7, failing.exitCode(), failing.stderr());
    // -it needs a terminal on kubectl's side: run it under script(1), which gives it a pseudo-terminal.
    Kubectl.Result tty = ttyExec("configured", "tty; exit 4");
    assertTrue(tty.stdout().contains("/dev/pts/"), "a terminal inside the container: " + tty.stdout());
    assertEquals(4, tty.exitCode(), tty.stdout() + tty.stderr());
  }

  @Test
  void kubectlRunDashIAndKubectlAttachReachTheContainersOwnStdio() throws Exception {
    // kubectl run -i --rm: the container (stdin, stdinOnce) reads what kubectl reads, and the pod is gone after.
    Kubectl.Result run = kubectl.runWithInput("hello\n", "run", "asker", "-i", "--rm", "--restart=Never",
        "--image=busybox", "--", "sh", "-c", "read x; echo \"got $x\"");
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    assertTrue(run.stdout().contains("got hello"), run.stdout() + run.stderr());
    Polling.await(() -> kubectl.run("get", "pod", "asker").stderr().contains("NotFound"), DEADLINE, "asker deleted");
    // kubectl attach -i to a pod that is already running: stdout and stderr come back apart.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: listener}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            stdin: true
            stdinOnce: true
            command: ["sh", "-c", 'echo started; read x; echo "out $x"; echo "err $x" >&2']
        """);
    awaitPod("listener", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    Kubectl.Result attach = kubectl.runWithInput("there\n", "attach", "listener", "-i");
    assertEquals(0, attach.exitCode(), attach.stdout() + attach.stderr());
    assertTrue(attach.stdout().contains("out there"), attach.stdout());
    assertTrue(attach.stderr().contains("err there"), attach.stderr());
    assertTrue(!attach.stdout().contains("started"), "output from before the attach is the log's: " + attach.stdout());
    awaitPod("listener", p -> "Succeeded".equals(p.at("/status/phase").asText()), "listener to end");
    // kubectl attach -it to a terminal (kubectl needs one itself: script gives it one). The container ticks for a
    // while so kubectl attaches while it runs, and the attach ends with it.
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: ticker}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            stdin: true
            tty: true
            command: ["sh", "-c", 'i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "tick $i on $(tty)"; sleep 0.25; done']
        """);
    awaitPod("ticker", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    Kubectl.Result tty = underScript("attach -it ticker");
    assertEquals(0, tty.exitCode(), tty.stdout());
    assertTrue(Pattern.compile("tick \\d+ on /dev/pts/").matcher(tty.stdout()).find(), tty.stdout());
  }

  static Kubectl.Result ttyExec(String pod, String script) {
    return underScript("exec -it " + pod + " -- sh -c '" + script + "'");
  }

  /** Runs kubectl under script(1), which gives it the terminal -t needs, with its stdin closed. */
  static Kubectl.Result underScript(String arguments) {
    String command = "kubectl --kubeconfig=" + server.kubeconfig() + " " + arguments;
    try {
      Process process = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true).start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError("kubectl " + arguments + " did not finish: " + out);
      }
      return new Kubectl.Result(process.exitValue(), out, "");
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void deletingAPodRunsItsPreStopHookThenStopsItsProcessWithinTheGracePeriod() throws Exception {
    java.nio.file.Path marker = dataDir.resolve("prestop-ran");
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: doomed}
        spec:
          terminationGracePeriodSeconds: 5
          containers:
          - name: main
            image: busybox
            command: ["sleep", "3600"]
            lifecycle:
              preStop:
                exec: {command: ["sh", "-c", "echo bye > /hostdir/prestop-ran"]}
            volumeMounts: [{name: host, mountPath: /hostdir}]
          volumes:
          - name: host
            hostPath: {path: %s, type: Directory}
        """.formatted(dataDir));
    awaitPod("doomed", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    long started = System.nanoTime();
    kubectl.run("delete", "pod", "doomed", "--timeout=60s").assertOk();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "deleted in " + took);
    assertNotEquals(0, kubectl.run("get", "pod", "doomed").exitCode());
    assertEquals("bye", java.nio.file.Files.readString(marker).trim(), "the preStop hook ran inside the container");
  }

  @Test
  void aPodThatFitsNowhereStaysPendingWithTheReasonInDescribe() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: greedy}
        spec:
          containers:
          - name: main
            image: busybox
            command: ["sleep", "3600"]
            resources:
              requests: {cpu: "500"}
        """);
    Polling.await(() -> kubectl.run("describe", "pod", "greedy").stdout().contains("Insufficient cpu"), DEADLINE,
        "FailedScheduling with the reason");
    assertEquals("Pending", pod("greedy").at("/status/phase").asText());
  }

  @Test
  void initContainersRunToCompletionBeforeTheAppContainer() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: initialized}
        spec:
          initContainers:
          - name: prepare
            image: busybox
            command: ["sh", "-c", "echo prepared > /work/ready"]
            volumeMounts: [{name: work, mountPath: /work}]
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "cat /work/ready; sleep 3600"]
            volumeMounts: [{name: work, mountPath: /work}]
          volumes:
          - name: work
            emptyDir: {}
        """);
    awaitPod("initialized", p -> "Running".equals(p.at("/status/phase").asText()), "running");
    Polling.await(() -> kubectl.run("logs", "initialized", "-c", "main").stdout().contains("prepared"), DEADLINE,
        "the app container to see the init container's file");
    assertEquals(0, pod("initialized").at("/status/initContainerStatuses/0/state/terminated/exitCode").asInt());
  }
}
