package io.drover.sim;

import io.drover.agent.runtime.cri.LocalContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code drover bench startup}: pod startup latency (create -> Running) of the cri runtime against the process
 * runtime in the same run. Each runtime gets the {@link PodBenchmark} on a fresh member: N pods of
 * {@code sleep 3600} after one warm-up pod, which for cri pulls the busybox image, so the N start from a cached
 * image. The cri half runs on a private containerd and registry ({@link LocalContainerd}, root and Debian's
 * containerd, runc, docker-registry, skopeo, umoci, busybox-static); where the host lacks them it is skipped with the
 * reason, and the run does not count as correct.
 */
public final class StartupBenchmark {
  private StartupBenchmark() {}

  /** N pods per runtime with C concurrent clients; the deadline bounds each phase of each half. */
  public record Options(int count, int clients, Duration deadline, Path json) {
    public Options {
      if (count < 1 || clients < 1) throw new IllegalArgumentException("count and clients must be positive");
    }

    /** Parses {@code --count N --clients C --deadline SECONDS --json FILE}; defaults 50, 4, 180 s. */
    public static Options parse(String... args) {
      Args a = Args.parse(args, List.of("--count", "--clients", "--deadline", "--json"));
      return new Options(a.integer("--count", 50), a.integer("--clients", 4),
          a.seconds("--deadline", Duration.ofSeconds(180)), a.path("--json"));
    }
  }

  /** Both halves; cri is null (with the reason) when the host cannot run containerd. */
  public record Result(PodBenchmark.Result process, PodBenchmark.Result cri, String criSkipped)
      implements Bench.Result {

    @Override
    public boolean correct() {
      return process.correct() && cri != null && cri.correct();
    }

    @Override
    public String report() {
      StringBuilder out = new StringBuilder(String.format("""
          Drover startup benchmark: %d pods per runtime, create -> Running in ms (image cached for cri)
          runtime   p50       p90       p99       max       all Running   pods/s
          """, process.count()));
      out.append(row(process));
      out.append(cri == null ? "cri       skipped: " + criSkipped + "\n" : row(cri));
      if (cri != null) {
        out.append(String.format("cri / process p50 %.2fx, p99 %.2fx%n",
            cri.runningMs().p50Ms() / process.runningMs().p50Ms(), cri.runningMs().p99Ms() / process.runningMs().p99Ms()));
      }
      out.append('\n').append(process.report());
      if (cri != null) out.append("\n\n").append(cri.report());
      return out.toString();
    }

    private static String row(PodBenchmark.Result r) {
      return String.format("%-9s %-9.1f %-9.1f %-9.1f %-9.1f %-13s %.1f%n", r.runtime(), r.runningMs().p50Ms(),
          r.runningMs().p90Ms(), r.runningMs().p99Ms(), r.runningMs().maxMs(),
          String.format("%.2f s", r.allRunningSeconds()), r.podsPerSecond());
    }
  }

  public static Result run(Options options) throws Exception {
    PodBenchmark.Options pods = new PodBenchmark.Options(options.count(), options.clients(), 1, options.deadline(),
        null, null);
    Bench.progress("process runtime: %d pods", options.count());
    PodBenchmark.Result process = PodBenchmark.run(pods, PodBenchmark.Runtime.PROCESS);
    String unavailable = LocalContainerd.unavailableReason().orElse(null);
    if (unavailable != null) return new Result(process, null, unavailable);
    Path dir = Files.createTempDirectory("drover-bench-cri-");
    Bench.progress("cri runtime: starting containerd and the registry in %s", dir);
    try (LocalContainerd containerd = LocalContainerd.start(dir)) {
      PodBenchmark.Runtime cri = new PodBenchmark.Runtime("cri",
          Map.of("drover.agent.cri.socket", containerd.socket().toString()), containerd.image("busybox"));
      Bench.progress("cri runtime: %d pods", options.count());
      return new Result(process, PodBenchmark.run(pods, cri), null);
    }
  }
}
