package io.drover.agent.runtime.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drover.agent.runtime.cri.v1.ContainerConfig;
import io.drover.agent.runtime.cri.v1.ContainerMetadata;
import io.drover.agent.runtime.cri.v1.CreateContainerRequest;
import io.drover.agent.runtime.cri.v1.ImageSpec;
import io.drover.agent.runtime.cri.v1.PodSandboxConfig;
import io.drover.agent.runtime.cri.v1.PodSandboxMetadata;
import io.drover.agent.runtime.cri.v1.PodSandboxStatusRequest;
import io.drover.agent.runtime.cri.v1.PullImageRequest;
import io.drover.agent.runtime.cri.v1.RunPodSandboxRequest;
import io.drover.agent.runtime.cri.v1.StartContainerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalContainerdTest {
  private static final Duration CALL = Duration.ofSeconds(20);

  @Test
  void servesTheTestImagesAndLeavesNothingBehind() throws Exception {
    assumeAvailable();
    runsAndCleansUp(Files.createTempDirectory("drover-ctd"));
  }

  @Test
  void keepsItsSocketsShortWhenTheDirectoryIsLong() throws Exception {
    assumeAvailable();
    Path dir = Files.createTempDirectory("drover-local-containerd-with-a-directory-name-too-long-for-unix-sockets");
    runsAndCleansUp(dir);
  }

  @Test
  void podsLeftRunningLoseTheirNetworkWithTheInstance() throws Exception {
    assumeAvailable();
    Path dir = Files.createTempDirectory("drover-ctd");
    String network;
    try (LocalContainerd ctd = LocalContainerd.start(dir); CriClient cri = CriClient.connect(ctd.socket())) {
      network = ctd.networkName();
      PodSandboxConfig pod = PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("default").setUid("uid-1"))
          .setHostname("web")
          .setLogDirectory(dir.resolve("pods/web").toString())
          .build();
      String sandbox = cri.runtime(CALL).runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
          .getPodSandboxId();
      ImageSpec busybox = ImageSpec.newBuilder().setImage(ctd.image("busybox")).build();
      cri.images(CALL).pullImage(PullImageRequest.newBuilder().setImage(busybox).build());
      ContainerConfig httpd = ContainerConfig.newBuilder()
          .setMetadata(ContainerMetadata.newBuilder().setName("httpd"))
          .setImage(busybox)
          .addAllCommand(List.of("httpd", "-f", "-p", "80", "-h", "/www"))
          .setLogPath("httpd.log")
          .build();
      String container = cri.runtime(CALL).createContainer(CreateContainerRequest.newBuilder()
          .setPodSandboxId(sandbox).setConfig(httpd).setSandboxConfig(pod).build()).getContainerId();
      cri.runtime(CALL).startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
      String ip = cri.runtime(CALL).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandbox)
          .build()).getStatus().getNetwork().getIp();
      String subnet = ctd.podCidr().substring(0, ctd.podCidr().lastIndexOf('.') + 1);
      assertTrue(ip.startsWith(subnet), ip + " is not in " + ctd.podCidr());
      assertEquals("hello from drover\n", httpGet("http://" + ip + "/index.html"));
      assertTrue(Files.exists(Path.of("/sys/class/net", network)));
      // no StopPodSandbox: close() has to clean up after a caller that forgot
    }
    assertFalse(Files.exists(Path.of("/sys/class/net", network)), "bridge " + network + " is still there");
    assertFalse(sh("iptables -w -t nat -S").contains("\\\"" + network + "\\\""), "iptables rules of " + network);
    try (Stream<Path> cache = Files.list(Path.of("/var/lib/cni/results"))) {
      assertTrue(cache.noneMatch(p -> p.getFileName().toString().startsWith(network + "-")), "CNI result cache");
    }
    assertFalse(Files.exists(dir));
  }

  @Test
  void splitsIptablesRulesLikeAShell() {
    String rule = "-A POSTROUTING -s 10.90.7.5/32 -m comment --comment \"name: \\\"drvctd7\\\" id: \\\"abc\\\"\""
        + " -j CNI-956a862341db85471928aaba";
    assertEquals(List.of("-A", "POSTROUTING", "-s", "10.90.7.5/32", "-m", "comment", "--comment",
        "name: \"drvctd7\" id: \"abc\"", "-j", "CNI-956a862341db85471928aaba"), LocalContainerd.iptablesArgs(rule));
  }

  @Test
  void networksOverlapWhenTheShorterMaskAgrees() {
    int tenNinety7 = (10 << 24) | (90 << 16) | (7 << 8);
    assertTrue(LocalContainerd.overlaps(tenNinety7, 0xFFFFFF00, (10 << 24) | (90 << 16), 0xFFFF0000));
    assertTrue(LocalContainerd.overlaps(tenNinety7, 0xFFFFFF00, tenNinety7 | 128, 0xFFFFFF80));
    assertFalse(LocalContainerd.overlaps(tenNinety7, 0xFFFFFF00, (10 << 24) | (88 << 16) | (7 << 8), 0xFFFFFF00));
  }

  @Test
  void unescapesMountPointsFromMountinfo() {
    assertEquals("/tmp/a b\\c", LocalContainerd.unescapeMountPath("/tmp/a\\040b\\134c"));
  }

  private static void assumeAvailable() {
    Optional<String> reason = LocalContainerd.unavailableReason();
    assumeTrue(reason.isEmpty(), reason.orElse(""));
  }

  private static void runsAndCleansUp(Path dir) throws Exception {
    List<ProcessHandle> started;
    Path socket;
    try (LocalContainerd ctd = LocalContainerd.start(dir)) {
      socket = ctd.socket();
      assertTrue(socket.toString().length() < 100, socket.toString());
      String ctr = "ctr -a " + socket + " -n k8s.io ";
      assertEquals("", sh(ctr + "images pull --plain-http " + ctd.image("busybox") + " >/dev/null"));
      assertEquals("ok\n", sh(ctr + "run --rm " + ctd.image("busybox") + " echo-ok echo ok"));
      sh(ctr + "run -d " + ctd.image("busybox") + " sleeper sleep 600 >/dev/null");
      assertEquals("hello from drover\n", sh(ctr + "tasks exec --exec-id probe sleeper cat /www/index.html"));
      started = ourProcesses(dir, socket);
      assertTrue(started.size() >= 3, "containerd, registry and a shim: " + started);
    }
    for (ProcessHandle process : started) {
      assertFalse(LocalContainerd.running(process.pid()), () -> "still running: " + process.info());
    }
    assertTrue(ourProcesses(dir, socket).stream().noneMatch(p -> LocalContainerd.running(p.pid())));
    assertFalse(Files.exists(dir), dir + " is still there");
    assertFalse(Files.exists(socket.getParent()), socket.getParent() + " is still there");
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
    assertFalse(mounts.contains(dir.toString()) || mounts.contains(socket.getParent().toString()), mounts);
  }

  /** containerd and the registry (whose command lines name dir) and the shims (which name the socket). */
  private static List<ProcessHandle> ourProcesses(Path dir, Path socket) {
    List<ProcessHandle> ours = new ArrayList<>();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      all.forEach(p -> {
        String commandLine = commandLine(p);
        if (commandLine.contains(dir.toString()) || commandLine.contains(socket.toString())) ours.add(p);
      });
    }
    return ours;
  }

  private static String commandLine(ProcessHandle process) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }

  /** Polls until the freshly started httpd answers. */
  private static String httpGet(String url) throws Exception {
    long deadline = System.nanoTime() + CALL.toNanos();
    while (true) {
      try {
        HttpURLConnection http = (HttpURLConnection) new URL(url).openConnection();
        http.setConnectTimeout(1000);
        http.setReadTimeout(1000);
        try (InputStream in = http.getInputStream()) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) throw notYet;
        Thread.sleep(50);
      }
    }
  }

  private static String sh(String command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), command);
    assertEquals(0, process.exitValue(), command + ":\n" + output);
    return output;
  }
}
