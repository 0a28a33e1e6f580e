package io.drover.agent.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The whole machine's counters from /proc: CPU time that was not idle (the first line of /proc/stat, in clock
 * ticks of 1/100 s) and the memory in use (MemTotal - MemAvailable of /proc/meminfo).
 */
public final class HostCounters {
  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

  private HostCounters() {}

  public static Optional<UsageSampler.Counters> read() {
    return read(Path.of("/proc"));
  }

  static Optional<UsageSampler.Counters> read(Path proc) {
    try {
      String cpu = Files.readAllLines(proc.resolve("stat")).get(0);
      String[] f = cpu.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
      long busy = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        if (i != 4 && i != 5) busy += Long.parseLong(f[i]);
      }
      List<String> meminfo = Files.readAllLines(proc.resolve("meminfo"));
      long total = kib(meminfo, "MemTotal:");
      long available = kib(meminfo, "MemAvailable:");
      return Optional.of(new UsageSampler.Counters(busy * NANOS_PER_TICK, (total - available) * 1024));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static long kib(List<String> meminfo, String key) {
    for (String line : meminfo) {
      if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
    }
    throw new IllegalStateException("no " + key);
  }
}
