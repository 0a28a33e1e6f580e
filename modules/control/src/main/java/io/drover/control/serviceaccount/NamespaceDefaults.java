package io.drover.control.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * What every namespace holds for its pods' credentials, as kube-controller-manager's serviceaccount-controller and
 * root-ca-cert-publisher keep it: the ServiceAccount "default", and the ConfigMap kube-root-ca.crt whose
 * {@code ca.crt} is the cluster CA. Both are made when a namespace is created (before the create is answered, so a
 * pod created right after finds its ServiceAccount) and restored by {@link #controller} when deleted or, for the
 * ConfigMap, changed. Namespaces being deleted are left alone.
 */
public final class NamespaceDefaults {
  private NamespaceDefaults() {}

  public static final String ROOT_CA_CONFIG_MAP = "kube-root-ca.crt";
  static final String ROOT_CA_KEY = "ca.crt";
  static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
  static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using "
      + "internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed "
      + "across distributions of Kubernetes clusters.";

  /** One write that brings a namespace in line. */
  sealed interface Action {}

  record CreateServiceAccount(ObjectNode serviceAccount) implements Action {}

  record CreateConfigMap(ObjectNode configMap) implements Action {}

  record UpdateConfigMap(ObjectNode configMap) implements Action {}

  /**
   * The decision for one namespace, as a pure function of what it holds now.
   *
   * @param namespace the Namespace, or null when it does not exist
   * @param defaultAccount its ServiceAccount "default", or null
   * @param rootCa its ConfigMap kube-root-ca.crt, or null
   */
  static List<Action> reconcile(JsonNode namespace, JsonNode defaultAccount, JsonNode rootCa, String caPem) {
    if (namespace == null || Json.text(namespace, "metadata.deletionTimestamp") != null
        || "Terminating".equals(Json.text(namespace, "status.phase"))) {
      return List.of();
    }
    String ns = Json.text(namespace, "metadata.name");
    List<Action> actions = new ArrayList<>();
    if (defaultAccount == null) actions.add(new CreateServiceAccount(defaultServiceAccount(ns)));
    if (rootCa == null) {
      actions.add(new CreateConfigMap(rootCaConfigMap(ns, caPem)));
    } else {
      repairedRootCa(rootCa, caPem).ifPresent(repaired -> actions.add(new UpdateConfigMap(repaired)));
    }
    return actions;
  }

  static ObjectNode defaultServiceAccount(String ns) {
    ObjectNode account = Json.MAPPER.createObjectNode();
    account.put("apiVersion", "v1").put("kind", "ServiceAccount");
    account.putObject("metadata").put("name", ServiceAccountAdmission.DEFAULT_NAME).put("namespace", ns);
    return account;
  }

  static ObjectNode rootCaConfigMap(String ns, String caPem) {
    ObjectNode configMap = Json.MAPPER.createObjectNode();
    configMap.put("apiVersion", "v1").put("kind", "ConfigMap");
    ObjectNode meta = configMap.putObject("metadata").put("name", ROOT_CA_CONFIG_MAP).put("namespace", ns);
    meta.putObject("annotations").put(DESCRIPTION_ANNOTATION, DESCRIPTION);
    configMap.putObject("data").put(ROOT_CA_KEY, caPem);
    return configMap;
  }

  /**
   * The publisher's check: data must be exactly {@code {ca.crt: <CA>}} and the description annotation present (any
   * value); otherwise the ConfigMap as it is with that data and the description written.
   */
  static Optional<ObjectNode> repairedRootCa(JsonNode configMap, String caPem) {
    ObjectNode data = Json.MAPPER.createObjectNode().put(ROOT_CA_KEY, caPem);
    boolean described = !configMap.path("metadata").path("annotations").path(DESCRIPTION_ANNOTATION).asText("")
        .isEmpty();
    if (data.equals(configMap.path("data")) && described) return Optional.empty();
    ObjectNode repaired = configMap.deepCopy();
    repaired.set("data", data);
    Json.object(Json.object(repaired, "metadata"), "annotations").put(DESCRIPTION_ANNOTATION, DESCRIPTION);
    return Optional.of(repaired);
  }

  /**
   * Brings one namespace in line from this member's read side. Writes that lose to another member (already
   * exists, changed meanwhile) or to the namespace going away are not errors: the next look settles them.
   */
  public static CompletionStage<Void> ensure(ObjectService service, String ns, ServiceAccountTokens tokens) {
    JsonNode namespace = object(service, ResourceRegistry.NAMESPACE, "", ns);
    List<Action> actions = reconcile(namespace,
        object(service, ResourceRegistry.SERVICE_ACCOUNT, ns, ServiceAccountAdmission.DEFAULT_NAME),
        object(service, ResourceRegistry.CONFIG_MAP, ns, ROOT_CA_CONFIG_MAP),
        tokens.caCertificatePem());
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (Action action : actions) {
      CompletionStage<?> write;
      if (action instanceof CreateServiceAccount create) {
        write = service.create(ResourceRegistry.SERVICE_ACCOUNT, ns, create.serviceAccount(), WriteOptions.DEFAULT);
      } else if (action instanceof CreateConfigMap create) {
        write = service.create(ResourceRegistry.CONFIG_MAP, ns, create.configMap(), WriteOptions.DEFAULT);
      } else {
        write = service.update(ResourceRegistry.CONFIG_MAP, ns, ROOT_CA_CONFIG_MAP,
            ((UpdateConfigMap) action).configMap(), ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT);
      }
      writes.add(write.exceptionally(error -> {
        if (lostRace(ObjectService.unwrap(error))) return null;
        throw error instanceof java.util.concurrent.CompletionException c ? c
            : new java.util.concurrent.CompletionException(error);
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  private static boolean lostRace(ApiException api) {
    if (api == null) return false;
    return api.code() == 409 // AlreadyExists from another member, or Conflict: the object changed since read
        || api.code() == 404 // the namespace is gone
        || api.causes().stream().anyMatch(c -> "NamespaceTerminating".equals(c.reason()));
  }

  private static JsonNode object(ObjectService service, ResourceType type, String ns, String name) {
    return service.store().get(type, ns, name).map(StoredObject::object).orElse(null);
  }

  // --- the controller ---

  public sealed interface Command {}

  private record Changed(String namespace) implements Command {}

  private record Resync() implements Command {}

  private record Synced(String namespace, Throwable error) implements Command {}

  /**
   * Watches namespaces, ServiceAccounts "default" and ConfigMaps kube-root-ca.crt, and brings the namespace of each
   * change in line; every {@code resync} it looks at every namespace. Each member handles the namespaces it owns;
   * one namespace is worked on once at a time (a change meanwhile makes it run again after).
   */
  public static Behavior<Command> controller(ObjectService service, ServiceAccountTokens tokens,
      Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Resync(), resync);
      org.apache.pekko.stream.UniqueKillSwitch follow = service.store().follow(NamespaceDefaults::relevant,
          e -> ctx.getSelf().tell(new Changed(e.object().type() == ResourceRegistry.NAMESPACE
              ? e.object().name() : e.object().namespace())), ctx.getSystem());
      Set<String> inFlight = new HashSet<>();
      Set<String> dirty = new HashSet<>();
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, changed -> {
            String ns = changed.namespace();
            if (!ownedHere.test(ResourceRegistry.NAMESPACE.objectKey("", ns))) return Behaviors.same();
            if (inFlight.contains(ns)) {
              dirty.add(ns);
            } else {
              start(ctx, service, tokens, ns, inFlight);
            }
            return Behaviors.same();
          })
          .onMessage(Synced.class, synced -> {
            inFlight.remove(synced.namespace());
            if (synced.error() != null) {
              ctx.getLog().debug("namespace {}: {}", synced.namespace(), synced.error().toString());
            }
            if (dirty.remove(synced.namespace())) start(ctx, service, tokens, synced.namespace(), inFlight);
            return Behaviors.same();
          })
          .onMessage(Resync.class, r -> {
            for (StoredObject namespace : service.store().list(ResourceRegistry.NAMESPACE, null).items()) {
              ctx.getSelf().tell(new Changed(namespace.name()));
            }
            return Behaviors.same();
          })
          .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> {
            follow.shutdown();
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void start(ActorContext<Command> ctx, ObjectService service, ServiceAccountTokens tokens, String ns,
      Set<String> inFlight) {
    inFlight.add(ns);
    CompletionStage<Void> work;
    try {
      work = ensure(service, ns, tokens);
    } catch (RuntimeException e) {
      work = CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(work, (ok, error) -> new Synced(ns, error));
  }

  private static boolean relevant(StoredObject object) {
    ResourceType type = object.type();
    return type == ResourceRegistry.NAMESPACE
        || (type == ResourceRegistry.SERVICE_ACCOUNT && object.name().equals(ServiceAccountAdmission.DEFAULT_NAME))
        || (type == ResourceRegistry.CONFIG_MAP && object.name().equals(ROOT_CA_CONFIG_MAP));
  }
}
