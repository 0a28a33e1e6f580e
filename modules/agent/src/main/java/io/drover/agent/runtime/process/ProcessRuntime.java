package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.Isolation;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The default container runtime: containers are host processes, each under its own {@code drover-shim} (see
 * drover-shim.c) that outlives the agent, gives the process its namespaces and cgroup, writes its log and records
 * its exit. All state lives in files under {@code stateDir}, so a new instance (a restarted agent) picks up the
 * containers an earlier one started.
 *
 * <p>As root, a container is PID 1 of its own PID, mount, UTS and IPC namespaces, sees its mounts and hostname, and
 * runs in a cgroup with its limits. Without root (or where the host refuses namespaces or cgroups) it runs as a
 * plain process, without mounts or limits, and {@link #isolation()} says why.
 */
public final class ProcessRuntime implements ContainerRuntime {
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,199}");
  private static final String HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  /** Run by exec before nsenter: joins the container's cgroups (listed in DROVER_CGROUPS), then runs "$@". */
  private static final String JOIN_CGROUPS =
      "for d in $DROVER_CGROUPS; do echo 0 > \"$d/cgroup.procs\" || exit 126; done; exec \"$@\"";

  private final Path containers;
  private final Shim shim;
  private final Cgroups cgroups;
  private final Isolation isolation;

  public ProcessRuntime(Path stateDir) {
    this(stateDir, Path.of("/sys/fs/cgroup"));
  }

  ProcessRuntime(Path stateDir, Path cgroupRoot) {
    this.containers = stateDir.toAbsolutePath().resolve("containers");
    this.shim = new Shim(stateDir.toAbsolutePath().resolve("shim"));
    String namespacesMissing = namespacesUnavailable();
    Cgroups.Detection detection = Cgroups.detect(cgroupRoot);
    this.cgroups = detection.cgroups();
    String reason = Stream.of(
            namespacesMissing == null ? null : "no namespaces: " + namespacesMissing
                + " (containers share the host's PID, mount and hostname; volume mounts are not applied)",
            detection.reason() == null ? null : "no cgroups: " + detection.reason()
                + " (resource limits are not enforced, no usage stats)")
        .filter(Objects::nonNull).collect(Collectors.joining("; "));
    this.isolation = new Isolation(namespacesMissing == null, cgroups != null, reason.isEmpty() ? null : reason);
  }

  @Override
  public String name() {
    return "process";
  }

  @Override
  public Isolation isolation() {
    return isolation;
  }

  @Override
  public ContainerState start(ContainerSpec spec) throws IOException {
    ContainerDir container = container(spec.id());
    if (Files.exists(container.dir)) throw new IOException("container " + spec.id() + " already exists");
    Path binary = shim.binary();
    Files.createDirectories(container.dir);
    Path logDir = spec.logFile().toAbsolutePath().getParent();
    if (logDir != null) Files.createDirectories(logDir);
    List<Path> cgroupDirs = List.of();
    try {
      ContainerSpec.Resources limits = spec.resources() == null ? ContainerSpec.Resources.NONE : spec.resources();
      if (cgroups != null) cgroupDirs = cgroups.create(spec.id(), limits);
      container.writeRecord(new ContainerRecord(spec, isolation.namespaces(),
          cgroupDirs.stream().map(Path::toString).toList()));
    } catch (IOException e) {
      Cgroups.remove(cgroupDirs);
      container.delete();
      throw e;
    }
    List<String> command = Shim.commandLine(binary, container.dir, spec, isolation.namespaces(), cgroupDirs,
        cgroups == null ? null : cgroups.oomEvents(spec.id()));
    // The shim's own stdio is a file, never a pipe to the JVM: it outlives us and must not depend on our reading.
    ProcessBuilder launch = new ProcessBuilder(command)
        .directory(new File("/")) // a shim must not pin the agent's working directory
        .redirectInput(new File("/dev/null"))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(container.dir.resolve(ContainerDir.SHIM_LOG).toFile()))
        .redirectErrorStream(true);
    launch.environment().clear();
    Process launcher = launch.start();
    try {
      // The launcher exits once the shim reports the command running (0) or failing to start (1).
      if (!launcher.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) launcher.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + spec.id(), e);
    }
    if (container.started() == null && container.exit() == null) {
      container.recordLostExit("the container's shim did not start: " + container.shimLogTail());
    }
    return container.state();
  }

  @Override
  public Optional<ContainerState> state(String containerId) {
    ContainerDir container = container(containerId);
    return container.exists() ? Optional.of(container.state()) : Optional.empty();
  }

  @Override
  public void stop(String containerId, Duration grace) {
    Optional<ContainerState> state = state(containerId);
    if (state.isEmpty() || !state.get().running() || state.get().pid() <= 0) return;
    long pid = state.get().pid();
    signalGroup(pid, "TERM");
    if (!awaitExit(containerId, grace)) {
      signalGroup(pid, "KILL"); // as PID 1 of its namespace, its death ends every process in it
      awaitExit(containerId, KILL_TIMEOUT);
    }
  }

  @Override
  public void remove(String containerId) {
    ContainerDir container = container(containerId);
    if (!container.exists()) return;
    stop(containerId, Duration.ZERO);
    try {
      Cgroups.remove(container.record().cgroupDirs().stream().map(Path::of).toList());
      container.delete();
    } catch (IOException e) {
      throw new UncheckedIOException("removing container " + containerId, e);
    }
  }

  @Override
  public List<ContainerState> list() {
    if (!Files.isDirectory(containers)) return List.of();
    try (Stream<Path> dirs = Files.list(containers)) {
      return dirs.map(ContainerDir::new).filter(ContainerDir::exists).map(ContainerDir::state).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the command with nsenter in the container's namespaces (and cgroup), with its environment and working
   * directory; with a TTY under util-linux script.
   */
  @Override
  public ExecSession exec(String containerId, List<String> command, boolean tty) throws IOException {
    ContainerDir container = container(containerId);
    Optional<ContainerState> state = state(containerId);
    if (state.isEmpty() || !state.get().running() || state.get().pid() <= 0) {
      throw new IOException("container " + containerId + " is not running");
    }
    ContainerRecord record = container.record();
    List<String> inner = new ArrayList<>();
    if (record.namespaces()) inner.addAll(List.of("nsenter", "-t", Long.toString(state.get().pid()), "--all", "--"));
    inner.addAll(List.of("env", "-C", Shim.workingDir(record.spec()), "-i"));
    for (Map.Entry<String, String> e : record.spec().env().entrySet()) inner.add(e.getKey() + "=" + e.getValue());
    inner.addAll(command);
    List<String> argv = new ArrayList<>(List.of("sh", "-c", JOIN_CGROUPS, "drover-exec"));
    argv.addAll(tty ? List.of("script", "-q", "-e", "-c", shellQuote(inner), "/dev/null") : inner);
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(tty);
    builder.environment().clear();
    builder.environment().putAll(Map.of("PATH", HOST_PATH, "SHELL", "/bin/sh",
        "DROVER_CGROUPS", String.join(" ", record.cgroupDirs())));
    return new ProcessExecSession(builder.start(), tty);
  }

  /** Attaches to the container's stdio through its shim's FIFOs and its log (see {@link ProcessAttachSession}). */
  @Override
  public ExecSession attach(String containerId, boolean stdin, boolean tty) throws IOException {
    ContainerDir container = container(containerId);
    Optional<ContainerState> state = state(containerId);
    if (state.isEmpty() || !state.get().running()) throw new IOException("container " + containerId + " is not running");
    ContainerSpec spec = container.record().spec();
    ContainerSpec.Stdio stdio = spec.attachable();
    return new ProcessAttachSession(containerId, spec.logFile(),
        stdin && stdio.stdin() ? container.dir.resolve("stdin") : null,
        stdio.tty() ? container.dir.resolve("resize") : null, stdio.tty(),
        () -> state(containerId).map(ContainerState::running).orElse(false));
  }

  @Override
  public Optional<ContainerStats> stats(String containerId) {
    Optional<ContainerState> state = state(containerId);
    if (cgroups == null || state.isEmpty() || !state.get().running()) return Optional.empty();
    return cgroups.stats(containerId);
  }

  /** The shim supervising a container, while it has started one (for tests that kill it). */
  Optional<Long> shimPid(String containerId) {
    ContainerDir container = container(containerId);
    return Optional.ofNullable(container.exists() ? container.started() : null)
        .map(p -> Long.parseLong(p.getProperty("shimPid")));
  }

  /** The container's cgroup directories (for tests). */
  List<Path> cgroupDirs(String containerId) {
    return container(containerId).record().cgroupDirs().stream().map(Path::of).toList();
  }

  private ContainerDir container(String containerId) {
    if (!ID.matcher(containerId).matches()) throw new IllegalArgumentException("invalid container id " + containerId);
    return new ContainerDir(containers.resolve(containerId));
  }

  private boolean awaitExit(String containerId, Duration timeout) {
    return Polling.until(() -> state(containerId).map(s -> !s.running()).orElse(true), timeout);
  }

  /** Signals the container's process group (its pid is the group's id: the shim makes it a session leader). */
  private static void signalGroup(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + pid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!kill.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) kill.destroyForcibly();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Why this host gives containers no namespaces, or null when it does. */
  private static String namespacesUnavailable() {
    if (!isRoot()) return "not running as root";
    try {
      Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--mount", "--uts", "--ipc", "true")
          .redirectErrorStream(true).start();
      if (!probe.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        probe.destroyForcibly();
        return "unshare timed out";
      }
      String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return probe.exitValue() == 0 ? null : "unshare failed: " + output;
    } catch (IOException e) {
      return "util-linux unshare is not available: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while probing namespaces";
    }
  }

  private static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .anyMatch(line -> line.startsWith("Uid:") && line.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  private static String shellQuote(List<String> words) {
    return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
  }
}
