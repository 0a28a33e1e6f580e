package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.server.LocalCluster;
import io.drover.server.LocalPostgres;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code drover bench failover}: what losing a member costs, and what PostgreSQL costs against H2.
 *
 * <ol>
 *   <li>API create throughput on the H2 file journal and on PostgreSQL, one after the other in this run (the API
 *       benchmark, an in-process member each).
 *   <li>Failover: M member JVMs on one PostgreSQL (deploy/local-cluster.sh), N objects (ConfigMaps, an entity each)
 *       written through them; a write to every object as a baseline; then the oldest member (it holds the shard
 *       coordinator) is killed with SIGKILL, and every object is written again until all succeed. The failover
 *       time runs from the kill to the last object accepting its write: the entities of the dead member's shards
 *       answer again on the survivors. It includes the time to write N objects at all, which the healthy pass
 *       shows. The members' request timeout is short (a request lost with the dead member is answered 504 and sent
 *       again). The list through a survivor right after the kill must hold every object.
 * </ol>
 */
public final class FailoverBenchmark {
  static final String NAMESPACE = "bench-failover";
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  public record Options(int members, int entities, int clients, Duration stableAfter, int compareCount,
      Duration deadline, Path json) {
    public Options {
      if (members < 3 || entities < 1 || clients < 1 || compareCount < 0) {
        throw new IllegalArgumentException("members must be 3 or more (a majority must survive one loss), "
            + "entities and clients positive, compare-count not negative");
      }
    }

    public static Options defaults() {
      return new Options(3, 10_000, 32, Duration.ofSeconds(20), 5_000, Duration.ofMinutes(10), null);
    }

    /**
     * Parses {@code --members M --entities N --clients C --stable-after SECONDS --compare-count N --deadline SECONDS
     * --json FILE}.
     */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args, List.of("--members", "--entities", "--clients", "--stable-after", "--compare-count",
          "--deadline", "--json"));
      return new Options(a.integer("--members", d.members()), a.integer("--entities", d.entities()),
          a.integer("--clients", d.clients()), a.seconds("--stable-after", d.stableAfter()),
          a.integer("--compare-count", d.compareCount()), a.seconds("--deadline", d.deadline()), a.path("--json"));
    }
  }

  /**
   * The figures. Failover: from the SIGKILL to the last object writable again; delayed: objects whose write after the
   * kill waited more than a second (about those on the dead member's shards).
   */
  public record Result(ApiBenchmark.Result h2, ApiBenchmark.Result postgres, int members, int entities,
      double stableAfterSeconds, double createSeconds, double baselineWriteSeconds, double listAfterKillMs,
      int listedAfterKill, double failoverSeconds, int delayedObjects, int unwritable, int lostObjects)
      implements Bench.Result {

    public double postgresToH2CreateRatio() {
      return h2 == null || postgres == null || h2.createsPerSecond() == 0 ? 0
          : postgres.createsPerSecond() / h2.createsPerSecond();
    }

    @Override
    public boolean correct() {
      return (h2 == null || h2.correct()) && (postgres == null || postgres.correct()) && listedAfterKill == entities
          && unwritable == 0 && lostObjects == 0;
    }

    @Override
    public String report() {
      String journals = h2 == null ? "" : String.format("""
          Journals, same run (%d ConfigMap creates, %d clients, one in-process member):
            H2 file     %.1f creates/s  p50 %.2f ms  p99 %.2f ms
            PostgreSQL  %.1f creates/s  p50 %.2f ms  p99 %.2f ms
            PostgreSQL / H2 throughput %.2f
          """, h2.count(), h2.clients(), h2.createsPerSecond(), h2.createP50Ms(), h2.createP99Ms(),
          postgres.createsPerSecond(), postgres.createP50Ms(), postgres.createP99Ms(), postgresToH2CreateRatio());
      return journals + String.format("""
          Failover: %d member JVMs on PostgreSQL, %d objects, SIGKILL of the oldest member (stable-after %.0f s)
            created in %.2f s; a write to every object (healthy) %.2f s
            list through a survivor right after the kill: %d of %d objects in %.1f ms
            kill -> every object writable again  %.2f s  (%d objects waited over 1 s; %d never writable; %d lost)""",
          members, entities, stableAfterSeconds, createSeconds, baselineWriteSeconds, listedAfterKill, entities,
          listAfterKillMs, failoverSeconds, delayedObjects, unwritable, lostObjects);
    }
  }

  public static Result run(Options options) throws Exception {
    ApiBenchmark.Result h2 = null;
    ApiBenchmark.Result postgres = null;
    if (options.compareCount() > 0) {
      Bench.progress("API creates on the H2 file journal");
      h2 = ApiBenchmark.run(compare(options, "h2"));
      Bench.progress("API creates on PostgreSQL");
      postgres = ApiBenchmark.run(compare(options, "postgres"));
    }
    if (!LocalPostgres.available()) throw new IllegalStateException("the failover run needs PostgreSQL installed");
    Bench.progress("starting %d member JVMs on PostgreSQL", options.members());
    String javaOpts = String.join(" ", "-Xmx768m",
        "-Dpekko.cluster.split-brain-resolver.stable-after=" + options.stableAfter().toSeconds() + "s",
        // No node agents: the run measures the control plane's entities.
        "-Dpekko.cluster.roles.0=control-plane",
        // A request that reached the dead member before it was downed is lost there: it answers 504 after this
        // (Drover's default is 30 s) and is sent again, so the run sees the entity back within a few seconds.
        "-Ddrover.api.request-timeout=" + REQUEST_TIMEOUT.toSeconds() + "s");
    try (LocalCluster cluster = LocalCluster.start(LocalCluster.findScript(), options.members(), javaOpts)) {
      return failover(options, cluster, h2, postgres);
    }
  }

  private static ApiBenchmark.Options compare(Options options, String journal) {
    return new ApiBenchmark.Options(options.compareCount(), 32, 1, 200, options.deadline(), journal, null, null);
  }

  private static Result failover(Options options, LocalCluster cluster, ApiBenchmark.Result h2,
      ApiBenchmark.Result postgres) throws Exception {
    int n = options.entities();
    List<BenchHttp> members = new ArrayList<>();
    javax.net.ssl.SSLContext admin = cluster.adminHttpClient().build().sslContext();
    for (int i = 1; i <= options.members(); i++) {
      members.add(new BenchHttp(cluster.apiUrl(i), admin, Duration.ofSeconds(60)));
    }
    BenchHttp survivor = members.get(1);
    survivor.createNamespace(NAMESPACE);
    String collection = "/api/v1/namespaces/" + NAMESPACE + "/configmaps";
    Bench.progress("creating %d ConfigMaps through the %d members", n, options.members());
    // A create that timed out (a busy machine) may still have happened: 409 on the retry is as good as 201.
    BenchHttp.Batch created = survivor.send(n, options.clients(), i -> members.get(i % members.size())
        .post(collection, "{\"metadata\":{\"name\":\"cm-" + i + "\"},\"data\":{\"i\":\"" + i + "\"}}"),
        status -> status == 201 || status == 409);
    double createSeconds = created.wallNanos() / 1e9;
    for (int retry = 0; retry < 3 && created.failures() > 0; retry++) {
      Bench.progress("%d creates failed (first: %s); sending them again", created.failures(), created.firstFailure());
      BenchHttp.Batch failed = created;
      created = survivor.send(n, options.clients(), i -> failed.accepted()[i] ? null : members.get(i % members.size())
          .post(collection, "{\"metadata\":{\"name\":\"cm-" + i + "\"},\"data\":{\"i\":\"" + i + "\"}}"),
          status -> status == 201 || status == 409);
    }
    if (created.failures() > 0) throw new IllegalStateException("creates failed: " + created.firstFailure());
    Bench.progress("a write to every object while all members are up");
    BenchHttp.Batch baseline = survivor.send(n, options.clients(), i -> patch(survivor, collection, i, "before"),
        status -> status == 200);
    if (baseline.failures() > 0) throw new IllegalStateException("writes failed: " + baseline.firstFailure());

    Bench.progress("SIGKILL to member-1 (the oldest)");
    long killedAt = System.nanoTime();
    cluster.kill(1);
    long listStart = System.nanoTime();
    JsonNode list = survivor.get(collection);
    double listMs = (System.nanoTime() - listStart) / 1e6;
    // The benchmark's own objects (the namespace also holds its kube-root-ca.crt).
    int listed = 0;
    for (JsonNode item : list.path("items")) {
      if (item.at("/metadata/name").asText().startsWith("cm-")) listed++;
    }

    Set<Integer> pending = new HashSet<>();
    for (int i = 0; i < n; i++) pending.add(i);
    long lastWritten = killedAt;
    int delayed = 0;
    long deadline = System.nanoTime() + options.deadline().toNanos();
    for (int r = 0; !pending.isEmpty() && System.nanoTime() < deadline; r++) {
      List<Integer> round = new ArrayList<>(pending);
      BenchHttp writer = members.get(1 + r % (members.size() - 1)); // the survivors in turn
      BenchHttp.Batch writes = writer.send(round.size(), options.clients(),
          k -> patch(writer, collection, round.get(k), "after"), status -> status == 200);
      for (int k = 0; k < round.size(); k++) {
        if (!writes.accepted()[k]) continue; // timed out or refused while its shard moved: sent again
        lastWritten = Math.max(lastWritten, writes.sentAt()[k] + writes.latencies()[k]);
        if (writes.latencies()[k] > 1_000_000_000L) delayed++;
        pending.remove(round.get(k));
      }
      Bench.progress("%d objects not yet writable", pending.size());
    }
    JsonNode after = survivor.get(collection);
    Set<String> names = new HashSet<>();
    after.path("items").forEach(item -> names.add(item.at("/metadata/name").asText()));
    int lost = 0;
    for (int i = 0; i < n; i++) if (!names.contains("cm-" + i)) lost++;
    return new Result(h2, postgres, options.members(), n, options.stableAfter().toSeconds(),
        createSeconds, baseline.wallNanos() / 1e9, listMs, listed, (lastWritten - killedAt) / 1e9,
        delayed, pending.size(), lost);
  }

  private static HttpRequest patch(BenchHttp member, String collection, int i, String value) {
    return HttpRequest.newBuilder(member.uri(collection + "/cm-" + i)).timeout(REQUEST_TIMEOUT.multipliedBy(2))
        .header("Content-Type", "application/merge-patch+json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(
            "{\"metadata\":{\"labels\":{\"failover\":\"" + value + "\"}}}"))
        .build();
  }
}
