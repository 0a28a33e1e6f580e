package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The admin endpoint of a member on its own free port: cluster membership, shard regions, journal health, versions
 * and Prometheus metrics after real kubectl traffic. The last test adds a second member, so the one-member views
 * are checked first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminEndpointTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static final HttpClient HTTP = TestServers.http().connectTimeout(Duration.ofSeconds(10)).build();
  static TestServers.Member memberA;
  static TestServers.Member memberB;

  @BeforeAll
  static void start() throws Exception {
    memberA = TestServers.startMember(Map.of("drover.agent.node-name", "admin-a"));
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(memberA, memberB);
  }

  @Test
  @Order(1)
  void apiRequestsJournalWritesObjectsAndSchedulingShowInPrometheusMetrics() {
    Kubectl kubectl = memberA.kubectl();
    kubectl.run("create", "namespace", "admin-test").assertOk();
    kubectl.run("create", "configmap", "settings", "-n", "admin-test", "--from-literal=a=b").assertOk();
    kubectl.run("get", "configmap", "settings", "-n", "admin-test").assertOk();
    kubectl.run("get", "configmaps", "-n", "admin-test").assertOk();

    HttpResponse<String> response = get(memberA, "/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        response.headers().toString());
    List<Sample> samples = parsePrometheusText(response.body());

    assertTrue(sum(samples, "drover_apiserver_request_total",
        Map.of("verb", "create", "resource", "configmaps", "code", "201")) >= 1, response.body());
    assertTrue(sum(samples, "drover_apiserver_request_total", Map.of("verb", "get", "resource", "configmaps")) >= 1);
    assertTrue(sum(samples, "drover_apiserver_request_total", Map.of("verb", "list", "resource", "configmaps")) >= 1);
    assertTrue(sum(samples, "drover_apiserver_request_total", Map.of("verb", "create", "resource", "namespaces")) >= 1);
    // The duration histogram: buckets up to +Inf, whose count is the number of requests.
    Map<String, String> createConfigMaps = Map.of("verb", "create", "resource", "configmaps");
    double inf = sum(samples, "drover_apiserver_request_duration_seconds_bucket",
        with(createConfigMaps, "le", "+Inf"));
    assertTrue(inf >= 1, response.body());
    assertEquals(inf, sum(samples, "drover_apiserver_request_duration_seconds_count", createConfigMaps));
    assertTrue(matching(samples, "drover_apiserver_request_duration_seconds_bucket", createConfigMaps).size() > 2);
    // Objects by kind in the read side: the built-in namespaces and ours, our ConfigMap.
    assertTrue(sum(samples, "drover_entities", Map.of("kind", "Namespace")) >= 5, response.body());
    assertTrue(sum(samples, "drover_entities", Map.of("kind", "ConfigMap")) >= 1);
    for (String phase : List.of("Pending", "Running", "Succeeded", "Failed", "Unknown")) {
      assertEquals(1, matching(samples, "drover_pods", Map.of("phase", phase)).size(), phase);
    }
    assertTrue(sum(samples, "drover_journal_write_duration_seconds_count", Map.of()) > 0);
    assertTrue(sum(samples, "drover_journal_write_duration_seconds_sum", Map.of()) > 0);

    // A pod for the scheduler: one scheduled attempt, and the pod counted by its phase.
    TestServers.awaitNode(kubectl, DEADLINE);
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: sleeper, namespace: admin-test}
        spec:
          containers:
          - {name: main, image: busybox, command: ["sleep", "3600"]}
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> {
      List<Sample> now = parsePrometheusText(get(memberA, "/metrics").body());
      return sum(now, "drover_scheduler_attempts_total", Map.of("result", "scheduled")) >= 1
          && sum(now, "drover_scheduler_scheduling_duration_seconds_count", Map.of("result", "scheduled")) >= 1
          && sum(now, "drover_pods", Map.of()) >= 1;
    }, DEADLINE, "a scheduled attempt and the pod in drover_pods");
  }

  @Test
  @Order(2)
  void clusterMembersListsThisMemberUpWithItsRolesAsLeaderAndOldest() throws Exception {
    String self = Cluster.get(memberA.server().system()).selfMember().address().toString();
    HttpResponse<String> response = get(memberA, "/cluster/members");
    assertEquals(200, response.statusCode());
    JsonNode members = Json.MAPPER.readTree(response.body());
    assertEquals(self, members.path("selfNode").asText());
    assertEquals("Up", members.path("selfStatus").asText());
    assertEquals(self, members.path("leader").asText());
    assertEquals(self, members.path("oldest").asText());
    assertEquals(self, members.path("oldestPerRole").path("control-plane").asText(), response.body());
    assertEquals(self, members.path("oldestPerRole").path("worker").asText());
    assertEquals(self, members.path("roleLeaders").path("control-plane").asText());
    assertEquals(1, members.path("members").size(), response.body());
    JsonNode member = members.path("members").get(0);
    assertEquals(self, member.path("node").asText());
    assertEquals("Up", member.path("status").asText());
    assertEquals(List.of("control-plane", "worker"), texts(member.path("roles")));
    assertEquals("default", member.path("dataCenter").asText());
    assertTrue(member.path("reachable").asBoolean());
    assertEquals(0, members.path("unreachable").size());
  }

  @Test
  @Order(3)
  void clusterShardsShowTheObjectEntitiesInThisMembersRegion() throws Exception {
    String self = Cluster.get(memberA.server().system()).selfMember().address().toString();
    HttpResponse<String> response = get(memberA, "/cluster/shards");
    assertEquals(200, response.statusCode());
    JsonNode shards = Json.MAPPER.readTree(response.body());
    List<String> types = new ArrayList<>();
    shards.path("entityTypes").forEach(t -> types.add(t.path("name").asText()));
    assertTrue(types.containsAll(List.of("Object", "NodeAllocation")), types.toString());
    JsonNode objects = entityType(shards, "Object");
    assertTrue(objects.path("entities").asLong() > 0, response.body());
    assertEquals(1, objects.path("regions").size(), response.body());
    JsonNode region = objects.path("regions").get(0);
    assertEquals(self, region.path("node").asText());
    assertTrue(region.path("shards").size() > 0);
    long entities = 0;
    for (JsonNode shard : region.path("shards")) entities += shard.path("entities").asLong();
    assertEquals(objects.path("entities").asLong(), entities);
  }

  @Test
  @Order(4)
  void journalHealthVersionReadinessAndErrors() throws Exception {
    HttpResponse<String> health = get(memberA, "/journal/health");
    assertEquals(200, health.statusCode(), health.body());
    JsonNode journal = Json.MAPPER.readTree(health.body());
    assertTrue(journal.path("healthy").asBoolean());
    assertTrue(journal.path("latencySeconds").asDouble() > 0);

    JsonNode version = Json.MAPPER.readTree(get(memberA, "/version").body());
    assertTrue(version.path("drover").asText().matches("\\d+\\.\\d+\\.\\d+.*"), version.toString());
    assertEquals(org.apache.pekko.Version.current(), version.path("pekko").asText());
    assertEquals(Runtime.version().toString(), version.path("java").asText());

    // On the API port: Kubernetes' health endpoints, readiness with its checks.
    assertEquals("ok", apiGet(memberA, "/readyz").body());
    HttpResponse<String> verbose = apiGet(memberA, "/readyz?verbose");
    assertEquals(200, verbose.statusCode());
    assertTrue(verbose.body().contains("[+]cluster-member ok") && verbose.body().contains("[+]journal ok")
        && verbose.body().endsWith("readyz check passed"), verbose.body());
    assertEquals("ok", apiGet(memberA, "/livez").body());
    assertEquals("ok", apiGet(memberA, "/healthz").body());

    assertEquals(404, get(memberA, "/nothing-here").statusCode());
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(memberA.server().adminUrl() + "/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertNotEquals(memberA.server().apiAddress().getPort(), memberA.server().adminAddress().getPort());
  }

  @Test
  @Order(5)
  void aSecondMemberAppearsInBothMembersViewsWithItsOwnRegion() throws Exception {
    memberB = TestServers.joinMember(memberA, Map.of("drover.agent.node-name", "admin-b"));
    String a = Cluster.get(memberA.server().system()).selfMember().address().toString();
    String b = Cluster.get(memberB.server().system()).selfMember().address().toString();
    for (TestServers.Member member : List.of(memberA, memberB)) {
      Polling.await(() -> {
        JsonNode members = json(get(member, "/cluster/members"));
        Set<String> up = new HashSet<>();
        members.path("members").forEach(m -> {
          if (m.path("status").asText().equals("Up")) up.add(m.path("node").asText());
        });
        return up.equals(Set.of(a, b)) && members.path("oldest").asText().equals(a);
      }, DEADLINE, "both members Up in " + member.server().adminUrl() + "/cluster/members");
      Polling.await(() -> {
        Set<String> regions = new HashSet<>();
        entityType(json(get(member, "/cluster/shards")), "Object").path("regions")
            .forEach(r -> regions.add(r.path("node").asText()));
        return regions.equals(Set.of(a, b));
      }, DEADLINE, "both members' Object regions in " + member.server().adminUrl() + "/cluster/shards");
    }
    // Each member has its own registry: B served no API request, so it counted none of A's.
    List<Sample> metricsOfB = parsePrometheusText(get(memberB, "/metrics").body());
    assertEquals(0, sum(metricsOfB, "drover_apiserver_request_total", Map.of("resource", "configmaps")));
    assertFalse(matching(metricsOfB, "drover_entities", Map.of("kind", "ConfigMap")).isEmpty());
  }

  // --- helpers ---

  static HttpResponse<String> get(TestServers.Member member, String path) {
    return send(member.server().adminUrl() + path);
  }

  static HttpResponse<String> apiGet(TestServers.Member member, String path) {
    return send(member.server().apiUrl() + path);
  }

  private static HttpResponse<String> send(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("GET " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    assertEquals(200, response.statusCode(), response.body());
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(response.body(), e);
    }
  }

  static JsonNode entityType(JsonNode shards, String name) {
    for (JsonNode type : shards.path("entityTypes")) {
      if (type.path("name").asText().equals(name)) return type;
    }
    throw new AssertionError("no entity type " + name + " in " + shards);
  }

  static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(t -> texts.add(t.asText()));
    return texts;
  }

  static Map<String, String> with(Map<String, String> labels, String name, String value) {
    Map<String, String> all = new HashMap<>(labels);
    all.put(name, value);
    return all;
  }

  /** One sample line of the Prometheus text format. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
  private static final Pattern TYPE = Pattern.compile(
      "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

  /**
   * Parses the text format (version 0.0.4) strictly enough to fail on a malformed line: every line is HELP, TYPE
   * or a sample of a family that a TYPE line declared, with well-formed labels and a number.
   */
  static List<Sample> parsePrometheusText(String text) {
    Set<String> families = new HashSet<>();
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("# HELP ")) continue;
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        families.add(type.group(1));
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      assertTrue(sample.matches(), "not a sample line: " + line);
      String name = sample.group(1);
      assertTrue(families.contains(name) || families.contains(name.replaceAll("_(bucket|count|sum|total)$", "")),
          "a sample without its TYPE line: " + line);
      Map<String, String> labels = new HashMap<>();
      String labelText = sample.group(2) == null ? "" : sample.group(2);
      Matcher label = LABEL.matcher(labelText);
      int end = 0;
      while (label.find() && label.start() == end) {
        labels.put(label.group(1), label.group(2));
        end = label.end();
      }
      assertEquals(labelText.length(), end, "malformed labels: " + line);
      samples.add(new Sample(name, labels, parseValue(sample.group(3))));
    }
    return samples;
  }

  private static double parseValue(String value) {
    return switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }

  static List<Sample> matching(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  static double sum(List<Sample> samples, String name, Map<String, String> labels) {
    return matching(samples, name, labels).stream().mapToDouble(Sample::value).sum();
  }
}
