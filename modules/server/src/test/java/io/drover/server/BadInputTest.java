package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every class of bad request is answered with a Kubernetes Status (kind Status, status Failure, the right code
 * and reason, field causes for 422) and leaves nothing behind: afterwards the same name can be created properly.
 */
final class BadInputTest {
  /** Small, so a body over the limit is cheap to send; every valid body in this test fits. */
  private static final int MAX_BODY_BYTES = 1024;
  private static final HttpClient HTTP = TestServers.http().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String NS = "bad-input";

  private static Path dataDir;
  private static DroverServer server;
  private static String configMaps;
  private static String deployments;
  private static String pods;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir, Map.of("drover.api.max-body-bytes", MAX_BODY_BYTES,
        "drover.store.watch-window-events", 50));
    expectCode(201, post(server.apiUrl() + "/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + NS + "\"}}"));
    configMaps = server.apiUrl() + "/api/v1/namespaces/" + NS + "/configmaps";
    deployments = server.apiUrl() + "/apis/apps/v1/namespaces/" + NS + "/deployments";
    pods = server.apiUrl() + "/api/v1/namespaces/" + NS + "/pods";
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  // --- undecodable bodies ---

  @Test
  void malformedJsonIsBadRequestAndStoresNothing() throws Exception {
    assertStatus(400, "BadRequest", send("POST", configMaps, "{\"metadata\":{\"name\":\"json-broken\"",
        "application/json"));
    assertCreatedAfterwards(configMaps, "json-broken", configMap("json-broken"));
  }

  @Test
  void malformedYamlIsBadRequestAndStoresNothing() throws Exception {
    assertStatus(400, "BadRequest", send("POST", configMaps, "metadata:\n  name: yaml-broken\n data: [unclosed\n",
        "application/yaml"));
    assertCreatedAfterwards(configMaps, "yaml-broken", configMap("yaml-broken"));
  }

  @Test
  void unknownMediaTypeIsUnsupportedMediaType() throws Exception {
    assertStatus(415, "UnsupportedMediaType", send("POST", configMaps, "<configmap name=\"xml-body\"/>",
        "application/xml"));
    assertCreatedAfterwards(configMaps, "xml-body", configMap("xml-body"));
  }

  @Test
  void bodyOverTheLimitIsRequestEntityTooLarge() throws Exception {
    String big = "{\"metadata\":{\"name\":\"too-big\"},\"data\":{\"blob\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}}";
    assertStatus(413, "RequestEntityTooLarge", post(configMaps, big));
    assertCreatedAfterwards(configMaps, "too-big", configMap("too-big"));
  }

  @Test
  void patchWithUnsupportedContentTypeIsUnsupportedMediaType() throws Exception {
    JsonNode created = expectCode(201, post(configMaps, configMap("patched-wrong")));
    assertStatus(415, "UnsupportedMediaType", send("PATCH", configMaps + "/patched-wrong",
        "{\"data\":{\"k\":\"v\"}}", "text/csv"));
    assertUnchanged(configMaps + "/patched-wrong", created);
  }

  // --- missing, existing and stale objects ---

  @Test
  void getOfMissingObjectIsNotFoundWithDetails() throws Exception {
    JsonNode status = assertStatus(404, "NotFound", get(configMaps + "/never-created"));
    assertEquals("never-created", Json.text(status, "details.name"));
    assertEquals("configmaps", Json.text(status, "details.kind"));
    assertEquals("configmaps \"never-created\" not found", Json.text(status, "message"));
  }

  @Test
  void createOfExistingNameIsAlreadyExistsAndKeepsTheOriginal() throws Exception {
    JsonNode created = expectCode(201, post(configMaps,
        "{\"metadata\":{\"name\":\"taken\"},\"data\":{\"owner\":\"first\"}}"));
    JsonNode status = assertStatus(409, "AlreadyExists", post(configMaps,
        "{\"metadata\":{\"name\":\"taken\"},\"data\":{\"owner\":\"second\"}}"));
    assertEquals("taken", Json.text(status, "details.name"));
    assertUnchanged(configMaps + "/taken", created);
  }

  @Test
  void updateWithStaleResourceVersionIsConflictAndKeepsTheNewerObject() throws Exception {
    JsonNode first = expectCode(201, post(configMaps, "{\"metadata\":{\"name\":\"raced\"},\"data\":{\"v\":\"1\"}}"));
    String staleVersion = Json.text(first, "metadata.resourceVersion");
    JsonNode second = expectCode(200, send("PUT", configMaps + "/raced", "{\"metadata\":{\"name\":\"raced\","
        + "\"resourceVersion\":\"" + staleVersion + "\"},\"data\":{\"v\":\"2\"}}", "application/json"));
    assertStatus(409, "Conflict", send("PUT", configMaps + "/raced", "{\"metadata\":{\"name\":\"raced\","
        + "\"resourceVersion\":\"" + staleVersion + "\"},\"data\":{\"v\":\"stale\"}}", "application/json"));
    assertUnchanged(configMaps + "/raced", second);
  }

  // --- invalid objects: 422 with field causes ---

  @Test
  void nameThatIsNotDns1123IsInvalidOnMetadataName() throws Exception {
    assertInvalid(post(configMaps, configMap("Bad_Name")), "metadata.name");
    assertCode(404, get(configMaps + "/Bad_Name"));
    assertCreatedAfterwards(configMaps, "bad-name", configMap("bad-name"));
  }

  @Test
  void missingNameIsInvalidOnMetadataNameAndStoresNothing() throws Exception {
    List<String> before = names(configMaps);
    assertInvalid(post(configMaps, "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}"),
        "metadata.name");
    assertEquals(before, names(configMaps));
  }

  @Test
  void invalidLabelKeyAndValueAreInvalidOnMetadataLabels() throws Exception {
    assertInvalid(post(configMaps, "{\"metadata\":{\"name\":\"labelled\",\"labels\":{\"bad key!\":\"v\"}}}"),
        "metadata.labels");
    assertInvalid(post(configMaps, "{\"metadata\":{\"name\":\"labelled\",\"labels\":{\"k\":\"-not valid-\"}}}"),
        "metadata.labels");
    assertCreatedAfterwards(configMaps, "labelled",
        "{\"metadata\":{\"name\":\"labelled\",\"labels\":{\"example.com/key\":\"v-1.ok\"}}}");
  }

  @Test
  void negativeReplicasOnDeploymentIsInvalidOnSpecReplicas() throws Exception {
    assertInvalid(post(deployments, deployment("negative", -1, "web", "web")), "spec.replicas");
    assertCreatedAfterwards(deployments, "negative", deployment("negative", 1, "web", "web"));
  }

  @Test
  void deploymentSelectorNotMatchingTemplateLabelsIsInvalid() throws Exception {
    assertInvalid(post(deployments, deployment("mismatched", 1, "web", "db")), "spec.template.metadata.labels");
    assertCreatedAfterwards(deployments, "mismatched", deployment("mismatched", 1, "db", "db"));
  }

  @Test
  void podWithoutContainersIsInvalidOnSpecContainers() throws Exception {
    assertInvalid(post(pods, "{\"metadata\":{\"name\":\"empty-pod\"},\"spec\":{\"containers\":[]}}"),
        "spec.containers");
    assertCreatedAfterwards(pods, "empty-pod", "{\"metadata\":{\"name\":\"empty-pod\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox:1.36\"}]}}");
  }

  // --- wrong places and verbs ---

  @Test
  void bodyOfAnotherKindOrUnknownApiVersionPostedToACollectionIsBadRequest() throws Exception {
    assertStatus(400, "BadRequest", post(configMaps,
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"misfiled\"}}"));
    assertStatus(400, "BadRequest", post(configMaps,
        "{\"apiVersion\":\"example.com/v9\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"misfiled\"}}"));
    assertStatus(400, "BadRequest", post(configMaps,
        "{\"apiVersion\":\"v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"misfiled\"}}"));
    assertCreatedAfterwards(configMaps, "misfiled",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"misfiled\"}}");
  }

  @Test
  void unknownResourcePathsAreNotFound() throws Exception {
    String api = server.apiUrl();
    assertStatus(404, "NotFound", get(api + "/api/v1/widgets"));
    assertStatus(404, "NotFound", get(api + "/api/v1/namespaces/" + NS + "/widgets/w"));
    assertStatus(404, "NotFound", get(api + "/api/v2/pods"));
    assertStatus(404, "NotFound", get(api + "/apis/example.com/v1/things"));
    assertStatus(404, "NotFound", get(api + "/nothing/here"));
    assertStatus(404, "NotFound", get(configMaps + "/some/unknown-subresource"));
    assertStatus(404, "NotFound", post(api + "/api/v1/namespaces/" + NS + "/widgets", configMap("w")));
  }

  @Test
  void postToAnItemPathIsMethodNotAllowed() throws Exception {
    JsonNode created = expectCode(201, post(configMaps, configMap("item-post")));
    assertStatus(405, "MethodNotAllowed", post(configMaps + "/item-post", configMap("item-post")));
    assertUnchanged(configMaps + "/item-post", created);
  }

  @Test
  void createInNamespaceThatDoesNotExistIsNotFoundAndCreatesNoNamespace() throws Exception {
    String api = server.apiUrl();
    JsonNode status = assertStatus(404, "NotFound", post(api + "/api/v1/namespaces/nowhere/configmaps",
        configMap("homeless")));
    assertEquals("nowhere", Json.text(status, "details.name"));
    assertCode(404, get(api + "/api/v1/namespaces/nowhere"));
    assertCode(404, get(api + "/api/v1/namespaces/nowhere/configmaps/homeless"));
  }

  @Test
  void strictFieldValidationRejectsUnknownFieldNamingIt() throws Exception {
    JsonNode status = assertStatus(400, "BadRequest", post(configMaps + "?fieldValidation=Strict",
        "{\"metadata\":{\"name\":\"strict\"},\"data\":{},\"bogusField\":1}"));
    assertTrue(Json.text(status, "message").contains("unknown field \"bogusField\""), status.toString());
    assertCreatedAfterwards(configMaps, "strict", configMap("strict"));
  }

  @Test
  void serverKeepsAnsweringAfterAStreamOfBadRequests() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertCode(400, send("POST", configMaps, "{not json " + i, "application/json"));
      assertCode(413, post(configMaps, "y".repeat(MAX_BODY_BYTES * 2)));
      assertCode(405, send("PATCH", configMaps, "{}", "application/merge-patch+json"));
    }
    assertCode(200, get(server.apiUrl() + "/version"));
    assertCreatedAfterwards(configMaps, "survivor", configMap("survivor"));
  }

  @Test
  void malformedQueryParametersAreBadRequests() throws Exception {
    expectCode(201, post(configMaps, configMap("query-params")));
    assertStatus(400, "BadRequest", get(configMaps + "?watch=true&timeoutSeconds=soon"));
    assertStatus(400, "BadRequest", get(configMaps + "?limit=many"));
    assertStatus(400, "BadRequest", get(configMaps + "?labelSelector=a%20in%20(b"));
    assertStatus(400, "BadRequest", get(configMaps + "?fieldSelector=spec.nonsense%3Dx"));
    assertStatus(400, "BadRequest", get(configMaps + "?continue=not-a-token"));
    assertStatus(400, "BadRequest", send("DELETE", configMaps + "/query-params?gracePeriodSeconds=later", "",
        "application/json"));
    assertCode(200, get(configMaps + "/query-params"));
  }

  @Test
  void watchFromAVersionNoLongerRetainedIsGone() throws Exception {
    // The test server keeps a window of 50 changes; make more, then watch from before them.
    for (int i = 0; i < 60; i++) {
      expectCode(201, post(configMaps, configMap("churn-" + i)));
    }
    assertStatus(410, "Expired", get(configMaps + "?watch=true&resourceVersion=1&timeoutSeconds=1"));
  }

  // --- helpers ---

  private static String configMap(String name) {
    return "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}";
  }

  private static String deployment(String name, int replicas, String selectorApp, String templateApp) {
    return """
        {"metadata":{"name":"%s"},
         "spec":{"replicas":%d,"selector":{"matchLabels":{"app":"%s"}},
           "template":{"metadata":{"labels":{"app":"%s"}},
             "spec":{"containers":[{"name":"main","image":"nginx:1.27"}]}}}}"""
        .formatted(name, replicas, selectorApp, templateApp);
  }

  /** The name is free after the refusals, and a correct body under it is created. */
  private static void assertCreatedAfterwards(String collection, String name, String body) throws Exception {
    assertCode(404, get(collection + "/" + name));
    JsonNode created = expectCode(201, post(collection, body));
    assertEquals(name, Json.text(created, "metadata.name"));
    // Controllers may have moved the object on since (the scheduler binds a pod), so the read is the same object
    // with the same contents, not necessarily the same resourceVersion.
    JsonNode read = expectCode(200, get(collection + "/" + name));
    assertEquals(Json.text(created, "metadata.uid"), Json.text(read, "metadata.uid"));
    assertEquals(created.get("data"), read.get("data"));
    assertEquals(Json.at(created, "spec.containers"), Json.at(read, "spec.containers"));
    assertEquals(Json.at(created, "spec.template"), Json.at(read, "spec.template"));
  }

  private static void assertUnchanged(String url, JsonNode expected) throws Exception {
    assertEquals(expected, expectCode(200, get(url)));
  }

  private static List<String> names(String collection) throws Exception {
    List<String> names = new ArrayList<>();
    expectCode(200, get(collection)).get("items").forEach(item -> names.add(Json.text(item, "metadata.name")));
    return names;
  }

  /** A 422 Invalid Status whose causes name the field. */
  private static void assertInvalid(HttpResponse<String> response, String field) throws IOException {
    JsonNode status = assertStatus(422, "Invalid", response);
    JsonNode causes = Json.at(status, "details.causes");
    assertTrue(causes != null && causes.isArray() && !causes.isEmpty(), "no causes: " + status);
    List<String> fields = new ArrayList<>();
    causes.forEach(cause -> fields.add(Json.text(cause, "field")));
    assertTrue(fields.stream().anyMatch(f -> f != null && f.startsWith(field)),
        "no cause for " + field + " in " + status);
  }

  /** A Kubernetes Status with status Failure, this code and reason, also the HTTP status code. */
  private static JsonNode assertStatus(int code, String reason, HttpResponse<String> response) throws IOException {
    JsonNode status = expectCode(code, response);
    String describe = describe(response);
    assertEquals("Status", Json.text(status, "kind"), describe);
    assertEquals("v1", Json.text(status, "apiVersion"), describe);
    assertEquals("Failure", Json.text(status, "status"), describe);
    assertEquals(code, status.path("code").asInt(), describe);
    assertEquals(reason, Json.text(status, "reason"), describe);
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), describe);
    return status;
  }

  private static void assertCode(int code, HttpResponse<String> response) {
    assertEquals(code, response.statusCode(), () -> describe(response));
  }

  private static JsonNode expectCode(int code, HttpResponse<String> response) throws IOException {
    assertCode(code, response);
    return Json.MAPPER.readTree(response.body());
  }

  private static String describe(HttpResponse<String> response) {
    return response.request().method() + " " + response.uri() + " -> " + response.statusCode() + " "
        + response.body();
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
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
