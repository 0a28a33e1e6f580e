package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * cgroup v1: a hierarchy per controller ({@code <root>/memory}, {@code cpu}, {@code cpuacct}, {@code pids}, some
 * possibly mounted together); a container is {@code drover/<id>} in each.
 */
final class CgroupV1 implements Cgroups {
  private final Path memory;
  private final Path cpu;
  private final Path cpuacct;
  private final Path pids;
  /** The distinct hierarchies (cpu and cpuacct are often one), each with a drover parent. */
  private final Set<Path> parents;

  private CgroupV1(Path memory, Path cpu, Path cpuacct, Path pids, Set<Path> parents) {
    this.memory = memory;
    this.cpu = cpu;
    this.cpuacct = cpuacct;
    this.pids = pids;
    this.parents = parents;
  }

  /** Creates the drover parent in each hierarchy the host mounts; memory is required, the others optional. */
  static CgroupV1 init(Path root) throws IOException {
    Path memory = parent(root, "memory");
    Path cpu = parent(root, "cpu");
    Path cpuacct = parent(root, "cpuacct");
    Path pids = parent(root, "pids");
    if (memory == null) throw new IOException("no memory hierarchy under " + root);
    Set<Path> parents = new LinkedHashSet<>();
    for (Path p : new Path[] {memory, cpu, cpuacct, pids}) {
      if (p != null && parents.add(p)) Cgroups.writableDirectory(p);
    }
    return new CgroupV1(memory, cpu, cpuacct, pids, parents);
  }

  private static Path parent(Path root, String controller) throws IOException {
    Path hierarchy = root.resolve(controller);
    return Files.isDirectory(hierarchy) ? hierarchy.toRealPath().resolve(PARENT) : null;
  }

  @Override
  public List<Path> create(String containerId, ContainerSpec.Resources limits) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (Path parent : parents) {
      Path dir = parent.resolve(containerId);
      Files.createDirectory(dir);
      dirs.add(dir);
    }
    if (limits.memoryLimitBytes() != null) {
      Path dir = memory.resolve(containerId);
      Cgroups.write(dir.resolve("memory.limit_in_bytes"), limits.memoryLimitBytes());
      Path withSwap = dir.resolve("memory.memsw.limit_in_bytes"); // no swapping past the limit either
      if (Files.exists(withSwap)) Cgroups.write(withSwap, limits.memoryLimitBytes());
    }
    if (limits.cpuLimitMillis() != null && cpu != null) {
      Path dir = cpu.resolve(containerId);
      Cgroups.write(dir.resolve("cpu.cfs_period_us"), CPU_PERIOD_MICROS);
      Cgroups.write(dir.resolve("cpu.cfs_quota_us"), Cgroups.cpuQuotaMicros(limits.cpuLimitMillis()));
    }
    if (cpu != null) Cgroups.write(cpu.resolve(containerId).resolve("cpu.shares"), limits.cpuShares());
    if (limits.pidsLimit() != null && pids != null) {
      Cgroups.write(pids.resolve(containerId).resolve("pids.max"), limits.pidsLimit());
    }
    return dirs;
  }

  @Override
  public Path oomEvents(String containerId) {
    return memory.resolve(containerId).resolve("memory.oom_control");
  }

  @Override
  public Optional<ContainerStats> stats(String containerId) {
    if (cpuacct == null) return Optional.empty();
    Path mem = memory.resolve(containerId);
    try {
      long cpuNanos = Cgroups.number(cpuacct.resolve(containerId).resolve("cpuacct.usage"));
      long workingSet = Cgroups.number(mem.resolve("memory.usage_in_bytes"))
          - Cgroups.field(mem.resolve("memory.stat"), "total_inactive_file");
      return Optional.of(new ContainerStats(cpuNanos, Math.max(0, workingSet)));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
