package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/** The benchmarks' side of the Kubernetes API of one Drover: plain JSON over HTTP/1.1, as a client library does. */
final class BenchHttp {
  /** Status codes of a successful create, and of a delete (200 done or under way, 202 accepted). */
  static final IntPredicate CREATED = status -> status == 201;
  static final IntPredicate DELETED = status -> status == 200 || status == 202;

  /**
   * What a batch of requests did: when each was sent, how long each took, which were accepted, what failed, and the
   * wall time.
   */
  record Batch(long startNanos, long[] sentAt, long[] latencies, boolean[] accepted, int failures,
      String firstFailure, long wallNanos) {}

  private final String api;
  private final Duration timeout;
  // One client for all threads: the JDK pools HTTP/1.1 connections, one per request in flight.
  private final HttpClient http;

  /** Requests to {@code api} over TLS as {@code ssl}'s identity (the cluster admin). */
  BenchHttp(String api, javax.net.ssl.SSLContext ssl, Duration timeout) {
    this.api = api;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
  }

  /** Requests to a member's API as its cluster admin. */
  static BenchHttp of(io.drover.server.DroverServer server, Duration timeout) {
    return new BenchHttp(server.apiUrl(), server.adminSslContext(), timeout);
  }

  /** The client itself, for requests built elsewhere. */
  HttpClient client() {
    return http;
  }

  /** Opens a watch stream (answers once the response headers arrived) and starts reading it. */
  WatchStream watch(URI uri, WatchStream.Listener listener) throws java.io.IOException, InterruptedException {
    return WatchStream.open(http, uri, listener);
  }

  URI uri(String path) {
    return URI.create(api + path);
  }

  HttpRequest post(String path, String json) {
    return HttpRequest.newBuilder(uri(path)).timeout(timeout)
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  HttpRequest delete(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(timeout).header("Accept", "application/json").DELETE().build();
  }

  /** GETs a path and answers its JSON body; anything but 200 is an IOException. */
  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build(),
        BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return Json.MAPPER.readTree(response.body());
  }

  /** Creates a namespace; one that exists already is fine. */
  void createNamespace(String name) throws IOException, InterruptedException {
    String body = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}";
    HttpResponse<String> response = http.send(post("/api/v1/namespaces", body), BodyHandlers.ofString());
    if (response.statusCode() != 201 && response.statusCode() != 409) {
      throw new IOException("creating namespace " + name + " answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  /** The resourceVersion of a collection (a list of one item): a watch from it sees every later change. */
  String listResourceVersion(String collectionPath) throws IOException, InterruptedException {
    return get(collectionPath + "?limit=1").path("metadata").path("resourceVersion").asText();
  }

  /**
   * Sends request 0 .. count-1 from {@code clients} threads, each taking the next index when its last request was
   * answered; a response whose status is not {@code accepted} (or an I/O error) counts as a failure. A null request
   * is skipped and counts as accepted.
   */
  Batch send(int count, int clients, IntFunction<HttpRequest> request, IntPredicate accepted)
      throws InterruptedException {
    long[] sentAt = new long[count];
    long[] latencies = new long[count];
    boolean[] ok = new boolean[count];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Runnable client = () -> {
      for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
        HttpRequest req = request.apply(i);
        sentAt[i] = System.nanoTime();
        if (req == null) { // nothing to send for this index (a retry of only what failed)
          ok[i] = true;
          continue;
        }
        String failure;
        try {
          HttpResponse<String> response = http.send(req, BodyHandlers.ofString());
          failure = accepted.test(response.statusCode()) ? null
              : req.method() + " " + req.uri().getPath() + ": " + response.statusCode() + " " + response.body();
        } catch (IOException e) {
          failure = e.toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        latencies[i] = System.nanoTime() - sentAt[i];
        ok[i] = failure == null;
        if (failure != null) {
          failures.incrementAndGet();
          firstFailure.compareAndSet(null, failure);
        }
      }
    };
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      threads.add(new Thread(client, "bench-client-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join(); // also makes the clients' writes to sentAt and latencies visible here
    }
    return new Batch(start, sentAt, latencies, ok, failures.get(), firstFailure.get(), System.nanoTime() - start);
  }

  /** Every item of a collection, page by page. */
  List<JsonNode> listAll(String collection) throws IOException, InterruptedException {
    List<JsonNode> items = new ArrayList<>();
    String next = "";
    do {
      JsonNode page = get(collection + "?limit=1000"
          + (next.isEmpty() ? "" : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
      page.path("items").forEach(items::add);
      next = page.path("metadata").path("continue").asText("");
    } while (!next.isEmpty());
    return items;
  }
}
