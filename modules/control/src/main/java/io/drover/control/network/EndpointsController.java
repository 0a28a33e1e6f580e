package io.drover.control.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import io.drover.control.workload.DeploymentRollout;
import io.drover.control.workload.Owners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints and EndpointSlice controllers in one: for every Service with a selector, the Endpoints object of
 * the same name and its EndpointSlices list the pods the selector picks that have an IP, with the port each
 * service port's targetPort means on that pod (a named targetPort can mean different numbers on different pods).
 * Ready pods are addresses; pods not ready, or terminating, are notReadyAddresses (ready: false in the slices)
 * unless the Service publishes not-ready addresses. Services without a selector are left to their users.
 *
 * <p>Level-triggered: a pod or Service change marks the Services concerned, a periodic resync marks all; each
 * member handles the Services it owns by key hash. Writes carry resourceVersions; a refused one is redone at the
 * next mark.
 */
public final class EndpointsController {
  private static final Logger log = LoggerFactory.getLogger(EndpointsController.class);
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "endpointslice-controller.k8s.io";

  private EndpointsController() {}

  public sealed interface Command {}

  private record Changed(WatchEvent event) implements Command {}

  private record Resync() implements Command {}

  private record Flush() implements Command {}

  private record Synced(String serviceKey) implements Command {}

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Resync(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.POD || o.type() == ResourceRegistry.SERVICE
              || o.type() == ResourceRegistry.ENDPOINTS || o.type() == ResourceRegistry.ENDPOINT_SLICE,
          e -> ctx.getSelf().tell(new Changed(e)), ctx.getSystem());
      return new Run(ctx, service, ownedHere).behavior();
    }));
  }

  private static final class Run {
    private final ActorContext<Command> ctx;
    private final ObjectService service;
    private final Predicate<String> ownedHere;
    private final Set<String> dirty = new LinkedHashSet<>();
    private final Set<String> inFlight = new HashSet<>();
    private boolean flushScheduled;

    Run(ActorContext<Command> ctx, ObjectService service, Predicate<String> ownedHere) {
      this.ctx = ctx;
      this.service = service;
      this.ownedHere = ownedHere;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            route(c.event());
            return scheduleFlush();
          })
          .onMessage(Resync.class, r -> {
            service.store().list(ResourceRegistry.SERVICE, null).items()
                .forEach(s -> mark(s.namespace(), s.name()));
            return scheduleFlush();
          })
          .onMessage(Flush.class, f -> {
            flushScheduled = false;
            for (String key : new ArrayList<>(dirty)) {
              if (inFlight.contains(key)) continue;
              dirty.remove(key);
              inFlight.add(key);
              String[] parts = key.split("/", 2);
              ctx.pipeToSelf(sync(parts[0], parts[1]), (ok, error) -> {
                if (error != null) log.debug("endpoints of {}: {}", key, error.toString());
                return new Synced(key);
              });
            }
            return Behaviors.same();
          })
          .onMessage(Synced.class, s -> {
            inFlight.remove(s.serviceKey());
            return dirty.isEmpty() ? Behaviors.same() : scheduleFlush();
          })
          .build();
    }

    /** Changes are gathered for a moment, so that a burst of pod updates makes one write per Service. */
    private Behavior<Command> scheduleFlush() {
      if (!flushScheduled && !dirty.isEmpty()) {
        flushScheduled = true;
        ctx.scheduleOnce(Duration.ofMillis(50), ctx.getSelf(), new Flush());
      }
      return Behaviors.same();
    }

    private void mark(String namespace, String name) {
      if (ownedHere.test(ResourceRegistry.SERVICE.objectKey(namespace, name))) dirty.add(namespace + "/" + name);
    }

    private void route(WatchEvent event) {
      StoredObject object = event.object();
      if (object.type() == ResourceRegistry.SERVICE) {
        mark(object.namespace(), object.name());
      } else if (object.type() == ResourceRegistry.ENDPOINTS) {
        mark(object.namespace(), object.name());
      } else if (object.type() == ResourceRegistry.ENDPOINT_SLICE) {
        String owner = object.object().path("metadata").path("labels").path(SERVICE_NAME_LABEL).asText("");
        if (!owner.isEmpty()) mark(object.namespace(), owner);
      } else {
        // A pod: the Services whose selector picks it now or picked it before.
        for (StoredObject svc : service.store().list(ResourceRegistry.SERVICE, object.namespace()).items()) {
          if (selects(svc.object(), object.object())
              || (event.previous() != null && selects(svc.object(), event.previous().object()))) {
            mark(svc.namespace(), svc.name());
          }
        }
      }
    }

    private CompletionStage<?> sync(String namespace, String name) {
      Optional<StoredObject> found = service.store().get(ResourceRegistry.SERVICE, namespace, name);
      Optional<StoredObject> endpoints = service.store().get(ResourceRegistry.ENDPOINTS, namespace, name);
      List<StoredObject> ownSlices = service.store().list(ResourceRegistry.ENDPOINT_SLICE, namespace).items().stream()
          .filter(s -> name.equals(s.object().path("metadata").path("labels").path(SERVICE_NAME_LABEL).asText()))
          .toList();
      List<CompletableFuture<?>> writes = new ArrayList<>();
      if (found.isEmpty() || Owners.isDeleting(found.get().object())) {
        // The Service is gone: so are its Endpoints (its slices go with it, by their owner reference).
        endpoints.ifPresent(ep -> writes.add(quietly(service.delete(ResourceRegistry.ENDPOINTS, namespace, name,
            new DeleteOptions(Json.text(ep.object(), "metadata.uid"), null, null, null, false)))));
        return all(writes);
      }
      ObjectNode svc = found.get().object();
      boolean selectorless = !svc.path("spec").has("selector") || svc.path("spec").path("selector").isEmpty();
      String manager = selectorless ? MIRRORED_BY : MANAGED_BY;
      List<StoredObject> slices = ownSlices.stream()
          .filter(s -> manager.equals(s.object().path("metadata").path("labels").path(MANAGED_BY_LABEL).asText()))
          .toList();
      if (selectorless) {
        // The user keeps the Endpoints; their slices mirror them (the EndpointSlice mirroring controller).
        List<ObjectNode> mirrored = endpoints.map(ep -> mirror(svc, ep.object())).orElse(List.of());
        writeSlices(namespace, slices, mirrored, writes);
        return all(writes);
      }
      Desired desired = desired(svc, service.store().list(ResourceRegistry.POD, namespace).items());
      // Endpoints.
      if (endpoints.isEmpty()) {
        writes.add(quietly(service.create(ResourceRegistry.ENDPOINTS, namespace, desired.endpoints(),
            WriteOptions.DEFAULT)));
      } else if (!sameContent(endpoints.get().object(), desired.endpoints(), "subsets")) {
        ObjectNode updated = endpoints.get().object().deepCopy();
        updated.set("subsets", desired.endpoints().path("subsets").deepCopy());
        if (!desired.endpoints().has("subsets")) updated.remove("subsets");
        Json.object(updated, "metadata").set("labels", desired.endpoints().path("metadata").path("labels").deepCopy());
        writes.add(quietly(service.update(ResourceRegistry.ENDPOINTS, namespace, name, updated,
            ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
      }
      writeSlices(namespace, slices, desired.slices(), writes);
      return all(writes);
    }

    /** Slices: one per distinct set of ports, named by it; the ones no longer wanted go. */
    private void writeSlices(String namespace, List<StoredObject> slices, List<ObjectNode> wanted,
        List<CompletableFuture<?>> writes) {
      Map<String, StoredObject> existing = new LinkedHashMap<>();
      slices.forEach(s -> existing.put(s.name(), s));
      for (ObjectNode slice : wanted) {
        String sliceName = Json.text(slice, "metadata.name");
        StoredObject current = existing.remove(sliceName);
        if (current == null) {
          writes.add(quietly(service.create(ResourceRegistry.ENDPOINT_SLICE, namespace, slice, WriteOptions.DEFAULT)));
        } else if (!sameContent(current.object(), slice, "endpoints") || !sameContent(current.object(), slice, "ports")) {
          ObjectNode updated = current.object().deepCopy();
          updated.set("endpoints", slice.get("endpoints"));
          updated.set("ports", slice.get("ports"));
          writes.add(quietly(service.update(ResourceRegistry.ENDPOINT_SLICE, namespace, sliceName, updated,
              ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
        }
      }
      for (StoredObject stale : existing.values()) {
        writes.add(quietly(service.delete(ResourceRegistry.ENDPOINT_SLICE, namespace, stale.name(),
            new DeleteOptions(Json.text(stale.object(), "metadata.uid"), null, null, null, false))));
      }
    }

    private static boolean sameContent(JsonNode current, JsonNode desired, String field) {
      JsonNode a = current.path(field);
      JsonNode b = desired.path(field);
      boolean emptyA = a.isMissingNode() || a.isNull() || (a.isArray() && a.isEmpty());
      boolean emptyB = b.isMissingNode() || b.isNull() || (b.isArray() && b.isEmpty());
      return (emptyA && emptyB) || a.equals(b);
    }

    private CompletableFuture<?> quietly(CompletionStage<?> write) {
      return write.toCompletableFuture().exceptionally(error -> {
        ApiException api = ObjectService.unwrap(error);
        if (api == null || api.code() != 409) log.debug("endpoints: {}", error.toString());
        return null;
      });
    }

    private static CompletableFuture<?> all(List<CompletableFuture<?>> writes) {
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }
  }

  public static final String MIRRORED_BY = "endpointslicemirroring-controller.k8s.io";

  /** Slices mirroring a selector-less Service's own Endpoints: one per subset. */
  static List<ObjectNode> mirror(ObjectNode svc, JsonNode endpoints) {
    List<ObjectNode> slices = new ArrayList<>();
    ObjectNode reference = Owners.reference(ResourceRegistry.SERVICE, svc);
    ObjectNode labels = Json.MAPPER.createObjectNode();
    svc.path("metadata").path("labels").properties().forEach(e -> labels.set(e.getKey(), e.getValue()));
    for (JsonNode subset : endpoints.path("subsets")) {
      List<JsonNode> ports = new ArrayList<>();
      subset.path("ports").forEach(p -> {
        ObjectNode port = p.deepCopy();
        if (!port.has("protocol")) port.put("protocol", "TCP");
        ports.add(port);
      });
      ObjectNode slice = slice(svc, reference, ports, labels);
      Json.object(Json.object(slice, "metadata"), "labels").put(MANAGED_BY_LABEL, MIRRORED_BY);
      ArrayNode sliceEndpoints = slice.putArray("endpoints");
      for (String field : List.of("addresses", "notReadyAddresses")) {
        for (JsonNode address : subset.path(field)) {
          ObjectNode endpoint = sliceEndpoints.addObject();
          endpoint.putArray("addresses").add(address.path("ip").asText());
          boolean ready = field.equals("addresses");
          endpoint.putObject("conditions").put("ready", ready).put("serving", ready).put("terminating", false);
          if (address.has("hostname")) endpoint.set("hostname", address.get("hostname"));
          if (address.has("nodeName")) endpoint.set("nodeName", address.get("nodeName"));
          if (address.has("targetRef")) endpoint.set("targetRef", address.get("targetRef"));
        }
      }
      slices.add(slice);
    }
    return slices;
  }

  /** The Endpoints and EndpointSlices a Service should have. */
  record Desired(ObjectNode endpoints, List<ObjectNode> slices) {}

  /** Pure: what the Service's selector, ports and the namespace's pods make. */
  static Desired desired(ObjectNode svc, List<StoredObject> pods) {
    String namespace = Json.text(svc, "metadata.namespace", "");
    String name = Json.text(svc, "metadata.name", "");
    boolean publishNotReady = svc.path("spec").path("publishNotReadyAddresses").asBoolean(false);
    // Pods grouped by the ports their addresses serve (as Kubernetes repacks subsets).
    Map<String, List<JsonNode>> portsByKey = new LinkedHashMap<>();
    Map<String, List<JsonNode>> podsByKey = new LinkedHashMap<>();
    List<JsonNode> ordered = pods.stream().map(StoredObject::object).map(p -> (JsonNode) p)
        .sorted(java.util.Comparator.comparing(p -> p.path("metadata").path("name").asText())).toList();
    for (JsonNode pod : ordered) {
      if (!selects(svc, pod)) continue;
      String phase = pod.path("status").path("phase").asText("");
      if (phase.equals("Succeeded") || phase.equals("Failed")) continue;
      if (pod.path("status").path("podIP").asText("").isEmpty()) continue;
      List<JsonNode> ports = new ArrayList<>();
      for (JsonNode port : svc.path("spec").path("ports")) {
        Integer number = targetPort(port, pod);
        if (number == null) continue;
        ObjectNode p = Json.MAPPER.createObjectNode();
        if (port.hasNonNull("name") && !port.path("name").asText().isEmpty()) p.put("name", port.path("name").asText());
        p.put("port", number).put("protocol", port.path("protocol").asText("TCP"));
        if (port.has("appProtocol")) p.set("appProtocol", port.get("appProtocol"));
        ports.add(p);
      }
      if (ports.isEmpty() && svc.path("spec").path("ports").size() > 0) continue;
      String key = ports.toString();
      portsByKey.putIfAbsent(key, ports);
      podsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(pod);
    }
    ObjectNode endpoints = Json.MAPPER.createObjectNode();
    endpoints.put("apiVersion", "v1").put("kind", "Endpoints");
    ObjectNode meta = endpoints.putObject("metadata");
    meta.put("name", name).put("namespace", namespace);
    ObjectNode labels = meta.putObject("labels");
    svc.path("metadata").path("labels").properties().forEach(e -> labels.set(e.getKey(), e.getValue()));
    if ("None".equals(svc.path("spec").path("clusterIP").asText())) labels.put("service.kubernetes.io/headless", "");
    ArrayNode subsets = Json.MAPPER.createArrayNode();
    List<ObjectNode> slices = new ArrayList<>();
    ObjectNode reference = Owners.reference(ResourceRegistry.SERVICE, svc);
    for (Map.Entry<String, List<JsonNode>> group : podsByKey.entrySet()) {
      List<JsonNode> ports = portsByKey.get(group.getKey());
      ObjectNode subset = Json.MAPPER.createObjectNode();
      ArrayNode ready = Json.MAPPER.createArrayNode();
      ArrayNode notReady = Json.MAPPER.createArrayNode();
      ObjectNode slice = slice(svc, reference, ports, labels);
      ArrayNode sliceEndpoints = slice.putArray("endpoints");
      for (JsonNode pod : group.getValue()) {
        boolean terminating = Owners.isDeleting(pod);
        boolean podReady = Owners.isReady(pod);
        boolean isReady = publishNotReady || (podReady && !terminating);
        ObjectNode address = Json.MAPPER.createObjectNode().put("ip", pod.path("status").path("podIP").asText());
        String hostname = hostname(svc, pod);
        if (hostname != null) address.put("hostname", hostname);
        String node = pod.path("spec").path("nodeName").asText("");
        if (!node.isEmpty()) address.put("nodeName", node);
        address.set("targetRef", targetRef(pod));
        (isReady ? ready : notReady).add(address);
        ObjectNode endpoint = sliceEndpoints.addObject();
        endpoint.putArray("addresses").add(pod.path("status").path("podIP").asText());
        endpoint.putObject("conditions").put("ready", isReady).put("serving", publishNotReady || podReady)
            .put("terminating", terminating);
        if (hostname != null) endpoint.put("hostname", hostname);
        if (!node.isEmpty()) endpoint.put("nodeName", node);
        endpoint.set("targetRef", targetRef(pod));
      }
      if (!ready.isEmpty()) subset.set("addresses", ready);
      if (!notReady.isEmpty()) subset.set("notReadyAddresses", notReady);
      if (!ports.isEmpty()) subset.set("ports", Json.MAPPER.valueToTree(ports));
      subsets.add(subset);
      slices.add(slice);
    }
    if (!subsets.isEmpty()) endpoints.set("subsets", subsets);
    if (slices.isEmpty()) {
      ObjectNode empty = slice(svc, reference, List.of(), labels);
      empty.putArray("endpoints");
      slices.add(empty);
    }
    return new Desired(endpoints, slices);
  }

  private static ObjectNode slice(ObjectNode svc, ObjectNode reference, List<JsonNode> ports, ObjectNode svcLabels) {
    String name = Json.text(svc, "metadata.name", "");
    ObjectNode slice = Json.MAPPER.createObjectNode();
    slice.put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice");
    ObjectNode meta = slice.putObject("metadata");
    String hash = DeploymentRollout.templateHash(Json.MAPPER.valueToTree(ports));
    meta.put("name", name + "-" + hash).put("namespace", Json.text(svc, "metadata.namespace", ""));
    ObjectNode labels = meta.putObject("labels");
    labels.setAll(svcLabels.deepCopy());
    labels.put(SERVICE_NAME_LABEL, name).put(MANAGED_BY_LABEL, MANAGED_BY);
    meta.putArray("ownerReferences").add(reference.deepCopy());
    slice.put("addressType", "IPv4");
    slice.set("ports", Json.MAPPER.valueToTree(ports));
    return slice;
  }

  /** The pod's hostname for DNS when it sets one and its subdomain is this Service (StatefulSet pods). */
  private static String hostname(JsonNode svc, JsonNode pod) {
    String hostname = pod.path("spec").path("hostname").asText("");
    String subdomain = pod.path("spec").path("subdomain").asText("");
    return !hostname.isEmpty() && subdomain.equals(svc.path("metadata").path("name").asText()) ? hostname : null;
  }

  private static ObjectNode targetRef(JsonNode pod) {
    return Json.MAPPER.createObjectNode().put("kind", "Pod")
        .put("namespace", pod.path("metadata").path("namespace").asText())
        .put("name", pod.path("metadata").path("name").asText())
        .put("uid", pod.path("metadata").path("uid").asText());
  }

  /** The number a service port's targetPort means on this pod, or null when a named one is not there. */
  static Integer targetPort(JsonNode servicePort, JsonNode pod) {
    JsonNode target = servicePort.path("targetPort");
    if (target.isNumber()) return target.asInt();
    String text = target.asText("");
    if (text.isEmpty()) return servicePort.path("port").asInt();
    if (text.chars().allMatch(Character::isDigit)) return Integer.parseInt(text);
    String protocol = servicePort.path("protocol").asText("TCP");
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode container : pod.path("spec").path(list)) {
        for (JsonNode port : container.path("ports")) {
          if (text.equals(port.path("name").asText()) && protocol.equals(port.path("protocol").asText("TCP"))) {
            return port.path("containerPort").asInt();
          }
        }
      }
    }
    return null;
  }

  static boolean selects(JsonNode svc, JsonNode pod) {
    JsonNode selector = svc.path("spec").path("selector");
    if (!selector.isObject() || selector.isEmpty()) return false;
    if (!svc.path("metadata").path("namespace").asText().equals(pod.path("metadata").path("namespace").asText())) {
      return false;
    }
    Map<String, String> labels = Owners.labels(pod);
    for (Map.Entry<String, JsonNode> e : selector.properties()) {
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) return false;
    }
    return true;
  }
}
