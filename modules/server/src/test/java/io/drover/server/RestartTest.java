package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Durability: what the API acknowledged survives a clean restart and a kill -9 of the JVM. */
final class RestartTest {
  private static final Duration DEADLINE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = TestServers.http().connectTimeout(Duration.ofSeconds(5)).build();

  private static Path dataDir;
  /** The in-process member; the restart test replaces it with a new one on the same data directory. */
  private static DroverServer server;
  private static final List<Process> children = new ArrayList<>();
  private static final List<Path> childDataDirs = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (Process child : children) kill(child);
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
      childDataDirs.forEach(TestServers::deleteRecursively);
    }
  }

  @Test
  void cleanRestartKeepsObjectsUidsAndVersionsAndWatchResumesFromEarlierVersion() throws Exception {
    String api = server.apiUrl();
    String configMaps = api + "/api/v1/namespaces/durable/configmaps";
    expect(201, post(api + "/api/v1/namespaces", "{\"metadata\":{\"name\":\"durable\"}}"));
    expect(201, post(configMaps, "{\"metadata\":{\"name\":\"settings\"},\"data\":{\"mode\":\"one\"}}"));
    expect(201, post(configMaps, "{\"metadata\":{\"name\":\"temporary\"}}"));
    expect(201, post(api + "/apis/apps/v1/namespaces/durable/deployments", DEPLOYMENT));
    String listVersion = Json.text(expect(200, get(configMaps)), "metadata.resourceVersion");

    // Changes after the list: a watch from its version must deliver exactly these, in this order.
    List<String> changes = List.of(
        "MODIFIED " + identity(expect(200, send("PATCH", configMaps + "/settings", "{\"data\":{\"mode\":\"two\"}}",
            "application/merge-patch+json"))),
        "ADDED " + identity(expect(201, post(configMaps, "{\"metadata\":{\"name\":\"later\"}}"))),
        "DELETED " + identity(expect(200, send("DELETE", configMaps + "/temporary", "", "application/json"))));

    // Objects no controller touches keep their exact resourceVersion; the Deployment's controller may write its
    // status at any time (before and after the restart), so for it the uid and the generation of its spec count.
    List<String> paths = List.of("/api/v1/namespaces/durable", "/api/v1/namespaces/durable/configmaps/settings",
        "/api/v1/namespaces/durable/configmaps/later");
    Map<String, String> before = identities(api, paths);
    String deploymentPath = api + "/apis/apps/v1/namespaces/durable/deployments/web";
    JsonNode deploymentBefore = expect(200, get(deploymentPath));

    server.close();
    server = null;
    server = TestServers.start(dataDir);
    api = server.apiUrl();

    assertEquals(before, identities(api, paths));
    JsonNode deploymentAfter = expect(200, get(api + "/apis/apps/v1/namespaces/durable/deployments/web"));
    assertEquals(deploymentBefore.at("/metadata/uid"), deploymentAfter.at("/metadata/uid"));
    assertEquals(deploymentBefore.at("/metadata/generation"), deploymentAfter.at("/metadata/generation"));
    assertTrue(Long.parseLong(deploymentAfter.at("/metadata/resourceVersion").asText())
        >= Long.parseLong(deploymentBefore.at("/metadata/resourceVersion").asText()));
    assertEquals("two", Json.text(expect(200, get(api + "/api/v1/namespaces/durable/configmaps/settings")),
        "data.mode"));
    expect(404, get(api + "/api/v1/namespaces/durable/configmaps/temporary"));

    HttpResponse<String> watch = get(api + "/api/v1/namespaces/durable/configmaps?watch=true&resourceVersion="
        + listVersion + "&timeoutSeconds=2");
    assertEquals(200, watch.statusCode(), watch.body());
    List<String> events = watch.body().lines().filter(line -> !line.isBlank()).map(RestartTest::describeEvent)
        .toList();
    assertEquals(changes, events);
  }

  @Test
  void killedJvmKeepsEveryAcknowledgedCreate() throws Exception {
    Path dir = TestServers.tempDataDir();
    childDataDirs.add(dir);
    int port = freePort();
    String api = "https://127.0.0.1:" + port;
    String configMaps = api + "/api/v1/namespaces/default/configmaps";

    Process first = startMember(dir, port, "first.log");
    Map<String, String> uids = new LinkedHashMap<>();
    try {
      awaitVersion(api, first);
      for (int i = 0; i < 50; i++) {
        String name = "cm-" + i;
        JsonNode created = expect(201, post(configMaps,
            "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"i\":\"" + i + "\"}}"));
        uids.put(name, Json.text(created, "metadata.uid"));
      }
    } finally {
      kill(first); // SIGKILL right after the last acknowledgement: no shutdown hook, no flush
    }

    Process second = startMember(dir, port, "second.log");
    try {
      awaitVersion(api, second);
      JsonNode list = expect(200, get(configMaps));
      Map<String, String> found = new LinkedHashMap<>();
      for (JsonNode item : list.get("items")) {
        String name = Json.text(item, "metadata.name");
        if (name.startsWith("cm-")) found.put(name, Json.text(item, "metadata.uid"));
      }
      assertEquals(50, uids.size());
      assertEquals(uids, found);
    } finally {
      kill(second);
    }
  }

  // --- helpers ---

  private static final String DEPLOYMENT = """
      {"metadata":{"name":"web"},
       "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
         "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}""";

  /** uid and resourceVersion of each object, by path. */
  private static Map<String, String> identities(String api, List<String> paths) throws Exception {
    Map<String, String> result = new LinkedHashMap<>();
    for (String path : paths) {
      JsonNode object = expect(200, get(api + path));
      assertNotNull(Json.text(object, "metadata.uid"), path);
      result.put(path, identity(object));
    }
    return result;
  }

  /** An object as "name uid@resourceVersion". */
  private static String identity(JsonNode object) {
    return Json.text(object, "metadata.name") + " " + Json.text(object, "metadata.uid") + "@"
        + Json.text(object, "metadata.resourceVersion");
  }

  /** A watch line as "TYPE name uid@resourceVersion". */
  private static String describeEvent(String line) {
    try {
      JsonNode event = Json.MAPPER.readTree(line);
      return event.get("type").asText() + " " + identity(event.get("object"));
    } catch (IOException e) {
      throw new AssertionError("not a watch event: " + line, e);
    }
  }

  private static Process startMember(Path dir, int port, String logName) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // A free admin port: the member keeps its API port across restarts, but nothing needs a fixed admin port.
    ProcessBuilder builder = new ProcessBuilder(java, "-Ddrover.admin.port=0",
        "-Ddrover.pki.dir=" + TestServers.TEST_PKI, "-cp",
        System.getProperty("java.class.path"),
        "io.drover.server.Main", "up", "--data-dir", dir.toString(), "--port", Integer.toString(port))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(logName).toFile()));
    Process process = builder.start();
    children.add(process);
    return process;
  }

  private static void awaitVersion(String api, Process process) {
    Polling.await(() -> {
      if (!process.isAlive()) throw new IllegalStateException("the member exited " + process.exitValue());
      try {
        return get(api + "/version").statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    }, DEADLINE, "the member at " + api + " to answer /version");
  }

  private static void kill(Process process) throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
    return send("POST", url, json, "application/json");
  }

  private static HttpResponse<String> send(String method, String url, String body, String contentType)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", contentType)
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** The response's JSON body, after checking its status code. */
  private static JsonNode expect(int code, HttpResponse<String> response) throws IOException {
    assertEquals(code, response.statusCode(), () -> response.request().method() + " " + response.uri() + " -> "
        + response.body());
    return response.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(response.body());
  }
}
