package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.PodIo;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.patch.PatchType;
import io.drover.api.select.FieldSelector;
import io.drover.api.select.LabelSelector;
import io.drover.api.table.Tables;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import io.drover.control.store.WriteResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** The verbs on resources: get, list, watch, create, update, patch, delete, deletecollection; status and scale. */
final class ResourceHandler {
  private final ActorSystem<?> system;
  private final ObjectService service;
  private final ObjectStore store;
  private final Duration maxWatchTimeout;
  private final int maxListLimit;
  private final Clock clock;

  private final PodSubresources pods;
  private final TokenRequests tokenRequests;

  ResourceHandler(ActorSystem<?> system, ObjectService service, java.util.function.Supplier<Optional<PodIo>> agent, Duration maxWatchTimeout,
      int maxListLimit, Clock clock, io.drover.apiserver.auth.ApiSecurity security,
      io.drover.control.security.ServiceAccountTokens tokens) {
    this.pods = new PodSubresources(system, service, agent, clock, security);
    this.tokenRequests = new TokenRequests(service, tokens, clock);
    this.system = system;
    this.service = service;
    this.store = service.store();
    this.maxWatchTimeout = maxWatchTimeout;
    this.maxListLimit = maxListLimit;
    this.clock = clock;
  }

  /** Dispatches one resource request; body is the request body (empty for GET). */
  CompletionStage<HttpResponse> handle(HttpRequest request, ResourcePath path, byte[] body) {
    path.checkSubresource();
    String method = request.method().value();
    Query query = request.getUri().query();
    String accept = request.getHeader("Accept").map(h -> h.value()).orElse("");
    if (path.isCollection()) {
      return switch (method) {
        case "GET" -> isTrue(query, "watch")
            ? CompletableFuture.completedFuture(watch(request, path, query, accept))
            : list(path, query, accept);
        case "POST" -> {
          ObjectNode object = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
          yield service.create(path.type(), path.namespace(), object, writeOptions(request, query))
              .thenApply(r -> HttpBodies.json(201, r.object(), r.warnings()));
        }
        case "DELETE" -> deleteCollection(path, query, request, body);
        default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
      };
    }
    if (path.subresource() != null && path.subresource().equals("scale")) {
      return scale(request, path, query, body, method);
    }
    if (path.subresource() != null
        && List.of("log", "exec", "attach", "portforward", "binding", "eviction").contains(path.subresource())) {
      return pods.handle(request, path, body);
    }
    if (path.subresource() != null && path.subresource().equals("token")) {
      if (!method.equals("POST")) throw ApiException.methodNotAllowed("tokens can only be created (POST)");
      ObjectNode tokenRequest = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
      return CompletableFuture.completedFuture(HttpBodies.json(201,
          tokenRequests.create(path.namespace(), path.name(), tokenRequest)));
    }
    ObjectEntity.Scope scope = path.subresource() == null ? ObjectEntity.Scope.MAIN
        : path.subresource().equals("finalize") ? ObjectEntity.Scope.FINALIZE : ObjectEntity.Scope.STATUS;
    return switch (method) {
      case "GET" -> CompletableFuture.completedFuture(get(path, query, accept));
      case "PUT" -> {
        ObjectNode object = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
        yield service.update(path.type(), path.namespace(), path.name(), object, scope, writeOptions(request, query))
            .thenApply(r -> HttpBodies.json(r.created() ? 201 : 200, r.object(), r.warnings()));
      }
      case "PATCH" -> {
        if (scope == ObjectEntity.Scope.FINALIZE) {
          throw ApiException.methodNotAllowed("the finalize subresource accepts only PUT");
        }
        String mediaType = HttpBodies.mediaType(request);
        PatchType patchType = PatchType.fromContentType(mediaType)
            .orElseThrow(() -> new ApiException(415, "UnsupportedMediaType", "the body of the request was in an "
                + "unknown format - accepted media types include: application/json-patch+json, "
                + "application/merge-patch+json, application/apply-patch+yaml, "
                + "application/strategic-merge-patch+json"));
        yield service.patch(path.type(), path.namespace(), path.name(), patchType, body, scope,
                writeOptions(request, query))
            .thenApply(r -> HttpBodies.json(r.created() ? 201 : 200, r.object(), r.warnings()));
      }
      case "DELETE" -> {
        if (path.subresource() != null) {
          throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        yield service.delete(path.type(), path.namespace(), path.name(), deleteOptions(request, query, body))
            .thenApply(r -> HttpBodies.json(200, r.object()));
      }
      default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    };
  }

  // --- reads ---

  private HttpResponse get(ResourcePath path, Query query, String accept) {
    StoredObject object = service.get(path.type(), namespaceOf(path), path.name());
    if (wantsTable(accept)) {
      return HttpBodies.json(200, Tables.table(path.type(), List.of(object.object()),
          Long.toString(object.resourceVersion()), null, query.get("includeObject").orElse(null), clock.instant()));
    }
    if (accept.contains("as=PartialObjectMetadata")) {
      return HttpBodies.json(200, partialMetadata(object.object()));
    }
    return HttpBodies.json(200, object.object());
  }

  private CompletionStage<HttpResponse> list(ResourcePath path, Query query, String accept) {
    long minimum = parseVersion(query.get("resourceVersion").orElse(""));
    CompletionStage<?> caughtUp = minimum > store.position()
        ? store.awaitPosition(minimum).toCompletableFuture().orTimeout(3, TimeUnit.SECONDS).exceptionally(e -> {
          throw new ApiException(504, "Timeout", "Too large resource version: " + minimum + ", current: "
              + store.position());
        })
        : CompletableFuture.completedFuture(null);
    return caughtUp.thenApply(ignored -> {
      Predicate<StoredObject> filter = filter(path, query);
      ObjectStore.Snapshot snapshot = store.list(path.type(), path.namespace());
      int limit = (int) Math.min(parseLong(query, "limit", 0), maxListLimit);
      String startAfter = null;
      String listVersion = Long.toString(snapshot.resourceVersion());
      String token = query.get("continue").orElse("");
      if (!token.isEmpty()) {
        String[] decoded = decodeContinue(token);
        listVersion = decoded[0];
        startAfter = decoded[1];
      }
      List<ObjectNode> items = new ArrayList<>();
      String next = null;
      int remaining = 0;
      for (StoredObject object : snapshot.items()) {
        String key = object.namespace() + "/" + object.name();
        if (startAfter != null && key.compareTo(startAfter) <= 0) continue;
        if (!filter.test(object)) continue;
        if (limit > 0 && items.size() == limit) {
          remaining++;
          continue;
        }
        items.add(object.object());
        if (limit > 0 && items.size() == limit) next = key;
      }
      String continueToken = remaining > 0 ? encodeContinue(listVersion, next) : null;
      if (wantsTable(accept)) {
        return HttpBodies.json(200, Tables.table(path.type(), items, listVersion, continueToken,
            query.get("includeObject").orElse(null), clock.instant()));
      }
      boolean metadataOnly = accept.contains("as=PartialObjectMetadataList");
      ObjectNode list = Json.MAPPER.createObjectNode();
      list.put("kind", metadataOnly ? "PartialObjectMetadataList" : path.type().listKind());
      list.put("apiVersion", metadataOnly ? "meta.k8s.io/v1" : path.type().apiVersion());
      ObjectNode meta = list.putObject("metadata");
      meta.put("resourceVersion", listVersion);
      if (continueToken != null) {
        meta.put("continue", continueToken);
        meta.put("remainingItemCount", remaining);
      }
      ArrayNode array = list.putArray("items");
      items.forEach(item -> array.add(metadataOnly ? partialMetadata(item) : item));
      return HttpBodies.json(200, list);
    });
  }

  private HttpResponse watch(HttpRequest request, ResourcePath path, Query query, String accept) {
    ResourceType type = path.type();
    Predicate<StoredObject> filter = filter(path, query);
    String rv = query.get("resourceVersion").orElse("");
    boolean sendInitialEvents = isTrue(query, "sendInitialEvents");
    Long from = rv.isEmpty() || rv.equals("0") || sendInitialEvents ? null : parseVersion(rv);
    boolean bookmarks = isTrue(query, "allowWatchBookmarks");
    boolean table = wantsTable(accept);
    String includeObject = query.get("includeObject").orElse(null);
    long timeoutSeconds = query.get("timeoutSeconds").isPresent() ? parseLong(query, "timeoutSeconds", 0)
        : maxWatchTimeout.toSeconds() / 2 + ThreadLocalRandom.current().nextLong(maxWatchTimeout.toSeconds() / 2);
    Duration timeout = Duration.ofSeconds(Math.min(timeoutSeconds, maxWatchTimeout.toSeconds()));
    Source<ByteString, NotUsed> lines = store.watch(from, filter, sendInitialEvents, system)
        .filter(e -> e.type() != WatchEvent.Type.BOOKMARK || bookmarks)
        .map(e -> ByteString.fromArray(eventLine(type, e, table, includeObject)));
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
    if (upgrade.isPresent()) {
      // Clients such as fabric8 watch over a WebSocket (as the apiserver allows): one text message per event.
      Source<Message, NotUsed> messages = lines.takeWithin(timeout)
          .map(line -> TextMessage.create(line.utf8String()));
      return upgrade.get().handleMessagesWith(Flow.fromSinkAndSourceCoupled(Sink.ignore(), messages));
    }
    return HttpResponse.create().withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON,
        lines.takeWithin(timeout)));
  }

  // --- writes with special shapes ---

  private CompletionStage<HttpResponse> deleteCollection(ResourcePath path, Query query, HttpRequest request,
      byte[] body) {
    DeleteOptions options = deleteOptions(request, query, body);
    return service.deleteCollection(path.type(), path.namespace(), filter(path, query), options)
        .thenApply(deleted -> {
          ObjectNode list = Json.MAPPER.createObjectNode();
          list.put("kind", path.type().listKind()).put("apiVersion", path.type().apiVersion());
          list.putObject("metadata").put("resourceVersion", Long.toString(store.position()));
          ArrayNode items = list.putArray("items");
          deleted.forEach(items::add);
          return HttpBodies.json(200, list);
        });
  }

  /** The autoscaling/v1 Scale view of a Deployment or ReplicaSet: read it, or write spec.replicas through it. */
  private CompletionStage<HttpResponse> scale(HttpRequest request, ResourcePath path, Query query, byte[] body,
      String method) {
    ResourceType type = path.type();
    StoredObject current = service.get(type, namespaceOf(path), path.name());
    if (method.equals("GET")) {
      return CompletableFuture.completedFuture(HttpBodies.json(200, toScale(current.object())));
    }
    ObjectNode desired;
    if (method.equals("PUT")) {
      desired = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
    } else if (method.equals("PATCH")) {
      PatchType patchType = PatchType.fromContentType(HttpBodies.mediaType(request))
          .orElseThrow(() -> ApiException.unsupportedMediaType(HttpBodies.mediaType(request)));
      desired = io.drover.api.patch.Patches.apply(patchType, type, toScale(current.object()), body);
    } else {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    JsonNode replicas = Json.at(desired, "spec.replicas");
    if (replicas == null || !replicas.canConvertToInt()) {
      throw ApiException.invalid("Scale", "autoscaling", path.name(), List.of(new ApiException.Cause(
          "FieldValueRequired", "Required value", "spec.replicas")));
    }
    if (replicas.asInt() < 0) {
      throw ApiException.invalid("Scale", "autoscaling", path.name(), List.of(new ApiException.Cause(
          "FieldValueInvalid", "Invalid value: " + replicas.asInt() + ": must be greater than or equal to 0",
          "spec.replicas")));
    }
    ObjectNode patch = Json.MAPPER.createObjectNode();
    patch.putObject("spec").put("replicas", replicas.asInt());
    String precondition = Json.text(desired, "metadata.resourceVersion");
    if (precondition != null && !precondition.equals(Long.toString(current.resourceVersion()))) {
      throw ApiException.conflict(type, path.name(),
          "the object has been modified; please apply your changes to the latest version and try again");
    }
    return service.patch(type, path.namespace(), path.name(), PatchType.MERGE_PATCH, Json.bytes(patch),
            ObjectEntity.Scope.MAIN, writeOptions(request, query))
        .thenApply((WriteResult r) -> HttpBodies.json(200, toScale(r.object())));
  }

  static ObjectNode toScale(ObjectNode object) {
    ObjectNode scale = Json.MAPPER.createObjectNode();
    scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode meta = scale.putObject("metadata");
    JsonNode source = object.get("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (source.has(field)) meta.set(field, source.get(field));
    }
    scale.putObject("spec").put("replicas", Json.at(object, "spec.replicas") == null ? 1
        : Json.at(object, "spec.replicas").asInt());
    ObjectNode status = scale.putObject("status");
    JsonNode statusReplicas = Json.at(object, "status.replicas");
    status.put("replicas", statusReplicas == null ? 0 : statusReplicas.asInt());
    status.put("selector", LabelSelector.fromJson(Json.at(object, "spec.selector")).toString());
    return scale;
  }

  // --- helpers ---

  /** The namespace for a single-object path: cluster-scoped kinds have none. */
  private static String namespaceOf(ResourcePath path) {
    return path.type().namespaced() ? path.namespace() : "";
  }

  private Predicate<StoredObject> filter(ResourcePath path, Query query) {
    ResourceType type = path.type();
    LabelSelector labels = LabelSelector.parse(query.get("labelSelector").orElse(""));
    FieldSelector parsed = FieldSelector.parse(query.get("fieldSelector").orElse(""));
    parsed.checkSupported(type);
    FieldSelector fields = parsed.forType(type);
    String namespace = path.namespace();
    String name = path.name();
    return object -> object.type() == type
        && (namespace == null || !type.namespaced() || namespace.equals(object.namespace()))
        && (name == null || name.equals(object.name()))
        && labels.matches(labelsOf(object.object()))
        && fields.matches(FieldSelector.fieldsOf(type, object.object()));
  }

  private static Map<String, String> labelsOf(ObjectNode object) {
    JsonNode labels = Json.at(object, "metadata.labels");
    if (labels == null || !labels.isObject()) return Map.of();
    Map<String, String> map = new HashMap<>();
    labels.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private byte[] eventLine(ResourceType type, WatchEvent event, boolean table, String includeObject) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    line.put("type", event.type().name());
    if (event.type() == WatchEvent.Type.BOOKMARK) {
      ObjectNode bookmark = bookmark(type, event.resourceVersion());
      if (event.initialEventsEnd()) {
        Json.object(Json.object(bookmark, "metadata"), "annotations").put("k8s.io/initial-events-end", "true");
      }
      line.set("object", bookmark);
    } else if (table) {
      line.set("object", Tables.table(type, List.of(event.object().object()),
          Long.toString(event.resourceVersion()), null, includeObject, clock.instant()));
    } else {
      line.set("object", event.object().object());
    }
    return newline(line);
  }

  private static ObjectNode bookmark(ResourceType type, long resourceVersion) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.put("kind", type.kind()).put("apiVersion", type.apiVersion());
    object.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion));
    return object;
  }

  private static byte[] newline(ObjectNode line) {
    byte[] json = Json.bytes(line);
    byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
    out[json.length] = '\n';
    return out;
  }

  private static ObjectNode partialMetadata(ObjectNode object) {
    ObjectNode partial = Json.MAPPER.createObjectNode();
    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.get("metadata"));
    return partial;
  }

  static boolean wantsTable(String accept) {
    return accept.contains("as=Table");
  }

  /** The write's options, and who asks (for RBAC's escalation check). */
  private static WriteOptions writeOptions(HttpRequest request, Query query) {
    WriteOptions options = WriteOptions.parse(query.get("dryRun").orElse(null),
        query.get("fieldValidation").orElse(null));
    return request.getAttribute(io.drover.apiserver.auth.ApiSecurity.USER)
        .map(user -> options.by(new WriteOptions.Requester(user.name(), user.groups()))).orElse(options);
  }

  /** DeleteOptions from the body (JSON or protobuf) with query parameters taking part, as kubectl sends both. */
  private static DeleteOptions deleteOptions(HttpRequest request, Query query, byte[] body) {
    ObjectNode options = body.length == 0 ? Json.MAPPER.createObjectNode()
        : HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
    String propagation = Json.text(options, "propagationPolicy");
    if (propagation == null) propagation = query.get("propagationPolicy").orElse(null);
    JsonNode orphan = options.get("orphanDependents");
    if (propagation == null && ((orphan != null && orphan.asBoolean())
        || query.get("orphanDependents").map(Boolean::parseBoolean).orElse(false))) {
      propagation = "Orphan";
    }
    Long grace = options.hasNonNull("gracePeriodSeconds")
        ? Long.valueOf(options.get("gracePeriodSeconds").asLong())
        : query.get("gracePeriodSeconds").isPresent() ? Long.valueOf(parseLong(query, "gracePeriodSeconds", 0)) : null;
    boolean dryRun = query.get("dryRun").map("All"::equals).orElse(false);
    JsonNode dryRunBody = options.get("dryRun");
    if (dryRunBody != null && dryRunBody.isArray()) {
      for (JsonNode value : dryRunBody) dryRun |= value.asText().equals("All");
    }
    return new DeleteOptions(Json.text(options, "preconditions.uid"),
        Json.text(options, "preconditions.resourceVersion"), grace, propagation, dryRun);
  }

  private static boolean isTrue(Query query, String name) {
    return query.get(name).map(v -> v.equals("true") || v.equals("1")).orElse(false);
  }

  private static long parseLong(Query query, String name, long fallback) {
    String value = query.get(name).orElse("");
    if (value.isEmpty()) return fallback;
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid " + name + " \"" + value + "\"");
    }
  }

  private static long parseVersion(String resourceVersion) {
    if (resourceVersion.isEmpty()) return 0;
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid resource version \"" + resourceVersion + "\"");
    }
  }

  private static String encodeContinue(String resourceVersion, String lastKey) {
    String token = resourceVersion + "\n" + lastKey;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  private static String[] decodeContinue(String token) {
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = decoded.split("\n", 2);
      if (parts.length != 2) throw new IllegalArgumentException();
      Long.parseLong(parts[0]);
      return parts;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("continue key is not valid: " + token);
    }
  }
}
