package io.drover.control.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.CreateStrategy;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.patch.PatchType;
import io.drover.api.patch.Patches;
import io.drover.api.validation.Admission;
import io.drover.api.validation.LimitRanger;
import io.drover.api.validation.PodSecurity;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The write path every writer uses (API routes and, later, controllers): it checks and defaults an object like the
 * apiserver does, sends the command to the object's entity, and answers once this member's read side shows the
 * result, so a client reads its own writes and gets the resourceVersion the write was given.
 *
 * <p>Every method returns a stage; input errors fail it with {@link ApiException}.
 */
public final class ObjectService {
  private static final int MAX_PATCH_ATTEMPTS = 8;
  private static final String NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final ClusterSharding sharding;
  private final Executor dispatcher;
  private final ObjectStore store;
  private final Duration timeout;
  private final SecureRandom random = new SecureRandom();
  private final io.drover.control.network.ServiceAddresses serviceAddresses;
  private volatile Function<String, CompletionStage<Void>> namespaceInitializer =
      ns -> CompletableFuture.completedFuture(null);

  public ObjectService(ActorSystem<?> system, ObjectStore store, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.dispatcher = system.executionContext();
    this.store = store;
    this.timeout = timeout;
    this.serviceAddresses = new io.drover.control.network.ServiceAddresses(system, timeout);
  }

  /** Cluster IPs and NodePorts of Services. */
  public io.drover.control.network.ServiceAddresses serviceAddresses() {
    return serviceAddresses;
  }

  public ObjectStore store() {
    return store;
  }

  public StoredObject get(ResourceType type, String namespace, String name) {
    return store.get(type, namespace, name).orElseThrow(() -> ApiException.notFound(type, name));
  }

  // --- create ---

  public CompletionStage<WriteResult> create(ResourceType type, String namespace, ObjectNode body,
      WriteOptions options) {
    return guard(() -> {
      ObjectNode object = body.deepCopy();
      checkTypeMeta(type, object);
      ObjectNode meta = Json.object(object, "metadata");
      String ns = resolveNamespace(type, namespace, meta);
      if (isBlank(Json.text(meta, "name")) && !isBlank(Json.text(meta, "generateName"))) {
        meta.put("name", Json.text(meta, "generateName") + randomSuffix());
      }
      List<String> fieldWarnings = checkFields(type, object, options);
      meta.remove("uid"); // the server gives uids (the create strategy may give one now, the entity otherwise)
      if (type == ResourceRegistry.PERSISTENT_VOLUME_CLAIM) defaultStorageClass(object);
      List<ObjectNode> limitRanges = limitRanges(type, ns);
      ObjectNode admitted = CreateStrategy.prepareForCreate(type,
          LimitRanger.applyDefaults(type, limitRanges, Admission.applyDefaults(type, object)));
      Admission.validate(type, admitted, null);
      confirmNoEscalation(type, ns, admitted, null, options);
      String name = Json.text(admitted, "metadata.name");
      checkNamespaceAcceptsContent(type, ns, name);
      LimitRanger.enforce(type, name, limitRanges, admitted, null);
      if (type == ResourceRegistry.POD) {
        return io.drover.control.serviceaccount.ServiceAccountAdmission.admit(this, ns, admitted)
            .thenCompose(pod -> admitAndCreate(type, ns, name, pod, options, fieldWarnings));
      }
      return admitAndCreate(type, ns, name, admitted, options, fieldWarnings)
          .thenCompose(result -> type == ResourceRegistry.NAMESPACE && !options.dryRun()
              ? initializeNamespace(name).thenApply(v -> result) : CompletableFuture.completedFuture(result));
    });
  }

