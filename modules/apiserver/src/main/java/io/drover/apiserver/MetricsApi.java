package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.PodIo;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.FieldSelector;
import io.drover.api.select.LabelSelector;
import io.drover.control.metrics.NodeUsage;
import io.drover.control.metrics.PodMetricsSource;
import io.drover.control.metrics.PodUsage;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * metrics.k8s.io/v1beta1 (NodeMetrics and PodMetrics, get and list), served the way metrics-server serves it: on
 * each read this member asks every registered node's agent for what it measured (its own agent directly, the
 * others at {@code /drover/v1/nodes/NODE/usage} on the member the Node names, as {@link NodeProxy} reaches them)
 * and answers from the merged results. Nothing is stored; a node that does not answer in time is left out. The
 * same gathering is the {@link PodMetricsSource} of the HorizontalPodAutoscaler controller.
 */
public final class MetricsApi implements PodMetricsSource {
  private static final Logger log = LoggerFactory.getLogger(MetricsApi.class);
  static final String USAGE_PATH = "/drover/v1/nodes/%s/usage";

  private final ActorSystem<?> system;
  private final ObjectService service;
  private final Supplier<Optional<PodIo>> agent;
  private final Duration scrapeTimeout;
  private final io.drover.apiserver.auth.ApiSecurity security;

  MetricsApi(ActorSystem<?> system, ObjectService service, Supplier<Optional<PodIo>> agent, Duration scrapeTimeout,
      io.drover.apiserver.auth.ApiSecurity security) {
    this.security = security;
    this.system = system;
    this.service = service;
    this.agent = agent;
    this.scrapeTimeout = scrapeTimeout;
  }

  @Override
  public CompletionStage<List<PodUsage>> pods(String namespace) {
    return scrape().thenApply(nodes -> nodes.stream().flatMap(n -> n.pods().stream())
        .filter(p -> namespace == null || namespace.equals(p.namespace())).toList());
  }

