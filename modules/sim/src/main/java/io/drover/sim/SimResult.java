package io.drover.sim;

import com.fasterxml.jackson.annotation.JsonValue;
import io.drover.agent.sim.VirtualNodes;
import io.drover.sim.report.Report;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulation scenario's result is its {@link Report}: the printed text, the JSON ({@code --json}) and the HTML
 * page ({@code --html}) all come from it, and the run is correct when every check in it holds.
 */
record SimResult(@JsonValue Report data) implements Bench.Result {

  @Override
  public boolean correct() {
    return data.correct();
  }

  /** The report as text: the summary figures, each distribution's percentiles, and the checks. */
  @Override
  public String report() {
    StringBuilder text = new StringBuilder(data.title()).append('\n');
    data.settings().forEach((k, v) -> text.append(String.format("  %-26s %s%n", k, v)));
    for (Report.Figure f : data.summary()) {
      text.append(String.format("%-28s %s %s%n", f.name(), f.value(), f.unit() == null ? "" : f.unit()));
    }
    for (Report.Distribution d : data.distributions()) {
      text.append(String.format("%-28s p50 %.1f  p90 %.1f  p99 %.1f  max %.1f %s (%d)%n", d.name(), d.p50(),
          d.p90(), d.p99(), d.max(), d.unit(), d.count()));
    }
    for (Report.Check c : data.invariants()) {
      text.append(String.format("%-4s %s%s%n", c.ok() ? "ok" : "FAIL", c.name(),
          c.detail() == null || c.detail().isEmpty() ? "" : ": " + c.detail()));
    }
    return text.toString().stripTrailing();
  }

  /** Collects a report's parts as a scenario measures them. */
  static final class Builder {
    private final String title;
    private final String description;
    private final Instant startedAt = Instant.now();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<Report.Figure> summary = new ArrayList<>();
    private final List<Report.Series> series = new ArrayList<>();
    private final List<Report.Distribution> distributions = new ArrayList<>();
    private final List<Report.Check> checks = new ArrayList<>();

    Builder(String title, String description) {
      this.title = title;
      this.description = description;
    }

    Builder settings(SimOptions o) {
      setting("nodes", o.nodes() + " (" + o.node() + ")");
      setting("journal", switch (o.journal()) {
        case "memory" -> "memory (H2 in memory, same JDBC journal)";
        case "postgres" -> "PostgreSQL";
        default -> "H2 file";
      });
      setting("clients", o.clients());
      setting("node heartbeat", o.heartbeat().toSeconds() + " s");
      setting("container start delay", o.startDelayMin().toMillis() + ".." + o.startDelayMax().toMillis() + " ms");
      setting("crash probability", o.crashProbability());
      setting("slow nodes", o.slowNodeFraction());
      setting("seed", o.seed());
      setting("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", max heap "
          + Runtime.getRuntime().maxMemory() / 1048576 + " MiB, " + Runtime.getRuntime().availableProcessors()
          + " cpus");
      return this;
    }

    Builder setting(String name, Object value) {
      settings.put(name, String.valueOf(value));
      return this;
    }

    Builder figure(String name, Object value, String unit) {
      summary.add(new Report.Figure(name, String.valueOf(value), unit));
      return this;
    }

    Builder latencies(String name, long[] nanos) {
      distributions.add(Report.Distribution.ofNanos(name, nanos));
      return this;
    }

    Builder timeline(List<Timeline.Series> sampled) {
      for (Timeline.Series s : sampled) {
        series.add(new Report.Series(s.name(), s.unit(),
            s.points().stream().map(p -> new Report.Point(p[0], p[1])).toList()));
      }
      return this;
    }

    Builder check(String name, boolean ok, String detail) {
      checks.add(new Report.Check(name, ok, detail));
      return this;
    }

    /** Rates and latencies of pods through the pipeline. */
    Builder pods(SimFigures.Pods pods, PodTracker tracker, BenchHttp.Batch creates) {
      figure("pods bound", pods.bound() + " of " + pods.pods(), "");
      figure("pods running", pods.running() + " of " + pods.pods(), "");
      figure("all bound after", pods.allBoundSeconds(), "s");
      figure("all running after", pods.allRunningSeconds(), "s");
      figure("pods bound per second", pods.boundPerSecond(), "pods/s");
      figure("pods running per second", pods.runningPerSecond(), "pods/s");
      latencies("create -> bound", tracker.latencies(PodTracker.Stage.BOUND, creates.sentAt()));
      latencies("create -> running", tracker.latencies(PodTracker.Stage.RUNNING, creates.sentAt()));
      latencies("API create request", creates.latencies());
      check("every create answered 201", creates.failures() == 0,
          creates.failures() + " failed" + SimResult.first(creates.firstFailure()));
      return this;
    }

    Builder journal(SimFigures.Journal journal) {
      figure("journal events", journal.events(), "events");
      figure("journal events per second", journal.eventsPerSecond(), "events/s");
      return this;
    }

    Builder memory(SimFigures.Memory memory) {
      figure("heap after GC before nodes", memory.heapMbBefore(), "MiB");
      figure("heap after GC with nodes", memory.heapMbWithNodes(), "MiB");
      figure("heap after GC with pods", memory.heapMbWithPods(), "MiB");
      figure("heap per node", memory.heapKbPerNode(), "KiB");
      figure("heap per pod", memory.heapKbPerPod(), "KiB");
      return this;
    }

    Builder invariants(SimFigures.Invariants i) {
      check("no overcommitted node", i.overcommittedNodes() == 0,
          i.overcommittedNodes() + " nodes" + SimResult.first(i.firstOvercommit()));
      check("no lost pod", i.lostPods() == 0, i.lostPods() + " lost" + SimResult.first(i.firstLost()));
      check("no duplicate pod", i.duplicatePods() == 0,
          i.duplicatePods() + " duplicates" + SimResult.first(i.firstDuplicate()));
      check("allocation entities hold exactly the bound pods", i.unreservedPods() == 0 && i.strayReservations() == 0,
          i.unreservedPods() + " bound pods not reserved, " + i.strayReservations()
              + " reservations of pods not bound there" + SimResult.first(i.firstAllocationMismatch()));
      figure("nodes used", i.nodesUsed(), "nodes");
      figure("pods per node", i.minPodsPerNode() + ".." + i.maxPodsPerNode(), "pods");
      return this;
    }

    Builder fleet(VirtualNodes.Stats fleet) {
      figure("node heartbeats", fleet.heartbeats() + " (" + fleet.heartbeatFailures() + " failed)", "");
      figure("container starts", fleet.starts(), "");
      figure("pod status writes", fleet.statusWrites() + " (" + fleet.statusWriteFailures() + " failed)", "");
      return this;
    }

    Builder watch(PodTracker tracker) {
      return check("the pod watch saw no error", tracker.errors() == 0,
          tracker.errors() + " errors" + SimResult.first(tracker.firstError()));
    }

    SimResult build() {
      return new SimResult(new Report(title, description, startedAt, summary, series, distributions, checks,
          settings));
    }
  }

  static String first(String failure) {
    return failure == null ? "" : "; first: " + failure;
  }
}
