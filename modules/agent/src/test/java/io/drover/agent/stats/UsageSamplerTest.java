package io.drover.agent.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.runtime.ContainerStats;
import io.drover.control.metrics.NodeUsage;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageSamplerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void cpuIsTheRateBetweenTheLastTwoSamples() {
    Map<String, ContainerStats> stats = new HashMap<>();
    long[] nodeCpu = {0};
    UsageSampler sampler = new UsageSampler("vm", id -> Optional.ofNullable(stats.get(id)),
        () -> Optional.of(new UsageSampler.Counters(nodeCpu[0], 1 << 30)));
    List<UsageSampler.RunningPod> pods = List.of(new UsageSampler.RunningPod("demo", "burn", "u1", Map.of("main", "c1")));
    stats.put("c1", new ContainerStats(1_000_000_000L, 5_000_000));
    sampler.sample(T0, pods);
    assertTrue(sampler.summary().isEmpty(), "one sample gives no rate");

    stats.put("c1", new ContainerStats(1_500_000_000L, 6_000_000)); // 0.5 s of CPU in 2 s: 250m
    nodeCpu[0] = 3_000_000_000L; // 3 s in 2 s: 1.5 cores
    sampler.sample(T0.plusSeconds(2), pods);
    NodeUsage usage = sampler.summary().orElseThrow();
    assertEquals(1_500_000_000L, usage.cpuNanoCores());
    assertEquals(2000, usage.windowMillis());
    assertEquals(1, usage.pods().size());
    assertEquals(250_000_000L, usage.pods().get(0).cpuNanoCores());
    assertEquals(6_000_000, usage.pods().get(0).memoryBytes());
  }

  @Test
  void aRestartedContainerOrAnUnreadableOneLeavesThePodOut() {
    Map<String, ContainerStats> stats = new HashMap<>();
    UsageSampler sampler = new UsageSampler("vm", id -> Optional.ofNullable(stats.get(id)),
        () -> Optional.of(new UsageSampler.Counters(0, 0)));
    List<UsageSampler.RunningPod> pods = List.of(new UsageSampler.RunningPod("demo", "two", "u1",
        Map.of("a", "ca", "b", "cb")));
    stats.put("ca", new ContainerStats(100, 1));
    stats.put("cb", new ContainerStats(100, 1));
    sampler.sample(T0, pods);
    stats.put("ca", new ContainerStats(50, 1)); // counter went back: a new process
    stats.remove("cb");
    sampler.sample(T0.plusSeconds(1), pods);
    assertEquals(List.of(), sampler.summary().orElseThrow().pods());
  }

  @Test
  void hostCountersReadProcFiles() throws Exception {
    java.nio.file.Path proc = java.nio.file.Files.createTempDirectory("proc");
    java.nio.file.Files.writeString(proc.resolve("stat"), "cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 1 2 3\n");
    java.nio.file.Files.writeString(proc.resolve("meminfo"), "MemTotal:  1000 kB\nMemFree: 10 kB\nMemAvailable:  400 kB\n");
    UsageSampler.Counters counters = HostCounters.read(proc).orElseThrow();
    assertEquals((100 + 5 + 50 + 1 + 2 + 3) * 10_000_000L, counters.cpuNanos());
    assertEquals(600 * 1024, counters.memoryBytes());
  }
}
