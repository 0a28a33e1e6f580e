package io.drover.control.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.drover.control.secrets.SecretEncryption;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.CborSerializable;
import io.drover.control.metrics.DroverMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The single writer of one Kubernetes object (any kind), keyed {@code group/Kind/namespace/name}. It owns what
 * must be decided against the latest version: existence, optimistic concurrency, uid and creation time,
 * generation, the status subresource split, and finalizers. Defaulting and validation happen before a command
 * reaches it (they need no state); the resourceVersion is the event's ordering in the journal, assigned by the
 * read side ({@link ObjectStore}), so within the entity a version is its event sequence number.
 */
public final class ObjectEntity
    extends EventSourcedBehaviorWithEnforcedReplies<ObjectEntity.Command, ObjectEntity.Event, ObjectEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Object");
  /** Every event carries this tag: the read side follows one totally ordered stream of all objects. */
  public static final String TAG = "object";

  // --- commands ---

  public sealed interface Command extends CborSerializable {}

  /** Which part of the object an update may change. */
  public enum Scope {
    /** Everything but status (for kinds with a status subresource) and system metadata. */
    MAIN,
    /** Only status: the {@code /status} subresource. */
    STATUS,
    /** Only the namespace's spec.finalizers: the {@code /finalize} subresource. */
    FINALIZE,
    /** Assigns an unbound pod to the node named in the given object's spec.nodeName: {@code /binding}. */
    BIND
  }

  public record Create(ObjectNode object, boolean dryRun, ActorRef<Result> replyTo) implements Command {}

  /** expectedVersion 0 means unconditional (no resourceVersion given). */
  public record Update(ObjectNode object, long expectedVersion, Scope scope, boolean dryRun,
      ActorRef<Result> replyTo) implements Command {}

  /**
   * Preconditions: expectedUid null and expectedVersion 0 mean none. gracePeriodSeconds null means the object's
   * default (a bound pod's terminationGracePeriodSeconds); 0 deletes at once. propagationPolicy Orphan or
   * Foreground adds the garbage collector's {@code orphan} or {@code foregroundDeletion} finalizer, so the object
   * stays (deleting) until its dependents are orphaned or gone; null or Background deletes it now and the
   * collector deletes its dependents afterwards.
   */
  public record Delete(String expectedUid, long expectedVersion, Long gracePeriodSeconds, String propagationPolicy,
      boolean dryRun, ActorRef<Result> replyTo) implements Command {

    public Delete(String expectedUid, long expectedVersion, Long gracePeriodSeconds, boolean dryRun,
        ActorRef<Result> replyTo) {
      this(expectedUid, expectedVersion, gracePeriodSeconds, null, dryRun, replyTo);
    }
  }

  public record Get(ActorRef<Result> replyTo) implements Command {}

  // --- replies ---

  public sealed interface Result extends CborSerializable {}

  /**
   * The object as stored (without resourceVersion) after the command, at entity version {@code version}.
   * {@code deleted} when the command removed it (the object is its last state).
   */
  public record Done(ObjectNode object, long version, boolean deleted) implements Result {}

  /** A refusal, nothing persisted; code and reason as in a Kubernetes Status. */
  public record Refused(int code, String reason, String message) implements Result {}

  // --- events: the persisted, versioned format. Each carries the whole object as stored. ---

  public sealed interface Event extends CborSerializable {
    ObjectNode object();
  }

  // A Secret's object is encrypted on its way to the journal (SecretEncryption); any other object is stored as is.

  public record Created(@SealedSecrets ObjectNode object) implements Event {}

  public record Updated(@SealedSecrets ObjectNode object) implements Event {}

  public record Deleted(@SealedSecrets ObjectNode object) implements Event {}

  /** A stored object goes to and from the journal through SecretEncryption. */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @com.fasterxml.jackson.annotation.JacksonAnnotationsInside
  @JsonSerialize(using = SecretEncryption.Serializer.class)
  @JsonDeserialize(using = SecretEncryption.Deserializer.class)
  @interface SealedSecrets {}

  // --- state ---

  /** {@code object} is null while the object does not exist; {@code version} counts events (= sequence number). */
  public record State(@SealedSecrets ObjectNode object, long version) implements CborSerializable {
    static final State EMPTY = new State(null, 0);

    boolean exists() {
      return object != null;
    }

    State apply(Event event) {
      return new State(event instanceof Deleted ? null : event.object(), version + 1);
    }
  }

  // --- set-up ---

  public static void init(ActorSystem<?> system, int snapshotEveryEvents) {
    DroverMetrics metrics = DroverMetrics.get(system);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
            ctx -> create(ctx.getEntityId(), snapshotEveryEvents, Clock.systemUTC(), metrics::journalWrite))
        .withRole("control-plane"));
  }

  public static Behavior<Command> create(String objectKey, int snapshotEveryEvents, Clock clock) {
    return create(objectKey, snapshotEveryEvents, clock, started -> {});
  }

  /** @param journalWrites told the System.nanoTime() at which each persisted write began, once it is stored */
  public static Behavior<Command> create(String objectKey, int snapshotEveryEvents, Clock clock,
      LongConsumer journalWrites) {
    ResourceType type = ResourceRegistry.byKey(objectKey)
        .orElseThrow(() -> new IllegalArgumentException("no resource type for key " + objectKey));
    return new ObjectEntity(objectKey, type, snapshotEveryEvents, clock, journalWrites);
  }

  public static PersistenceId persistenceId(String objectKey) {
    return PersistenceId.of(ENTITY_TYPE_KEY.name(), objectKey);
  }

  /** The object key inside a persistence id written by {@link #persistenceId}. */
  public static String objectKeyOf(String persistenceId) {
    return persistenceId.substring(ENTITY_TYPE_KEY.name().length() + 1);
  }

  private final String objectKey;
  private final ResourceType type;
  private final int snapshotEveryEvents;
  private final Clock clock;
  private final LongConsumer journalWrites;

  private ObjectEntity(String objectKey, ResourceType type, int snapshotEveryEvents, Clock clock,
      LongConsumer journalWrites) {
    super(persistenceId(objectKey), SupervisorStrategy.restartWithBackoff(
        Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.objectKey = objectKey;
    this.type = type;
    this.snapshotEveryEvents = snapshotEveryEvents;
    this.clock = clock;
    this.journalWrites = journalWrites;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEveryEvents, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Update.class, this::onUpdate)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state.exists()
            ? new Done(state.object(), state.version(), false) : notFound()))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  private ReplyEffect<Event, State> onCreate(State state, Create cmd) {
    if (state.exists()) {
      String message = type.resourceLabel() + " \"" + name() + "\" already exists";
      if (isDeleting(state.object())) {
        message = "object is being deleted: " + message;
      }
      return Effect().reply(cmd.replyTo(), new Refused(409, "AlreadyExists", message));
    }
    ObjectNode object = cmd.object().deepCopy();
    ObjectNode meta = Json.object(object, "metadata");
    // A uid the write path chose (a Job's selector is made from it) is kept; the client's was already dropped.
    if (!meta.hasNonNull("uid") || meta.path("uid").asText().isEmpty()) meta.put("uid", UUID.randomUUID().toString());
    meta.put("creationTimestamp", now());
    meta.remove(java.util.List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
        "selfLink", "managedFields"));
    if (tracksGeneration()) {
      meta.put("generation", 1);
    } else {
      meta.remove("generation");
    }
    return persistOrDryRun(new Created(object), cmd.dryRun(), state, cmd.replyTo());
  }

  private ReplyEffect<Event, State> onUpdate(State state, Update cmd) {
    if (!state.exists()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    if (cmd.expectedVersion() != 0 && cmd.expectedVersion() != state.version()) {
      return Effect().reply(cmd.replyTo(), conflict(
          "the object has been modified; please apply your changes to the latest version and try again"));
    }
    ObjectNode old = state.object();
    String givenUid = Json.text(cmd.object(), "metadata.uid");
    String uid = Json.text(old, "metadata.uid");
    if (givenUid != null && !givenUid.equals(uid)) {
      return Effect().reply(cmd.replyTo(), conflict(
          "Precondition failed: UID in precondition: " + givenUid + ", UID in object meta: " + uid));
    }
    if (cmd.scope() == Scope.BIND) {
      String bound = Json.text(old, "spec.nodeName");
      if (bound != null && !bound.isEmpty()) {
        return Effect().reply(cmd.replyTo(), conflict("pod " + name() + " is already assigned to node \"" + bound
            + "\""));
      }
      if (isDeleting(old)) {
        return Effect().reply(cmd.replyTo(), conflict("pod " + name() + " is being deleted, cannot be assigned"));
      }
    }
    ObjectNode updated = switch (cmd.scope()) {
      case MAIN -> mainUpdate(old, cmd.object());
      case STATUS -> replaced(old, "status", cmd.object().get("status"));
      case FINALIZE -> finalizeUpdate(old, cmd.object());
      case BIND -> bindUpdate(old, Json.text(cmd.object(), "spec.nodeName"));
    };
    if (isDeleting(old) && addsFinalizer(old, updated)) {
      return Effect().reply(cmd.replyTo(), new Refused(422, "Invalid", type.kind() + " \"" + name()
          + "\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted"));
    }
    if (updated.equals(old)) {
      return Effect().reply(cmd.replyTo(), new Done(old, state.version(), false));
    }
    // Removing the last finalizer completes a deletion, unless a graceful one is still under way (a pod whose
    // containers are stopping): that ends with the node agent's delete with grace 0.
    boolean deletionComplete = isDeleting(updated) && pendingFinalizers(updated) == 0
        && gracefulSecondsLeft(updated) == 0;
    Event event = deletionComplete ? new Deleted(updated) : new Updated(updated);
    return persistOrDryRun(event, cmd.dryRun(), state, cmd.replyTo());
  }

  private ReplyEffect<Event, State> onDelete(State state, Delete cmd) {
    if (!state.exists()) {
      return Effect().reply(cmd.replyTo(), notFound());
    }
    ObjectNode old = state.object();
    String uid = Json.text(old, "metadata.uid");
    if (cmd.expectedUid() != null && !cmd.expectedUid().equals(uid)) {
      return Effect().reply(cmd.replyTo(), conflict(
          "Precondition failed: UID in precondition: " + cmd.expectedUid() + ", UID in object meta: " + uid));
    }
    if (cmd.expectedVersion() != 0 && cmd.expectedVersion() != state.version()) {
      return Effect().reply(cmd.replyTo(), conflict(
          "the object has been modified; please apply your changes to the latest version and try again"));
    }
    String propagationFinalizer = "Orphan".equals(cmd.propagationPolicy()) ? "orphan"
        : "Foreground".equals(cmd.propagationPolicy()) ? "foregroundDeletion" : null;
    if (propagationFinalizer != null && !isDeleting(old) && !hasFinalizer(old, propagationFinalizer)) {
      old = old.deepCopy();
      Json.object(old, "metadata").withArrayProperty("finalizers").add(propagationFinalizer);
    }
    long grace = gracePeriodSeconds(old, cmd.gracePeriodSeconds());
    if (grace > 0) {
      // Graceful: the node agent stops the containers, then deletes with grace 0. A shorter grace shortens it.
      Long current = Json.at(old, "metadata.deletionGracePeriodSeconds") == null ? null
          : Json.at(old, "metadata.deletionGracePeriodSeconds").asLong();
      if (isDeleting(old) && current != null && current <= grace) {
        return Effect().reply(cmd.replyTo(), new Done(old, state.version(), false));
      }
      ObjectNode deleting = old.deepCopy();
      ObjectNode meta = Json.object(deleting, "metadata");
      meta.put("deletionTimestamp", Instant.now(clock).plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
      meta.put("deletionGracePeriodSeconds", grace);
      return persistOrDryRun(new Updated(deleting), cmd.dryRun(), state, cmd.replyTo());
    }
    if (pendingFinalizers(old) > 0) {
      if (isDeleting(old) && gracefulSecondsLeft(old) == 0) {
        return Effect().reply(cmd.replyTo(), new Done(old, state.version(), false));
      }
      // Deleting now (or the end of a graceful deletion): it goes once the finalizers are removed.
      ObjectNode deleting = old.deepCopy();
      ObjectNode meta = Json.object(deleting, "metadata");
      if (!isDeleting(old)) meta.put("deletionTimestamp", now());
      meta.put("deletionGracePeriodSeconds", 0);
      if (type == ResourceRegistry.NAMESPACE) {
        Json.object(deleting, "status").put("phase", "Terminating");
      }
      return persistOrDryRun(new Updated(deleting), cmd.dryRun(), state, cmd.replyTo());
    }
    return persistOrDryRun(new Deleted(old), cmd.dryRun(), state, cmd.replyTo());
  }

  private ReplyEffect<Event, State> persistOrDryRun(Event event, boolean dryRun, State state,
      ActorRef<Result> replyTo) {
    boolean deleted = event instanceof Deleted;
    if (dryRun) {
      return Effect().reply(replyTo, new Done(event.object(), state.version(), deleted));
    }
    long started = System.nanoTime();
    return Effect().persist(event).thenReply(replyTo, s -> {
      journalWrites.accept(started); // runs once the journal has stored the event
      return new Done(event.object(), s.version(), deleted);
    });
  }

  /**
   * How long a delete waits for the object's owner to clean up. Only pods bound to a node and not finished wait
   * (their node agent stops the containers); everything else is deleted at once, as in Kubernetes.
   */
  private long gracePeriodSeconds(ObjectNode object, Long requested) {
    if (type != ResourceRegistry.POD) return 0;
    String node = Json.text(object, "spec.nodeName");
    String phase = Json.text(object, "status.phase");
    if (node == null || node.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) return 0;
    if (requested != null) return requested;
    JsonNode fromSpec = Json.at(object, "spec.terminationGracePeriodSeconds");
    return fromSpec == null ? 30 : fromSpec.asLong();
  }

  /** spec.nodeName set and condition PodScheduled=True, as the apiserver's binding does. */
  private ObjectNode bindUpdate(ObjectNode old, String nodeName) {
    ObjectNode updated = old.deepCopy();
    Json.object(updated, "spec").put("nodeName", nodeName);
    ObjectNode status = Json.object(updated, "status");
    ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
    for (int i = conditions.size() - 1; i >= 0; i--) {
      if ("PodScheduled".equals(conditions.get(i).path("type").asText())) conditions.remove(i);
    }
    conditions.addObject().put("type", "PodScheduled").put("status", "True").putNull("lastProbeTime")
        .put("lastTransitionTime", now());
    return updated;
  }

  /** A user's update: system metadata and (with a status subresource) status stay as they are. */
  private ObjectNode mainUpdate(ObjectNode old, ObjectNode given) {
    ObjectNode updated = given.deepCopy();
    ObjectNode meta = Json.object(updated, "metadata");
    JsonNode oldMeta = old.get("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation"}) {
      meta.remove(field);
      if (oldMeta.has(field)) {
        meta.set(field, oldMeta.get(field));
      }
    }
    meta.remove(java.util.List.of("resourceVersion", "selfLink", "managedFields"));
    if (type.hasStatus()) {
      updated.remove("status");
      if (old.has("status")) {
        updated.set("status", old.get("status"));
      }
    }
    if (tracksGeneration() && !java.util.Objects.equals(old.get("spec"), updated.get("spec"))) {
      meta.put("generation", oldMeta.path("generation").asLong(0) + 1);
    }
    return updated;
  }

  private static ObjectNode finalizeUpdate(ObjectNode old, ObjectNode given) {
    JsonNode finalizers = Json.at(given, "spec.finalizers");
    ObjectNode updated = old.deepCopy();
    ObjectNode spec = Json.object(updated, "spec");
    if (finalizers == null || finalizers.isEmpty()) {
      spec.remove("finalizers");
    } else {
      spec.set("finalizers", finalizers);
    }
    return updated;
  }

  private static ObjectNode replaced(ObjectNode old, String field, JsonNode value) {
    ObjectNode updated = old.deepCopy();
    if (value == null || value.isNull()) {
      updated.remove(field);
    } else {
      updated.set(field, value);
    }
    return updated;
  }

  /** metadata.finalizers, plus a namespace's spec.finalizers (the "kubernetes" finalizer empties it). */
  private int pendingFinalizers(ObjectNode object) {
    int count = Json.at(object, "metadata.finalizers") instanceof ArrayNode a ? a.size() : 0;
    if (type == ResourceRegistry.NAMESPACE && Json.at(object, "spec.finalizers") instanceof ArrayNode s) {
      count += s.size();
    }
    return count;
  }

  private static boolean addsFinalizer(ObjectNode old, ObjectNode updated) {
    JsonNode before = Json.at(old, "metadata.finalizers");
    JsonNode after = Json.at(updated, "metadata.finalizers");
    if (after == null || !after.isArray()) return false;
    for (JsonNode finalizer : after) {
      boolean known = false;
      if (before != null) {
        for (JsonNode b : before) known |= b.equals(finalizer);
      }
      if (!known) return true;
    }
    return false;
  }

  /** metadata.deletionGracePeriodSeconds of a deleting object: above 0 while a graceful deletion is under way. */
  private static long gracefulSecondsLeft(ObjectNode object) {
    JsonNode grace = Json.at(object, "metadata.deletionGracePeriodSeconds");
    return grace == null ? 0 : grace.asLong();
  }

  private static boolean hasFinalizer(ObjectNode object, String finalizer) {
    for (JsonNode f : object.path("metadata").path("finalizers")) {
      if (f.asText().equals(finalizer)) return true;
    }
    return false;
  }

  private static boolean isDeleting(ObjectNode object) {
    return Json.text(object, "metadata.deletionTimestamp") != null;
  }

  /** Kinds with a spec that controllers reconcile count spec changes in metadata.generation. */
  private boolean tracksGeneration() {
    return !type.group().isEmpty();
  }

  private String name() {
    return objectKey.substring(objectKey.lastIndexOf('/') + 1);
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private Refused notFound() {
    return new Refused(404, "NotFound", type.resourceLabel() + " \"" + name() + "\" not found");
  }

  private Refused conflict(String why) {
    return new Refused(409, "Conflict", "Operation cannot be fulfilled on " + type.resourceLabel() + " \""
        + name() + "\": " + why);
  }
}