  /** The validating admission plugins (PodSecurity, ResourceQuota), then the write. */
  private CompletionStage<WriteResult> admitAndCreate(ResourceType type, String ns, String name, ObjectNode admitted,
      WriteOptions options, List<String> fieldWarnings) {
    return guard(() -> {
      List<String> warnings = podSecurity(type, ns, name, admitted, fieldWarnings);
      String key = type.objectKey(ns, name);
      if (type == ResourceRegistry.SERVICE && !options.dryRun()) {
        // The Service gets its uid now, so that its addresses are held for it, and given back if the create fails.
        String uid = java.util.UUID.randomUUID().toString();
        Json.object(admitted, "metadata").put("uid", uid);
        return io.drover.control.quota.ResourceQuotas.admit(this, type, ns, name, admitted, false)
            .thenCompose(v -> serviceAddresses.assign(uid, admitted))
            .thenCompose(withAddresses -> ask(key, replyTo -> new ObjectEntity.Create(withAddresses, false, replyTo)))
            .thenCompose(result -> finish(type, name, key, result, options, true, warnings))
            .whenComplete((ok, error) -> {
              if (error != null) serviceAddresses.release(uid);
            });
      }
      return io.drover.control.quota.ResourceQuotas.admit(this, type, ns, name, admitted, options.dryRun())
          .thenCompose(v -> ask(key, replyTo -> new ObjectEntity.Create(admitted, options.dryRun(), replyTo)))
          .thenCompose(result -> finish(type, name, key, result, options, true, warnings));
    });
  }

  /**
   * RBAC's escalation prevention: a user may write a Role or binding only with permissions they hold themselves (or
   * the escalate and bind verbs). Writes of the control plane itself (no requester) are not checked.
   */
  private void confirmNoEscalation(ResourceType type, String ns, ObjectNode object, ObjectNode old,
      WriteOptions options) {
    io.drover.control.rbac.EscalationCheck check = escalationCheck;
    if (check == null || options.requester() == null || !ResourceRegistry.RBAC_GROUP.equals(type.group())) return;
    check.confirm(options.requester().user(), options.requester().groups(), type, ns, object, old);
  }

  private volatile io.drover.control.rbac.EscalationCheck escalationCheck;

  /** Checks the RBAC writes of API users with this (the control plane sets it at start). */
  public void checkRbacWritesWith(io.drover.control.rbac.EscalationCheck check) {
    this.escalationCheck = check;
  }

  /** The LimitRanges of the namespace, for the kinds LimitRanger looks at (pods, claims). */
  private List<ObjectNode> limitRanges(ResourceType type, String ns) {
    if (type != ResourceRegistry.POD && type != ResourceRegistry.PERSISTENT_VOLUME_CLAIM) return List.of();
    return store.list(ResourceRegistry.LIMIT_RANGE, ns).items().stream().map(StoredObject::object).toList();
  }

  /**
   * What a new namespace gets before its create is answered (its default ServiceAccount and kube-root-ca.crt, see
   * {@link #initializeNamespacesWith}). A failure is only logged: the namespace exists, and the controller that
   * keeps those objects makes them later.
   */
  private CompletionStage<Void> initializeNamespace(String ns) {
    return guard(() -> namespaceInitializer.apply(ns)).exceptionally(error -> {
      org.slf4j.LoggerFactory.getLogger(ObjectService.class).info("namespace {}: its defaults are left to their "
          + "controller: {}", ns, error.toString());
      return null;
    });
  }

  /**
   * Sets what every namespace created through this service gets before its create is answered. Called once by
   * the control plane as it starts, before any namespace is created.
   */
  public void initializeNamespacesWith(Function<String, CompletionStage<Void>> initializer) {
    this.namespaceInitializer = initializer;
  }

  /**
   * The StorageObjectInUseProtection and DefaultStorageClass admission plugins. DefaultStorageClass: a claim that names no class (the field absent, not "") gets the
   * class annotated storageclass.kubernetes.io/is-default-class, the newest if several are.
   */
  private void defaultStorageClass(ObjectNode claim) {
    // StorageObjectInUseProtection: the claim stays while a pod uses it (see control.storage.ClaimProtection).
    com.fasterxml.jackson.databind.node.ArrayNode finalizers = Json.object(claim, "metadata")
        .withArrayProperty("finalizers");
    boolean protectedAlready = false;
    for (com.fasterxml.jackson.databind.JsonNode f : finalizers) {
      protectedAlready |= "kubernetes.io/pvc-protection".equals(f.asText());
    }
    if (!protectedAlready) finalizers.add("kubernetes.io/pvc-protection");
    ObjectNode spec = Json.object(claim, "spec");
    if (spec.hasNonNull("storageClassName")) return;
    store.list(ResourceRegistry.STORAGE_CLASS, null).items().stream()
        .filter(c -> "true".equals(c.object().path("metadata").path("annotations")
            .path("storageclass.kubernetes.io/is-default-class").asText("")))
        .max(java.util.Comparator.comparing((StoredObject c) -> String.valueOf(Json.text(c.object(),
            "metadata.creationTimestamp"))).thenComparing(StoredObject::name))
        .ifPresent(c -> spec.put("storageClassName", c.name()));
  }

