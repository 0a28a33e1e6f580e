package io.drover.sim;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Samples counters once a second on its own thread while a scenario runs: cumulative counts (pods bound, pods
 * running, journal position) become per-second rates, and the heap in use is kept as is. The samples are what the
 * report plots over time.
 */
final class Timeline implements AutoCloseable {
  /** One sampled series: seconds since the start and the value (a rate for counters, MiB for the heap). */
  record Series(String name, String unit, List<double[]> points) {}

  private record Counter(String name, String unit, LongSupplier value) {}

  private final List<Counter> counters = new ArrayList<>();
  private final Map<String, List<double[]>> points = new LinkedHashMap<>();
  private final Map<String, long[]> last = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();
  private final long periodMillis;
  private Thread thread;

  Timeline(long periodMillis) {
    this.periodMillis = periodMillis;
  }

  /** A cumulative count, plotted as its rate per second. */
  Timeline counter(String name, String unit, LongSupplier value) {
    counters.add(new Counter(name, unit, value));
    return this;
  }

  Timeline start() {
    for (Counter c : counters) {
      points.put(c.name(), new ArrayList<>());
      last.put(c.name(), new long[] {startNanos, c.value().getAsLong()});
    }
    points.put("heap used", new ArrayList<>());
    thread = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(periodMillis);
          sample();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "sim-timeline");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  private synchronized void sample() {
    long now = System.nanoTime();
    double t = Figures.round((now - startNanos) / 1e9);
    for (Counter c : counters) {
      long value = c.value().getAsLong();
      long[] previous = last.get(c.name());
      double rate = (value - previous[1]) / ((now - previous[0]) / 1e9);
      points.get(c.name()).add(new double[] {t, Figures.round(rate)});
      last.put(c.name(), new long[] {now, value});
    }
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    points.get("heap used").add(new double[] {t, Figures.round(heap / 1048576.0)});
  }

  synchronized List<Series> series() {
    List<Series> all = new ArrayList<>();
    for (Counter c : counters) all.add(new Series(c.name(), c.unit(), List.copyOf(points.get(c.name()))));
    all.add(new Series("heap used", "MiB", List.copyOf(points.get("heap used"))));
    return all;
  }

  @Override
  public void close() throws InterruptedException {
    if (thread == null) return;
    thread.interrupt();
    thread.join();
  }
}
