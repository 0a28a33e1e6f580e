package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.server.DroverServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * {@code drover bench deployment}: how long a Deployment of R replicas takes to become available, and then to
 * complete a rolling update, on N virtual nodes. One in-process control-plane member (the Deployment and ReplicaSet
 * controllers, the scheduler, the garbage collector); a "virtual kubelet" in the benchmark watches the pods and,
 * like an agent whose containers start at once, reports each bound pod Running and Ready, and finishes the
 * deletion of pods being deleted. During the update the Deployment's status is sampled to check that the rollout
 * kept within maxSurge and maxUnavailable.
 */
public final class DeploymentBenchmark {
  static final String NAMESPACE = "bench-deployment";
  static final String NAME = "bench";

  public record Options(int nodes, int replicas, String maxSurge, String maxUnavailable, Duration deadline,
      Path dataDir, Path json) {
    public Options {
      if (nodes < 1 || replicas < 1 || deadline.isNegative()) {
        throw new IllegalArgumentException("nodes and replicas must be positive");
      }
    }

    public static Options defaults() {
      return new Options(20, 1000, "25%", "25%", Duration.ofSeconds(300), null, null);
    }

    /** Parses {@code --nodes N --replicas R --max-surge S --max-unavailable U --deadline SECONDS ...}. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, List.of("--nodes", "--replicas", "--max-surge", "--max-unavailable", "--deadline",
          "--data-dir", "--json"));
      return new Options(a.integer("--nodes", d.nodes()), a.integer("--replicas", d.replicas()),
          a.text("--max-surge", d.maxSurge()), a.text("--max-unavailable", d.maxUnavailable()),
          a.seconds("--deadline", d.deadline()), a.path("--data-dir"), a.path("--json"));
    }
  }

  /**
   * The figures. Rollout bounds come from sampling during the update: the most replicas all ReplicaSets asked for
   * at once (against replicas + maxSurge) and the fewest pods Running and Ready, not being deleted (against
   * replicas - maxUnavailable).
   */
  public record Result(int nodes, int replicas, String maxSurge, String maxUnavailable, double availableSeconds,
      double podsPerSecond, double rolloutSeconds, double rolloutPodsPerSecond, int mostPods, int fewestAvailable,
      int allowedMost, int allowedFewest, int samples, int statusWrites, int kubeletFailures,
      String firstKubeletFailure, int fewestOnANode, int mostOnANode, boolean completed) implements Bench.Result {

    @Override
    public boolean correct() {
      return completed && mostPods <= allowedMost && fewestAvailable >= allowedFewest && kubeletFailures == 0;
    }

    @Override
    public String report() {
      return String.format("""
          Drover deployment benchmark: %d replicas on %d virtual nodes (pods Ready as soon as bound), \
          maxSurge %s, maxUnavailable %s, one control-plane member
          create -> available  %.2f s (%.1f pods/s)
          spread when available %d to %d pods per node
          rolling update       %.2f s until complete (%.1f pods replaced/s)
          rollout bounds       at most %d replicas asked (allowed %d), at least %d pods ready (allowed %d), %d samples
          virtual kubelet      %d status writes, %d failures%s%s""",
          replicas, nodes, maxSurge, maxUnavailable, availableSeconds, podsPerSecond, fewestOnANode, mostOnANode,
          rolloutSeconds, rolloutPodsPerSecond, mostPods, allowedMost, fewestAvailable, allowedFewest, samples,
          statusWrites,
          kubeletFailures, firstKubeletFailure == null ? "" : "; first: " + firstKubeletFailure,
          completed ? "" : "\nNOT COMPLETED within the deadline");
    }
  }

  private final Options options;
  private final BenchHttp http;
  private final ActorSystem<?> system;
  private final HttpClient client;
  private final ExecutorService kubeletWorkers = Executors.newFixedThreadPool(8);
  /** Pods the virtual kubelet reported Running and Ready, and has not seen deleted since: the serving pods. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final AtomicInteger statusWrites = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile String firstFailure;

  private DeploymentBenchmark(Options options, BenchHttp http, ActorSystem<?> system) {
    this.options = options;
    this.http = http;
    this.client = http.client();
    this.system = system;
  }

  public static Result run(Options options) throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-bench-deployment-");
    try {
      // Virtual nodes post no heartbeats: the node lifecycle controller must not declare them lost mid-run.
      try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0, Map.of(
          "pekko.cluster.roles", List.of("control-plane"),
          "drover.node-lifecycle.grace-period", "1h")))) {
        DeploymentBenchmark bench = new DeploymentBenchmark(options, BenchHttp.of(server, options.deadline()), server.system());
        try {
          return bench.measure();
        } finally {
          bench.kubeletWorkers.shutdownNow();
          Bench.progress("closing the member");
        }
      }
    } finally {
      if (options.dataDir() == null) Bench.deleteRecursively(dataDir);
    }
  }

  private Result measure() throws Exception {
    long deadline = System.nanoTime() + options.deadline().toNanos();
    http.createNamespace(NAMESPACE);
    String run = Long.toString(System.currentTimeMillis(), 36);
    String nodePrefix = "vnode-" + run + "-";
    Bench.progress("registering %d virtual nodes", options.nodes());
    http.send(options.nodes(), 8, i -> http.post("/api/v1/nodes",
        SchedulerBenchmark.node(nodePrefix + i, Instant.now())), BenchHttp.CREATED);
    ClusterSharding sharding = ClusterSharding.get(system);
    CompletableFuture<?>[] capacities = new CompletableFuture<?>[options.nodes()];
    for (int i = 0; i < options.nodes(); i++) {
      capacities[i] = sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, nodePrefix + i)
          .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.SetCapacity(new NodeAllocationEntity.Capacity(
              SchedulerBenchmark.NODE_CPU_MILLIS, SchedulerBenchmark.NODE_MEMORY_BYTES, SchedulerBenchmark.NODE_PODS),
              r), options.deadline()).toCompletableFuture();
    }
    CompletableFuture.allOf(capacities).get(options.deadline().toSeconds(), TimeUnit.SECONDS);

    String podsPath = "/api/v1/namespaces/" + NAMESPACE + "/pods";
    try (WatchStream kubelet = http.watch(http.uri(podsPath + "?watch=true&resourceVersion="
        + http.listResourceVersion(podsPath)), new VirtualKubelet())) {
      Bench.progress("creating a deployment of %d replicas", options.replicas());
      long created = System.nanoTime();
      send(http.post("/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments", deployment("v1")), 201);
      Sample first = awaitComplete(deadline, null);
      long available = System.nanoTime() - created;
      Map<String, Integer> perNode = new java.util.HashMap<>();
      for (int i = 0; i < options.nodes(); i++) perNode.put(nodePrefix + i, 0);
      for (JsonNode pod : http.get(podsPath).path("items")) {
        perNode.computeIfPresent(pod.path("spec").path("nodeName").asText(), (n, count) -> count + 1);
      }
      Bench.progress("available after %.2f s; rolling update", available / 1e9);

      long updated = System.nanoTime();
      String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"bench/version\":\"v2\"}}}}}";
      send(HttpRequest.newBuilder(http.uri("/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + NAME))
          .header("Content-Type", "application/merge-patch+json")
          .method("PATCH", HttpRequest.BodyPublishers.ofString(patch)).build(), 200);
      Bounds bounds = new Bounds();
      Sample done = awaitComplete(deadline, bounds);
      long rollout = System.nanoTime() - updated;
      int surge = scaled(options.maxSurge(), options.replicas(), true);
      int unavailable = scaled(options.maxUnavailable(), options.replicas(), false);
      if (surge == 0 && unavailable == 0) unavailable = 1;
      return new Result(options.nodes(), options.replicas(), options.maxSurge(), options.maxUnavailable(),
          seconds(available), rate(options.replicas(), available), seconds(rollout),
          rate(options.replicas(), rollout), bounds.most, bounds.fewest == Integer.MAX_VALUE ? 0 : bounds.fewest,
          options.replicas() + surge, options.replicas() - unavailable, bounds.samples, statusWrites.get(),
          failures.get(), firstFailure, java.util.Collections.min(perNode.values()),
          java.util.Collections.max(perNode.values()), first.complete() && done.complete());
    }
  }

  record Sample(boolean complete, int replicas, int available) {}

  /** The extremes seen while sampling a rollout. */
  static final class Bounds {
    int most;
    int fewest = Integer.MAX_VALUE;
    int samples;
  }

  /** Polls the Deployment until its rollout is complete (as kubectl rollout status decides) or the deadline. */
  private Sample awaitComplete(long deadline, Bounds bounds) throws Exception {
    String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + NAME;
    Sample last = new Sample(false, 0, 0);
    while (System.nanoTime() < deadline) {
      JsonNode d = http.get(path);
      JsonNode status = d.path("status");
      int replicas = status.path("replicas").asInt();
      int available = status.path("availableReplicas").asInt();
      if (bounds != null) {
        // maxSurge bounds the ReplicaSets' replicas; maxUnavailable the pods actually serving.
        int specSum = 0;
        for (JsonNode rs : http.get("/apis/apps/v1/namespaces/" + NAMESPACE + "/replicasets").path("items")) {
          specSum += rs.path("spec").path("replicas").asInt();
        }
        bounds.samples++;
        bounds.most = Math.max(bounds.most, specSum);
        bounds.fewest = Math.min(bounds.fewest, reported.size());
      }
      boolean complete = status.path("observedGeneration").asLong() >= d.path("metadata").path("generation").asLong()
          && status.path("updatedReplicas").asInt() == options.replicas() && replicas == options.replicas()
          && available == options.replicas();
      last = new Sample(complete, replicas, available);
      if (complete) return last;
      Thread.sleep(50);
    }
    return last;
  }

  /** Reports bound pods Running and Ready, and completes deletions, as a node agent with instant containers. */
  private final class VirtualKubelet implements WatchStream.Listener {
    @Override
    public void onEvent(String type, JsonNode pod, long arrivedNanos) {
      if (!type.equals("ADDED") && !type.equals("MODIFIED")) return;
      String name = pod.path("metadata").path("name").asText();
      String node = pod.path("spec").path("nodeName").asText("");
      if (node.isEmpty()) return;
      String path = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + name;
      if (!pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
        if (reported.remove(name)) {
          kubeletWorkers.execute(() -> write(HttpRequest.newBuilder(http.uri(path))
              .header("Content-Type", "application/json")
              .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"gracePeriodSeconds\":0}")).build()));
        }
        return;
      }
      if (!reported.add(name)) return;
      ObjectNode running = pod.deepCopy();
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      ObjectNode status = running.putObject("status");
      status.put("phase", "Running").put("hostIP", "127.0.0.1").put("podIP", "127.0.0.1").put("startTime", now);
      for (String condition : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
        status.withArrayProperty("conditions").addObject().put("type", condition).put("status", "True")
            .put("lastTransitionTime", now);
      }
      status.withArrayProperty("containerStatuses").addObject().put("name", "main").put("ready", true)
          .put("restartCount", 0).put("image", "busybox").put("imageID", "").put("started", true)
          .putObject("state").putObject("running").put("startedAt", now);
      Json.object(running, "metadata").remove("resourceVersion");
      kubeletWorkers.execute(() -> write(HttpRequest.newBuilder(http.uri(path + "/status"))
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(Json.write(running))).build()));
    }

    @Override
    public void onEnd(Exception error) {
      if (error != null) fail("pod watch ended: " + error);
    }
  }

  private void write(HttpRequest request) {
    try {
      int status = client.send(request, BodyHandlers.ofString()).statusCode();
      statusWrites.incrementAndGet();
      if (status >= 300 && status != 404) fail(request.method() + " " + request.uri().getPath() + " answered " + status);
    } catch (IOException | InterruptedException e) {
      fail(e.toString());
    }
  }

  private void fail(String message) {
    failures.incrementAndGet();
    if (firstFailure == null) firstFailure = message;
  }

  private void send(HttpRequest request, int expected) throws IOException, InterruptedException {
    var response = client.send(request, BodyHandlers.ofString());
    if (response.statusCode() != expected) {
      throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  private String deployment(String version) {
    return """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},"spec":{"replicas":%d,
         "selector":{"matchLabels":{"app":"bench"}},
         "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":%s,"maxUnavailable":%s}},
         "template":{"metadata":{"labels":{"app":"bench"},"annotations":{"bench/version":"%s"}},
          "spec":{"containers":[{"name":"main","image":"busybox","command":["sleep","3600"],
           "resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}}}"""
        .formatted(NAME, options.replicas(), intOrPercent(options.maxSurge()), intOrPercent(options.maxUnavailable()),
            version);
  }

  /** An IntOrString as JSON: "25%" stays a string, 3 is a number. */
  private static String intOrPercent(String value) {
    return value.endsWith("%") ? "\"" + value + "\"" : Integer.toString(Integer.parseInt(value));
  }

  /** maxSurge/maxUnavailable as the controller resolves them. */
  static int scaled(String value, int total, boolean roundUp) {
    if (value.endsWith("%")) {
      long scaled = Long.parseLong(value.substring(0, value.length() - 1)) * total;
      return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
    }
    return Integer.parseInt(value);
  }
}
