package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three member JVMs on one PostgreSQL, started by deploy/local-cluster.sh as a user would. The oldest member (it
 * formed the cluster and holds the shard coordinator) is killed with SIGKILL: the API keeps answering on the
 * survivors with every acknowledged object and its resourceVersion; every object's entity accepts writes again
 * once the dead member is downed and its shards move (the time is measured and printed); its Node goes NotReady
 * and its pods are replaced on the others without any ReplicaSet running more pods than it asked for. Then the
 * member is started again and rejoins: it serves the same objects and runs a pod again.
 */
class MemberFailoverTest {
  static final int MEMBERS = 3;
  static final int OBJECTS = 300;
  static final Duration DEADLINE = Duration.ofSeconds(150);
  static final String NAMESPACE = "failover";
  static LocalCluster cluster;
  static Kubectl kubectl;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.available(),
        "SKIPPED: no PostgreSQL server on this host (apt-get install postgresql; .ci/run installs it)");
    // Quick failure handling for the test: the Split Brain Resolver downs an unreachable member after 4 s of
    // stable membership; a Node is lost after 6 s without heartbeats and its pods evicted 2 s later. A request that
    // went to the dead member before it was downed is lost there and answers 504 after the request timeout (30 s by
    // default; 10 s here), then is sent again.
    cluster = LocalCluster.start(LocalCluster.findScript(), MEMBERS, String.join(" ", "-Xmx384m",
        "-XX:+UseSerialGC",
        "-Dpekko.cluster.split-brain-resolver.stable-after=4s",
        "-Ddrover.api.request-timeout=10s",
        "-Ddrover.agent.heartbeat-interval=1s",
        "-Ddrover.node-lifecycle.monitor-period=1s",
        "-Ddrover.node-lifecycle.grace-period=6s",
        "-Ddrover.node-lifecycle.default-toleration=2s",
        "-Ddrover.agent.restart-backoff-initial=1s"));
    kubectl = new Kubectl(cluster.kubeconfig());
    http = cluster.adminHttpClient().connectTimeout(Duration.ofSeconds(2)).build();
    for (int i = 1; i <= MEMBERS; i++) {
      String node = "member-" + i;
      Polling.await(() -> kubectl.run("get", "node", node).stdout().contains(" Ready") ? true : null, DEADLINE,
          node + " to register");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster == null) return;
    List<Long> pids = new ArrayList<>();
    for (int i = 1; i <= MEMBERS; i++) pids.add(cluster.pid(i));
    cluster.close();
    for (long pid : pids) {
      assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "member PID " + pid + " stopped");
    }
  }

  static String api(int member) {
    return cluster.apiUrl(member);
  }

  static HttpResponse<String> send(String method, String url, String body, String contentType) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** name -> resourceVersion of every configmap in the namespace, as a member lists them. */
  static Map<String, String> configMaps(int member) throws Exception {
    HttpResponse<String> response = send("GET", api(member) + "/api/v1/namespaces/" + NAMESPACE + "/configmaps",
        null, null);
    assertEquals(200, response.statusCode(), response.body());
    Map<String, String> versions = new TreeMap<>();
    for (JsonNode item : Json.MAPPER.readTree(response.body()).path("items")) {
      // kube-root-ca.crt is every namespace's (its controller may rewrite it): the test's own objects count.
      if (item.at("/metadata/name").asText().equals("kube-root-ca.crt")) continue;
      versions.put(item.at("/metadata/name").asText(), item.at("/metadata/resourceVersion").asText());
    }
    return versions;
  }

  static JsonNode readJson(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<JsonNode> activePods() {
    try {
      List<JsonNode> pods = new ArrayList<>();
      JsonNode list = Json.MAPPER.readTree(kubectl.run("--context", "member-2", "get", "pods", "-n", NAMESPACE,
          "-l", "app=web", "-o", "json").assertOk().stdout());
      for (JsonNode pod : list.path("items")) {
        if (pod.at("/metadata/deletionTimestamp").isMissingNode()) pods.add(pod);
      }
      return pods;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The test needs pods on member-1 to see them move. The scheduler spreads a ReplicaSet's pods, but a member that
   * missed heartbeats on a loaded machine (1 s interval, 6 s grace here) is briefly NotReady and gets none. Then a
   * pod on the busiest node is deleted, as an operator would rebalance: its replacement goes to member-1, which runs
   * the fewest. The nodes' state at that moment is printed, so a recurring cause can be found.
   */
  static void ensureSomePodsOnMember1() {
    for (int attempt = 0; attempt < 5; attempt++) {
      Map<String, List<String>> byNode = new HashMap<>();
      for (JsonNode pod : activePods()) {
        byNode.computeIfAbsent(pod.at("/spec/nodeName").asText(), n -> new ArrayList<>())
            .add(pod.at("/metadata/name").asText());
      }
      if (byNode.containsKey("member-1")) return;
      System.out.println("no pod on member-1 (" + byNode + "); nodes: " + kubectl.run("--context", "member-2", "get",
          "nodes", "-o", "custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=='Ready')].status,"
          + "TAINTS:.spec.taints[*].key").stdout());
      Polling.await(() -> kubectl.run("--context", "member-2", "get", "node", "member-1").stdout().contains(" Ready")
          ? true : null, DEADLINE, "member-1 to be Ready");
      String busiest = byNode.values().stream().max(java.util.Comparator.comparingInt(List::size)).orElseThrow().get(0);
      kubectl.run("--context", "member-2", "delete", "pod", busiest, "-n", NAMESPACE, "--wait=false").assertOk();
      kubectl.run("--context", "member-2", "rollout", "status", "deployment/web", "-n", NAMESPACE, "--timeout=120s")
          .assertOk();
      Polling.await(() -> {
        List<JsonNode> active = activePods();
        return active.size() == 6 && active.stream().noneMatch(p -> p.at("/spec/nodeName").asText().isEmpty())
            ? true : null;
      }, DEADLINE, "6 scheduled pods");
    }
    throw new AssertionError("member-1 runs none of the pods: " + activePods().stream()
        .map(p -> p.at("/metadata/name").asText() + "@" + p.at("/spec/nodeName").asText()).toList());
  }

  @Test
  void killingTheOldestMemberLosesNothingAndItsWorkMovesToTheOthersThenItRejoins() throws Exception {
    kubectl.run("create", "namespace", NAMESPACE).assertOk();
    for (int i = 0; i < OBJECTS; i++) {
      // Spread over the members' APIs: every write is acknowledged (201) before the kill.
      HttpResponse<String> created = send("POST", api(1 + i % MEMBERS) + "/api/v1/namespaces/" + NAMESPACE
          + "/configmaps", "{\"metadata\":{\"name\":\"cm-" + i + "\"},\"data\":{\"i\":\"" + i + "\"}}",
          "application/json");
      assertEquals(201, created.statusCode(), created.body());
    }
    kubectl.run("--context", "member-2", "create", "deployment", "web", "-n", NAMESPACE, "--image=busybox",
        "--replicas=6", "--", "sleep", "3600").assertOk();
    kubectl.run("--context", "member-2", "rollout", "status", "deployment/web", "-n", NAMESPACE, "--timeout=120s")
        .assertOk();
    Map<String, String> acknowledged = configMaps(2);
    assertEquals(OBJECTS, acknowledged.size());
    ensureSomePodsOnMember1();

    // member-1 formed the cluster: the oldest member, where the shard coordinator runs.
    long killedAt = System.nanoTime();
    cluster.kill(1);

    // The survivors answer at once, with every acknowledged object and its resourceVersion.
    assertEquals(acknowledged, configMaps(2), "member-2 lists everything acknowledged");
    assertEquals(acknowledged, configMaps(3), "member-3 lists everything acknowledged");

    // Every object's entity answers again: a write to each succeeds (entities of the dead member's shards recover
    // on the survivors once it is downed). All writes are in flight at once, so the time is the failover's, not
    // the test's; a write that fails or times out is sent again.
    Set<String> pending = new LinkedHashSet<>(acknowledged.keySet());
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    long lastWritten = killedAt;
    int round = 0;
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      int member = 2 + (round++ % 2);
      Map<String, java.util.concurrent.CompletableFuture<Long>> writes = new HashMap<>();
      for (String name : pending) {
        HttpRequest patch = HttpRequest.newBuilder(URI.create(api(member) + "/api/v1/namespaces/" + NAMESPACE
                + "/configmaps/" + name)).timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/merge-patch+json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"labels\":{\"survived\":\"yes\"}}}"))
            .build();
        writes.put(name, http.sendAsync(patch, HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> r.statusCode() == 200 ? System.nanoTime() : -1L)
            .exceptionally(error -> -1L));
      }
      for (var write : writes.entrySet()) {
        long at = write.getValue().join();
        if (at > 0) {
          pending.remove(write.getKey());
          lastWritten = Math.max(lastWritten, at);
        }
      }
    }
    double entitiesBackSeconds = (lastWritten - killedAt) / 1e9;
    assertTrue(pending.isEmpty(), pending.size() + " objects still refuse writes: " + pending.stream().limit(5).toList());
    System.out.printf("failover: every one of %d objects writable again %.1f s after SIGKILL of the oldest member%n",
        OBJECTS, entitiesBackSeconds);
    Map<String, String> after = configMaps(2);
    assertEquals(acknowledged.keySet(), after.keySet(), "no object lost or added");

    // Its Node is lost and its pods are replaced elsewhere, never more pods than asked for.
    Polling.await(() -> kubectl.run("--context", "member-2", "get", "node", "member-1").stdout().contains("NotReady")
        ? true : null, DEADLINE, "member-1 to be NotReady");
    int[] most = {0};
    Polling.await(() -> {
      List<JsonNode> active = activePods();
      most[0] = Math.max(most[0], active.size());
      boolean replaced = active.size() == 6 && active.stream().allMatch(p ->
          !p.at("/spec/nodeName").asText().equals("member-1") && p.at("/status/phase").asText().equals("Running"));
      return replaced ? true : null;
    }, DEADLINE, "6 running pods on member-2 and member-3");
    assertTrue(most[0] <= 6, "at most 6 pods at any sample, saw " + most[0]);
    // The ReplicaSet's status follows its pods (level-triggered: the next poke or resync writes it), and a status
    // write can be lost while the dead member's shards move, so it is awaited rather than read once.
    Polling.await(() -> {
      JsonNode rs = readJson(kubectl.run("--context", "member-2", "get", "rs", "-n", NAMESPACE, "-l", "app=web",
          "-o", "json").assertOk().stdout()).path("items");
      assertEquals(1, rs.size(), "one ReplicaSet");
      return rs.get(0).at("/status/replicas").asInt() == 6 && rs.get(0).at("/status/readyReplicas").asInt() == 6
          ? true : null;
    }, DEADLINE, "the ReplicaSet's status to count 6 ready replicas");
    assertTrue(activePods().size() <= 6, "never more than 6 pods");
    System.out.printf("failover: member-1's pods running elsewhere %.1f s after the kill%n",
        (System.nanoTime() - killedAt) / 1e9);

    // Started again, it rejoins: serves the same objects and runs a pod on its node.
    long restartedAt = System.nanoTime();
    cluster.up();
    Polling.await(() -> kubectl.run("get", "node", "member-1").stdout().contains(" Ready") ? true : null, DEADLINE,
        "member-1 Ready again");
    Polling.await(() -> {
      try {
        return configMaps(1).equals(configMaps(2)) ? true : null;
      } catch (Exception e) {
        return null;
      }
    }, DEADLINE, "member-1 to list what the others list");
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: back, namespace: failover}
        spec:
          nodeName: member-1
          containers:
          - {name: main, image: busybox, command: ["sleep", "3600"]}
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "back", "-n", NAMESPACE, "-o", "jsonpath={.status.phase}")
        .stdout().equals("Running") ? true : null, DEADLINE, "a pod on the rejoined member to run");
    System.out.printf("failover: member-1 rejoined and ran a pod %.1f s after it was started again%n",
        (System.nanoTime() - restartedAt) / 1e9);
  }
}
