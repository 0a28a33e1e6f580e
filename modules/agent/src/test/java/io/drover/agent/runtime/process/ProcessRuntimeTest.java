package io.drover.agent.runtime.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The process runtime with real shims, namespaces and cgroups of this machine (as root), and no mocks. */
final class ProcessRuntimeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern CRI_LINE =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (stdout|stderr) [FP] .*");
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** Shared by the class so the shim is compiled once; containers have unique ids. */
  @TempDir static Path stateDir;
  @TempDir Path tmp;

  private ProcessRuntime runtime;
  private final List<String> startedIds = new ArrayList<>();
  private final List<Long> startedPids = new ArrayList<>();

  @BeforeEach
  void createRuntime() {
    runtime = new ProcessRuntime(stateDir);
  }

  /** Removes every container a test started, then makes sure each of its shims and processes is gone. */
  @AfterEach
  void removeContainers() {
    for (String id : startedIds) {
      runtime.shimPid(id).ifPresent(startedPids::add);
      runtime.remove(id);
    }
    for (long pid : startedPids) {
      boolean gone = Polling.until(() -> gone(pid), WAIT);
      if (!gone) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      assertTrue(gone, "process " + pid + " outlived its container's removal");
    }
  }

  @Test
  void outputLinesLandInTheLogInCriFormatWithStreamTags() throws Exception {
    ContainerSpec spec = spec("logs", "sh", "-c", "echo hello; echo oops >&2; printf 'no newline'");
    start(spec);
    awaitExit(spec.id());
    List<String> lines = Files.readAllLines(spec.logFile());
    assertTrue(lines.stream().allMatch(l -> CRI_LINE.matcher(l).matches()), "CRI format: " + lines);
    assertTrue(lines.stream().anyMatch(l -> l.endsWith(" stdout F hello")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.endsWith(" stderr F oops")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.endsWith(" stdout F no newline")), lines.toString());
  }

  @Test
  void linesLongerThan16KiBAreSplitIntoPartialEntries() throws Exception {
    ContainerSpec spec = spec("long", "sh", "-c", "head -c 20000 /dev/zero | tr '\\0' a; echo");
    start(spec);
    awaitExit(spec.id());
    List<String> lines = Files.readAllLines(spec.logFile());
    assertEquals(2, lines.size(), "one partial and one final entry");
    assertTrue(lines.get(0).endsWith(" stdout P " + "a".repeat(16384)));
    assertTrue(lines.get(1).endsWith(" stdout F " + "a".repeat(20000 - 16384)));
  }

  @Test
  void exitCodeZeroIsCompleted() throws Exception {
    ContainerSpec spec = spec("zero", "true");
    start(spec);
    ContainerState state = awaitExit(spec.id());
    assertEquals(0, state.exitCode());
    assertEquals("Completed", state.reason());
    assertNotNull(state.startedAt());
    assertFalse(state.finishedAt().isBefore(state.startedAt()));
  }

  @Test
  void nonZeroExitIsErrorWithItsCode() throws Exception {
    ContainerSpec spec = spec("three", "sh", "-c", "exit 3");
    start(spec);
    ContainerState state = awaitExit(spec.id());
    assertEquals(3, state.exitCode());
    assertEquals("Error", state.reason());
  }

  @Test
  void commandMissingFromPathIsAStartError() throws Exception {
    ContainerSpec spec = spec("missing", "no-such-command-drover");
    ContainerState state = start(spec);
    assertEquals(ContainerState.Status.EXITED, state.status());
    assertEquals("StartError", state.reason());
    assertEquals(128, state.exitCode());
    assertTrue(state.message().contains("no-such-command-drover"), state.message());
  }

  @Test
  void exceedingTheMemoryLimitEndsOomKilledWith137() throws Exception {
    assumeTrue(runtime.isolation().cgroups(), "no memory controller on this machine: " + runtime.isolation());
    ContainerSpec spec = withResources(spec("oom", "sh", "-c", "x=$(head -c 100m /dev/zero | tr '\\0' a); echo survived"),
        new ContainerSpec.Resources(32L << 20, null, null));
    start(spec);
    ContainerState state = awaitExit(spec.id());
    assertEquals("OOMKilled", state.reason(), state.toString());
    assertEquals(137, state.exitCode());
    assertFalse(Files.readString(spec.logFile()).contains("survived"));
  }

  @Test
  void stopLetsAProcessThatHandlesSigtermExitPromptly() throws Exception {
    ContainerSpec spec = spec("trap", "sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 1; done");
    start(spec);
    awaitLog(spec, "stdout F ready");
    long begin = System.nanoTime();
    runtime.stop(spec.id(), Duration.ofSeconds(30));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    ContainerState state = runtime.state(spec.id()).orElseThrow();
    assertEquals(0, state.exitCode(), state.toString());
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "stopped in " + took);
    awaitLog(spec, "stdout F bye");
  }

  @Test
  void stopKillsAProcessThatIgnoresSigtermAfterTheGrace() throws Exception {
    ContainerSpec spec = spec("stubborn", "sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done");
    start(spec);
    awaitLog(spec, "stdout F ready");
    Duration grace = Duration.ofMillis(1500);
    long begin = System.nanoTime();
    runtime.stop(spec.id(), grace);
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    ContainerState state = runtime.state(spec.id()).orElseThrow();
    assertEquals(137, state.exitCode(), state.toString());
    assertEquals("Error", state.reason());
    assertTrue(took.compareTo(grace) >= 0 && took.compareTo(grace.plusSeconds(5)) < 0, "stopped in " + took);
  }

  @Test
  void containerHasItsOwnHostnameAndIsPid1OfItsNamespace() throws Exception {
    assumeTrue(runtime.isolation().namespaces(), "no namespaces here: " + runtime.isolation());
    ContainerSpec spec = spec("ns", "sh", "-c", "cat /proc/sys/kernel/hostname; echo pid=$$; ls /proc | grep -c '^[0-9]'");
    start(spec);
    awaitExit(spec.id());
    List<String> out = stdout(spec);
    assertEquals(spec.hostname(), out.get(0));
    assertEquals("pid=1", out.get(1));
    assertTrue(Integer.parseInt(out.get(2)) < 10, "its /proc shows only its own processes: " + out.get(2));
  }

  @Test
  void bindMountIsVisibleAtItsPathWithItsFilesAndReadOnlyWhenAsked() throws Exception {
    assumeTrue(runtime.isolation().namespaces(), "no namespaces here: " + runtime.isolation());
    Path volume = Files.createDirectories(tmp.resolve("volume"));
    Files.writeString(volume.resolve("greeting"), "hi from the host\n");
    String rw = tmp.resolve("inside/rw").toString();
    String ro = tmp.resolve("inside/ro").toString();
    ContainerSpec plain = spec("mounts", "sh", "-c", "cat " + ro + "/greeting; "
        + "touch " + ro + "/refused 2>/dev/null && echo ro-writable || echo ro-refused; "
        + "echo written > " + rw + "/by-container && echo rw-ok");
    ContainerSpec spec = new ContainerSpec(plain.id(), plain.podUid(), plain.podNamespace(), plain.podName(),
        plain.containerName(), plain.attempt(), "", plain.command(), List.of(), plain.env(), plain.workingDir(),
        plain.hostname(), List.of(new ContainerSpec.Mount(volume, rw, false), new ContainerSpec.Mount(volume, ro, true)),
        plain.resources(), ContainerSpec.Security.NONE, plain.logFile(), null, false, null);
    start(spec);
    awaitExit(spec.id());
    assertEquals(List.of("hi from the host", "ro-refused", "rw-ok"), stdout(spec));
    assertEquals("written\n", Files.readString(volume.resolve("by-container")));
    assertFalse(Files.exists(volume.resolve("refused")));
    assertFalse(Files.exists(Path.of(ro, "greeting")), "the mount stays inside the container's mount namespace");
  }

  @Test
  @Timeout(30)
  void execRunsCommandsInsideTheContainerAndReturnsTheirExitCodes() throws Exception {
    ContainerSpec spec = spec("exec", "sleep", "300");
    start(spec);
    try (ExecSession exec = runtime.exec(spec.id(),
        List.of("sh", "-c", "cat /proc/sys/kernel/hostname; echo $FOO; pwd; echo to-stderr >&2; exit 3"), false)) {
      String out = new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(exec.stderr().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(3, exec.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
      String hostname = runtime.isolation().namespaces() ? spec.hostname() : hostHostname();
      assertEquals(hostname + "\nbar\n" + tmp + "\n", out);
      assertEquals("to-stderr\n", err);
    }
    if (runtime.isolation().namespaces()) {
      try (ExecSession exec = runtime.exec(spec.id(), List.of("cat", "/proc/1/cmdline"), false)) {
        assertEquals("sleep\0" + "300\0", new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8),
            "exec shares the container's PID namespace, whose PID 1 is the container");
        assertEquals(0, exec.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  @Timeout(30)
  void execWithTtyGetsATerminalThatFollowsResizes() throws Exception {
    ContainerSpec spec = spec("tty", "sleep", "300");
    start(spec);
    try (ExecSession exec = runtime.exec(spec.id(), List.of("sh", "-c", "tty; read line; stty size; exit 4"), true)) {
      StringBuilder out = new StringBuilder();
      awaitOutput(exec, out, "/dev/pts/");
      exec.resize(100, 40);
      exec.stdin().write("go\n".getBytes(StandardCharsets.UTF_8));
      exec.stdin().flush();
      awaitOutput(exec, out, "40 100");
      assertEquals(4, exec.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  @Timeout(30)
  void attachSendsTheClientsInputToAStdinOnceContainerAndItsOutputBack() throws Exception {
    ContainerSpec spec = withStdio(spec("attach", "sh", "-c",
        "echo before-attach; read first; echo \"out $first\"; echo \"err $first\" >&2; cat; echo after-eof"),
        new ContainerSpec.Stdio(true, true, false));
    start(spec);
    // Output from before the attach is the log's, not the session's.
    assertTrue(Polling.until(() -> {
      try {
        return stdout(spec).contains("before-attach");
      } catch (IOException e) {
        return false;
      }
    }, WAIT), "the container started");
    try (ExecSession attach = runtime.attach(spec.id(), true, false)) {
      attach.stdin().write("hello\nrest\n".getBytes(StandardCharsets.UTF_8));
      attach.stdin().close(); // stdinOnce: the container's cat reads the end of its input
      String out = new String(attach.stdout().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(attach.stderr().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals("out hello\nrest\nafter-eof\n", out);
      assertEquals("err hello\n", err);
      assertEquals(0, attach.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
    }
    assertEquals(0, awaitExit(spec.id()).exitCode());
  }

  @Test
  @Timeout(30)
  void attachWithoutStdinOnceLeavesTheInputOpenForTheNextClient() throws Exception {
    ContainerSpec spec = withStdio(spec("reattach", "sh", "-c", "while read line; do echo \"got $line\"; done"),
        new ContainerSpec.Stdio(true, false, false));
    start(spec);
    for (String line : List.of("one", "two")) {
      try (ExecSession attach = runtime.attach(spec.id(), true, false)) {
        attach.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        attach.stdin().flush();
        StringBuilder out = new StringBuilder();
        awaitOutput(attach, out, "got " + line);
      }
    }
    assertTrue(runtime.state(spec.id()).orElseThrow().running(), "detaching leaves the container running");
  }

  @Test
  @Timeout(30)
  void attachToATtyContainerGetsItsTerminalAndSetsItsSize() throws Exception {
    ContainerSpec spec = withStdio(spec("ttyattach", "sh", "-c", "read line; tty; stty size; echo \"got $line\""),
        new ContainerSpec.Stdio(true, true, true));
    start(spec);
    try (ExecSession attach = runtime.attach(spec.id(), true, true)) {
      attach.resize(120, 33);
      attach.stdin().write("go\n".getBytes(StandardCharsets.UTF_8));
      attach.stdin().flush();
      String out = new String(attach.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(out.contains("/dev/pts/"), out);
      assertTrue(out.contains("33 120"), out);
      assertTrue(out.contains("got go"), out);
      assertEquals("", new String(attach.stderr().readAllBytes(), StandardCharsets.UTF_8), "a terminal has one stream");
    }
  }

  @Test
  void attachToAStoppedContainerIsRefused() throws Exception {
    ContainerSpec spec = spec("attachgone", "true");
    start(spec);
    awaitExit(spec.id());
    assertThrows(IOException.class, () -> runtime.attach(spec.id(), true, false));
  }

  @Test
  void closingAnExecKillsItsCommand() throws Exception {
    ContainerSpec spec = spec("execkill", "sleep", "300");
    start(spec);
    ExecSession exec = runtime.exec(spec.id(), List.of("sleep", "301"), false);
    assertTrue(Polling.until(() -> sleepers("301") > 0, WAIT), "the exec'd command runs");
    exec.close();
    exec.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertTrue(Polling.until(() -> sleepers("301") == 0, WAIT), "the exec'd command is gone");
    assertTrue(runtime.state(spec.id()).orElseThrow().running(), "the container itself keeps running");
  }

  @Test
  void execIntoAStoppedContainerIsRefused() throws Exception {
    ContainerSpec spec = spec("gone", "true");
    start(spec);
    awaitExit(spec.id());
    assertThrows(IOException.class, () -> runtime.exec(spec.id(), List.of("true"), false));
  }

  @Test
  void newRuntimeOnTheSameStateDirReadoptsARunningContainerAndLearnsItsExit() throws Exception {
    Path go = tmp.resolve("go");
    ContainerSpec spec = spec("readopt", "sh", "-c",
        "echo before; while [ ! -e " + go + " ]; do sleep 0.05; done; echo after; exit 7");
    ContainerState first = start(spec);
    awaitLog(spec, "stdout F before");
    long shimPid = runtime.shimPid(spec.id()).orElseThrow();
    assertTrue(ProcessHandle.current().descendants().noneMatch(p -> p.pid() == shimPid),
        "the shim is no descendant of the JVM, so it survives an agent restart");

    ProcessRuntime restarted = new ProcessRuntime(stateDir);
    Optional<ContainerState> adopted = restarted.list().stream().filter(s -> s.id().equals(spec.id())).findFirst();
    assertTrue(adopted.isPresent(), "the new runtime lists the container");
    assertTrue(adopted.get().running());
    assertEquals(first.pid(), adopted.get().pid());
    assertEquals(first.startedAt(), adopted.get().startedAt());

    Files.createFile(go);
    assertTrue(Polling.until(() -> !restarted.state(spec.id()).orElseThrow().running(), WAIT));
    ContainerState exited = restarted.state(spec.id()).orElseThrow();
    assertEquals(7, exited.exitCode());
    assertEquals("Error", exited.reason());
    awaitLog(spec, "stdout F after");
  }

  @Test
  void deadShimWithoutExitFileIsReportedAsErrorWithAMessage() throws Exception {
    ContainerSpec spec = spec("orphan", "sleep", "300");
    ContainerState running = start(spec);
    long shimPid = runtime.shimPid(spec.id()).orElseThrow();
    ProcessHandle.of(shimPid).orElseThrow().destroyForcibly();
    ContainerState state = awaitExit(spec.id());
    assertEquals("Error", state.reason());
    assertEquals(ContainerDir.UNKNOWN_EXIT_CODE, state.exitCode());
    assertTrue(state.message().contains("shim"), state.message());
    assertTrue(Polling.until(() -> gone(running.pid()), WAIT), "the container dies with its shim");
    assertEquals(state, runtime.state(spec.id()).orElseThrow(), "the lost exit is recorded once, so it stays the same");
  }

  @Test
  void resourceLimitsAreAppliedToTheContainersCgroup() throws Exception {
    assumeTrue(runtime.isolation().cgroups(), "no cgroups here: " + runtime.isolation());
    ContainerSpec spec = withResources(spec("limits", "sleep", "300"),
        new ContainerSpec.Resources(64L << 20, 500L, 50L, 250L));
    ContainerState state = start(spec);
    List<Path> dirs = runtime.cgroupDirs(spec.id());
    String cgroupsOfPid = Files.readString(Path.of("/proc", Long.toString(state.pid()), "cgroup"));
    assertTrue(cgroupsOfPid.contains("/drover/" + spec.id()), cgroupsOfPid);
    Map<String, String> files = new LinkedHashMap<>();
    for (Path dir : dirs) {
      try (var list = Files.list(dir)) {
        for (Path f : list.toList()) {
          String name = f.getFileName().toString();
          if (name.matches("memory\\.(max|limit_in_bytes)|cpu\\.(max|cfs_quota_us|shares|weight)|pids\\.max")) {
            files.put(name, Files.readString(f).trim());
          }
        }
      }
    }
    try (ExecSession exec = runtime.exec(spec.id(), List.of("cat", "/proc/self/cgroup"), false)) {
      String execCgroups = new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(execCgroups.contains("/drover/" + spec.id()), "exec'd commands count against the limits too: "
          + execCgroups);
    }
    if (files.containsKey("memory.max")) {
      // The 250m request: 256 shares, as weight 1 + (256 - 2) * 9999 / 262142 = 10.
      assertEquals(Map.of("memory.max", "67108864", "cpu.max", "50000 100000", "cpu.weight", "10", "pids.max", "50"),
          files);
    } else {
      assertEquals(Map.of("memory.limit_in_bytes", "67108864", "cpu.cfs_quota_us", "50000", "cpu.shares", "256",
          "pids.max", "50"), files);
    }
  }

  @Test
  void statsReportCpuTimeAndWorkingSetOfTheCgroup() throws Exception {
    assumeTrue(runtime.isolation().cgroups(), "no cgroups here: " + runtime.isolation());
    ContainerSpec spec = spec("stats", "sh", "-c",
        "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo busy-done; sleep 300");
    start(spec);
    awaitLog(spec, "stdout F busy-done");
    ContainerStats stats = runtime.stats(spec.id()).orElseThrow();
    assertTrue(stats.cpuUsageNanos() > 10_000_000, "counted its CPU time: " + stats);
    assertTrue(stats.memoryWorkingSetBytes() > 0, "counted its memory: " + stats);
  }

  @Test
  void removeDeletesTheCgroupAndStateButKeepsTheLog() throws Exception {
    ContainerSpec spec = withResources(spec("remove", "sh", "-c", "echo kept"),
        new ContainerSpec.Resources(64L << 20, null, null));
    start(spec);
    awaitExit(spec.id());
    List<Path> dirs = runtime.cgroupDirs(spec.id());
    assertEquals(runtime.isolation().cgroups(), !dirs.isEmpty());
    assertTrue(dirs.stream().allMatch(Files::isDirectory));

    runtime.remove(spec.id());
    assertTrue(dirs.stream().noneMatch(Files::exists), "cgroups removed: " + dirs);
    assertTrue(runtime.state(spec.id()).isEmpty());
    assertTrue(runtime.list().stream().noneMatch(s -> s.id().equals(spec.id())));
    assertTrue(new ProcessRuntime(stateDir).state(spec.id()).isEmpty(), "no state left for a restarted agent");
    assertTrue(Files.readString(spec.logFile()).contains("stdout F kept"));
  }

  @Test
  void withoutCgroupsContainersStillRunAndIsolationSaysWhy() throws Exception {
    ProcessRuntime noCgroups = new ProcessRuntime(stateDir, tmp.resolve("no-cgroup-fs"));
    assertFalse(noCgroups.isolation().cgroups());
    assertTrue(noCgroups.isolation().reason().contains("no cgroups"), noCgroups.isolation().reason());
    ContainerSpec spec = withResources(spec("plain", "sh", "-c", "echo ran; exit 2"),
        new ContainerSpec.Resources(32L << 20, null, null));
    runtime = noCgroups; // so that the clean-up removes it with this runtime
    start(spec);
    assertEquals(2, awaitExit(spec.id()).exitCode());
    assertTrue(runtime.cgroupDirs(spec.id()).isEmpty());
    assertTrue(runtime.stats(spec.id()).isEmpty());
  }

  @Test
  void missingCompilerIsAClearIOException() {
    IOException e = assertThrows(IOException.class,
        () -> new Shim(tmp.resolve("shim"), "drover-no-such-gcc").binary());
    assertTrue(e.getMessage().contains("drover-no-such-gcc") && e.getMessage().contains("not installed"),
        e.getMessage());
  }

  @Test
  void shimIsCompiledOnceAndCachedByTheHashOfItsSource() throws Exception {
    Path first = new Shim(stateDir.resolve("shim")).binary();
    var builtAt = Files.getLastModifiedTime(first);
    Path again = new Shim(stateDir.resolve("shim")).binary();
    assertEquals(first, again);
    assertEquals(builtAt, Files.getLastModifiedTime(again), "not rebuilt");
    assertTrue(Files.isExecutable(first));
    assertTrue(first.getFileName().toString().matches("drover-shim-[0-9a-f]{16}"), first.toString());
  }

  // --- helpers

  private ContainerSpec spec(String name, String... command) {
    String id = "t" + COUNTER.incrementAndGet() + "_" + name + "_" + ProcessHandle.current().pid();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("FOO", "bar");
    return new ContainerSpec(id, "uid-" + name, "default", "pod-" + name, name, 0, "", List.of(command), List.of(),
        env, tmp.toString(), "host-" + name, List.of(), ContainerSpec.Resources.NONE, ContainerSpec.Security.NONE,
        tmp.resolve(name + ".log"), null, false, null);
  }

  private static ContainerSpec withStdio(ContainerSpec s, ContainerSpec.Stdio stdio) {
    return new ContainerSpec(s.id(), s.podUid(), s.podNamespace(), s.podName(), s.containerName(), s.attempt(),
        s.image(), s.command(), s.args(), s.env(), s.workingDir(), s.hostname(), s.mounts(), s.resources(),
        s.security(), s.logFile(), s.netns(), s.runsToCompletion(), stdio);
  }

  private static ContainerSpec withResources(ContainerSpec s, ContainerSpec.Resources resources) {
    return new ContainerSpec(s.id(), s.podUid(), s.podNamespace(), s.podName(), s.containerName(), s.attempt(),
        s.image(), s.command(), s.args(), s.env(), s.workingDir(), s.hostname(), s.mounts(), resources, s.security(),
        s.logFile(), s.netns(), s.runsToCompletion(), s.stdio());
  }

  private ContainerState start(ContainerSpec spec) throws IOException {
    startedIds.add(spec.id());
    ContainerState state = runtime.start(spec);
    if (state.pid() > 0) startedPids.add(state.pid());
    runtime.shimPid(spec.id()).ifPresent(startedPids::add);
    return state;
  }

  private ContainerState awaitExit(String id) {
    assertTrue(Polling.until(() -> !runtime.state(id).orElseThrow().running(), WAIT), id + " did not exit");
    return runtime.state(id).orElseThrow();
  }

  private void awaitLog(ContainerSpec spec, String entry) {
    assertTrue(Polling.until(() -> {
      try {
        return Files.exists(spec.logFile()) && Files.readAllLines(spec.logFile()).stream().anyMatch(l -> l.endsWith(entry));
      } catch (IOException e) {
        return false;
      }
    }, WAIT), "log entry '" + entry + "'");
  }

  private static List<String> stdout(ContainerSpec spec) throws IOException {
    return Files.readAllLines(spec.logFile()).stream().filter(l -> l.contains(" stdout F "))
        .map(l -> l.substring(l.indexOf(" stdout F ") + " stdout F ".length())).toList();
  }

  /** Reads the exec's output into {@code out} until it contains {@code text}. */
  private static void awaitOutput(ExecSession exec, StringBuilder out, String text) throws IOException {
    byte[] buffer = new byte[4096];
    while (!out.toString().contains(text)) {
      int n = exec.stdout().read(buffer);
      assertNotEquals(-1, n, "output ended before '" + text + "': " + out);
      out.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
  }

  /**
   * Whether a process has ended: no longer there, or a zombie (an ended shim is reparented to the machine's init,
   * which may reap it only later).
   */
  private static boolean gone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException e) {
      return true;
    }
  }

  /** How many {@code sleep <argument>} processes run on the host. */
  private static long sleepers(String argument) {
    return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/sleep")
        && p.info().arguments().map(a -> a.length == 1 && a[0].equals(argument)).orElse(false)).count();
  }

  private static String hostHostname() throws IOException {
    return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
  }
}