  // --- update (PUT) ---

  /** Replaces the object; its metadata.resourceVersion, when given, must be the current one. */
  public CompletionStage<WriteResult> update(ResourceType type, String namespace, String name, ObjectNode body,
      ObjectEntity.Scope scope, WriteOptions options) {
    return guard(() -> {
      ObjectNode object = body.deepCopy();
      checkTypeMeta(type, object);
      ObjectNode meta = Json.object(object, "metadata");
      String ns = resolveNamespace(type, namespace, meta);
      String given = Json.text(meta, "name");
      if (given == null || given.isEmpty()) {
        meta.put("name", name);
      } else if (!given.equals(name)) {
        throw ApiException.badRequest("the name of the object (" + given
            + ") does not match the name on the URL (" + name + ")");
      }
      StoredObject current = get(type, ns, name);
      List<String> warnings = checkFields(type, object, options);
      String rv = Json.text(meta, "resourceVersion");
      return expectedVersion(type, current, rv).thenCompose(expected ->
          write(type, ns, name, object, current, scope, expected, options, warnings));
    });
  }

  // --- patch ---

  /**
   * Applies a patch to the current object and writes it with that version as the precondition, retrying on a
   * conflict with a concurrent writer (the apiserver's GuaranteedUpdate). A server-side apply of an object that
   * does not exist creates it.
   */
  public CompletionStage<WriteResult> patch(ResourceType type, String namespace, String name, PatchType patchType,
      byte[] patchBody, ObjectEntity.Scope scope, WriteOptions options) {
    return patchAttempt(type, namespace, name, patchType, patchBody, scope, options, 1);
  }

  private CompletionStage<WriteResult> patchAttempt(ResourceType type, String namespace, String name,
      PatchType patchType, byte[] patchBody, ObjectEntity.Scope scope, WriteOptions options, int attempt) {
    return guard(() -> {
      String ns = type.namespaced() ? namespace : "";
      Optional<StoredObject> found = store.get(type, ns, name);
      if (found.isEmpty()) {
        if (patchType == PatchType.APPLY_PATCH && scope == ObjectEntity.Scope.MAIN) {
          ObjectNode applied = Patches.apply(patchType, type, emptyObject(type, ns, name), patchBody);
          return create(type, ns, applied, options);
        }
        throw ApiException.notFound(type, name);
      }
      StoredObject current = found.get();
      ObjectNode patched = Patches.apply(patchType, type, current.object(), patchBody);
      // A patch may not turn the object into another kind or move it to another name or namespace: its entity and
      // the read side file it under this kind, namespace and name (once a 200 that the read side never applied).
      checkTypeMeta(type, patched);
      ObjectNode patchedMeta = Json.object(patched, "metadata");
      if (!name.equals(Json.text(patchedMeta, "name"))) {
        throw ApiException.badRequest("the name of the object (" + Json.text(patchedMeta, "name")
            + ") does not match the name on the URL (" + name + ")");
      }
      resolveNamespace(type, ns, patchedMeta);
      String rv = Json.text(patched, "metadata.resourceVersion");
      if (!Long.toString(current.resourceVersion()).equals(rv) && rv != null) {
        throw conflict(type, name);
      }
      List<String> warnings = checkFields(type, patched, options);
      return write(type, ns, name, patched, current, scope, current.entityVersion(), options, warnings)
          .exceptionallyCompose(error -> {
            ApiException api = unwrap(error);
            boolean retry = api != null && api.code() == 409 && "Conflict".equals(api.reason())
                && attempt < MAX_PATCH_ATTEMPTS;
            if (!retry) return CompletableFuture.failedFuture(error);
            // Our view was older than the entity: catch up with it, then patch the newer object.
            return catchUp(type.objectKey(ns, name)).thenCompose(ignored -> patchAttempt(type, namespace, name,
                patchType, patchBody, scope, options, attempt + 1));
          });
    });
  }

