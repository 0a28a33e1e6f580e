package io.drover.sim;

import io.drover.api.Json;
import io.drover.sim.report.HtmlReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/** {@code drover bench <benchmark> [options]}: runs one benchmark against an in-process Drover. */
public final class Bench {
  private Bench() {}

  static final String USAGE = """
      usage: drover bench api [--count N] [--clients C] [--watchers W] [--warmup N] [--deadline SECONDS]
                              [--journal h2|postgres] [--data-dir DIR] [--json FILE]
             drover bench pods [--count N] [--clients C] [--grace-period SECONDS] [--deadline SECONDS]
                               [--data-dir DIR] [--json FILE]
             drover bench startup [--count N] [--clients C] [--deadline SECONDS] [--json FILE]
             drover bench scheduler [--nodes N] [--pods M] [--clients C] [--deadline SECONDS] [--data-dir DIR]
                                    [--json FILE]
             drover bench deployment [--nodes N] [--replicas R] [--max-surge S] [--max-unavailable U]
                                     [--deadline SECONDS] [--data-dir DIR] [--json FILE]
             drover bench proxy [--requests N] [--clients C] [--megabytes M] [--deadline SECONDS]
                                [--data-dir DIR] [--json FILE]
             drover bench failover [--members M] [--entities N] [--clients C] [--stable-after SECONDS]
                                   [--compare-count N] [--deadline SECONDS] [--json FILE]
             drover bench report REPORT.json REPORT.html
             drover bench density [--pods M] SIM
             drover bench churn [--replicas R] SIM
             drover bench node-failure [--replicas R] [--fail-fraction F] [--grace-period SECONDS]
                                       [--toleration SECONDS] SIM
             drover bench contention [--schedulers K] [--demand D] SIM
        api        ConfigMap creates over HTTP with concurrent clients, watched by W watch streams
        pods       N pods (sleep 3600) as real processes: create -> Running latency, then delete until gone
        startup    create -> Running of N pods (default 50) on the cri runtime (containerd, cached busybox image)
                   against the process runtime in the same run
        scheduler  M pods placed on N virtual nodes (no agent): placements/s, create -> bound, no overcommit;
                   and scheduling cycles/s of the pure function on 1000 nodes
        deployment a Deployment of R replicas on N virtual nodes: time to available, then to finish a rolling
                   update, checked against maxSurge and maxUnavailable
        proxy      N requests (a connection each) and an M MB transfer, straight to a backend and through a
                   Service's cluster IP (the service proxy): rates, latencies, throughput and their ratios
        failover   API creates on H2 against PostgreSQL; then M member JVMs on PostgreSQL (deploy/local-cluster.sh)
                   with N objects, the oldest killed with SIGKILL: time until every object is writable again
        report     a scenario's report JSON as one self-contained HTML page with charts (no network needed to view)
        density    M pods through the API onto N virtual nodes (default 100,000 onto 5,000): pods/s bound and
                   running, latencies, journal events/s, heap per node and pod, no overcommit, none lost
        churn      a rolling update of an R-pod Deployment (default 10,000 on 1,000 nodes): time, pods/s,
                   latencies, checked against maxSurge and maxUnavailable
        node-failure  a fraction of the nodes (10%) crash under a Deployment: time until NotReady and until every
                   pod runs elsewhere; the nodes come back and clean up
        contention K schedulers all placing every pod on scarce room: zero overcommit, room filled exactly
      SIM (every simulation scenario): """ + SimOptions.USAGE;

  /** What every benchmark's result offers: a printed report and whether the run was correct. */
  interface Result {
    String report();

    boolean correct();
  }

  /** Runs one benchmark with parsed options. */
  @FunctionalInterface
  interface Runner<O> {
    Result run(O options) throws Exception;
  }

