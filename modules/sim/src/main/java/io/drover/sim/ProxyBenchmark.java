package io.drover.sim;

import static io.drover.sim.Figures.rate;

import com.sun.net.httpserver.HttpServer;
import io.drover.server.DroverServer;
import io.drover.sim.Figures.Spread;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code drover bench proxy}: what the service proxy costs. One in-process member; two backends in this JVM on
 * 127.0.0.1 (an HTTP server answering "ok", and a TCP server that sends a fixed number of bytes); a selector-less
 * Service with manual Endpoints in front of them. The same load then goes once straight to the backends and once
 * through the Service's cluster IP, in this order: requests (a new connection each, HTTP/1.0, from C client
 * threads) with their latencies and rate, and one bulk transfer with its throughput. The report gives both and
 * their ratio.
 */
public final class ProxyBenchmark {
  static final String NAMESPACE = "bench-proxy";
  static final byte[] REQUEST = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  public record Options(int requests, int clients, int megabytes, Duration deadline, Path dataDir, Path json) {
    public Options {
      if (requests < 1 || clients < 1 || megabytes < 1) {
        throw new IllegalArgumentException("requests, clients and megabytes must be positive");
      }
    }

    public static Options defaults() {
      return new Options(20_000, 16, 256, Duration.ofSeconds(120), null, null);
    }

    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, List.of("--requests", "--clients", "--megabytes", "--deadline", "--data-dir",
          "--json"));
      return new Options(a.integer("--requests", d.requests()), a.integer("--clients", d.clients()),
          a.integer("--megabytes", d.megabytes()), a.seconds("--deadline", d.deadline()), a.path("--data-dir"),
          a.path("--json"));
    }
  }

  /** One way to the backends: request latencies and rate, failures, and the bulk throughput. */
  public record Way(String via, Spread requestMs, double requestsPerSecond, int failures, String firstFailure,
      double megabytesPerSecond) {}

  public record Result(int requests, int clients, int megabytes, Way direct, Way proxied)
      implements Bench.Result {
    @Override
    public boolean correct() {
      return direct.failures() == 0 && proxied.failures() == 0;
    }

    /** Proxied over direct: rate and throughput as a fraction, latency as a multiple. */
    public double rateRatio() {
      return Figures.round(proxied.requestsPerSecond() / direct.requestsPerSecond());
    }

    public double throughputRatio() {
      return Figures.round(proxied.megabytesPerSecond() / direct.megabytesPerSecond());
    }

    public double p50LatencyRatio() {
      return Figures.round(proxied.requestMs().p50Ms() / direct.requestMs().p50Ms());
    }

    @Override
    public String report() {
      return String.format("""
          Drover service proxy benchmark: %d HTTP/1.0 requests (a connection each) from %d clients, and one \
          %d MB transfer, straight to the backend and through the Service's cluster IP
          direct   requests %8.0f/s  latency ms %s  (%d failed%s)  transfer %.0f MB/s
          proxied  requests %8.0f/s  latency ms %s  (%d failed%s)  transfer %.0f MB/s
          proxied/direct: request rate %.2f, p50 latency x%.2f, transfer %.2f""",
          requests, clients, megabytes,
          direct.requestsPerSecond(), direct.requestMs(), direct.failures(), first(direct.firstFailure()),
          direct.megabytesPerSecond(),
          proxied.requestsPerSecond(), proxied.requestMs(), proxied.failures(), first(proxied.firstFailure()),
          proxied.megabytesPerSecond(), rateRatio(), p50LatencyRatio(), throughputRatio());
    }

    private static String first(String failure) {
      return failure == null ? "" : "; first: " + failure;
    }
  }

  private ProxyBenchmark() {}

  public static Result run(Options options) throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-bench-proxy-");
    HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
    ExecutorService webThreads = Executors.newFixedThreadPool(4);
    web.setExecutor(webThreads);
    web.createContext("/", exchange -> {
      byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    web.start();
    ServerSocket bulk = new ServerSocket(0, 16, java.net.InetAddress.getByName("127.0.0.1"));
    Thread bulkThread = new Thread(() -> serveBulk(bulk, (long) options.megabytes() << 20), "bench-bulk");
    bulkThread.setDaemon(true);
    bulkThread.start();
    try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0, Map.of()))) {
      BenchHttp http = BenchHttp.of(server, options.deadline());
      http.createNamespace(NAMESPACE);
      String service = """
          {"apiVersion":"v1","kind":"Service","metadata":{"name":"backend"},
           "spec":{"ports":[{"name":"http","port":80},{"name":"bulk","port":81}]}}""";
      String endpoints = """
          {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"backend"},
           "subsets":[{"addresses":[{"ip":"127.0.0.1"}],
             "ports":[{"name":"http","port":%d},{"name":"bulk","port":%d}]}]}"""
          .formatted(web.getAddress().getPort(), bulk.getLocalPort());
      for (String[] create : new String[][] {{"services", service}, {"endpoints", endpoints}}) {
        BenchHttp.Batch made = http.send(1, 1, i -> http.post("/api/v1/namespaces/" + NAMESPACE + "/" + create[0],
            create[1]), BenchHttp.CREATED);
        if (made.failures() > 0) throw new IOException("creating the " + create[0] + ": " + made.firstFailure());
      }
      String clusterIP = http.get("/api/v1/namespaces/" + NAMESPACE + "/services/backend")
          .path("spec").path("clusterIP").asText();
      InetSocketAddress directWeb = new InetSocketAddress("127.0.0.1", web.getAddress().getPort());
      InetSocketAddress directBulk = new InetSocketAddress("127.0.0.1", bulk.getLocalPort());
      InetSocketAddress proxiedWeb = new InetSocketAddress(clusterIP, 80);
      InetSocketAddress proxiedBulk = new InetSocketAddress(clusterIP, 81);
      Bench.progress("waiting for the proxy on %s", clusterIP);
      awaitProxy(proxiedWeb, options.deadline());

      Bench.progress("warm-up");
      requests(directWeb, Math.min(2000, options.requests()), options.clients());
      requests(proxiedWeb, Math.min(2000, options.requests()), options.clients());
      Bench.progress("%d requests straight to the backend", options.requests());
      Way direct = measure("direct", directWeb, directBulk, options);
      Bench.progress("%d requests through the proxy", options.requests());
      Way proxied = measure("proxied", proxiedWeb, proxiedBulk, options);
      Bench.progress("closing the member");
      return new Result(options.requests(), options.clients(), options.megabytes(), direct, proxied);
    } finally {
      web.stop(0);
      webThreads.shutdownNow();
      bulk.close();
      if (options.dataDir() == null) Bench.deleteRecursively(dataDir);
    }
  }

  private static Way measure(String via, InetSocketAddress web, InetSocketAddress bulk, Options options)
      throws Exception {
    Load load = requests(web, options.requests(), options.clients());
    long started = System.nanoTime();
    long received = transfer(bulk);
    long took = System.nanoTime() - started;
    double megabytesPerSecond = received < ((long) options.megabytes() << 20) ? 0
        : Figures.round(options.megabytes() / (took / 1e9));
    return new Way(via, Spread.of(load.latencies()), rate(options.requests() - load.failures(), load.nanos()),
        load.failures(), load.firstFailure(), megabytesPerSecond);
  }

  record Load(long[] latencies, long nanos, int failures, String firstFailure) {}

  /** N requests from C threads, a new connection each: HTTP/1.0 request, response read until the server closes. */
  static Load requests(InetSocketAddress target, int count, int clients) throws Exception {
    long[] latencies = new long[count];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long started = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(pool.submit(() -> {
        byte[] buffer = new byte[4096];
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          long t0 = System.nanoTime();
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.getHostString(), target.getPort()), 5000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(REQUEST);
            InputStream in = socket.getInputStream();
            int total = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) total += n;
            if (total == 0) throw new IOException("empty response");
            String head = new String(buffer, 0, Math.min(12, total), StandardCharsets.US_ASCII);
            if (!head.contains(" 200")) throw new IOException("answered " + head);
            latencies[i] = System.nanoTime() - t0;
          } catch (IOException e) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, e.toString());
            latencies[i] = System.nanoTime() - t0;
          }
        }
      }));
    }
    for (Future<?> f : done) f.get();
    long nanos = System.nanoTime() - started;
    pool.shutdown();
    return new Load(latencies, nanos, failures.get(), firstFailure.get());
  }

  /** Reads one bulk transfer to its end; returns the bytes received. */
  static long transfer(InetSocketAddress target) throws IOException {
    try (Socket socket = new Socket(target.getHostString(), target.getPort())) {
      socket.setSoTimeout(30_000);
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[256 * 1024];
      long total = 0;
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) total += n;
      return total;
    }
  }

  private static void serveBulk(ServerSocket server, long bytes) {
    byte[] chunk = new byte[256 * 1024];
    while (!server.isClosed()) {
      try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
        for (long sent = 0; sent < bytes; sent += chunk.length) {
          out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
        }
      } catch (IOException e) {
        // closed, or the client went away
      }
    }
  }

  private static void awaitProxy(InetSocketAddress target, Duration deadline) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (System.nanoTime() < end) {
      if (requests(target, 1, 1).failures() == 0) return;
      Thread.sleep(100);
    }
    throw new IOException("the service proxy did not answer on " + target);
  }
}