  // --- binding ---

  /** Assigns a pod to a node (the scheduler's {@code pods/binding}); 409 when it is already assigned. */
  public CompletionStage<WriteResult> bind(String namespace, String podName, String nodeName) {
    return guard(() -> {
      ResourceType type = ResourceRegistry.POD;
      get(type, namespace, podName);
      ObjectNode binding = Json.MAPPER.createObjectNode();
      Json.object(binding, "spec").put("nodeName", nodeName);
      String key = type.objectKey(namespace, podName);
      return ask(key, replyTo -> new ObjectEntity.Update(binding, 0, ObjectEntity.Scope.BIND, false, replyTo))
          .thenCompose(result -> finish(type, podName, key, result, WriteOptions.DEFAULT, false, List.of()));
    });
  }

  // --- delete ---

  public CompletionStage<WriteResult> delete(ResourceType type, String namespace, String name,
      DeleteOptions options) {
    return guard(() -> {
      String ns = type.namespaced() ? namespace : "";
      StoredObject current = get(type, ns, name);
      String key = type.objectKey(ns, name);
      WriteOptions writeOptions = new WriteOptions(options.dryRun(), WriteOptions.FieldValidation.IGNORE);
      return expectedVersion(type, current, options.preconditionResourceVersion())
          .thenCompose(expected -> ask(key, replyTo ->
              new ObjectEntity.Delete(options.preconditionUid(), expected, options.gracePeriodSeconds(),
                  options.propagationPolicy(), options.dryRun(), replyTo)))
          .thenCompose(result -> finish(type, name, key, result, writeOptions, false, List.of()));
    });
  }

  /** Deletes every selected object of a type in a namespace (or all namespaces); answers the deleted objects. */
  public CompletionStage<List<ObjectNode>> deleteCollection(ResourceType type, String namespace,
      Predicate<StoredObject> selected, DeleteOptions options) {
    List<CompletableFuture<ObjectNode>> deletions = new ArrayList<>();
    for (StoredObject object : store.list(type, namespace).items()) {
      if (!selected.test(object)) continue;
      deletions.add(delete(type, object.namespace(), object.name(), options)
          .thenApply(WriteResult::object)
          .exceptionally(error -> {
            ApiException api = unwrap(error);
            if (api != null && api.code() == 404) return null; // deleted meanwhile
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          })
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> deletions.stream().map(CompletableFuture::join).filter(o -> o != null).toList());
  }

  // --- shared steps ---

  private CompletionStage<WriteResult> write(ResourceType type, String ns, String name, ObjectNode object,
      StoredObject current, ObjectEntity.Scope scope, long expectedVersion, WriteOptions options,
      List<String> requestWarnings) {
    ObjectNode admitted;
    if (scope == ObjectEntity.Scope.MAIN) {
      admitted = Admission.applyDefaults(type, object);
      Admission.validate(type, admitted, current.object());
      confirmNoEscalation(type, ns, admitted, current.object(), options);
      LimitRanger.enforce(type, name, limitRanges(type, ns), admitted, current.object());
    } else {
      admitted = object; // status and finalize writes keep the validated spec of the current object
    }
    String key = type.objectKey(ns, name);
    List<String> warnings = type == ResourceRegistry.NAMESPACE && scope == ObjectEntity.Scope.MAIN
        ? existingPodsViolating(name, current.object(), admitted, requestWarnings) : requestWarnings;
    if (type == ResourceRegistry.SERVICE && scope == ObjectEntity.Scope.MAIN && !options.dryRun()) {
      // A changed type or NodePort changes what the Service holds; a refused update is repaired by the allocator's
      // repair loop from the stored Service.
      return serviceAddresses.assign(Json.text(current.object(), "metadata.uid", ""), admitted)
          .thenCompose(withAddresses -> ask(key, replyTo -> new ObjectEntity.Update(withAddresses, expectedVersion,
              scope, false, replyTo)))
          .thenCompose(result -> finish(type, name, key, result, options, false, warnings));
    }
    return ask(key, replyTo -> new ObjectEntity.Update(admitted, expectedVersion, scope, options.dryRun(), replyTo))
        .thenCompose(result -> finish(type, name, key, result, options, false, warnings));
  }

  /** Turns a client's resourceVersion precondition into the entity version it names (0: none). */
  private CompletionStage<Long> expectedVersion(ResourceType type, StoredObject current, String resourceVersion) {
    if (isBlank(resourceVersion)) {
      return CompletableFuture.completedFuture(0L);
    }
    long rv;
    try {
      rv = Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid resourceVersion \"" + resourceVersion + "\"");
    }
    if (rv == current.resourceVersion()) {
      return CompletableFuture.completedFuture(current.entityVersion());
    }
    if (rv < current.resourceVersion()) {
      throw conflict(type, current.name());
    }
    // A version this member has not seen yet (another member answered the client): wait for it, then compare.
    return within(store.awaitPosition(rv)).thenApply(ignored -> {
      StoredObject now = get(type, current.namespace(), current.name());
      if (now.resourceVersion() != rv) throw conflict(type, current.name());
      return now.entityVersion();
    });
  }