  public static void main(String[] args) {
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    int exit = switch (args.length == 0 ? "" : args[0]) {
      case "api" -> cli(rest, ApiBenchmark.Options::parse, ApiBenchmark.Options::json, ApiBenchmark::run);
      case "pods" -> cli(rest, PodBenchmark.Options::parse, PodBenchmark.Options::json, PodBenchmark::run);
      case "startup" -> cli(rest, StartupBenchmark.Options::parse, StartupBenchmark.Options::json,
          StartupBenchmark::run);
      case "scheduler" -> cli(rest, SchedulerBenchmark.Options::parse, SchedulerBenchmark.Options::json,
          SchedulerBenchmark::run);
      case "deployment" -> cli(rest, DeploymentBenchmark.Options::parse, DeploymentBenchmark.Options::json,
          DeploymentBenchmark::run);
      case "proxy" -> cli(rest, ProxyBenchmark.Options::parse, ProxyBenchmark.Options::json, ProxyBenchmark::run);
      case "failover" -> cli(rest, FailoverBenchmark.Options::parse, FailoverBenchmark.Options::json,
          FailoverBenchmark::run);
      case "report" -> report(rest);
      case "density" -> simCli(rest, DensityBenchmark.Options::parse, DensityBenchmark::run);
      case "churn" -> simCli(rest, ChurnBenchmark.Options::parse, ChurnBenchmark::run);
      case "node-failure" -> simCli(rest, NodeFailureBenchmark.Options::parse, NodeFailureBenchmark::run);
      case "contention" -> simCli(rest, ContentionBenchmark.Options::parse, ContentionBenchmark::run);
      default -> {
        System.err.println(USAGE);
        yield 2;
      }
    };
    // Pekko and HttpClient threads must not keep the JVM alive after the report.
    System.exit(exit);
  }

  /**
   * Parses the arguments, runs, prints the report and writes it as JSON when asked; the exit code is 0 when the run
   * was correct, 1 when not (or it failed), 2 on bad usage.
   */
  static <O> int cli(String[] args, Function<String[], O> parse, Function<O, Path> json, Runner<O> runner) {
    return cli(args, parse, json, o -> null, runner);
  }

  /** A simulation scenario: its report goes to the JSON and HTML files its shared options name. */
  static <O extends SimOptions.Scenario> int simCli(String[] args, Function<String[], O> parse, Runner<O> runner) {
    return cli(args, parse, o -> o.sim().json(), o -> o.sim().html(), runner);
  }

  /** As above, and writes the HTML page of a simulation's report when its options name a file. */
  static <O> int cli(String[] args, Function<String[], O> parse, Function<O, Path> json, Function<O, Path> html,
      Runner<O> runner) {
    O options;
    try {
      options = parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    try {
      Result result = runner.run(options);
      System.out.println(result.report());
      if (json.apply(options) != null) {
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(json.apply(options).toFile(), result);
      }
      if (html.apply(options) != null && result instanceof SimResult sim) {
        io.drover.sim.report.HtmlReport.write(sim.data(), html.apply(options));
        progress("wrote %s", html.apply(options));
      }
      return result.correct() ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /** {@code report REPORT.json REPORT.html}: 0 when written, 1 when the JSON could not be read, 2 on bad usage. */
  static int report(String[] args) {
    if (args.length != 2) {
      System.err.println(USAGE);
      return 2;
    }
    try {
      HtmlReport.fromJson(Path.of(args[0]), Path.of(args[1]));
      System.out.println("wrote " + args[1]);
      return 0;
    } catch (IOException e) {
      System.err.println("cannot turn " + args[0] + " into " + args[1] + ": " + e.getMessage());
      return 1;
    }
  }

  /** A progress line on stderr, so stdout holds only the report. */
  static void progress(String format, Object... args) {
    System.err.println("bench: " + String.format(format, args));
  }

  /** The given data directory, or a new temporary one (which the benchmark deletes afterwards). */
  static Path dataDir(Path given, String prefix) throws IOException {
    return given != null ? given : Files.createTempDirectory(prefix);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
