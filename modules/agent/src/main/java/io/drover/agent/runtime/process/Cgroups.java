package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerStats;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The host's cgroups as the runtime uses them: one cgroup per container under a {@code drover} parent, with its
 * limits, usage and OOM kill counter. cgroup v2 (one unified hierarchy) or v1 (a hierarchy per controller).
 */
interface Cgroups {
  String PARENT = "drover";
  long CPU_PERIOD_MICROS = 100_000;

  /** Creates the container's cgroup (one directory per hierarchy) and applies its limits. */
  List<Path> create(String containerId, ContainerSpec.Resources limits) throws IOException;

  /** The file whose {@code oom_kill N} line counts the container's OOM kills. */
  Path oomEvents(String containerId);

  /** Cumulative CPU time and working set of the container's cgroup; empty when it cannot be read. */
  Optional<ContainerStats> stats(String containerId);

  /** What the host has: a v2 or v1 implementation, or none with the reason. */
  record Detection(Cgroups cgroups, String reason) {}

  static Detection detect(Path root) {
    try {
      if (Files.exists(root.resolve("cgroup.controllers"))) return new Detection(CgroupV2.init(root), null);
      if (Files.exists(root.resolve("memory/memory.limit_in_bytes"))) {
        return new Detection(CgroupV1.init(root), null);
      }
      return new Detection(null, "no cgroup v2 or v1 memory hierarchy at " + root);
    } catch (IOException e) {
      return new Detection(null, "cannot use cgroups at " + root + ": " + e);
    }
  }

  /** CPU quota per period of 100 ms for a limit in millicores (500 = half a core); at least the kernel's 1 ms. */
  /** cgroup v2's cpu.weight (1 to 10000) for cgroup v1 cpu shares, as runc converts them. */
  static long cpuWeight(long shares) {
    return 1 + ((shares - 2) * 9999) / 262_142;
  }

  static long cpuQuotaMicros(long cpuMillis) {
    return Math.max(1000, cpuMillis * CPU_PERIOD_MICROS / 1000);
  }

  /** Kills what is left in the container's cgroups and deletes them; missing ones are fine. */
  static void remove(List<Path> dirs) throws IOException {
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) continue;
      boolean removed = Polling.until(() -> {
        killAll(dir);
        try {
          Files.deleteIfExists(dir); // rmdir: fails (busy) while dying processes are still in it
          return true;
        } catch (IOException e) {
          return false;
        }
      }, Duration.ofSeconds(5));
      if (!removed) throw new FileSystemException(dir.toString(), null, "cgroup still busy");
    }
  }

  private static void killAll(Path dir) {
    try {
      for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
    } catch (IOException e) {
      // gone meanwhile
    }
  }

  /** Creates a parent cgroup if needed, and checks this process may create cgroups in it (an existing one may not). */
  static Path writableDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (!Files.isWritable(dir)) throw new AccessDeniedException(dir.toString(), null, "no write access");
    return dir;
  }

  /** Writes a control file (never creating one: cgroup files exist or the controller is missing). */
  static void write(Path file, Object value) throws IOException {
    Files.writeString(file, value.toString(), StandardOpenOption.WRITE);
  }

  /** The number after {@code key} in a flat-keyed cgroup file (memory.stat, cpu.stat, memory.events). */
  static long field(Path file, String key) throws IOException {
    for (String line : Files.readAllLines(file)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2 && parts[0].equals(key)) return Long.parseLong(parts[1]);
    }
    throw new NoSuchFileException(file.toString(), null, "no field " + key);
  }

  static long number(Path file) throws IOException {
    return Long.parseLong(Files.readString(file).trim());
  }
}
