package io.drover.control.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's own Service, default/kubernetes, as kube-apiserver keeps it (its kubernetes-service controller and
 * endpoints reconciler): cluster IP the first address of the service range, port 443 named https, and Endpoints
 * listing the members' API addresses, which the EndpointSlice mirroring of selector-less Services turns into
 * slices. Pods get KUBERNETES_SERVICE_HOST and _PORT for it and reach the API through the service proxy.
 *
 * <p>A member's API address is what its Node publishes (InternalIP and the kubelet endpoint port, which is the
 * member's API port), while the Node is Ready: a member whose heartbeats stop leaves the Endpoints as an apiserver
 * whose lease expires does. Members without the worker role register no Node and are not listed. The member that
 * owns the Service's key writes; the Service's targetPort is the port most members serve on.
 */
public final class KubernetesService {
  private static final Logger log = LoggerFactory.getLogger(KubernetesService.class);
  public static final String NAMESPACE = "default";
  public static final String NAME = "kubernetes";
  static final int PORT = 443;
  static final String PORT_NAME = "https";

  private KubernetesService() {}

  /** A member's API address. */
  record Member(String ip, int port) {}

  /** The API addresses of the Ready Nodes' members, ordered by address. */
  static List<Member> members(List<JsonNode> nodes) {
    List<Member> members = new ArrayList<>();
    for (JsonNode node : nodes) memberOf(node).ifPresent(members::add);
    members.sort(Comparator.comparing(Member::ip).thenComparingInt(Member::port));
    return members.stream().distinct().toList();
  }

  /** The API address a Node publishes while it is Ready (virtual nodes publish no port). */
  static Optional<Member> memberOf(JsonNode node) {
    if (node.path("metadata").hasNonNull("deletionTimestamp")) return Optional.empty();
    boolean ready = false;
    for (JsonNode condition : node.path("status").path("conditions")) {
      ready |= "Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText());
    }
    int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
    String ip = "";
    for (JsonNode address : node.path("status").path("addresses")) {
      if ("InternalIP".equals(address.path("type").asText())) ip = address.path("address").asText("");
    }
    return ready && port > 0 && !ip.isEmpty() ? Optional.of(new Member(ip, port)) : Optional.empty();
  }

  /** Whether a Node's change adds, moves or removes a member (its heartbeats do not). */
  static boolean changesMembers(WatchEvent event) {
    Optional<Member> now = event.type() == WatchEvent.Type.DELETED ? Optional.empty()
        : memberOf(event.object().object());
    Optional<Member> before = event.previous() == null ? Optional.empty() : memberOf(event.previous().object());
    return !now.equals(before);
  }

  /** The port most members serve the API on (the lowest of equals), or 0 without members. */
  static int targetPort(List<Member> members) {
    Map<Integer, Integer> counts = new TreeMap<>();
    members.forEach(m -> counts.merge(m.port(), 1, Integer::sum));
    return counts.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
            .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
        .map(Map.Entry::getKey).orElse(0);
  }

  static ObjectNode service(String clusterIp, int targetPort) {
    ObjectNode service = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Service");
    ObjectNode meta = service.putObject("metadata").put("name", NAME).put("namespace", NAMESPACE);
    meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
    ObjectNode spec = service.putObject("spec");
    spec.put("type", "ClusterIP").put("clusterIP", clusterIp).put("sessionAffinity", "None");
    spec.putArray("ports").addObject().put("name", PORT_NAME).put("protocol", "TCP").put("port", PORT)
        .put("targetPort", targetPort);
    return service;
  }

  /** The Endpoints: one subset per API port, its members' addresses in order. */
  static ObjectNode endpoints(List<Member> members) {
    ObjectNode endpoints = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Endpoints");
    endpoints.putObject("metadata").put("name", NAME).put("namespace", NAMESPACE);
    Map<Integer, List<String>> byPort = new TreeMap<>();
    members.forEach(m -> byPort.computeIfAbsent(m.port(), p -> new ArrayList<>()).add(m.ip()));
    if (byPort.isEmpty()) return endpoints;
    ArrayNode subsets = endpoints.putArray("subsets");
    byPort.forEach((port, ips) -> {
      ObjectNode subset = subsets.addObject();
      ArrayNode addresses = subset.putArray("addresses");
      ips.forEach(ip -> addresses.addObject().put("ip", ip));
      subset.putArray("ports").addObject().put("name", PORT_NAME).put("port", port).put("protocol", "TCP");
    });
    return endpoints;
  }

  /** One write that brings the Service or its Endpoints in line. */
  sealed interface Action {}

  record CreateService(ObjectNode service) implements Action {}

  /** Ports and type back to what they should be; the cluster IP stays. */
  record UpdateService(ObjectNode service) implements Action {}

  record CreateEndpoints(ObjectNode endpoints) implements Action {}

  record UpdateEndpoints(ObjectNode endpoints) implements Action {}

