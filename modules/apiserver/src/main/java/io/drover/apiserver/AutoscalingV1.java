package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * autoscaling/v1 HorizontalPodAutoscalers, the version {@code kubectl autoscale} (1.32) writes: a view of the
 * stored autoscaling/v2 objects, converted as the apiserver converts them (targetCPUUtilizationPercentage is the
 * one cpu Utilization metric; the status's currentCPUUtilizationPercentage its current value). Create, get, list
 * and delete go through the v2 resource; update, patch and watch are refused (use autoscaling/v2, the preferred
 * version that kubectl otherwise uses).
 */
final class AutoscalingV1 {
  private final ActorSystem<?> system;
  private final ResourceHandler resources;
  private final long timeoutMillis;

  AutoscalingV1(ActorSystem<?> system, ResourceHandler resources, long timeoutMillis) {
    this.system = system;
    this.resources = resources;
    this.timeoutMillis = timeoutMillis;
  }

  static boolean serves(String group, String version, String[] rest) {
    return group.equals("autoscaling") && version.equals("v1") && Arrays.asList(rest).contains("horizontalpodautoscalers");
  }

  CompletionStage<HttpResponse> handle(HttpRequest request, String[] rest, byte[] body) {
    String method = request.method().value();
    boolean watch = request.getUri().query().get("watch").filter(w -> w.equals("true") || w.equals("1")).isPresent();
    if (!(method.equals("GET") || method.equals("POST") || method.equals("DELETE")) || watch) {
      throw ApiException.methodNotAllowed("autoscaling/v1 horizontalpodautoscalers serve create, get, list and delete "
          + "in Drover; use autoscaling/v2");
    }
    Optional<ResourcePath> path = ResourcePath.parse("autoscaling", "v2", rest);
    if (path.isEmpty() || path.get().subresource() != null) {
      throw ApiException.notFound("the server could not find the requested resource");
    }
    HttpRequest forwarded = request.removeHeader("Accept").addHeader(RawHeader.create("Accept", "application/json"));
    byte[] v2Body = body;
    if (method.equals("POST")) {
      ObjectNode v1 = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
      v2Body = Json.bytes(toV2(v1));
      forwarded = forwarded.withEntity(ContentTypes.APPLICATION_JSON, v2Body);
    }
    return resources.handle(forwarded, path.get(), v2Body).thenCompose(response ->
        response.entity().toStrict(timeoutMillis, system).thenApply(strict -> {
          JsonNode answer = HttpBodies.parse(strict.getData().toArray(), false);
          if (!(answer instanceof ObjectNode object)) return response;
          String kind = object.path("kind").asText();
          JsonNode converted = kind.equals("HorizontalPodAutoscaler") ? toV1(object)
              : kind.equals("HorizontalPodAutoscalerList") ? listToV1(object) : object;
          return response.withEntity(ContentTypes.APPLICATION_JSON, Json.bytes(converted));
        }));
  }

  static ObjectNode toV2(ObjectNode v1) {
    ObjectNode v2 = v1.deepCopy();
    v2.put("apiVersion", "autoscaling/v2");
    ObjectNode spec = v2.path("spec") instanceof ObjectNode s ? s : v2.putObject("spec");
    JsonNode target = spec.remove("targetCPUUtilizationPercentage");
    if (target != null && target.isNumber()) {
      ObjectNode metric = spec.putArray("metrics").addObject();
      metric.put("type", "Resource");
      metric.putObject("resource").put("name", "cpu").putObject("target").put("type", "Utilization")
          .put("averageUtilization", target.asInt());
    }
    v2.remove("status");
    return v2;
  }

  static ObjectNode toV1(ObjectNode v2) {
    ObjectNode v1 = Json.MAPPER.createObjectNode();
    v1.put("kind", "HorizontalPodAutoscaler").put("apiVersion", "autoscaling/v1");
    v1.set("metadata", v2.path("metadata").deepCopy());
    ObjectNode spec = v1.putObject("spec");
    JsonNode source = v2.path("spec");
    spec.set("scaleTargetRef", source.path("scaleTargetRef").deepCopy());
    if (source.has("minReplicas")) spec.set("minReplicas", source.get("minReplicas"));
    spec.set("maxReplicas", source.path("maxReplicas"));
    for (JsonNode metric : source.path("metrics")) {
      JsonNode resource = metric.path("resource");
      if (metric.path("type").asText().equals("Resource") && resource.path("name").asText().equals("cpu")
          && resource.path("target").has("averageUtilization")) {
        spec.put("targetCPUUtilizationPercentage", resource.path("target").path("averageUtilization").asInt());
      }
    }
    ObjectNode status = v1.putObject("status");
    JsonNode from = v2.path("status");
    for (String field : new String[] {"observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas"}) {
      if (from.has(field)) status.set(field, from.get(field));
    }
    if (!status.has("currentReplicas")) status.put("currentReplicas", 0);
    if (!status.has("desiredReplicas")) status.put("desiredReplicas", 0);
    for (JsonNode metric : from.path("currentMetrics")) {
      JsonNode current = metric.path("resource").path("current");
      if (metric.path("resource").path("name").asText().equals("cpu") && current.has("averageUtilization")) {
        status.put("currentCPUUtilizationPercentage", current.path("averageUtilization").asInt());
      }
    }
    return v1;
  }

  private static ObjectNode listToV1(ObjectNode list) {
    ObjectNode v1 = list.deepCopy();
    v1.put("apiVersion", "autoscaling/v1");
    ArrayNode items = v1.putArray("items");
    list.path("items").forEach(item -> items.add(toV1((ObjectNode) item)));
    return v1;
  }

  static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