  private CompletionStage<WriteResult> finish(ResourceType type, String name, String key,
      ObjectEntity.Result result, WriteOptions options, boolean created, List<String> warnings) {
    if (result instanceof ObjectEntity.Refused refused) {
      throw new ApiException(refused.code(), refused.reason(), refused.message(), type.group(), type.plural(),
          name, List.of(), null);
    }
    ObjectEntity.Done done = (ObjectEntity.Done) result;
    if (options.dryRun()) {
      ObjectNode object = done.object().deepCopy();
      object.put("apiVersion", type.apiVersion()).put("kind", type.kind());
      return CompletableFuture.completedFuture(new WriteResult(object, created, warnings));
    }
    store.poke(); // the event is in the journal: read it now rather than at the next poll
    return within(store.awaitEntityVersion(key, done.version())).thenApply(stored -> {
      ObjectNode object = stored != null ? stored.object() : done.object();
      return new WriteResult(object, created, warnings);
    });
  }

  /**
   * The object as its entity holds it this moment, not as the read side shows it (which may lag): empty when it
   * does not exist. For deciding after a lost race, e.g. whether a pod is bound to a node.
   */
  public CompletionStage<java.util.Optional<ObjectNode>> current(ResourceType type, String namespace, String name) {
    return ask(type.objectKey(namespace, name), ObjectEntity.Get::new).thenApply(result ->
        result instanceof ObjectEntity.Done done ? java.util.Optional.of(done.object()) : java.util.Optional.empty());
  }

  private CompletionStage<Void> catchUp(String key) {
    return ask(key, ObjectEntity.Get::new).thenCompose(result -> result instanceof ObjectEntity.Done done
        ? within(store.awaitEntityVersion(key, done.version())).thenApply(ignored -> (Void) null)
        : CompletableFuture.completedFuture(null));
  }

  private CompletionStage<ObjectEntity.Result> ask(String key,
      Function<ActorRef<ObjectEntity.Result>, ObjectEntity.Command> command) {
    // The ask answers with a Scala-backed stage that runs every dependent step on the common pool (a new thread
    // per step on a 2-core machine); hand the result over to the actor system's dispatcher once instead.
    CompletableFuture<ObjectEntity.Result> answer = new CompletableFuture<>();
    sharding.entityRefFor(ObjectEntity.ENTITY_TYPE_KEY, key).ask(command::apply, timeout)
        .whenCompleteAsync((result, error) -> {
          if (error == null) {
            answer.complete(result);
          } else if (unwrapCause(error) instanceof TimeoutException) {
            answer.completeExceptionally(ApiException.timeout(
                "the object's entity did not answer within " + timeout.toSeconds() + "s"));
          } else {
            answer.completeExceptionally(error);
          }
        }, dispatcher);
    return answer;
  }