  /** GET /apis/metrics.k8s.io/v1beta1/... ({@code rest} is what follows the version). */
  CompletionStage<HttpResponse> handle(HttpRequest request, String[] rest) {
    if (!request.method().value().equals("GET")) {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    if (request.getUri().query().get("watch").filter(w -> w.equals("true") || w.equals("1")).isPresent()) {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    LabelSelector labels = LabelSelector.parse(request.getUri().query().get("labelSelector").orElse(""));
    FieldSelector fields = FieldSelector.parse(request.getUri().query().get("fieldSelector").orElse(""));
    if (rest.length >= 1 && rest.length <= 2 && rest[0].equals("nodes")) {
      String name = rest.length == 2 ? rest[1] : null;
      return scrape().thenApply(nodes -> respond(nodeMetrics(nodes, name, labels, fields), "NodeMetrics", name));
    }
    String namespace = null;
    String[] podPath = rest;
    if (rest.length >= 3 && rest[0].equals("namespaces")) {
      namespace = rest[1];
      podPath = java.util.Arrays.copyOfRange(rest, 2, rest.length);
    }
    if (podPath.length >= 1 && podPath.length <= 2 && podPath[0].equals("pods")) {
      String ns = namespace;
      String name = podPath.length == 2 ? podPath[1] : null;
      if (name != null && ns == null) throw ApiException.notFound("the server could not find the requested resource");
      return scrape().thenApply(nodes -> respond(podMetrics(nodes, ns, name, labels, fields), "PodMetrics",
          name == null ? null : ns + "/" + name));
    }
    throw ApiException.notFound("the server could not find the requested resource");
  }

  /** GET /drover/v1/nodes/NODE/usage: what this member's agent measured, when it runs that node. */
  HttpResponse usage(String node) {
    NodeUsage usage = agent.get().filter(a -> a.nodeName().equals(node)).flatMap(PodIo::usage)
        .orElseThrow(() -> ApiException.notFound("no usage of node " + node + " on this member"));
    return HttpBodies.json(200, Json.MAPPER.valueToTree(new WireUsage(usage)));
  }

  private static HttpResponse respond(List<ObjectNode> items, String kind, String name) {
    if (name != null) {
      if (items.isEmpty()) {
        String resource = kind.equals("NodeMetrics") ? "nodes" : "pods";
        throw new ApiException(404, "NotFound", resource + ".metrics.k8s.io \"" + name + "\" not found");
      }
      return HttpBodies.json(200, items.get(0));
    }
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("kind", kind + "List").put("apiVersion", "metrics.k8s.io/v1beta1");
    list.putObject("metadata");
    ArrayNode array = list.putArray("items");
    items.forEach(array::add);
    return HttpBodies.json(200, list);
  }

  private List<ObjectNode> nodeMetrics(List<NodeUsage> nodes, String name, LabelSelector labels,
      FieldSelector fields) {
    List<ObjectNode> items = new ArrayList<>();
    for (NodeUsage usage : nodes) {
      Optional<StoredObject> node = service.store().get(ResourceRegistry.NODE, "", usage.node());
      if (node.isEmpty() || (name != null && !name.equals(usage.node()))) continue;
      if (!labels.matches(LabelSelector.labelsOf(node.get().object()))
          || !fields.matches(Map.of("metadata.name", usage.node()))) {
        continue;
      }
      ObjectNode item = item("NodeMetrics", node.get().object(), usage.timestamp(), usage.windowMillis());
      usage(item.putObject("usage"), usage.cpuNanoCores(), usage.memoryBytes());
      items.add(item);
    }
    return items;
  }

  private List<ObjectNode> podMetrics(List<NodeUsage> nodes, String namespace, String name, LabelSelector labels,
      FieldSelector fields) {
    List<ObjectNode> items = new ArrayList<>();
    for (NodeUsage node : nodes) {
      for (PodUsage usage : node.pods()) {
        if ((namespace != null && !namespace.equals(usage.namespace())) || (name != null && !name.equals(usage.name()))) {
          continue;
        }
        Optional<StoredObject> pod = service.store().get(ResourceRegistry.POD, usage.namespace(), usage.name());
        if (pod.isEmpty() || !usage.uid().equals(Json.text(pod.get().object(), "metadata.uid"))) continue;
        if (!labels.matches(LabelSelector.labelsOf(pod.get().object())) || !fields.matches(
            Map.of("metadata.name", usage.name(), "metadata.namespace", usage.namespace()))) {
          continue;
        }
        ObjectNode item = item("PodMetrics", pod.get().object(), usage.timestamp(), usage.windowMillis());
        ArrayNode containers = item.putArray("containers");
        for (PodUsage.ContainerUsage container : usage.containers()) {
          ObjectNode c = containers.addObject().put("name", container.name());
          usage(c.putObject("usage"), container.cpuNanoCores(), container.memoryBytes());
        }
        items.add(item);
      }
    }
    return items;
  }

  private static ObjectNode item(String kind, JsonNode object, Instant timestamp, long windowMillis) {
    ObjectNode item = Json.MAPPER.createObjectNode();
    item.put("kind", kind).put("apiVersion", "metrics.k8s.io/v1beta1");
    ObjectNode meta = item.putObject("metadata");
    JsonNode source = object.path("metadata");
    meta.put("name", source.path("name").asText());
    if (source.has("namespace")) meta.put("namespace", source.path("namespace").asText());
    meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    if (source.has("labels")) meta.set("labels", source.get("labels").deepCopy());
    item.put("timestamp", timestamp.truncatedTo(ChronoUnit.SECONDS).toString());
    item.put("window", windowMillis + "ms");
    return item;
  }

  /** Quantities as metrics-server writes them: CPU in nanocores, memory in KiB. */
  private static void usage(ObjectNode usage, long cpuNanoCores, long memoryBytes) {
    usage.put("cpu", cpuNanoCores + "n");
    usage.put("memory", (memoryBytes / 1024) + "Ki");
  }

  // --- gathering ---

  /** Every registered node's latest usage, each asked at most {@link #scrapeTimeout}; failures are left out. */
  CompletionStage<List<NodeUsage>> scrape() {
    Optional<PodIo> local = agent.get();
    List<CompletableFuture<Optional<NodeUsage>>> answers = new ArrayList<>();
    for (StoredObject node : service.store().list(ResourceRegistry.NODE, null).items()) {
      if (local.isPresent() && local.get().nodeName().equals(node.name())) {
        answers.add(CompletableFuture.completedFuture(local.get().usage()));
      } else {
        answers.add(remote(node).toCompletableFuture()
            .completeOnTimeout(Optional.empty(), scrapeTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
            .exceptionally(error -> {
              log.debug("no usage from node {}: {}", node.name(), error.toString());
              return Optional.empty();
            }));
      }
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(done -> answers.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
  }

  private CompletionStage<Optional<NodeUsage>> remote(StoredObject node) {
    NodeProxy.Endpoint endpoint = NodeProxy.endpointOf(node.object());
    if (endpoint == null) return CompletableFuture.completedFuture(Optional.empty());
    HttpRequest request = HttpRequest.GET(security.scheme() + "://" + endpoint.host() + ":" + endpoint.port()
        + USAGE_PATH.formatted(node.name())).addHeader(RawHeader.create(NodeProxy.FORWARDED_HEADER, node.name()));
    return (security.isSecure() ? Http.get(system).singleRequest(request, security.memberClientContext())
        : Http.get(system).singleRequest(request))
        .thenCompose(response -> response.entity().toStrict(scrapeTimeout.toMillis(), system)
            .thenApply(strict -> {
              if (response.status().intValue() != 200) return Optional.<NodeUsage>empty();
              try {
                return Optional.of(Json.MAPPER.readValue(strict.getData().toArray(), WireUsage.class).toUsage());
              } catch (java.io.IOException e) {
                return Optional.<NodeUsage>empty();
              }
            }));
  }

  /** NodeUsage between members: times as text, so the mapper needs no time module. */
  record WireUsage(String node, String timestamp, long windowMillis, long cpuNanoCores, long memoryBytes,
      List<WirePod> pods) {
    WireUsage(NodeUsage usage) {
      this(usage.node(), usage.timestamp().toString(), usage.windowMillis(), usage.cpuNanoCores(),
          usage.memoryBytes(), usage.pods().stream().map(WirePod::new).toList());
    }

    NodeUsage toUsage() {
      return new NodeUsage(node, Instant.parse(timestamp), windowMillis, cpuNanoCores, memoryBytes,
          pods.stream().map(WirePod::toUsage).toList());
    }
  }

  record WirePod(String namespace, String name, String uid, String timestamp, long windowMillis,
      List<PodUsage.ContainerUsage> containers) {
    WirePod(PodUsage usage) {
      this(usage.namespace(), usage.name(), usage.uid(), usage.timestamp().toString(), usage.windowMillis(),
          usage.containers());
    }

    PodUsage toUsage() {
      return new PodUsage(namespace, name, uid, Instant.parse(timestamp), windowMillis, containers);
    }
  }
}
