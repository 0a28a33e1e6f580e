package io.drover.agent.runtime.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecUnavailableException;
import io.drover.agent.runtime.process.Polling;
import io.drover.agent.sim.SimProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sim runtime: virtual containers whose life follows their command and the profile, with no process. */
final class SimRuntimeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern CRI_LINE =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z stdout F .*");
  /** Starts within 20..40 ms, never crashes, finishing containers run 1 s. */
  private static final SimProfile QUICK = SimProfile.defaults()
      .withStartDelay(Duration.ofMillis(20), Duration.ofMillis(40));

  @TempDir Path tmp;

  private final SimRuntime runtime = new SimRuntime(QUICK, "node-a");

  @Test
  void startTakesAtLeastTheStartDelayAndTheContainerRunsOnceItReturns() throws Exception {
    SimRuntime slow = new SimRuntime(QUICK.withStartDelay(Duration.ofMillis(300), Duration.ofMillis(400)), "node-a");
    ContainerSpec spec = spec("web", false, "nginx", "-g", "daemon off;");
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try {
      long begun = System.nanoTime();
      Future<ContainerState> started = starter.submit(() -> slow.start(spec));
      ContainerState state = started.get();
      assertTrue(System.nanoTime() - begun >= Duration.ofMillis(300).toNanos(), "start returned before the delay");
      assertTrue(state.running(), state.toString());
      assertEquals(0, state.pid(), "no process");
      assertTrue(slow.state(spec.id()).orElseThrow().running());
    } finally {
      starter.shutdownNow();
    }
  }

  @Test
  void onASlowNodeStartTakesSlowFactorTimesLonger() throws Exception {
    SimProfile allSlow = QUICK.withStartDelay(Duration.ofMillis(100), Duration.ofMillis(100)).withSlowNodes(1, 3);
    SimRuntime slow = new SimRuntime(allSlow, "node-a");
    long begun = System.nanoTime();
    slow.start(spec("slow", false, "sleep", "60"));
    assertTrue(System.nanoTime() - begun >= Duration.ofMillis(300).toNanos(), "a slow node starts in 3 x 100 ms");
  }

  @Test
  void sleepExitsZeroAfterItsSeconds() throws Exception {
    ContainerSpec spec = spec("sleeper", false, "sleep", "1");
    ContainerState started = runtime.start(spec);
    assertTrue(started.running());
    ContainerState exited = awaitExit(spec.id());
    assertEquals(0, exited.exitCode());
    assertEquals("Completed", exited.reason());
    Duration ran = Duration.between(exited.startedAt(), exited.finishedAt());
    assertEquals(Duration.ofSeconds(1), ran, "it ends when its sleep does, whenever it is looked at");
  }

  @Test
  void trueFalseAndShellExitEndAtOnceWithTheirCodes() throws Exception {
    assertExitsAtOnce(spec("yes", false, "true"), 0, "Completed");
    assertExitsAtOnce(spec("no", false, "false"), 1, "Error");
    assertExitsAtOnce(spec("three", false, "sh", "-c", "exit 3"), 3, "Error");
    assertExitsAtOnce(spec("by-path", false, "/bin/sh", "-c", "exit 300"), 300 % 256, "Error");
  }

  @Test
  void anyOtherCommandRunsUntilStoppedUnlessItIsMeantToFinish() throws Exception {
    ContainerSpec server = spec("server", false, "python3", "-m", "http.server");
    ContainerSpec job = spec("job", true, "python3", "compute.py");
    runtime.start(server);
    runtime.start(job);
    ContainerState finished = awaitExit(job.id());
    assertEquals(0, finished.exitCode());
    assertEquals(QUICK.finishAfter(), Duration.between(finished.startedAt(), finished.finishedAt()));
    assertTrue(runtime.state(server.id()).orElseThrow().running(), "a long-running command keeps running");
  }

  @Test
  void aDrawnCrashEndsTheContainerWithExitCodeOneAfterCrashAfter() throws Exception {
    SimProfile crashing = QUICK.withCrashes(1, Duration.ofMillis(300), Duration.ofMillis(300));
    SimRuntime crashy = new SimRuntime(crashing, "node-a");
    ContainerSpec spec = spec("crashy", false, "sleep", "3600");
    assertTrue(crashy.start(spec).running());
    assertTrue(Polling.until(() -> !crashy.state(spec.id()).orElseThrow().running(), WAIT), "it never crashed");
    ContainerState crashed = crashy.state(spec.id()).orElseThrow();
    assertEquals(1, crashed.exitCode());
    assertEquals("Error", crashed.reason());
    assertEquals(SimRuntime.CRASH_MESSAGE, crashed.message());
    assertEquals(Duration.ofMillis(300), Duration.between(crashed.startedAt(), crashed.finishedAt()));
    assertTrue(logLines(spec).get(1).contains("sim: crashed after 300 ms"), logLines(spec).toString());
  }

  @Test
  void stopEndsItAtOnceAsSigtermOrSigkillWouldAndRemoveForgetsIt() throws Exception {
    ContainerSpec graceful = spec("graceful", false, "sleep", "3600");
    ContainerSpec killed = spec("killed", false, "sleep", "3600");
    runtime.start(graceful);
    runtime.start(killed);
    runtime.stop(graceful.id(), Duration.ofSeconds(30));
    runtime.stop(killed.id(), Duration.ZERO);
    ContainerState terminated = runtime.state(graceful.id()).orElseThrow();
    assertFalse(terminated.running());
    assertEquals(143, terminated.exitCode());
    assertEquals("Error", terminated.reason());
    assertEquals(137, runtime.state(killed.id()).orElseThrow().exitCode());
    runtime.stop(graceful.id(), Duration.ZERO);
    assertEquals(143, runtime.state(graceful.id()).orElseThrow().exitCode(), "an exited container stays as it ended");

    assertEquals(2, runtime.list().size());
    runtime.remove(graceful.id());
    assertTrue(runtime.state(graceful.id()).isEmpty());
    assertEquals(List.of(killed.id()), runtime.list().stream().map(ContainerState::id).toList());
    assertTrue(Files.exists(graceful.logFile()), "logs stay");
  }

  @Test
  void listShowsEveryContainerWithItsPod() throws Exception {
    runtime.start(spec("one", false, "sleep", "60"));
    runtime.start(spec("two", false, "false"));
    List<ContainerState> all = runtime.list();
    assertEquals(2, all.size());
    Map<String, ContainerState> byName = Map.of(all.get(0).containerName(), all.get(0),
        all.get(1).containerName(), all.get(1));
    assertTrue(byName.get("one").running());
    assertEquals("uid-one", byName.get("one").podUid());
    assertEquals(1, byName.get("two").exitCode());
  }

  @Test
  void statsAreSyntheticWhileRunningAndGoneAfter() throws Exception {
    ContainerSpec spec = spec("stats", false, "sleep", "60");
    ContainerSpec small = withMemoryLimit(spec("small", false, "sleep", "60"), 4L * 1024 * 1024);
    runtime.start(spec);
    runtime.start(small);
    ContainerStats first = runtime.stats(spec.id()).orElseThrow();
    assertEquals(8L * 1024 * 1024, first.memoryWorkingSetBytes());
    assertTrue(Polling.until(() -> runtime.stats(spec.id()).orElseThrow().cpuUsageNanos() > first.cpuUsageNanos(),
        WAIT), "CPU time grows");
    assertEquals(4L * 1024 * 1024, runtime.stats(small.id()).orElseThrow().memoryWorkingSetBytes(),
        "never above the limit; and never OOMKilled");
    assertTrue(runtime.state(small.id()).orElseThrow().running());
    runtime.stop(spec.id(), Duration.ofSeconds(1));
    assertEquals(Optional.empty(), runtime.stats(spec.id()));
    assertEquals(Optional.empty(), runtime.stats("unknown"));
  }

  @Test
  void theLogGetsCriLinesForTheStartAndTheEnd() throws Exception {
    ContainerSpec spec = spec("logged", false, "sh", "-c", "exit 3");
    runtime.start(spec);
    List<String> lines = logLines(spec);
    assertEquals(2, lines.size(), lines.toString());
    lines.forEach(l -> assertTrue(CRI_LINE.matcher(l).matches(), l));
    assertTrue(lines.get(0).endsWith(" stdout F sim: started sh -c 'exit 3'"), lines.get(0));
    assertTrue(lines.get(1).endsWith(" stdout F sim: exited with code 3"), lines.get(1));
    runtime.state(spec.id());
    assertEquals(2, logLines(spec).size(), "the end is logged once");
  }

  @Test
  void execFailsWithAnIoExceptionSayingThereIsNoProcess() throws Exception {
    ContainerSpec spec = spec("exec", false, "sleep", "60");
    runtime.start(spec);
    IOException e = assertThrows(ExecUnavailableException.class,
        () -> runtime.exec(spec.id(), List.of("ls", "/"), false));
    assertTrue(e.getMessage().contains("the sim runtime runs no processes"), e.getMessage());
  }

  @Test
  void isolationSaysContainersAreVirtual() {
    assertEquals("sim", runtime.name());
    assertFalse(runtime.isolation().namespaces());
    assertFalse(runtime.isolation().cgroups());
    assertEquals("sim runtime: containers are virtual", runtime.isolation().reason());
  }

  @Test
  void aSecondStartOfTheSameIdIsRefused() throws Exception {
    ContainerSpec spec = spec("twice", false, "sleep", "60");
    runtime.start(spec);
    assertThrows(IOException.class, () -> runtime.start(spec));
  }

  @Test
  void commandsItUnderstands() {
    assertEquals(Optional.of(new SimRuntime.Ending(Duration.ofMillis(1500), 0)),
        SimRuntime.ending(List.of("sleep", "1.5")));
    assertEquals(Optional.of(new SimRuntime.Ending(Duration.ofSeconds(90), 0)),
        SimRuntime.ending(List.of("/bin/sleep", "1m", "30")));
    assertEquals(Optional.of(new SimRuntime.Ending(Duration.ZERO, 0)), SimRuntime.ending(List.of("sh", "-c", "exit")));
    assertEquals(Optional.empty(), SimRuntime.ending(List.of("sleep", "infinity")));
    assertEquals(Optional.empty(), SimRuntime.ending(List.of("sh", "-c", "exit 3; echo")));
    assertEquals(Optional.empty(), SimRuntime.ending(List.of("nginx")));
  }

  // --- helpers

  private ContainerSpec spec(String name, boolean runsToCompletion, String... command) {
    return new ContainerSpec("uid-" + name + "_" + name + "_0", "uid-" + name, "default", "pod-" + name, name, 0,
        "", List.of(command), List.of(), Map.of(), "", "pod-" + name, List.of(), ContainerSpec.Resources.NONE,
        ContainerSpec.Security.NONE, tmp.resolve(name).resolve("0.log"), null, runsToCompletion, null);
  }

  private static ContainerSpec withMemoryLimit(ContainerSpec s, long bytes) {
    return new ContainerSpec(s.id(), s.podUid(), s.podNamespace(), s.podName(), s.containerName(), s.attempt(),
        s.image(), s.command(), s.args(), s.env(), s.workingDir(), s.hostname(), s.mounts(),
        new ContainerSpec.Resources(bytes, null, null), s.security(), s.logFile(), s.netns(), s.runsToCompletion(),
        s.stdio());
  }

  private void assertExitsAtOnce(ContainerSpec spec, int code, String reason) throws IOException {
    ContainerState state = runtime.start(spec);
    assertFalse(state.running(), spec.command() + " ends as it starts");
    assertEquals(code, state.exitCode(), spec.command().toString());
    assertEquals(reason, state.reason());
    assertNull(state.message());
  }

  private ContainerState awaitExit(String id) {
    assertTrue(Polling.until(() -> !runtime.state(id).orElseThrow().running(), WAIT), id + " did not exit");
    return runtime.state(id).orElseThrow();
  }

  private static List<String> logLines(ContainerSpec spec) throws IOException {
    return Files.readAllLines(spec.logFile());
  }
}
