package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * One container's directory in the runtime's state directory: container.json (written by start), and the shim's
 * {@code started} and {@code exit} files (key=value lines, see drover-shim.c). Its files are the only state: any
 * runtime instance reading them sees the same container.
 */
final class ContainerDir {
  static final String RECORD = "container.json";
  static final String STARTED = "started";
  static final String EXIT = "exit";
  static final String SHIM_LOG = "shim.log";
  /** Exit code reported when nobody saw how the container ended (containerd's choice as well). */
  static final int UNKNOWN_EXIT_CODE = 255;

  final Path dir;

  ContainerDir(Path dir) {
    this.dir = dir;
  }

  boolean exists() {
    return Files.isRegularFile(dir.resolve(RECORD));
  }

  void writeRecord(ContainerRecord record) throws IOException {
    Files.write(dir.resolve(RECORD), Json.MAPPER.writeValueAsBytes(record));
  }

  ContainerRecord record() {
    try {
      return Json.MAPPER.readValue(dir.resolve(RECORD).toFile(), ContainerRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shim's started file, or null before the container runs (or when it never did). */
  Properties started() {
    return properties(STARTED);
  }

  /** The exit file, or null while the container runs. */
  Properties exit() {
    return properties(EXIT);
  }

  /**
   * The container's state from its files. A shim that is gone without an exit file (killed, or the machine
   * rebooted) leaves a container that ended unseen: that is recorded once as an exit with an error message.
   */
  ContainerState state() {
    ContainerSpec spec = record().spec();
    Properties started = started();
    // Liveness first, then the exit file: a shim writes its exit file before it ends, so none after a dead shim
    // means it never wrote one.
    boolean alive = started != null && shimAlive(Long.parseLong(started.getProperty("shimPid")));
    Properties exit = exit();
    if (exit == null && started != null && !alive) {
      exit = recordLostExit("the container's shim (pid " + started.getProperty("shimPid")
          + ") ended without recording an exit status; the container was killed with it");
    } else if (exit == null && started == null && startAbandoned()) {
      exit = recordLostExit("the container's shim never reported a start: " + shimLogTail());
    }
    return toState(spec, started, exit);
  }

  /** Whether a start began longer ago than any shim takes to report one (the agent died while starting it). */
  private boolean startAbandoned() {
    try {
      Instant created = Files.getLastModifiedTime(dir.resolve(RECORD)).toInstant();
      return created.plus(ProcessRuntime.START_TIMEOUT.multipliedBy(2)).isBefore(Instant.now());
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the shim this directory belongs to still runs (and is not a zombie or a process that reused its pid). */
  boolean shimAlive(long pid) {
    try {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      String[] argv = new String(cmdline, StandardCharsets.UTF_8).split("\0");
      return argv.length > 1 && argv[1].equals(dir.toString());
    } catch (IOException e) {
      return false;
    }
  }

  /** Records an exit nobody observed, unless the shim's own exit file is there after all. */
  Properties recordLostExit(String message) {
    Properties exit = new Properties();
    exit.setProperty("exitCode", Integer.toString(UNKNOWN_EXIT_CODE));
    exit.setProperty("oomKilled", "false");
    exit.setProperty("finishedAt", Instant.now().toString());
    exit.setProperty("error", message);
    try {
      Path tmp = Files.createTempFile(dir, ".lost", ".tmp");
      try (var out = Files.newOutputStream(tmp)) {
        exit.store(out, null);
      }
      try {
        Files.createLink(dir.resolve(EXIT), tmp); // unlike rename, never replaces an exit file the shim wrote
      } finally {
        Files.delete(tmp);
      }
    } catch (FileAlreadyExistsException e) {
      return exit();
    } catch (IOException e) {
      // Still report it; the next look tries to record it again.
    }
    return exit;
  }

  /** The state described by the shim's files: running until an exit file exists. */
  static ContainerState toState(ContainerSpec spec, Properties started, Properties exit) {
    long pid = started == null ? 0 : Long.parseLong(started.getProperty("pid"));
    Instant startedAt = started == null ? null : Instant.parse(started.getProperty("startedAt"));
    if (exit == null) {
      return new ContainerState(spec.id(), spec.podUid(), spec.containerName(), spec.attempt(),
          ContainerState.Status.RUNNING, pid, startedAt, null, null, null, null);
    }
    int code = Integer.parseInt(exit.getProperty("exitCode"));
    boolean oomKilled = Boolean.parseBoolean(exit.getProperty("oomKilled"));
    String startError = exit.getProperty("startError");
    String reason = startError != null ? "StartError"
        : oomKilled && code != 0 ? "OOMKilled"
        : code == 0 ? "Completed"
        : "Error";
    String message = startError != null ? startError : exit.getProperty("error");
    return new ContainerState(spec.id(), spec.podUid(), spec.containerName(), spec.attempt(),
        ContainerState.Status.EXITED, pid, startedAt, Instant.parse(exit.getProperty("finishedAt")), code, reason,
        message);
  }

  /** Deletes the directory and everything in it. */
  void delete() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (NoSuchFileException e) {
      // already gone
    }
  }

  /** The last lines the shim wrote about itself (its own errors), for messages. */
  String shimLogTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(SHIM_LOG));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private Properties properties(String name) {
    try {
      Properties p = new Properties();
      p.load(new StringReader(Files.readString(dir.resolve(name))));
      return p;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