  /**
   * The decision, as a pure function of what is stored and the members. Nothing is created before a member is
   * known (its port is the targetPort).
   */
  static List<Action> reconcile(JsonNode currentService, JsonNode currentEndpoints, List<Member> members,
      String clusterIp) {
    List<Action> actions = new ArrayList<>();
    int targetPort = targetPort(members);
    if (currentService == null) {
      if (targetPort > 0) actions.add(new CreateService(service(clusterIp, targetPort)));
    } else if (currentService.path("metadata").hasNonNull("deletionTimestamp")) {
      return actions;
    } else if (targetPort > 0) {
      ObjectNode desired = service(clusterIp, targetPort);
      JsonNode spec = currentService.path("spec");
      if (!desired.at("/spec/ports").equals(spec.path("ports"))
          || !desired.at("/spec/type").equals(spec.path("type"))) {
        ObjectNode updated = currentService.deepCopy();
        Json.object(updated, "spec").set("ports", desired.at("/spec/ports").deepCopy());
        Json.object(updated, "spec").put("type", "ClusterIP");
        actions.add(new UpdateService(updated));
      }
    }
    if (currentService == null && targetPort == 0) return actions;
    ObjectNode desiredEndpoints = endpoints(members);
    if (currentEndpoints == null) {
      actions.add(new CreateEndpoints(desiredEndpoints));
    } else if (!desiredEndpoints.path("subsets").equals(currentEndpoints.path("subsets"))) {
      ObjectNode updated = currentEndpoints.deepCopy();
      if (desiredEndpoints.has("subsets")) {
        updated.set("subsets", desiredEndpoints.get("subsets"));
      } else {
        updated.remove("subsets");
      }
      actions.add(new UpdateEndpoints(updated));
    }
    return actions;
  }

  // --- the controller ---

  public sealed interface Command {}

  private record Sync() implements Command {}

  private record Synced(Throwable error) implements Command {}

  /**
   * Follows the Nodes, the Service and its Endpoints and brings them in line (also every {@code resync}); one sync
   * at a time, a change meanwhile makes it run again after.
   */
  public static Behavior<Command> controller(ObjectService service, ServiceRanges ranges, Predicate<String> ownedHere,
      Duration resync) {
    String key = ResourceRegistry.SERVICE.objectKey(NAMESPACE, NAME);
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Sync(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.NODE
              || (NAMESPACE.equals(o.namespace()) && NAME.equals(o.name())
                  && (o.type() == ResourceRegistry.SERVICE || o.type() == ResourceRegistry.ENDPOINTS)),
          e -> {
            if (e.object().type() != ResourceRegistry.NODE || changesMembers(e)) ctx.getSelf().tell(new Sync());
          }, ctx.getSystem());
      boolean[] running = {false};
      boolean[] again = {false};
      return Behaviors.receive(Command.class)
          .onMessage(Sync.class, s -> {
            if (!ownedHere.test(key)) return Behaviors.same();
            if (running[0]) {
              again[0] = true;
              return Behaviors.same();
            }
            running[0] = true;
            ctx.pipeToSelf(sync(service, ranges), (ok, error) -> new Synced(error));
            return Behaviors.same();
          })
          .onMessage(Synced.class, done -> {
            running[0] = false;
            if (done.error() != null) log.debug("the kubernetes Service: {}", done.error().toString());
            if (again[0]) {
              again[0] = false;
              ctx.getSelf().tell(new Sync());
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static CompletionStage<Void> sync(ObjectService service, ServiceRanges ranges) {
    List<Action> actions;
    try {
      actions = reconcile(stored(service, ResourceRegistry.SERVICE), stored(service, ResourceRegistry.ENDPOINTS),
          members(service.store().list(ResourceRegistry.NODE, null).items().stream()
              .map(n -> (JsonNode) n.object()).toList()), ranges.firstIp());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (Action action : actions) {
      CompletionStage<?> write;
      if (action instanceof CreateService create) {
        write = service.create(ResourceRegistry.SERVICE, NAMESPACE, create.service(), WriteOptions.DEFAULT);
      } else if (action instanceof UpdateService update) {
        write = service.update(ResourceRegistry.SERVICE, NAMESPACE, NAME, update.service(), ObjectEntity.Scope.MAIN,
            WriteOptions.DEFAULT);
      } else if (action instanceof CreateEndpoints create) {
        write = service.create(ResourceRegistry.ENDPOINTS, NAMESPACE, create.endpoints(), WriteOptions.DEFAULT);
      } else {
        write = service.update(ResourceRegistry.ENDPOINTS, NAMESPACE, NAME, ((UpdateEndpoints) action).endpoints(),
            ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT);
      }
      writes.add(write.toCompletableFuture().exceptionally(error -> {
        ApiException api = ObjectService.unwrap(error);
        if (api == null || api.code() != 409) log.debug("the kubernetes Service: {}", error.toString());
        return null; // another member wrote first, or the next sync retries
      }));
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  private static JsonNode stored(ObjectService service, io.drover.api.ResourceType type) {
    Optional<StoredObject> found = service.store().get(type, NAMESPACE, NAME);
    return found.map(s -> (JsonNode) s.object()).orElse(null);
  }
}
