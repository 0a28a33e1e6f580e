package io.drover.agent.runtime.sim;

import io.drover.agent.logs.PodLogs;
import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.ExecUnavailableException;
import io.drover.agent.runtime.Isolation;
import io.drover.agent.sim.SimProfile;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sim} container runtime: containers are virtual, no process runs. {@link #start} waits for the
 * profile's start delay (standing in for pull and start), then the container runs until the end its command
 * implies: {@code sleep N} exits 0 after N seconds, {@code true} 0 and {@code false} 1 at once,
 * {@code sh -c "exit K"} K at once; any other command runs until stopped, or, for a container meant to run to
 * completion ({@link ContainerSpec#runsToCompletion()}), exits 0 after the profile's finish-after. A crash drawn
 * from the profile ends it earlier with exit code 1. Nothing runs in the background: a container's state is
 * computed from the clock whenever it is asked for.
 *
 * <p>Containers live in memory only: a new instance (a restarted member) knows none of an earlier one's, and the
 * agent starts its pods' containers again. A container's log gets a line when it starts and one when it is seen to
 * have ended, in the CRI format of the process runtime, so {@code kubectl logs} shows what happened.
 *
 * <p>Memory limits are accepted and never enforced: a sim container uses no memory, so none is ever OOMKilled.
 * Usage is synthetic (see {@link #stats}). Thread-safe; all draws come from one {@link Random} seeded from the
 * profile's seed and the node's name, so nodes of one simulation differ and a rerun with the same seed repeats.
 */
public final class SimRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(SimRuntime.class);

  /** Working set reported for every running container: a fixed, plausible figure for kubectl top and the HPA. */
  static final long MEMORY_WORKING_SET_BYTES = 8L * 1024 * 1024;
  /**
   * A running container's CPU time grows by 1 ns every this many ns: half a millicore. kubectl top rounds up, so it
   * shows a steady 1m (a rate of exactly 1m, measured on the agent's sampling clock, would come out a hair above
   * or below and show 1m or 2m).
   */
  static final long NANOS_PER_CPU_NANO = 2000;
  /** Exit codes of a container stopped with a grace period (SIGTERM) and without one (SIGKILL), as the shim's. */
  static final int TERMINATED_EXIT_CODE = 128 + 15;
  static final int KILLED_EXIT_CODE = 128 + 9;
  static final int CRASH_EXIT_CODE = 1;
  static final String CRASH_MESSAGE = "simulated crash (drover.sim.crash-probability)";
  private static final Isolation ISOLATION = new Isolation(false, false, "sim runtime: containers are virtual");
  /** The longest {@code sleep} taken literally, so that instants never overflow. */
  private static final long MAX_SLEEP_SECONDS = 1_000_000_000_000L;
  private static final Pattern SLEEP_ARGUMENT = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)([smhd]?)");
  private static final Pattern EXIT_SCRIPT = Pattern.compile("\\s*exit(?:\\s+(\\d+))?\\s*;?\\s*");

  private final SimProfile profile;
  private final boolean slowNode;
  private final Random random;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, Container> containers = new ConcurrentHashMap<>();

  /** @param nodeName the node this runtime serves: whether it is one of the profile's slow nodes follows from it */
  public SimRuntime(SimProfile profile, String nodeName) {
    this.profile = profile;
    this.slowNode = profile.slow(nodeName);
    this.random = new Random(profile.seed() * 31 + nodeName.hashCode());
  }

  /** How a container ends (unless stopped first): when, with which code, and why. */
  private record Exit(Instant at, int code, String message, String logLine) {}

  /**
   * One virtual container: what it was started with, when, how it is going to end by itself (null: never), how it
   * was stopped (null: it was not), and whether its log already has the line saying how it ended.
   */
  private record Container(ContainerSpec spec, Instant startedAt, Exit planned, Exit stopped, boolean exitLogged) {
    /** How it ended by {@code now}, or null while it runs. */
    Exit exit(Instant now) {
      if (stopped != null) return stopped;
      return planned != null && !now.isBefore(planned.at()) ? planned : null;
    }

    ContainerState state(Instant now) {
      Exit exit = exit(now);
      // pid 0: there is no process. Nothing in the agent signals pids; exec and stop go through this runtime.
      if (exit == null) {
        return new ContainerState(spec.id(), spec.podUid(), spec.containerName(), spec.attempt(),
            ContainerState.Status.RUNNING, 0, startedAt, null, null, null, null);
      }
      return new ContainerState(spec.id(), spec.podUid(), spec.containerName(), spec.attempt(),
          ContainerState.Status.EXITED, 0, startedAt, exit.at(), exit.code(), exit.code() == 0 ? "Completed" : "Error",
          exit.message());
    }
  }

  /**
   * A container without command models its image's entrypoint (it runs until stopped, or finish-after for Jobs), as
   * on a runtime that runs images; no image is pulled.
   */
  @Override
  public boolean runsImages() {
    return true;
  }

  @Override
  public boolean runsProcesses() {
    return false;
  }

  @Override
  public String name() {
    return "sim";
  }

  @Override
  public Isolation isolation() {
    return ISOLATION;
  }

  /** Blocks for the drawn start delay (the agent calls it on its blocking dispatcher), then the container runs. */
  @Override
  public ContainerState start(ContainerSpec spec) throws IOException {
    if (containers.containsKey(spec.id())) throw new IOException("container " + spec.id() + " already exists");
    Duration delay;
    Optional<Duration> crashAfter;
    synchronized (random) { // one container's draws stay together, whatever other threads draw
      delay = profile.startDelay(random, slowNode);
      crashAfter = profile.crashAfter(random);
    }
    try {
      Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting " + spec.id(), e);
    }
    Instant startedAt = clock.instant();
    Container container = new Container(spec, startedAt, plan(spec, startedAt, crashAfter), null, false);
    if (containers.putIfAbsent(spec.id(), container) != null) {
      throw new IOException("container " + spec.id() + " already exists");
    }
    try {
      Path logDir = spec.logFile().toAbsolutePath().getParent();
      if (logDir != null) Files.createDirectories(logDir);
      PodLogs.append(spec.logFile(), startedAt, "stdout", "sim: started " + (spec.argv().isEmpty()
          ? "the entrypoint of " + spec.image() : shellWords(spec.argv())));
    } catch (IOException e) {
      containers.remove(spec.id());
      throw new IOException("cannot write the log of " + spec.id() + ": " + e.getMessage(), e);
    }
    return observe(spec.id()).orElseThrow();
  }

  @Override
  public Optional<ContainerState> state(String containerId) {
    return observe(containerId);
  }

  /** Returns at once: there is no process to wait for. Exit code 143 (SIGTERM), or 137 with no grace (SIGKILL). */
  @Override
  public void stop(String containerId, Duration grace) {
    Instant now = clock.instant();
    boolean killed = grace.isZero() || grace.isNegative();
    Exit stopped = new Exit(now, killed ? KILLED_EXIT_CODE : TERMINATED_EXIT_CODE, null,
        killed ? "sim: killed (SIGKILL), exit code " + KILLED_EXIT_CODE
            : "sim: stopped (SIGTERM), exit code " + TERMINATED_EXIT_CODE);
    containers.computeIfPresent(containerId, (id, c) -> c.exit(now) != null ? c
        : new Container(c.spec(), c.startedAt(), c.planned(), stopped, c.exitLogged()));
    observe(containerId);
  }

  @Override
  public void remove(String containerId) {
    stop(containerId, Duration.ZERO);
    containers.remove(containerId);
  }

  @Override
  public List<ContainerState> list() {
    return containers.keySet().stream().map(this::observe).flatMap(Optional::stream).toList();
  }

  @Override
  public ExecSession exec(String containerId, List<String> command, boolean tty) throws IOException {
    throw new ExecUnavailableException("the sim runtime runs no processes: cannot run " + shellWords(command)
        + " in container " + containerId);
  }

  /**
   * Synthetic usage of a running container: a working set of {@value #MEMORY_WORKING_SET_BYTES} bytes (8 MiB, or
   * its memory limit when lower, so that no figure exceeds a limit) and CPU time growing at half a millicore from
   * its start.
   */
  @Override
  public Optional<ContainerStats> stats(String containerId) {
    Container container = containers.get(containerId);
    Instant now = clock.instant();
    if (container == null || container.exit(now) != null) return Optional.empty();
    long cpuNanos = Duration.between(container.startedAt(), now).toNanos() / NANOS_PER_CPU_NANO;
    Long limit = container.spec().resources() == null ? null : container.spec().resources().memoryLimitBytes();
    long memory = limit == null ? MEMORY_WORKING_SET_BYTES : Math.min(limit, MEMORY_WORKING_SET_BYTES);
    return Optional.of(new ContainerStats(cpuNanos, memory));
  }

  /**
   * The container's state now; the first time it is seen to have ended, its log gets a line saying how (dated when
   * it ended).
   */
  private Optional<ContainerState> observe(String containerId) {
    Container container = containers.get(containerId);
    if (container == null) return Optional.empty();
    Instant now = clock.instant();
    Exit exit = container.exit(now);
    if (exit != null && !container.exitLogged()) {
      Container logged = new Container(container.spec(), container.startedAt(), container.planned(),
          container.stopped(), true);
      if (containers.replace(containerId, container, logged)) {
        try {
          PodLogs.append(container.spec().logFile(), exit.at(), "stdout", exit.logLine());
        } catch (IOException e) {
          log.debug("cannot write the exit of {} to its log: {}", containerId, e.toString());
        }
      }
    }
    return Optional.of(container.state(now));
  }

  /** How a container started at {@code startedAt} ends by itself: its command's end or the crash, what comes first. */
  private Exit plan(ContainerSpec spec, Instant startedAt, Optional<Duration> crashAfter) {
    Optional<Ending> own = ending(spec.argv());
    Exit planned = own.map(e -> new Exit(startedAt.plus(e.after()), e.code(), null,
        "sim: exited with code " + e.code())).orElse(null);
    if (planned == null && spec.runsToCompletion()) {
      planned = new Exit(startedAt.plus(profile.finishAfter()), 0, null,
          "sim: finished after " + profile.finishAfter().toMillis() + " ms (drover.sim.finish-after), exit code 0");
    }
    if (crashAfter.isPresent() && (planned == null || startedAt.plus(crashAfter.get()).isBefore(planned.at()))) {
      planned = new Exit(startedAt.plus(crashAfter.get()), CRASH_EXIT_CODE, CRASH_MESSAGE,
          "sim: crashed after " + crashAfter.get().toMillis() + " ms (drover.sim.crash-probability), exit code "
              + CRASH_EXIT_CODE);
    }
    return planned;
  }

  /** How long a command runs before it exits by itself, and with which code. */
  record Ending(Duration after, int code) {}

  /**
   * The end a command implies, for the commands the sim runtime understands ({@code sleep N}, {@code true},
   * {@code false}, {@code sh -c "exit K"}, also by absolute path); empty for any other command.
   */
  static Optional<Ending> ending(List<String> command) {
    if (command.isEmpty()) return Optional.empty();
    String program = command.get(0).substring(command.get(0).lastIndexOf('/') + 1);
    List<String> args = command.subList(1, command.size());
    return switch (program) {
      case "true" -> Optional.of(new Ending(Duration.ZERO, 0));
      case "false" -> Optional.of(new Ending(Duration.ZERO, 1));
      case "sleep" -> sleepDuration(args).map(d -> new Ending(d, 0));
      case "sh", "bash", "dash", "ash" -> args.size() >= 2 && args.get(0).equals("-c")
          ? exitCode(args.get(1)).map(code -> new Ending(Duration.ZERO, code)) : Optional.empty();
      default -> Optional.empty();
    };
  }

  /** GNU sleep's arguments: numbers with an optional unit (s, m, h, d), added up. */
  private static Optional<Duration> sleepDuration(List<String> args) {
    if (args.isEmpty()) return Optional.empty();
    BigDecimal seconds = BigDecimal.ZERO;
    for (String arg : args) {
      Matcher m = SLEEP_ARGUMENT.matcher(arg);
      if (!m.matches()) return Optional.empty();
      long unit = switch (m.group(2)) {
        case "m" -> 60;
        case "h" -> 3600;
        case "d" -> 86400;
        default -> 1;
      };
      seconds = seconds.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
    }
    if (seconds.compareTo(BigDecimal.valueOf(MAX_SLEEP_SECONDS)) > 0) seconds = BigDecimal.valueOf(MAX_SLEEP_SECONDS);
    return Optional.of(Duration.ofSeconds(seconds.longValue(),
        seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue()));
  }

  /** The code of a script that is only {@code exit [K]}: K modulo 256 as a shell does, 0 without K. */
  private static Optional<Integer> exitCode(String script) {
    Matcher m = EXIT_SCRIPT.matcher(script);
    if (!m.matches()) return Optional.empty();
    if (m.group(1) == null) return Optional.of(0);
    return Optional.of(new BigDecimal(m.group(1)).remainder(BigDecimal.valueOf(256)).intValue());
  }

  /** The command as a shell would read it: words quoted only where they need it. */
  static String shellWords(List<String> command) {
    return command.stream()
        .map(w -> !w.isEmpty() && w.matches("[A-Za-z0-9_@%+=:,./-]+") ? w : "'" + w.replace("'", "'\\''") + "'")
        .collect(Collectors.joining(" "));
  }
}
