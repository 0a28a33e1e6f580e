package io.drover.sim;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** Turning measured nanoseconds into the figures a report prints. */
public final class Figures {
  private Figures() {}

  /** The nearest-rank percentile (0 < p <= 100) of sorted values; 0 when there are none. */
  static long percentile(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[nearestRankIndex(sorted.length, p)];
  }

  /** The nearest-rank percentile (0 < p <= 100) of sorted values; 0 when there are none. */
  public static double percentile(double[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[nearestRankIndex(sorted.length, p)];
  }

  private static int nearestRankIndex(int length, double p) {
    int rank = (int) Math.ceil(p / 100.0 * length);
    return Math.max(0, Math.min(length, rank) - 1);
  }

  /** p50, p90, p99 and max of some durations in nanoseconds, as milliseconds. */
  record Spread(double p50Ms, double p90Ms, double p99Ms, double maxMs) {
    static Spread of(long[] nanos) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return new Spread(ms(percentile(sorted, 50)), ms(percentile(sorted, 90)), ms(percentile(sorted, 99)),
          ms(percentile(sorted, 100)));
    }

    @Override
    public String toString() {
      return String.format("p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", p50Ms, p90Ms, p99Ms, maxMs);
    }
  }

  static double ms(long nanos) {
    return round(nanos / 1e6);
  }

  static double seconds(long nanos) {
    return round(nanos / 1e9);
  }

  /** count per second over nanos, rounded; 0 when no time passed. */
  static double rate(long count, long nanos) {
    return nanos <= 0 ? 0 : round(count / (nanos / 1e9));
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  static long heapUsedAfterGcMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
  }
}
