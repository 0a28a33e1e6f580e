package io.drover.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.drover.api.Json;
import io.drover.control.metrics.DroverMetrics;
import io.drover.control.store.JournalHealth;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's admin endpoint, on its own port (drover.admin) apart from the Kubernetes API: cluster membership,
 * shard regions, journal health, versions (JSON), and Prometheus metrics (text). Read-only, GET only.
 */
public final class AdminEndpoint {
  private static final Logger log = LoggerFactory.getLogger(AdminEndpoint.class);

  static final List<String> PATHS = List.of("/cluster/members", "/cluster/shards", "/journal/health", "/version",
      "/metrics");

  private final ActorSystem<?> system;
  private final ClusterInfo cluster;
  private final DroverMetrics metrics;
  private final JournalHealth journal;

  public AdminEndpoint(ActorSystem<?> system) {
    Config config = system.settings().config().getConfig("drover.admin");
    this.system = system;
    this.cluster = new ClusterInfo(system, config.getDuration("shard-stats-timeout"));
    this.metrics = DroverMetrics.get(system);
    this.journal = JournalHealth.get(system);
  }

  public CompletionStage<ServerBinding> bind(String host, int port) {
    return Http.get(system).newServerAt(host, port).bind(this::handle);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    request.discardEntityBytes(system);
    if (!request.method().value().equals("GET")) {
      return done(error(405, "the admin endpoint answers GET only"));
    }
    CompletionStage<HttpResponse> response;
    try {
      response = switch (request.getUri().path()) {
        case "/" -> done(HttpBodies.json(200, paths()));
        case "/cluster/members" -> done(HttpBodies.json(200, cluster.members()));
        case "/cluster/shards" -> cluster.shards().thenApply(shards -> HttpBodies.json(200, shards));
        case "/journal/health" -> journal.check().thenApply(AdminEndpoint::journalHealth);
        case "/version" -> done(HttpBodies.json(200, version()));
        case "/metrics" -> done(HttpResponse.create().withEntity(HttpEntities.create(
            ContentTypes.parse(DroverMetrics.contentType()), metrics.scrape())));
        default -> done(error(404, "no such path; the admin endpoint serves " + String.join(", ", PATHS)));
      };
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return response.exceptionally(e -> {
      log.error("admin {} failed", request.getUri().path(), e);
      return error(500, String.valueOf(e.getMessage()));
    });
  }

  /** 200 when the journal database answered, 503 otherwise; the latency either way. */
  static HttpResponse journalHealth(JournalHealth.Result result) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("healthy", result.healthy());
    json.put("latencySeconds", result.latency().toNanos() / 1e9);
    if (result.error() != null) json.put("error", result.error());
    return HttpBodies.json(result.healthy() ? 200 : 503, json);
  }

  /** Drover's version (from the build), Pekko's, Pekko HTTP's, Java's, and the Kubernetes API version served. */
  static ObjectNode version() {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("drover", DroverVersion.VALUE);
    json.put("kubernetes", ApiServer.version().get("gitVersion").asText());
    json.put("pekko", org.apache.pekko.Version.current());
    json.put("pekkoHttp", org.apache.pekko.http.Version.current());
    json.put("java", Runtime.version().toString());
    json.put("javaVendor", System.getProperty("java.vendor"));
    return json;
  }

  private static ObjectNode paths() {
    ObjectNode json = Json.MAPPER.createObjectNode();
    PATHS.forEach(json.putArray("paths")::add);
    return json;
  }

  private static HttpResponse error(int status, String message) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("error", message);
    return HttpBodies.json(status, json);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  /** The project version Maven writes into drover-version.properties at build time. */
  private static final class DroverVersion {
    static final String VALUE = load();

    private static String load() {
      try (InputStream in = AdminEndpoint.class.getResourceAsStream("drover-version.properties")) {
        if (in == null) return "unknown";
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "unknown");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
