package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.runtime.cri.LocalContainerd;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member with the cri runtime on a private containerd and OCI registry (LocalContainerd: started and stopped by
 * this test), driven by the real kubectl: pods run busybox images from the registry in their own sandboxes. Skipped,
 * saying why, on a host that cannot run containerd (not root, packages missing); CI installs them.
 */
class CriRuntimeTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static LocalContainerd containerd;
  static TestServers.Member member;
  static Kubectl kubectl;
  static Path containerdDir;

  @BeforeAll
  static void start() throws Exception {
    String reason = LocalContainerd.unavailableReason().orElse(null);
    Assumptions.assumeTrue(reason == null, "containerd cannot run on this host: " + reason);
    containerdDir = Files.createTempDirectory("drover-cri-");
    containerd = LocalContainerd.start(containerdDir);
    member = TestServers.startMember(Map.of(
        "drover.agent.runtime", "cri",
        "drover.agent.cri.socket", containerd.socket().toString(),
        "drover.agent.image-pull-backoff-initial", "2s",
        "drover.agent.metrics-resolution", "1s"));
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      TestServers.stop(member); // the agent stops its containers and removes its sandboxes
    } finally {
      if (containerd != null) containerd.close();
    }
  }

  String image(String name) {
    return containerd.image(name);
  }

  void apply(String yaml) {
    kubectl.runWithInput(yaml, "apply", "-f", "-").assertOk();
  }

  String jsonpath(String pod, String path) {
    return kubectl.run("get", "pod", pod, "-o", "jsonpath={" + path + "}").assertOk().stdout();
  }

  /** Waits for the pod to run and be ready; a timeout shows the pod's last status. */
  void awaitRunning(String pod) {
    Polling.await(() -> {
      if (jsonpath(pod, ".status.phase").equals("Running")
          && jsonpath(pod, ".status.containerStatuses[0].ready").equals("true")) {
        return true;
      }
      throw new AssertionError("status: " + jsonpath(pod, ".status"));
    }, DEADLINE, pod + " to run");
  }

  void delete(String pod) {
    kubectl.run("delete", "pod", pod, "--now", "--wait=false").assertOk();
  }

  @Test
  void theNodeShowsContainerdAsItsRuntime() {
    String runtime = kubectl.run("get", "nodes", "-o",
        "jsonpath={.items[0].status.nodeInfo.containerRuntimeVersion}").assertOk().stdout();
    assertTrue(runtime.startsWith("containerd://1."), runtime);
  }

  @Test
  void aBusyboxPodPrintsToKubectlLogsAndShowsItsImageByDigest() {
    kubectl.run("create", "configmap", "greeting", "--from-literal=text=hello from busybox").assertOk();
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: hello}
        spec:
          restartPolicy: Never
          volumes: [{name: config, configMap: {name: greeting}}]
          containers:
          - name: main
            image: "%s"
            command: [sh, -c, "cat /config/text; echo; echo to stderr >&2"]
            volumeMounts: [{name: config, mountPath: /config, readOnly: true}]
        """.formatted(image("busybox")));
    Polling.await(() -> jsonpath("hello", ".status.phase").equals("Succeeded"), DEADLINE, "hello to succeed");
    // stdout and stderr are two pipes: their lines interleave in the order the runtime read them.
    assertEquals(java.util.List.of("hello from busybox", "to stderr"),
        kubectl.run("logs", "hello").assertOk().stdout().lines().sorted().toList());
    String ids = jsonpath("hello", ".status.containerStatuses[0].containerID") + " "
        + jsonpath("hello", ".status.containerStatuses[0].imageID");
    assertTrue(ids.matches("containerd://[0-9a-f]{64} .*/drover/busybox@sha256:[0-9a-f]{64}"), ids);
    String events = kubectl.run("get", "events", "--field-selector", "involvedObject.name=hello").assertOk().stdout();
    assertTrue(events.contains("Pulled") && events.contains("Started"), events);
    delete("hello");
    kubectl.run("delete", "configmap", "greeting").assertOk();
  }

  @Test
  void anHttpdPodAnswersAtItsOwnPodIpAndItsHostPort() throws Exception {
    int hostPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      hostPort = free.getLocalPort();
    }
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers:
          - name: httpd
            image: "%1$s"
            command: [httpd, -f, -p, "8080", -h, /www]
            ports: [{containerPort: 8080, hostPort: %2$d}]
            readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
          - name: sidecar
            image: "%1$s"
            command: [sh, -c, "until wget -q -O - http://127.0.0.1:8080/index.html; do sleep 0.2; done; sleep 3600"]
        """.formatted(image("busybox"), hostPort));
    awaitRunning("web");
    // The containers of a pod share its sandbox's network namespace: the sidecar reaches httpd on localhost.
    Polling.await(() -> kubectl.run("logs", "web", "-c", "sidecar").stdout().contains("hello from drover"), DEADLINE,
        "the sidecar to reach httpd on 127.0.0.1");
    String podIp = jsonpath("web", ".status.podIP");
    String hostIp = jsonpath("web", ".status.hostIP");
    assertTrue(!podIp.equals(hostIp) && podIp.startsWith(containerd.podCidr().substring(0,
        containerd.podCidr().lastIndexOf('.'))), podIp + " in " + containerd.podCidr());
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + podIp + ":8080/index.html")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    assertTrue(response.body().contains("hello from drover"), response.body());
    // The hostPort, forwarded by the runtime's CNI portmap plugin from the node's addresses.
    HttpResponse<String> viaNode = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + hostPort + "/index.html")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(viaNode.body().contains("hello from drover"), viaNode.statusCode() + " " + viaNode.body());
    delete("web");
  }

  @Test
  void aKilledContainerIsRestartedAndItsPreviousLogStays() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: victim}
        spec:
          containers:
          - {name: main, image: "%s", command: [sh, -c, "echo run at $(date +%%s%%N); sleep 3600"]}
        """.formatted(image("busybox")));
    awaitRunning("victim");
    String firstId = jsonpath("victim", ".status.containerStatuses[0].containerID").replace("containerd://", "");
    ctr("tasks", "kill", "--signal", "SIGKILL", firstId);
    Polling.await(() -> jsonpath("victim", ".status.containerStatuses[0].restartCount").equals("1")
        && jsonpath("victim", ".status.containerStatuses[0].state.running.startedAt").length() > 0,
        DEADLINE, "the killed container to be restarted");
    assertEquals("137", jsonpath("victim", ".status.containerStatuses[0].lastState.terminated.exitCode"));
    assertEquals("containerd://" + firstId,
        jsonpath("victim", ".status.containerStatuses[0].lastState.terminated.containerID"));
    String previous = kubectl.run("logs", "victim", "--previous").assertOk().stdout();
    String current = kubectl.run("logs", "victim").assertOk().stdout();
    assertTrue(previous.startsWith("run at ") && current.startsWith("run at ") && !previous.equals(current),
        previous + " / " + current);
    delete("victim");
  }

  @Test
  void aPodWhoseSandboxDiedGetsANewSandboxAndItsContainersStartAgain() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: orphan}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - {name: main, image: "%s", command: [sleep, "3600"]}
        """.formatted(image("busybox")));
    awaitRunning("orphan");
    String uid = jsonpath("orphan", ".metadata.uid");
    String firstContainer = jsonpath("orphan", ".status.containerStatuses[0].containerID");
    String sandboxFilter = "labels.\"io.kubernetes.pod.uid\"==" + uid + ",labels.\"io.cri-containerd.kind\"==sandbox";
    String firstSandbox = ctr("containers", "ls", "-q", sandboxFilter).strip();
    assertTrue(!firstSandbox.isEmpty() && !firstSandbox.contains("\n"), firstSandbox);
    // The pause process holds the pod's namespaces; killing it is how a sandbox dies under a running pod.
    ctr("tasks", "kill", "--signal", "SIGKILL", firstSandbox);
    Polling.await(() -> jsonpath("orphan", ".status.containerStatuses[0].restartCount").equals("1")
        && jsonpath("orphan", ".status.containerStatuses[0].state.running.startedAt").length() > 0,
        DEADLINE, "the pod's container to start again in a new sandbox");
    String secondSandbox = ctr("containers", "ls", "-q", sandboxFilter).strip();
    assertTrue(!secondSandbox.isEmpty() && !secondSandbox.equals(firstSandbox),
        "old sandbox " + firstSandbox + ", now " + secondSandbox);
    assertTrue(!jsonpath("orphan", ".status.containerStatuses[0].containerID").equals(firstContainer));
    assertTrue(kubectl.run("get", "events", "--field-selector", "involvedObject.name=orphan,reason=SandboxChanged",
        "-o", "jsonpath={.items[*].message}").assertOk().stdout()
        .contains("Pod sandbox changed, it will be killed and re-created."));
    // The new sandbox gives the pod a working network again.
    assertEquals("orphan\n", kubectl.run("exec", "orphan", "--", "hostname").assertOk().stdout());
    delete("orphan");
  }

  @Test
  void unusedImagesAreGarbageCollectedButNotWhileInUseNorTheSandboxImage() throws Exception {
    // A containerd and a member of their own, so no other test's images are touched. Thresholds of 0 % make every
    // pass (each second here) free all it may: a full disk, as far as the collector can tell.
    Path containerdDir = Files.createTempDirectory("drover-cri-gc-");
    Path dir = TestServers.tempDataDir();
    LocalContainerd own = LocalContainerd.start(containerdDir);
    DroverServer server = null;
    try {
      server = TestServers.start(dir, Map.of(
          "drover.agent.runtime", "cri",
          "drover.agent.cri.socket", own.socket().toString(),
          "drover.agent.node-name", "cri-gc",
          "drover.agent.image-gc-high-threshold-percent", 0,
          "drover.agent.image-gc-low-threshold-percent", 0,
          "drover.agent.image-minimum-gc-age", "0s",
          "drover.agent.image-gc-period", "1s"));
      Kubectl k = new Kubectl(server.kubeconfig());
      TestServers.awaitNode(k, DEADLINE);
      k.runWithInput("""
          apiVersion: v1
          kind: Pod
          metadata: {name: keeper}
          spec:
            terminationGracePeriodSeconds: 1
            containers:
            - {name: main, image: "%s", command: [sleep, "3600"]}
          """.formatted(own.image("busybox")), "apply", "-f", "-").assertOk();
      Polling.await(() -> k.run("get", "pod", "keeper", "-o", "jsonpath={.status.phase}").stdout().equals("Running"),
          DEADLINE, "keeper to run");
      // Three more collector passes while the pod runs (the exec takes that long): its image stays.
      k.run("exec", "keeper", "--", "sleep", "3").assertOk();
      assertTrue(ctrAt(own.socket(), "images", "ls", "-q").contains("drover/busybox"), "the image in use stays");
      k.run("delete", "pod", "keeper", "--grace-period=1").assertOk();
      Polling.await(() -> !ctrAt(own.socket(), "images", "ls", "-q").contains("drover/busybox"), DEADLINE,
          "the unused image to be collected");
      assertTrue(ctrAt(own.socket(), "images", "ls", "-q").contains("drover/pause"), "the sandbox image stays");
    } finally {
      if (server != null) server.close();
      own.close();
      TestServers.deleteRecursively(dir);
      TestServers.deleteRecursively(containerdDir);
    }
  }

  @Test
  void anImageThatDoesNotExistEndsInImagePullBackOffWithTheRegistrysMessage() {
    String missing = containerd.registry() + "/drover/does-not-exist:1";
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: nosuch}
        spec:
          containers:
          - {name: main, image: "%s"}
        """.formatted(missing));
    Polling.await(() -> jsonpath("nosuch", ".status.containerStatuses[0].state.waiting.reason")
        .equals("ImagePullBackOff"), DEADLINE, "ImagePullBackOff");
    String message = jsonpath("nosuch", ".status.containerStatuses[0].state.waiting.message");
    assertTrue(message.startsWith("Back-off pulling image \"" + missing + "\": ErrImagePull: ")
        && message.contains("not found"), message);
    String get = kubectl.run("get", "pod", "nosuch").assertOk().stdout();
    assertTrue(get.contains("ImagePullBackOff") || get.contains("ErrImagePull"), get);
    String events = kubectl.run("get", "events", "--field-selector", "involvedObject.name=nosuch").assertOk().stdout();
    assertTrue(events.contains("Failed to pull image") && events.contains("Back-off pulling image"), events);
    delete("nosuch");
  }

  @Test
  void aPrivateImageIsPulledWithItsImagePullSecretAndRefusedWithout() throws Exception {
    String registry = containerd.startPrivateRegistry(
        "drover:" + org.mindrot.jbcrypt.BCrypt.hashpw("s3cret", org.mindrot.jbcrypt.BCrypt.gensalt(4)));
    String image = registry + "/drover/busybox:1";
    kubectl.run("create", "secret", "docker-registry", "regcred", "--docker-server=" + registry,
        "--docker-username=drover", "--docker-password=s3cret").assertOk();
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: private}
        spec:
          imagePullSecrets: [{name: regcred}]
          containers:
          - {name: main, image: "%1$s", imagePullPolicy: Always, command: [sleep, "3600"]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: nosecret}
        spec:
          containers:
          - {name: main, image: "%1$s", imagePullPolicy: Always, command: [sleep, "3600"]}
        """.formatted(image));
    awaitRunning("private");
    String reason = Polling.await(() -> {
      String r = jsonpath("nosecret", ".status.containerStatuses[0].state.waiting.reason");
      return r.equals("ErrImagePull") || r.equals("ImagePullBackOff") ? r : null;
    }, DEADLINE, "the pull without the secret to fail");
    String message = jsonpath("nosecret", ".status.containerStatuses[0].state.waiting.message");
    assertTrue(message.contains("401 Unauthorized") || message.contains("authorization failed"), reason + ": "
        + message);
    delete("private");
    delete("nosecret");
  }

  @Test
  void kubectlExecRunsInTheContainerWithItsExitCodeAndStdin() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: shell}
        spec:
          containers:
          - {name: main, image: "%s", command: [sleep, "3600"]}
        """.formatted(image("busybox")));
    awaitRunning("shell");
    assertEquals("shell\n", kubectl.run("exec", "shell", "--", "hostname").assertOk().stdout());
    // Usage from CRI's ContainerStats, sampled every second here, is what kubectl top shows.
    String top = Polling.await(() -> {
      Kubectl.Result r = kubectl.run("top", "pod", "shell", "--no-headers");
      return r.exitCode() == 0 ? r.stdout() : null;
    }, DEADLINE, "kubectl top to show the pod");
    assertTrue(top.matches("shell\\s+\\d+m\\s+\\d+Mi\\s*"), top);
    Kubectl.Result failed = kubectl.run("exec", "shell", "--", "sh", "-c", "echo oops >&2; exit 3");
    assertEquals(3, failed.exitCode(), failed.toString());
    assertTrue(failed.stderr().contains("oops") && failed.stderr().contains("command terminated with exit code 3"),
        failed.stderr());
    assertEquals("got drover\n", kubectl.runWithInput("drover\n", "exec", "-i", "shell", "--", "sh", "-c",
        "read line; echo got $line").assertOk().stdout());
    Kubectl.Result missing = kubectl.run("exec", "shell", "--", "no-such-command");
    assertTrue(missing.stderr().contains("executable file not found"), missing.stderr());
    delete("shell");
  }

  @Test
  void execStdinEndsAndKubectlCpCopiesBothWays(@TempDir Path dir) throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: files}
        spec:
          containers:
          - {name: main, image: "%s", command: [sleep, "3600"]}
        """.formatted(image("busybox")));
    awaitRunning("files");
    // The end of kubectl's stdin reaches the command: cat ends, and so does kubectl.
    assertEquals("one\ntwo\n", kubectl.runWithInput("one\ntwo\n", "exec", "-i", "files", "--", "cat")
        .assertOk().stdout());
    // Without -i the command's stdin is closed from the start.
    assertEquals("", kubectl.run("exec", "files", "--", "cat").assertOk().stdout());
    // Output larger than SPDY's 64 KiB stream window and than the session's pause threshold arrives whole.
    String counted = kubectl.run("exec", "files", "--", "seq", "1", "300000").assertOk().stdout();
    assertEquals(300000, counted.lines().count());
    assertTrue(counted.endsWith("\n300000\n"), counted.substring(Math.max(0, counted.length() - 50)));
    // kubectl cp is tar over exec, into the pod (stdin) and out of it (stdout).
    byte[] content = new byte[1_500_000];
    new java.util.Random(7).nextBytes(content);
    Path local = dir.resolve("payload.bin");
    Files.write(local, content);
    kubectl.run("cp", local.toString(), "files:/tmp/payload.bin").assertOk();
    assertEquals("1500000", kubectl.run("exec", "files", "--", "sh", "-c", "wc -c < /tmp/payload.bin")
        .assertOk().stdout().strip());
    Path back = dir.resolve("back.bin");
    kubectl.run("cp", "files:/tmp/payload.bin", back.toString()).assertOk();
    assertArrayEquals(content, Files.readAllBytes(back));
    delete("files");
  }

  @Test
  void kubectlRunDashIAndAttachReachTheContainersStdio() {
    // kubectl run -i --rm: CRI Attach to a container created with stdin and stdinOnce; the pod is deleted after.
    Kubectl.Result run = kubectl.runWithInput("hello\n", "run", "asker", "-i", "--rm", "--restart=Never",
        "--image=" + image("busybox"), "--", "sh", "-c", "read x; echo \"got $x\"; echo \"err $x\" >&2");
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    assertTrue(run.stdout().contains("got hello"), run.stdout() + run.stderr());
    assertTrue(run.stderr().contains("err hello"), run.stderr());
    Polling.await(() -> kubectl.run("get", "pod", "asker").stderr().contains("NotFound"), DEADLINE, "asker deleted");
  }

  @Test
  void aMemoryLimitedContainerIsOomKilled() {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: hog}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: "%s"
            command: [dd, if=/dev/zero, of=/dev/null, bs=64M, count=1]
            resources: {limits: {memory: 16Mi}}
        """.formatted(image("busybox")));
    Polling.await(() -> jsonpath("hog", ".status.phase").equals("Failed"), DEADLINE, "hog to fail");
    assertEquals("OOMKilled", jsonpath("hog", ".status.containerStatuses[0].state.terminated.reason"));
    assertEquals("137", jsonpath("hog", ".status.containerStatuses[0].state.terminated.exitCode"));
    delete("hog");
  }

  @Test
  void capabilitiesNoNewPrivilegesSeccompAndTheCpuRequestReachTheContainer() {
    // What PodSecurity's restricted level asks for is applied, not only admitted; the status file shows it.
    String show = "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; "
        + "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu,cpuacct/cpu.shares 2>/dev/null; true";
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: locked}
        spec:
          restartPolicy: Never
          securityContext: {seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: main
            image: "%s"
            command: [sh, -c, "%s"]
            resources: {requests: {cpu: 250m}}
            securityContext:
              allowPrivilegeEscalation: false
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: plain}
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: "%s", command: [sh, -c, "%s"]}
        """.formatted(image("busybox"), show, image("busybox"), show));
    for (String pod : List.of("locked", "plain")) {
      Polling.await(() -> jsonpath(pod, ".status.phase").equals("Succeeded"), DEADLINE, pod + " to succeed");
    }
    String locked = kubectl.run("logs", "locked").assertOk().stdout();
    assertTrue(locked.contains("CapEff:\t0000000000000400"), "only NET_BIND_SERVICE (bit 10): " + locked);
    assertTrue(locked.contains("NoNewPrivs:\t1"), locked);
    assertTrue(locked.contains("Seccomp:\t2"), "a filter, the runtime's default profile: " + locked);
    assertTrue(locked.lines().anyMatch(l -> l.equals("256")), "250m is 256 cpu shares: " + locked);
    String plain = kubectl.run("logs", "plain").assertOk().stdout();
    assertTrue(plain.contains("NoNewPrivs:\t0") && plain.contains("Seccomp:\t0"), plain);
    assertFalse(plain.contains("CapEff:\t0000000000000400"), "the runtime's default capabilities: " + plain);
    assertTrue(plain.lines().anyMatch(l -> l.equals("2")), "BestEffort gets kubelet's minimum of 2 shares: " + plain);
    delete("locked");
    delete("plain");
  }

  @Test
  void aDeletedPodsSandboxAndContainersAreRemovedFromTheRuntime() throws Exception {
    apply("""
        apiVersion: v1
        kind: Pod
        metadata: {name: brief}
        spec:
          containers:
          - {name: main, image: "%s", command: [sleep, "3600"]}
        """.formatted(image("busybox")));
    awaitRunning("brief");
    String uid = jsonpath("brief", ".metadata.uid");
    assertTrue(ctr("containers", "ls", "labels.\"io.kubernetes.pod.uid\"==" + uid).lines().count() > 1,
        "the pod's sandbox and container are in containerd");
    kubectl.run("delete", "pod", "brief", "--grace-period=1").assertOk();
    Polling.await(() -> ctr("containers", "ls", "-q", "labels.\"io.kubernetes.pod.uid\"==" + uid).isBlank(),
        DEADLINE, "the pod's containers and sandbox to be removed from containerd");
  }

  @Test
  void aRestartedMemberAdoptsItsRunningPodsSandboxAndContainer() throws Exception {
    // A second member (its own cluster and node name) that leaves its containers running when it stops.
    Map<String, Object> settings = Map.of(
        "drover.agent.runtime", "cri",
        "drover.agent.cri.socket", containerd.socket().toString(),
        "drover.agent.node-name", "cri-restart",
        "drover.agent.stop-containers-on-shutdown", false);
    Path dir = TestServers.tempDataDir();
    DroverServer first = TestServers.start(dir, settings);
    DroverServer second = null;
    try {
      Kubectl k = new Kubectl(first.kubeconfig());
      TestServers.awaitNode(k, DEADLINE);
      k.runWithInput("""
          apiVersion: v1
          kind: Pod
          metadata: {name: survivor}
          spec:
            containers:
            - {name: main, image: "%s", command: [sh, -c, "echo started once; sleep 3600"]}
          """.formatted(image("busybox")), "apply", "-f", "-").assertOk();
      String podPath = "{.status.containerStatuses[0].containerID} {.status.podIP}";
      String before = Polling.await(() -> {
        String s = k.run("get", "pod", "survivor", "-o", "jsonpath=" + podPath).assertOk().stdout();
        return s.startsWith("containerd://") && !s.endsWith(" ") ? s : null;
      }, DEADLINE, "survivor to run");
      first.close();
      first = null;

      second = TestServers.start(dir, settings);
      Kubectl again = new Kubectl(second.kubeconfig());
      Polling.await(() -> again.run("get", "pod", "survivor", "-o", "jsonpath={.status.phase}").stdout()
          .equals("Running"), DEADLINE, "survivor to be Running after the restart");
      Thread.sleep(3000); // a few pod syncs of the new agent: nothing may be restarted or recreated meanwhile
      assertEquals(before, again.run("get", "pod", "survivor", "-o", "jsonpath=" + podPath).assertOk().stdout(),
          "the same container in the same sandbox (pod IP)");
      assertEquals("0", again.run("get", "pod", "survivor", "-o",
          "jsonpath={.status.containerStatuses[0].restartCount}").assertOk().stdout());
      assertEquals("started once\n", again.run("logs", "survivor").assertOk().stdout());
      again.run("delete", "pod", "survivor", "--grace-period=1").assertOk();
      String uid = "cri-restart";
      Polling.await(() -> ctr("containers", "ls", "-q", "labels.\"drover.io/node\"==" + uid).isBlank(), DEADLINE,
          "the pod's containers and sandbox to be removed");
    } finally {
      if (first != null) first.close();
      if (second != null) second.close();
      TestServers.deleteRecursively(dir);
    }
  }

  /** Runs containerd's own client against the test's containerd, in the CRI namespace. */
  static String ctr(String... args) {
    return ctrAt(containerd.socket(), args);
  }

  static String ctrAt(Path socket, String... args) {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ctr", "-a",
        socket.toString(), "-n", "k8s.io"));
    command.addAll(java.util.List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("ctr did not finish: " + command);
      }
      if (process.exitValue() != 0) throw new AssertionError(command + " exited " + process.exitValue() + ": " + out);
      return out;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
