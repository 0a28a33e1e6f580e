package io.drover.sim;

import static io.drover.sim.Figures.heapUsedAfterGcMb;
import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.server.DroverServer;
import io.drover.server.LocalPostgres;
import io.drover.sim.Figures.Spread;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code drover bench api}: starts an in-process Drover in its default configuration (H2 file journal), opens
 * watch streams on the ConfigMaps of namespace {@value #NAMESPACE}, creates ConfigMaps over HTTP with concurrent
 * clients, and measures create throughput and latency, watch delivery latency, and whether every watcher saw
 * every object exactly once and in resourceVersion order.
 */
public final class ApiBenchmark {
  static final String NAMESPACE = "bench";
  static final String WARMUP_NAMESPACE = "bench-warmup";
  static final String WATCH_LATENCY_FROM = "send of the create request to arrival of its ADDED event at the watcher";

  /** What to run. A null dataDir means a temporary directory, deleted afterwards; a null json writes no file. */
  public record Options(int count, int clients, int watchers, int warmup, Duration deadline, String journal,
      Path dataDir, Path json) {
    public Options {
      if (count < 1 || clients < 1 || watchers < 0 || warmup < 0 || deadline.isNegative()) {
        throw new IllegalArgumentException("count and clients must be positive, watchers and warmup not negative");
      }
      if (!journal.equals("h2") && !journal.equals("postgres")) {
        throw new IllegalArgumentException("--journal is h2 or postgres");
      }
    }

    public static Options defaults() {
      return new Options(10_000, 32, 4, 500, Duration.ofSeconds(60), "h2", null, null);
    }

    /**
     * Parses {@code --count N --clients C --watchers W --warmup N --deadline SECONDS --journal h2|postgres
     * --data-dir DIR --json FILE}.
     */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, List.of("--count", "--clients", "--watchers", "--warmup", "--deadline", "--journal",
          "--data-dir", "--json"));
      return new Options(a.integer("--count", d.count()), a.integer("--clients", d.clients()),
          a.integer("--watchers", d.watchers()), a.integer("--warmup", d.warmup()),
          a.seconds("--deadline", d.deadline()), a.text("--journal", d.journal()), a.path("--data-dir"),
          a.path("--json"));
    }
  }

  /** The figures of one run; latencies in milliseconds. Written as JSON with --json. */
  public record Result(String journal, int count, int clients, int watchers, double createSeconds, double createsPerSecond,
      int createFailures, String firstCreateFailure, double createP50Ms, double createP90Ms, double createP99Ms,
      double createMaxMs, String watchLatencyFrom, double watchP50Ms, double watchP99Ms, double watchMaxMs,
      long eventsDelivered, long duplicates, long outOfOrder, long missing, long watchErrors,
      long heapUsedAfterGcMb) implements Bench.Result {

    /** Every create answered 201 and every watcher saw every object exactly once, in order. */
    @Override
    public boolean correct() {
      return createFailures == 0 && duplicates == 0 && outOfOrder == 0 && missing == 0 && watchErrors == 0;
    }

    @Override
    public String report() {
      return String.format("""
          Drover API benchmark: %d ConfigMap creates, %d clients, %d watchers (%s journal; warm-up excluded)
          creates/s           %.1f  (%d in %.2f s, %d not 201%s)
          create latency ms   p50 %.2f  p90 %.2f  p99 %.2f  max %.2f
          watch latency ms    p50 %.2f  p99 %.2f  max %.2f  (from %s)
          watch events        %d delivered, %d duplicates, %d out of order, %d missing, %d stream errors
          heap used after GC  %d MB""",
          count, clients, watchers, journal.equals("h2") ? "H2 file" : "PostgreSQL", createsPerSecond, count, createSeconds, createFailures,
          firstCreateFailure == null ? "" : "; first: " + firstCreateFailure, createP50Ms, createP90Ms,
          createP99Ms, createMaxMs, watchP50Ms, watchP99Ms, watchMaxMs, watchLatencyFrom, eventsDelivered,
          duplicates, outOfOrder, missing, watchErrors, heapUsedAfterGcMb);
    }
  }

  private final Options options;
  private final BenchHttp http;

  private ApiBenchmark(Options options, BenchHttp http) {
    this.options = options;
    this.http = http;
  }

  /**
   * Starts a Drover (with a throw-away PostgreSQL for --journal postgres), measures, stops it, and deletes the data
   * directory if it was a temporary one.
   */
  public static Result run(Options options) throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-bench-");
    LocalPostgres postgres = options.journal().equals("postgres") ? LocalPostgres.start() : null;
    try {
      Map<String, Object> journal = postgres == null ? Map.of() : postgres.journalSettings();
      try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0, journal))) {
        return new ApiBenchmark(options, BenchHttp.of(server, options.deadline())).measure();
      }
    } finally {
      if (postgres != null) postgres.close();
      if (options.dataDir() == null) Bench.deleteRecursively(dataDir);
    }
  }

  private Result measure() throws Exception {
    // Names are unique per run, so a reused --data-dir does not answer 409.
    String run = Long.toString(System.currentTimeMillis(), 36);
    http.createNamespace(WARMUP_NAMESPACE);
    http.createNamespace(NAMESPACE);
    Bench.progress("warming up: %d creates in namespace %s", options.warmup(), WARMUP_NAMESPACE);
    createAll(WARMUP_NAMESPACE, "warm-" + run + "-", options.warmup());

    String prefix = "cm-" + run + "-";
    String configMaps = "/api/v1/namespaces/" + NAMESPACE + "/configmaps";
    URI watchUri = http.uri(configMaps + "?watch=true&resourceVersion=" + http.listResourceVersion(configMaps));
    List<Watcher> watchers = new ArrayList<>();
    for (int w = 0; w < options.watchers(); w++) {
      watchers.add(Watcher.open(http, watchUri, prefix, options.count()));
    }
    Bench.progress("creating %d ConfigMaps with %d clients, %d watchers", options.count(), options.clients(),
        options.watchers());
    BenchHttp.Batch creates = createAll(NAMESPACE, prefix, options.count());

    long deadline = System.nanoTime() + options.deadline().toNanos();
    for (Watcher watcher : watchers) {
      watcher.awaitUntil(deadline);
    }
    long heap = heapUsedAfterGcMb();
    watchers.forEach(Watcher::close);
    return result(creates, watchers, heap);
  }

  private BenchHttp.Batch createAll(String namespace, String prefix, int count) throws InterruptedException {
    String path = "/api/v1/namespaces/" + namespace + "/configmaps";
    return http.send(count, options.clients(), i -> http.post(path, configMap(prefix + i, i)), BenchHttp.CREATED);
  }

  private Result result(BenchHttp.Batch creates, List<Watcher> watchers, long heapMb) {
    Spread create = Spread.of(creates.latencies());
    Spread watch = Spread.of(watchers.stream().flatMapToLong(w -> Arrays.stream(w.latencies(creates.sentAt())))
        .toArray());
    int count = options.count();
    return new Result(options.journal(), count, options.clients(), options.watchers(), seconds(creates.wallNanos()),
        rate(count, creates.wallNanos()),
        creates.failures(), creates.firstFailure(),
        create.p50Ms(), create.p90Ms(), create.p99Ms(), create.maxMs(),
        WATCH_LATENCY_FROM, watch.p50Ms(), watch.p99Ms(), watch.maxMs(),
        watchers.stream().mapToLong(Watcher::events).sum(),
        watchers.stream().mapToLong(Watcher::duplicates).sum(),
        watchers.stream().mapToLong(Watcher::outOfOrder).sum(),
        watchers.stream().mapToLong(w -> count - w.distinct()).sum(),
        watchers.stream().mapToLong(Watcher::errors).sum(),
        heapMb);
  }

  private static String configMap(String name, int index) {
    return """
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":{"app":"drover-bench"}},\
        "data":{"index":"%d","payload":"a small value"}}""".formatted(name, index);
  }

  /**
   * One watch stream: records when each of the run's ConfigMaps arrived, and counts duplicates, events older than
   * one already seen, and ERROR events or a stream that ended early.
   */
  private static final class Watcher implements WatchStream.Listener {
    private final String prefix;
    private final int count;
    private final boolean[] seen;
    private final long[] arrivedAt;
    private final CountDownLatch finished = new CountDownLatch(1);
    private WatchStream stream;
    private int distinct;
    private long events;
    private long duplicates;
    private long outOfOrder;
    private long errors;
    private long lastVersion;

    private Watcher(String prefix, int count) {
      this.prefix = prefix;
      this.count = count;
      this.seen = new boolean[count];
      this.arrivedAt = new long[count];
    }

    /** Opens the stream (answers once the response headers arrived) and starts reading it. */
    static Watcher open(BenchHttp http, URI uri, String prefix, int count) throws IOException,
        InterruptedException {
      Watcher watcher = new Watcher(prefix, count);
      watcher.stream = http.watch(uri, watcher);
      return watcher;
    }

    @Override
    public synchronized void onEvent(String type, JsonNode object, long arrivedNanos) {
      if (complete()) return;
      if (type.equals("ERROR")) {
        errors++;
        return;
      }
      JsonNode metadata = object.path("metadata");
      long version = Long.parseLong(metadata.path("resourceVersion").asText());
      if (version <= lastVersion) outOfOrder++;
      lastVersion = Math.max(lastVersion, version);
      String name = metadata.path("name").asText();
      if (!type.equals("ADDED") || !name.startsWith(prefix)) return;
      int index = Integer.parseInt(name.substring(prefix.length()));
      events++;
      if (seen[index]) {
        duplicates++;
        return;
      }
      seen[index] = true;
      arrivedAt[index] = arrivedNanos;
      distinct++;
      if (complete()) finished.countDown();
    }

    @Override
    public synchronized void onEnd(Exception error) {
      if (!complete()) errors++; // a broken stream, a malformed event, or one that ended early
      finished.countDown();
    }

    void awaitUntil(long deadlineNanos) throws InterruptedException {
      finished.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void close() {
      stream.close();
    }

    /** Delivery latency of each object seen: arrival here minus the send of its create. */
    synchronized long[] latencies(long[] sentAt) {
      long[] latencies = new long[distinct];
      int n = 0;
      for (int i = 0; i < count; i++) {
        if (seen[i]) latencies[n++] = arrivedAt[i] - sentAt[i];
      }
      return latencies;
    }

    synchronized boolean complete() {
      return distinct == count;
    }

    synchronized int distinct() {
      return distinct;
    }

    synchronized long events() {
      return events;
    }

    synchronized long duplicates() {
      return duplicates;
    }

    synchronized long outOfOrder() {
      return outOfOrder;
    }

    synchronized long errors() {
      return errors;
    }
  }
}
