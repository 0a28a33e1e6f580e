package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** cgroup v2: containers are {@code <root>/drover/<id>} with memory, cpu and pids controllers enabled above them. */
final class CgroupV2 implements Cgroups {
  private static final List<String> CONTROLLERS = List.of("memory", "cpu", "pids");

  private final Path parent;

  private CgroupV2(Path parent) {
    this.parent = parent;
  }

  /** Creates the parent and enables the controllers for its children; fails without a memory controller. */
  static CgroupV2 init(Path root) throws IOException {
    Path parent = Cgroups.writableDirectory(root.resolve(PARENT));
    for (Path level : List.of(root, parent)) {
      for (String controller : CONTROLLERS) {
        try {
          Cgroups.write(level.resolve("cgroup.subtree_control"), "+" + controller);
        } catch (IOException e) {
          // not available or not delegated here; checked below for memory, optional for the others
        }
      }
    }
    String enabled = Files.readString(parent.resolve("cgroup.subtree_control"));
    if (!List.of(enabled.trim().split("\\s+")).contains("memory")) {
      throw new IOException("the memory controller cannot be enabled in " + parent + " (enabled: " + enabled.trim()
          + ")");
    }
    return new CgroupV2(parent);
  }

  @Override
  public List<Path> create(String containerId, ContainerSpec.Resources limits) throws IOException {
    Path dir = parent.resolve(containerId);
    Files.createDirectory(dir);
    if (limits.memoryLimitBytes() != null) {
      Cgroups.write(dir.resolve("memory.max"), limits.memoryLimitBytes());
      writeIfPresent(dir.resolve("memory.swap.max"), 0); // the limit is a limit, not a prompt to swap
      writeIfPresent(dir.resolve("memory.oom.group"), 1); // an OOM kill ends the whole container, as in kubelet
    }
    // cpu and pids are optional controllers: where the host lacks one, its limit is not enforced (as in v1)
    if (limits.cpuLimitMillis() != null) {
      writeIfPresent(dir.resolve("cpu.max"), Cgroups.cpuQuotaMicros(limits.cpuLimitMillis()) + " "
          + CPU_PERIOD_MICROS);
    }
    writeIfPresent(dir.resolve("cpu.weight"), Cgroups.cpuWeight(limits.cpuShares()));
    if (limits.pidsLimit() != null) writeIfPresent(dir.resolve("pids.max"), limits.pidsLimit());
    return List.of(dir);
  }

  @Override
  public Path oomEvents(String containerId) {
    return parent.resolve(containerId).resolve("memory.events");
  }

  @Override
  public Optional<ContainerStats> stats(String containerId) {
    Path dir = parent.resolve(containerId);
    try {
      long cpuNanos = Cgroups.field(dir.resolve("cpu.stat"), "usage_usec") * 1000;
      long memory = Cgroups.number(dir.resolve("memory.current"))
          - Cgroups.field(dir.resolve("memory.stat"), "inactive_file");
      return Optional.of(new ContainerStats(cpuNanos, Math.max(0, memory)));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void writeIfPresent(Path file, Object value) throws IOException {
    if (Files.exists(file)) Cgroups.write(file, value);
  }
}