  private <T> CompletionStage<T> within(CompletionStage<T> stage) {
    return stage.toCompletableFuture().copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(error -> {
          if (unwrapCause(error) instanceof TimeoutException) {
            // Rare and never explained yet (once in CI, with no warning of the tail): say where the read side was.
            org.slf4j.LoggerFactory.getLogger(ObjectService.class).warn("a write was not visible within {}: {}",
                timeout, store.describeReadSide());
            throw ApiException.timeout("the write was not visible within " + timeout.toSeconds() + "s");
          }
          throw error instanceof CompletionException c ? c : new CompletionException(error);
        });
  }

  private static void checkTypeMeta(ResourceType type, ObjectNode object) {
    String apiVersion = Json.text(object, "apiVersion");
    String kind = Json.text(object, "kind");
    if (apiVersion != null && kind != null && (!apiVersion.equals(type.apiVersion()) || !kind.equals(type.kind()))) {
      throw ApiException.badRequest("the API version in the data (" + apiVersion
          + ") does not match the expected API version (" + type.apiVersion() + ")"
          + (kind.equals(type.kind()) ? "" : " or kind " + kind + " is not " + type.kind()));
    }
    object.put("apiVersion", type.apiVersion());
    object.put("kind", type.kind());
  }

  /** The namespace an object goes in: the URL's; the body's, when given, must agree. */
  private static String resolveNamespace(ResourceType type, String urlNamespace, ObjectNode meta) {
    if (!type.namespaced()) {
      meta.remove("namespace");
      return "";
    }
    String given = Json.text(meta, "namespace");
    if (given != null && !given.isEmpty() && urlNamespace != null && !given.equals(urlNamespace)) {
      throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on "
          + "the request");
    }
    String ns = urlNamespace != null ? urlNamespace : given;
    if (isBlank(ns)) ns = "default";
    meta.put("namespace", ns);
    return ns;
  }

  /**
   * The PodSecurity admission plugin: a pod that violates its namespace's enforce level is refused (403), one that
   * violates its warn level is let through with a warning; a workload's pod template is only warned about (its
   * pods are refused when they are created). Answers the warnings to return.
   */
  private List<String> podSecurity(ResourceType type, String ns, String name, ObjectNode object,
      List<String> warnings) {
    JsonNode spec = podSpec(type, object);
    if (spec == null) return warnings;
    JsonNode labels = store.get(ResourceRegistry.NAMESPACE, "", ns).map(n -> n.object().path("metadata")
        .path("labels")).orElse(Json.MAPPER.createObjectNode());
    List<String> all = new java.util.ArrayList<>(warnings);
    java.util.Optional<String> enforce = PodSecurity.level(labels, "enforce");
    if (enforce.isPresent()) {
      List<String> violations = PodSecurity.violations(enforce.get(), spec);
      if (!violations.isEmpty()) {
        if (type != ResourceRegistry.POD) {
          all.add(PodSecurity.wouldViolate(enforce.get(), violations));
          return all;
        }
        throw new ApiException(403, "Forbidden", "pods \"" + name + "\" is forbidden: "
            + PodSecurity.forbidden(enforce.get(), violations), "", "pods", name, List.of(), null);
      }
    }
    java.util.Optional<String> warn = PodSecurity.level(labels, "warn");
    if (warn.isPresent()) {
      List<String> violations = PodSecurity.violations(warn.get(), spec);
      if (!violations.isEmpty()) all.add(PodSecurity.wouldViolate(warn.get(), violations));
    }
    return all;
  }

  /**
   * As PodSecurity does when a namespace's enforce level changes: warnings naming the namespace's pods that the new
   * level would refuse (they keep running).
   */
  private List<String> existingPodsViolating(String ns, JsonNode before, JsonNode after, List<String> warnings) {
    java.util.Optional<String> level = PodSecurity.level(after.path("metadata").path("labels"), "enforce");
    if (level.isEmpty() || level.equals(PodSecurity.level(before.path("metadata").path("labels"), "enforce"))) {
      return warnings;
    }
    List<String> podWarnings = new java.util.ArrayList<>();
    for (StoredObject pod : store.list(ResourceRegistry.POD, ns).items()) {
      List<String> violations = PodSecurity.violations(level.get(), pod.object().path("spec"));
      if (!violations.isEmpty()) podWarnings.add(pod.name() + ": " + String.join(", ", violations));
    }
    if (podWarnings.isEmpty()) return warnings;
    List<String> all = new java.util.ArrayList<>(warnings);
    all.add("existing pods in namespace \"" + ns + "\" violate the new PodSecurity enforce level "
        + PodSecurity.policy(level.get()));
    all.addAll(podWarnings);
    return all;
  }

  /** The pod spec of a pod or of a workload's template, or null for other kinds. */
  private static JsonNode podSpec(ResourceType type, ObjectNode object) {
    if (type == ResourceRegistry.POD) return object.path("spec");
    if (type == ResourceRegistry.CRON_JOB) return object.path("spec").path("jobTemplate").path("spec")
        .path("template").path("spec");
    if (type == ResourceRegistry.DEPLOYMENT || type == ResourceRegistry.REPLICA_SET
        || type == ResourceRegistry.STATEFUL_SET || type == ResourceRegistry.DAEMON_SET
        || type == ResourceRegistry.JOB) {
      return object.path("spec").path("template").path("spec");
    }
    return null;
  }

  private void checkNamespaceAcceptsContent(ResourceType type, String ns, String name) {
    if (!type.namespaced()) return;
    StoredObject namespace = store.get(ResourceRegistry.NAMESPACE, "", ns)
        .orElseThrow(() -> ApiException.notFound(ResourceRegistry.NAMESPACE, ns));
    if (Json.text(namespace.object(), "metadata.deletionTimestamp") != null) {
      throw new ApiException(403, "Forbidden", type.resourceLabel() + " \"" + name + "\" is forbidden: "
          + "unable to create new content in namespace " + ns + " because it is being terminated",
          type.group(), type.plural(), name, List.of(new ApiException.Cause("NamespaceTerminating",
          "namespace " + ns + " is being terminated", "metadata.namespace")), null);
    }
  }

  private static List<String> checkFields(ResourceType type, ObjectNode object, WriteOptions options) {
    if (options.fieldValidation() == WriteOptions.FieldValidation.IGNORE) {
      Admission.unknownFields(type, object); // still decodes, so type errors answer 400
      return List.of();
    }
    List<String> unknown = Admission.unknownFields(type, object);
    if (unknown.isEmpty()) return List.of();
    List<String> messages = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
    if (options.fieldValidation() == WriteOptions.FieldValidation.STRICT) {
      throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
          + type.kind() + ": strict decoding error: " + String.join(", ", messages));
    }
    return messages;
  }

  private static ObjectNode emptyObject(ResourceType type, String ns, String name) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.put("apiVersion", type.apiVersion()).put("kind", type.kind());
    ObjectNode meta = object.putObject("metadata");
    meta.put("name", name);
    if (type.namespaced()) meta.put("namespace", ns);
    return object;
  }

  private static ApiException conflict(ResourceType type, String name) {
    return ApiException.conflict(type, name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }

  /** Five characters for a generated name (generateName, a token volume's name), as Kubernetes picks them. */
  public String randomSuffix() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(NAME_SUFFIX_ALPHABET.charAt(random.nextInt(NAME_SUFFIX_ALPHABET.length())));
    }
    return suffix.toString();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isEmpty();
  }

  /** Runs a step that may throw synchronously; a thrown error becomes a failed stage. */
  private static <T> CompletionStage<T> guard(Supplier<CompletionStage<T>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Throwable unwrapCause(Throwable error) {
    Throwable current = error;
    while (current instanceof CompletionException && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** The ApiException behind a failed stage, or null. */
  public static ApiException unwrap(Throwable error) {
    return unwrapCause(error) instanceof ApiException api ? api : null;
  }
}
