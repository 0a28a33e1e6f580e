package io.drover.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.server.DroverServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

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
  public record Options(int count, int clients, int watchers, int warmup, Duration deadline, Path dataDir,
      Path json) {
    public Options {
      if (count < 1 || clients < 1 || watchers < 0 || warmup < 0 || deadline.isNegative()) {
        throw new IllegalArgumentException("count and clients must be positive, watchers and warmup not negative");
      }
    }

    public static Options defaults() {
      return new Options(10_000, 32, 4, 500, Duration.ofSeconds(60), null, null);
    }

    /** Parses {@code --count N --clients C --watchers W --warmup N --deadline SECONDS --data-dir DIR --json FILE}. */
    public static Options parse(String... args) {
      Options d = defaults();
      int count = d.count(), clients = d.clients(), watchers = d.watchers(), warmup = d.warmup();
      Duration deadline = d.deadline();
      Path dataDir = null, json = null;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
        String value = args[i + 1];
        try {
          switch (args[i]) {
            case "--count" -> count = Integer.parseInt(value);
            case "--clients" -> clients = Integer.parseInt(value);
            case "--watchers" -> watchers = Integer.parseInt(value);
            case "--warmup" -> warmup = Integer.parseInt(value);
            case "--deadline" -> deadline = Duration.ofSeconds(Long.parseLong(value));
            case "--data-dir" -> dataDir = Path.of(value);
            case "--json" -> json = Path.of(value);
            default -> throw new IllegalArgumentException("unknown option " + args[i]);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(args[i] + " needs a number, not " + value);
        }
      }
      return new Options(count, clients, watchers, warmup, deadline, dataDir, json);
    }
  }

  /** The figures of one run; latencies in milliseconds. Written as JSON with --json. */
  public record Result(int count, int clients, int watchers, double createSeconds, double createsPerSecond,
      int createFailures, String firstCreateFailure, double createP50Ms, double createP90Ms, double createP99Ms,
      double createMaxMs, String watchLatencyFrom, double watchP50Ms, double watchP99Ms, double watchMaxMs,
      long eventsDelivered, long duplicates, long outOfOrder, long missing, long watchErrors,
      long heapUsedAfterGcMb) {

    /** Every create answered 201 and every watcher saw every object exactly once, in order. */
    public boolean correct() {
      return createFailures == 0 && duplicates == 0 && outOfOrder == 0 && missing == 0 && watchErrors == 0;
    }

    public String report() {
      return String.format("""
          Drover API benchmark: %d ConfigMap creates, %d clients, %d watchers (H2 file journal; warm-up excluded)
          creates/s           %.1f  (%d in %.2f s, %d not 201%s)
          create latency ms   p50 %.2f  p90 %.2f  p99 %.2f  max %.2f
          watch latency ms    p50 %.2f  p99 %.2f  max %.2f  (from %s)
          watch events        %d delivered, %d duplicates, %d out of order, %d missing, %d stream errors
          heap used after GC  %d MB""",
          count, clients, watchers, createsPerSecond, count, createSeconds, createFailures,
          firstCreateFailure == null ? "" : "; first: " + firstCreateFailure, createP50Ms, createP90Ms,
          createP99Ms, createMaxMs, watchP50Ms, watchP99Ms, watchMaxMs, watchLatencyFrom, eventsDelivered,
          duplicates, outOfOrder, missing, watchErrors, heapUsedAfterGcMb);
    }
  }

  /** The create phase: when each create was sent, how long it took, and what failed. */
  private record CreatePhase(long[] sentAt, long[] latencies, int failures, String firstFailure, long wallNanos) {}

  private final Options options;
  private final String api;
  // One client for all create threads: the JDK pools HTTP/1.1 connections, one per request in flight.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ApiBenchmark(Options options, String api) {
    this.options = options;
    this.api = api;
  }

  /** Parses the arguments, runs, prints the report; the exit code is 0 when the run was correct, 2 on bad usage. */
  static int cli(String... args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(Bench.USAGE);
      return 2;
    }
    try {
      Result result = run(options);
      System.out.println(result.report());
      if (options.json() != null) {
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), result);
      }
      return result.correct() ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /** Starts a Drover, measures, stops it, and deletes the data directory if it was a temporary one. */
  public static Result run(Options options) throws Exception {
    Path dataDir = options.dataDir() != null ? options.dataDir() : Files.createTempDirectory("drover-bench-");
    try {
      try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0, Map.of()))) {
        return new ApiBenchmark(options, server.apiUrl()).measure();
      }
    } finally {
      if (options.dataDir() == null) deleteRecursively(dataDir);
    }
  }

  private Result measure() throws Exception {
    // Names are unique per run, so a reused --data-dir does not answer 409.
    String run = Long.toString(System.currentTimeMillis(), 36);
    createNamespace(WARMUP_NAMESPACE);
    createNamespace(NAMESPACE);
    progress("warming up: %d creates in namespace %s", options.warmup(), WARMUP_NAMESPACE);
    createAll(WARMUP_NAMESPACE, "warm-" + run + "-", options.warmup());

    String prefix = "cm-" + run + "-";
    URI watchUri = URI.create(api + "/api/v1/namespaces/" + NAMESPACE + "/configmaps?watch=true&resourceVersion="
        + listResourceVersion(NAMESPACE));
    List<Watcher> watchers = new ArrayList<>();
    for (int w = 0; w < options.watchers(); w++) {
      watchers.add(Watcher.open(watchUri, prefix, options.count()));
    }
    progress("creating %d ConfigMaps with %d clients, %d watchers", options.count(), options.clients(),
        options.watchers());
    CreatePhase creates = createAll(NAMESPACE, prefix, options.count());

    long deadline = System.nanoTime() + options.deadline().toNanos();
    for (Watcher watcher : watchers) {
      watcher.awaitUntil(deadline);
    }
    long heap = heapUsedAfterGcMb();
    watchers.forEach(Watcher::close);
    return result(creates, watchers, heap);
  }

  private CreatePhase createAll(String namespace, String prefix, int count) throws InterruptedException {
    URI uri = URI.create(api + "/api/v1/namespaces/" + namespace + "/configmaps");
    long[] sentAt = new long[count];
    long[] latencies = new long[count];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Runnable client = () -> {
      for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
        HttpRequest request = post(uri, configMap(prefix + i, i));
        sentAt[i] = System.nanoTime();
        String failure;
        try {
          HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
          failure = response.statusCode() == 201 ? null : response.statusCode() + " " + response.body();
        } catch (IOException e) {
          failure = e.toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        latencies[i] = System.nanoTime() - sentAt[i];
        if (failure != null) {
          failures.incrementAndGet();
          firstFailure.compareAndSet(null, failure);
        }
      }
    };
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      threads.add(new Thread(client, "bench-client-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join(); // also makes the clients' writes to sentAt and latencies visible here
    }
    return new CreatePhase(sentAt, latencies, failures.get(), firstFailure.get(), System.nanoTime() - start);
  }

  private Result result(CreatePhase creates, List<Watcher> watchers, long heapMb) {
    long[] createLatencies = creates.latencies().clone();
    Arrays.sort(createLatencies);
    long[] watchLatencies = watchers.stream().flatMapToLong(w -> Arrays.stream(w.latencies(creates.sentAt())))
        .sorted().toArray();
    int count = options.count();
    double seconds = creates.wallNanos() / 1e9;
    return new Result(count, options.clients(), options.watchers(), round(seconds), round(count / seconds),
        creates.failures(), creates.firstFailure(),
        ms(percentile(createLatencies, 50)), ms(percentile(createLatencies, 90)),
        ms(percentile(createLatencies, 99)), ms(percentile(createLatencies, 100)),
        WATCH_LATENCY_FROM, ms(percentile(watchLatencies, 50)), ms(percentile(watchLatencies, 99)),
        ms(percentile(watchLatencies, 100)),
        watchers.stream().mapToLong(Watcher::events).sum(),
        watchers.stream().mapToLong(Watcher::duplicates).sum(),
        watchers.stream().mapToLong(Watcher::outOfOrder).sum(),
        watchers.stream().mapToLong(w -> count - w.distinct()).sum(),
        watchers.stream().mapToLong(Watcher::errors).sum(),
        heapMb);
  }

  /** The nearest-rank percentile (0 < p <= 100) of sorted values; 0 when there are none. */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  // --- HTTP ---

  private void createNamespace(String name) throws IOException, InterruptedException {
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}";
    HttpResponse<String> response = http.send(post(URI.create(api + "/api/v1/namespaces"), body),
        BodyHandlers.ofString());
    if (response.statusCode() != 201 && response.statusCode() != 409) {
      throw new IOException("creating namespace " + name + " answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  private String listResourceVersion(String namespace) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(
        URI.create(api + "/api/v1/namespaces/" + namespace + "/configmaps?limit=1")).GET().build();
    HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("listing configmaps answered " + response.statusCode() + ": " + response.body());
    }
    return Json.MAPPER.readTree(response.body()).path("metadata").path("resourceVersion").asText();
  }

  private HttpRequest post(URI uri, String json) {
    return HttpRequest.newBuilder(uri).timeout(options.deadline())
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private static String configMap(String name, int index) {
    return """
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":{"app":"drover-bench"}},\
        "data":{"index":"%d","payload":"a small value"}}""".formatted(name, index);
  }

  // --- small helpers ---

  private static double ms(long nanos) {
    return round(nanos / 1e6);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static long heapUsedAfterGcMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
  }

  private static void progress(String format, Object... args) {
    System.err.println("bench: " + String.format(format, args));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /**
   * One watch stream, read on its own thread: records when each of the run's ConfigMaps arrived, and counts
   * duplicates, events older than one already seen, and ERROR events or a stream that ended early.
   */
  private static final class Watcher {
    private final String prefix;
    private final int count;
    private final Stream<String> lines;
    private final boolean[] seen;
    private final long[] arrivedAt;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closing;
    private int distinct;
    private long events;
    private long duplicates;
    private long outOfOrder;
    private long errors;
    private long lastVersion;

    private Watcher(String prefix, int count, Stream<String> lines) {
      this.prefix = prefix;
      this.count = count;
      this.lines = lines;
      this.seen = new boolean[count];
      this.arrivedAt = new long[count];
    }

    /** Opens the stream (answers once the response headers arrived) and starts reading it. */
    static Watcher open(URI uri, String prefix, int count) throws IOException, InterruptedException {
      // A client of its own, like an informer in another process.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
          BodyHandlers.ofLines());
      if (response.statusCode() != 200) {
        response.body().close();
        throw new IOException("watch " + uri + " answered " + response.statusCode());
      }
      Watcher watcher = new Watcher(prefix, count, response.body());
      Thread reader = new Thread(watcher::read, "bench-watcher");
      reader.setDaemon(true); // a stream still blocked after the deadline must not keep the JVM alive
      reader.start();
      return watcher;
    }

    private void read() {
      try {
        Iterator<String> it = lines.iterator();
        while (!complete() && it.hasNext()) {
          String line = it.next();
          accept(line, System.nanoTime());
        }
        if (!complete()) streamFailed();
      } catch (RuntimeException | JsonProcessingException e) { // a broken stream or a malformed event
        if (!complete()) streamFailed();
      } finally {
        finished.countDown();
      }
    }

    private synchronized void accept(String line, long now) throws JsonProcessingException {
      JsonNode event = Json.MAPPER.readTree(line);
      String type = event.path("type").asText();
      if (type.equals("ERROR")) {
        errors++;
        return;
      }
      JsonNode metadata = event.path("object").path("metadata");
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
      arrivedAt[index] = now;
      distinct++;
    }

    private synchronized void streamFailed() {
      if (!closing) errors++;
    }

    void awaitUntil(long deadlineNanos) throws InterruptedException {
      finished.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void close() {
      closing = true;
      lines.close();
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
