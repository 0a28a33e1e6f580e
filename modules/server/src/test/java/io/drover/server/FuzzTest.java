package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz run against one member: thousands of mutated manifests (POST, PUT), patches of every type, odd paths
 * and query parameters and hostile bodies. The server must never answer 5xx, objects it did not accept must not
 * change (a set of kept objects is compared before and after), every object it holds must still read back, and it
 * must answer promptly throughout and after. The seed is fixed: a failure reproduces.
 */
class FuzzTest {
  static final long SEED = 20261206L;
  static final int REQUESTS = 3000;
  static final String NS = "fuzz";

  static Path dataDir;
  static DroverServer server;
  static String api;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir, Map.of("drover.api.max-body-bytes", 64 * 1024));
    api = server.apiUrl();
    send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"" + NS + "\"}}");
    send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"kept\"}}");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  record Sent(String method, String path, String contentType, String body) {
    @Override
    public String toString() {
      String shown = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
      return method + " " + path + " [" + contentType + "] " + shown;
    }
  }

  static HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
    return RawApi.send(api, method, path, contentType, body);
  }

  /** Valid manifests of several kinds, the material the mutations start from. */
  static final List<String> MANIFESTS = List.of(
      """
      {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","labels":{"a":"b"}},"data":{"k":"v","n":"1"}}""",
      """
      {"apiVersion":"v1","kind":"Secret","metadata":{"name":"sec"},"type":"Opaque","data":{"p":"cGFzcw=="}}""",
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod"},"spec":{"nodeName":"nowhere","containers":[
      {"name":"c","image":"busybox","command":["sleep","1"],"ports":[{"containerPort":80}],
      "resources":{"requests":{"cpu":"10m","memory":"1Mi"}},"env":[{"name":"A","value":"1"}]}]}}""",
      """
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"dep"},"spec":{"replicas":0,
      "selector":{"matchLabels":{"app":"x"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}},
      "template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}""",
      """
      {"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"selector":{"app":"x"},
      "ports":[{"port":80,"targetPort":"http","protocol":"TCP"}]}}""",
      """
      {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"job"},"spec":{"suspend":true,"template":{"spec":{
      "restartPolicy":"Never","containers":[{"name":"c","image":"busybox","command":["true"]}]}}}}""");

  static final Map<String, String> COLLECTIONS = Map.of(
      "ConfigMap", "/api/v1/namespaces/" + NS + "/configmaps",
      "Secret", "/api/v1/namespaces/" + NS + "/secrets",
      "Pod", "/api/v1/namespaces/" + NS + "/pods",
      "Deployment", "/apis/apps/v1/namespaces/" + NS + "/deployments",
      "Service", "/api/v1/namespaces/" + NS + "/services",
      "Job", "/apis/batch/v1/namespaces/" + NS + "/jobs");

  static final String[] JUNK = {"null", "true", "-1", "1e309", "\"\"", "[]", "{}", "\"x\"", "9223372036854775808",
      "\"\\u0000\"", "\"../../etc/passwd\"", "[[[[[[[[]]]]]]]]", "{\"$ref\":1}", "\"\uD800\"", "0.5", "\"-1\"",
      "{\"metadata\":null}", "\"" + "a".repeat(300) + "\"", "\"1Gi\"", "\"-5m\"", "\"99999999999999Ei\""};

  static final String[] PATH_PARTS = {"..", "%2e%2e", "..%2f..%2fsecrets", "%00", "a%2Fb", "UPPER", "-x", "x-",
      "a".repeat(300), "pods", "log", "exec", "status", "scale", "eviction", "%", "%zz", "~", "*", " ", ".", "_",
      "cm", "pod", "default", NS, "kube-system", "v1", "apps", "v2", "watch", "proxy", "attach", "portforward"};

  static final String[] QUERIES = {"watch=maybe", "limit=-1", "limit=abc", "continue=%00", "resourceVersion=abc",
      "resourceVersion=-1", "labelSelector=((", "labelSelector=a%20in%20(", "fieldSelector=junk",
      "fieldSelector=metadata.name==x,", "timeoutSeconds=-5", "container=../../etc/passwd", "tailLines=-3",
      "sinceSeconds=abc", "follow=1", "command=ls&command=..", "dryRun=Maybe", "fieldManager=%00",
      "fieldValidation=Weird", "propagationPolicy=Sideways", "gracePeriodSeconds=-100", "pretty=2",
      "allowWatchBookmarks=xyz", "sendInitialEvents=true", "resourceVersionMatch=Bogus", "orphanDependents=3"};

  /** One mutation of a manifest: type changes, structure damage, byte damage, or hostile shapes. */
  static String mutate(String manifest, Random random) {
    String s = manifest.replace("\n", "");
    switch (random.nextInt(9)) {
      case 0 -> { // a value replaced by junk of another type
        List<int[]> values = valueSpans(s);
        int[] span = values.get(random.nextInt(values.size()));
        s = s.substring(0, span[0]) + JUNK[random.nextInt(JUNK.length)] + s.substring(span[1]);
      }
      case 1 -> { // a byte flipped
        char[] chars = s.toCharArray();
        chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
        s = new String(chars);
      }
      case 2 -> { // truncated
        s = s.substring(0, random.nextInt(s.length()));
      }
      case 3 -> { // deeply nested
        int depth = 1 + random.nextInt(20000);
        s = s.replace("\"data\":{", "\"data\":{\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + ",")
            .replace("\"spec\":{", "\"spec\":{\"deep\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + ",");
      }
      case 4 -> { // a key duplicated or renamed to something odd
        s = s.replaceFirst("\"name\":", random.nextBoolean() ? "\"name\":\"dup\",\"name\":" : "\"n\\u0061me\":");
      }
      case 5 -> { // a huge string
        s = s.replaceFirst("\"v\"|\"busybox\"|\"x\"", "\"" + "z".repeat(1 + random.nextInt(100_000)) + "\"");
      }
      case 6 -> { // a name that tries to escape
        String[] names = {"../x", "a/b", "..", ".", "x%2F..", "-", "A", "a".repeat(300), "\u00e9t\u00e9", "a\u0000b"};
        s = s.replaceFirst("\"name\":\"[a-z]+\"", "\"name\":" + Json.MAPPER.valueToTree(
            names[random.nextInt(names.length)]));
      }
      case 7 -> { // a random JSON value spliced in
        int at = random.nextInt(s.length());
        s = s.substring(0, at) + JUNK[random.nextInt(JUNK.length)] + s.substring(at);
      }
      default -> { // several value changes at once
        for (int i = 0; i < 3; i++) s = mutate(s, random);
      }
    }
    return s;
  }

  /** Where the scalar values of a JSON text are (after a colon), roughly: enough to replace them. */
  static List<int[]> valueSpans(String s) {
    List<int[]> spans = new ArrayList<>();
    for (int i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) {
      int start = i + 1;
      if (start >= s.length()) break;
      char c = s.charAt(start);
      int end;
      if (c == '"') {
        end = s.indexOf('"', start + 1) + 1;
      } else if (c == '{' || c == '[') {
        continue;
      } else {
        end = start;
        while (end < s.length() && ",}]".indexOf(s.charAt(end)) < 0) end++;
      }
      if (end > start) spans.add(new int[] {start, end});
    }
    if (spans.isEmpty()) spans.add(new int[] {0, 0});
    return spans;
  }

  static String yamlBomb(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> RawApi.ALIAS_BOMB;
      case 1 -> "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[".repeat(30000);
      default -> "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tags}\ndata: !!java.net.URL [\"http://x\"]\n";
    };
  }

  @Test
  void thousandsOfMutatedRequestsNeverGet5xxAndLeaveKeptObjectsIntact() throws Exception {
    // Objects the fuzzer never targets: they must come out exactly as they went in.
    send("POST", "/api/v1/namespaces/kept/configmaps", "application/json",
        "{\"metadata\":{\"name\":\"kept\"},\"data\":{\"k\":\"v\"}}");
    send("POST", "/api/v1/namespaces/kept/secrets", "application/json",
        "{\"metadata\":{\"name\":\"kept\"},\"data\":{\"p\":\"cGFzcw==\"}}");
    String keptConfigMap = send("GET", "/api/v1/namespaces/kept/configmaps/kept", null, null).body();
    String keptSecret = send("GET", "/api/v1/namespaces/kept/secrets/kept", null, null).body();
    // Targets of patches and updates: one valid object per kind.
    for (String manifest : MANIFESTS) {
      String kind = Json.MAPPER.readTree(manifest).path("kind").asText();
      assertTrue(send("POST", COLLECTIONS.get(kind), "application/json", manifest).statusCode() < 300, kind);
    }

    Random random = new Random(SEED);
    List<String> failures = new ArrayList<>();
    Map<Integer, Integer> codes = new java.util.TreeMap<>();
    java.util.TreeMap<Long, String> slowest = new java.util.TreeMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      Sent sent = next(random);
      long started = System.nanoTime();
      HttpResponse<String> response;
      try {
        response = send(sent.method(), sent.path(), sent.contentType(), sent.body());
      } catch (java.io.IOException e) {
        failures.add("#" + i + " no answer (" + e + "): " + sent);
        continue;
      } catch (IllegalArgumentException unsendable) {
        codes.merge(0, 1, Integer::sum); // a path Java's HTTP client itself refuses (bad escape): not sent
        continue;
      }
      long took = System.nanoTime() - started;
      slowest.put(took, "#" + i + " " + response.statusCode() + " " + abbreviate(sent.toString()));
      if (slowest.size() > 3) slowest.pollFirstEntry();
      codes.merge(response.statusCode(), 1, Integer::sum);
      if (response.statusCode() >= 500) {
        failures.add("#" + i + " " + response.statusCode() + " " + abbreviate(response.body()) + " <- " + sent);
      } else if (response.statusCode() >= 400 && !isStatus(response.body())) {
        failures.add("#" + i + " " + response.statusCode() + " without a Status body: " + abbreviate(response.body())
            + " <- " + sent);
      }
    }
    System.out.printf("fuzz: %d requests, codes %s (0: refused by the client), slowest:%n", REQUESTS, codes);
    slowest.descendingMap().forEach((nanos, request) -> System.out.printf("  %.0f ms %s%n", nanos / 1e6, request));
    assertTrue(failures.isEmpty(), failures.size() + " bad answers, first ones:\n"
        + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));

    assertEquals(keptConfigMap, send("GET", "/api/v1/namespaces/kept/configmaps/kept", null, null).body());
    assertEquals(keptSecret, send("GET", "/api/v1/namespaces/kept/secrets/kept", null, null).body());
    // Everything the fuzzer got stored still reads back as a well-formed object of its kind.
    for (String collection : COLLECTIONS.values()) {
      JsonNode list = Json.MAPPER.readTree(send("GET", collection, null, null).body());
      for (JsonNode item : list.path("items")) {
        String name = item.path("metadata").path("name").asText();
        HttpResponse<String> one = send("GET", collection + "/" + name, null, null);
        assertEquals(200, one.statusCode(), collection + "/" + name + ": " + one.body());
        assertEquals(name, Json.MAPPER.readTree(one.body()).path("metadata").path("name").asText());
      }
    }
    // And it still serves a plain write and read at once.
    long started = System.nanoTime();
    assertEquals(201, send("POST", "/api/v1/namespaces/kept/configmaps", "application/json",
        "{\"metadata\":{\"name\":\"after\"},\"data\":{\"ok\":\"yes\"}}").statusCode());
    assertEquals(200, send("GET", "/api/v1/namespaces/kept/configmaps/after", null, null).statusCode());
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "a write and a read took too long");
  }

  static Sent next(Random random) throws Exception {
    String manifest = MANIFESTS.get(random.nextInt(MANIFESTS.size()));
    JsonNode parsed = Json.MAPPER.readTree(manifest);
    String collection = COLLECTIONS.get(parsed.path("kind").asText());
    String item = collection + "/" + parsed.path("metadata").path("name").asText();
    return switch (random.nextInt(10)) {
      case 0, 1, 2 -> new Sent("POST", collection, "application/json", mutate(manifest, random));
      case 3 -> new Sent("PUT", item, "application/json", mutate(manifest, random));
      case 4 -> new Sent("PATCH", item, "application/merge-patch+json", mutate(manifest, random));
      case 5 -> new Sent("PATCH", item, "application/strategic-merge-patch+json", mutate(
          "{\"metadata\":{\"labels\":{\"$patch\":\"replace\",\"z\":\"1\"}},\"spec\":{\"$setElementOrder/containers\":"
              + "[{\"name\":\"c\"}],\"containers\":[{\"name\":\"c\",\"$patch\":\"delete\"}]}}", random));
      case 6 -> new Sent("PATCH", item, "application/json-patch+json", mutate(
          "[{\"op\":\"replace\",\"path\":\"/metadata/labels/a\",\"value\":\"c\"},"
              + "{\"op\":\"move\",\"from\":\"/metadata/name\",\"path\":\"/x\"},"
              + "{\"op\":\"test\",\"path\":\"/spec/0\",\"value\":1},{\"op\":\"add\",\"path\":\"/-\",\"value\":[]}]",
          random));
      case 7 -> new Sent(random.nextBoolean() ? "GET" : "DELETE", oddPath(random), null, null);
      case 8 -> new Sent("POST", collection, "application/yaml", yamlBomb(random));
      default -> new Sent(random.nextBoolean() ? "POST" : "PUT", random.nextBoolean() ? oddPath(random) : item,
          random.nextBoolean() ? "application/json" : "text/plain; charset=ebcdic", mutate(manifest, random));
    };
  }

  static String oddPath(Random random) {
    String[] prefixes = {"/api/v1/namespaces/", "/apis/apps/v1/namespaces/", "/api/v1/", "/apis/", "/",
        "/api/v1/namespaces/" + NS + "/pods/", "/api/v1/nodes/"};
    StringBuilder path = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
    int parts = 1 + random.nextInt(5);
    for (int i = 0; i < parts; i++) {
      if (i > 0) path.append('/');
      path.append(PATH_PARTS[random.nextInt(PATH_PARTS.length)]);
    }
    if (random.nextBoolean()) {
      path.append('?').append(QUERIES[random.nextInt(QUERIES.length)]);
      if (random.nextBoolean()) path.append('&').append(QUERIES[random.nextInt(QUERIES.length)]);
    }
    return path.toString().replace(" ", "%20");
  }

  static boolean isStatus(String body) {
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      return "Status".equals(node.path("kind").asText()) && node.has("code");
    } catch (Exception e) {
      return false;
    }
  }

  static String abbreviate(String s) {
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

}
