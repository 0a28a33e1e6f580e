package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.CborSerializable;
import io.drover.control.event.EventRecorder;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The ReplicaSet controller: one persistent entity per ReplicaSet (entity id {@code namespace/name}) keeps
 * {@code spec.replicas} active pods matching the selector. It adopts matching orphans, releases pods that stopped
 * matching, deletes the least valuable pods first on scale-down, and writes the status.
 *
 * <p>Why persistent: pod names are generated, so a create is not idempotent. The entity persists the names it is
 * about to create (and delete) before it sends those requests and counts them until the read side shows them. If
 * its member dies mid-way, the entity recovers elsewhere with those intents, re-issues the creates under the same
 * names (a second create of a name is refused, never duplicated) and so never ends with more pods than asked for.
 *
 * <p>Level-triggered: every {@link Reconcile} looks at the whole picture on this member's read side. Pokes come from
 * {@link WorkloadDispatcher} when the ReplicaSet or one of its pods changes, and on a periodic resync.
 */
public final class ReplicaSetController
    extends EventSourcedBehavior<ReplicaSetController.Command, ReplicaSetController.Event,
    ReplicaSetController.State> {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "ReplicaSetController");
  /** At most this many pods are created or deleted in one round (Kubernetes' burstReplicas). */
  static final int BURST = 500;
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicaSetController.class);
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  // --- commands ---

  public sealed interface Command extends CborSerializable {}

  /** Look again (from the dispatcher, a timer, or after a round of writes). */
  public record Reconcile() implements Command {}

  /** A round of writes ended; these create or delete intents are settled. Local only. */
  private record RoundDone(List<String> settled) implements Command {}

  // --- events ---

  public sealed interface Event extends CborSerializable {}

  /** About to create pods with these names for the ReplicaSet with this uid. */
  public record CreatingPods(String ownerUid, List<String> names) implements Event {}

  /** About to delete these pods. */
  public record DeletingPods(String ownerUid, List<String> names) implements Event {}

  /** These intents are done (the pod is visible, gone, or the request failed for good). */
  public record Settled(List<String> names) implements Event {}

  // --- state ---

  /** The outstanding intents, for the ReplicaSet incarnation with uid ownerUid. */
  public record State(String ownerUid, Set<String> creating, Set<String> deleting) implements CborSerializable {
    static final State EMPTY = new State(null, Set.of(), Set.of());

    boolean idle() {
      return creating.isEmpty() && deleting.isEmpty();
    }

    State apply(Event event) {
      if (event instanceof CreatingPods c) {
        Set<String> next = new TreeSet<>(sameOwner(c.ownerUid()) ? creating : Set.of());
        next.addAll(c.names());
        return new State(c.ownerUid(), Set.copyOf(next), sameOwner(c.ownerUid()) ? deleting : Set.of());
      }
      if (event instanceof DeletingPods d) {
        Set<String> next = new TreeSet<>(sameOwner(d.ownerUid()) ? deleting : Set.of());
        next.addAll(d.names());
        return new State(d.ownerUid(), sameOwner(d.ownerUid()) ? creating : Set.of(), Set.copyOf(next));
      }
      Settled s = (Settled) event;
      Set<String> c = new TreeSet<>(creating);
      Set<String> d = new TreeSet<>(deleting);
      s.names().forEach(c::remove);
      s.names().forEach(d::remove);
      return new State(ownerUid, Set.copyOf(c), Set.copyOf(d));
    }

    private boolean sameOwner(String uid) {
      return uid.equals(ownerUid);
    }
  }

  // --- set-up ---

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "replicaset-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new ReplicaSetController(entity.getEntityId(), ctx, timers, service, events,
                clock))))
        .withRole("control-plane"));
  }

  private final String namespace;
  private final String name;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final ObjectService service;
  private final EventRecorder events;
  private final Clock clock;
  /** Not persisted: a round of writes is under way; pokes meanwhile make one more round after it. */
  private boolean busy;
  private boolean again;
  /** Not persisted: the creates this incarnation has sent (others in state.creating are re-sent). */
  private final Set<String> sent = ConcurrentHashMap.newKeySet();

  private ReplicaSetController(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ObjectService service, EventRecorder events, Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    int slash = entityId.indexOf('/');
    this.namespace = entityId.substring(0, slash);
    this.name = entityId.substring(slash + 1);
    this.ctx = ctx;
    this.timers = timers;
    this.service = service;
    this.events = events;
    this.clock = clock;
  }

  public static String entityId(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Reconcile.class, (state, cmd) -> {
          if (busy) {
            again = true;
            return Effect().none();
          }
          return reconcile(state);
        })
        .onCommand(RoundDone.class, (state, done) -> {
          busy = false;
          List<String> settled = done.settled().stream()
              .filter(n -> state.creating().contains(n) || state.deleting().contains(n)).toList();
          EffectBuilder<Event, State> effect = settled.isEmpty() ? Effect().none() : Effect().persist(new Settled(settled));
          if (again) {
            again = false;
            return effect.thenRun(s -> ctx.getSelf().tell(new Reconcile()));
          }
          return effect;
        })
        .build();
  }

  /** What one look at the ReplicaSet and its pods decided. */
  record Plan(List<StoredObject> adopt, List<StoredObject> release, List<String> settled, int create,
      List<StoredObject> delete, List<String> resend, ObjectNode status, Duration recheckIn) {}

  private Effect<Event, State> reconcile(State state) {
    Optional<StoredObject> found = service.store().get(ResourceRegistry.REPLICA_SET, namespace, name);
    if (found.isEmpty()) {
      // Gone: its pods go with the garbage collector; intents no longer matter.
      List<String> all = new ArrayList<>(state.creating());
      all.addAll(state.deleting());
      return all.isEmpty() ? Effect().none() : Effect().persist(new Settled(all));
    }
    StoredObject rs = found.get();
    List<StoredObject> pods = service.store().list(ResourceRegistry.POD, namespace).items();
    Plan plan = plan(rs, pods, state, sent, clock.instant());
    String uid = Json.text(rs.object(), "metadata.uid");
    List<Event> toPersist = new ArrayList<>();
    if (!plan.settled().isEmpty()) toPersist.add(new Settled(plan.settled()));
    List<String> newNames = new ArrayList<>();
    for (int i = 0; i < plan.create(); i++) newNames.add(name + "-" + suffix());
    if (!newNames.isEmpty()) toPersist.add(new CreatingPods(uid, newNames));
    List<String> victims = plan.delete().stream().map(StoredObject::name).toList();
    if (!victims.isEmpty()) toPersist.add(new DeletingPods(uid, victims));
    if (plan.recheckIn() != null) timers.startSingleTimer("available", new Reconcile(), plan.recheckIn());
    busy = true;
    EffectBuilder<Event, State> persisted = toPersist.isEmpty() ? Effect().none() : Effect().persist(toPersist);
    return persisted.thenRun(s -> ctx.pipeToSelf(writes(rs, plan, newNames),
        (settled, error) -> new RoundDone(error == null ? settled : List.of())));
  }

  /** Pure: compares the ReplicaSet with its pods and the outstanding intents. */
  static Plan plan(StoredObject rs, List<StoredObject> pods, State state, Set<String> sent, Instant now) {
    JsonNode object = rs.object();
    String uid = Json.text(object, "metadata.uid");
    boolean deleting = Owners.isDeleting(object);
    LabelSelector selector;
    try {
      selector = LabelSelector.fromJson(object.path("spec").path("selector"));
    } catch (ApiException e) {
      selector = LabelSelector.nothing();
    }
    boolean ours = uid.equals(state.ownerUid());
    Set<String> creating = ours ? state.creating() : Set.of();
    Set<String> deletingNames = ours ? state.deleting() : Set.of();
    List<StoredObject> adopt = new ArrayList<>();
    List<StoredObject> release = new ArrayList<>();
    List<StoredObject> owned = new ArrayList<>();
    Set<String> visible = new HashSet<>();
    for (StoredObject pod : pods) {
      visible.add(pod.name());
      JsonNode p = pod.object();
      boolean matches = Owners.matches(selector, p);
      if (Owners.controlledBy(p, uid)) {
        if (matches) owned.add(pod);
        else if (!deleting) release.add(pod);
      } else if (Owners.controllerRef(p).isEmpty() && matches && !deleting && !Owners.isDeleting(p)) {
        adopt.add(pod);
        owned.add(pod);
      }
    }
    List<String> settled = new ArrayList<>();
    List<String> resend = new ArrayList<>();
    int pendingCreates = 0;
    for (String n : creating) {
      if (visible.contains(n)) settled.add(n);
      else {
        pendingCreates++;
        if (!sent.contains(n)) resend.add(n); // sent by an earlier incarnation: send again, same name
      }
    }
    List<StoredObject> active = new ArrayList<>();
    Set<String> activeNames = new HashSet<>();
    for (StoredObject pod : owned) {
      if (Owners.isActive(pod.object())) {
        active.add(pod);
        activeNames.add(pod.name());
      }
    }
    for (String n : deletingNames) {
      if (!activeNames.contains(n)) settled.add(n);
    }
    List<StoredObject> candidates = active.stream().filter(p -> !deletingNames.contains(p.name())).toList();
    int replicas = object.path("spec").path("replicas").asInt(1);
    int diff = replicas - candidates.size() - pendingCreates;
    int create = 0;
    List<StoredObject> delete = List.of();
    if (!deleting && diff > 0) {
      create = Math.min(diff, BURST);
    } else if (!deleting && diff < 0) {
      List<StoredObject> ranked = new ArrayList<>(candidates);
      ranked.sort((a, b) -> Owners.LEAST_VALUABLE_FIRST.compare(a.object(), b.object()));
      delete = ranked.subList(0, Math.min(-diff, BURST));
    }
    int minReady = object.path("spec").path("minReadySeconds").asInt(0);
    Map<String, String> templateLabels = Owners.labels(object.path("spec").path("template"));
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    Duration recheck = null;
    // The status counts the pods that stay: those chosen for deletion now or before are already given up, so a
    // Deployment scaling old ReplicaSets down never counts them as available.
    Set<String> leaving = new HashSet<>(deletingNames);
    delete.forEach(p -> leaving.add(p.name()));
    List<StoredObject> staying = active.stream().filter(p -> !leaving.contains(p.name())).toList();
    for (StoredObject pod : staying) {
      Map<String, String> labels = Owners.labels(pod.object());
      if (labels.entrySet().containsAll(templateLabels.entrySet())) fullyLabeled++;
      if (Owners.isReady(pod.object())) ready++;
      if (Owners.isAvailable(pod.object(), minReady, now)) available++;
      Optional<Duration> wait = Owners.untilAvailable(pod.object(), minReady, now);
      if (wait.isPresent() && (recheck == null || wait.get().compareTo(recheck) < 0)) recheck = wait.get();
    }
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("replicas", staying.size());
    status.put("fullyLabeledReplicas", fullyLabeled);
    status.put("readyReplicas", ready);
    status.put("availableReplicas", available);
    status.put("observedGeneration", object.path("metadata").path("generation").asLong(1));
    if (recheck != null) recheck = recheck.plusMillis(100);
    return new Plan(adopt, release, settled, create, delete, resend, status, recheck);
  }

  /** Sends a round's requests; completes with the names whose intents are settled. */
  private CompletableFuture<List<String>> writes(StoredObject rs, Plan plan, List<String> newNames) {
    List<String> settled = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> all = new ArrayList<>();
    JsonNode object = rs.object();
    ObjectNode reference = Owners.reference(ResourceRegistry.REPLICA_SET, object);
    String uid = Json.text(object, "metadata.uid");
    for (StoredObject pod : plan.adopt()) {
      all.add(quietly(service.update(ResourceRegistry.POD, namespace, pod.name(),
          Owners.adopted(pod.object(), reference), ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
    }
    for (StoredObject pod : plan.release()) {
      all.add(quietly(service.update(ResourceRegistry.POD, namespace, pod.name(), Owners.released(pod.object(), uid),
          ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
    }
    List<String> toCreate = new ArrayList<>(newNames);
    toCreate.addAll(plan.resend());
    for (String podName : toCreate) {
      sent.add(podName);
      all.add(service.create(ResourceRegistry.POD, namespace, pod(object, reference, podName), WriteOptions.DEFAULT)
          .handle((created, error) -> {
            ApiException api = error == null ? null : ObjectService.unwrap(error);
            if (error == null) {
              settled.add(podName);
            } else if (api != null && api.code() == 409 && "AlreadyExists".equals(api.reason())) {
              // An earlier incarnation's create of this name got through: it settles once visible here.
            } else {
              settled.add(podName);
              events.warning((ObjectNode) object, "FailedCreate", "Error creating: "
                  + (api != null ? api.getMessage() : error.toString()));
            }
            return null;
          }).toCompletableFuture());
    }
    if (!newNames.isEmpty()) {
      events.normal((ObjectNode) object, "SuccessfulCreate", "Created pod" + (newNames.size() > 1 ? "s" : "")
          + ": " + String.join(", ", newNames));
    }
    for (StoredObject pod : plan.delete()) {
      all.add(service.delete(ResourceRegistry.POD, namespace, pod.name(), new DeleteOptions(
              Json.text(pod.object(), "metadata.uid"), null, null, null, false))
          .handle((deleted, error) -> {
            settled.add(pod.name());
            return null;
          }).toCompletableFuture());
    }
    if (!plan.delete().isEmpty()) {
      events.normal((ObjectNode) object, "SuccessfulDelete", "Deleted pod" + (plan.delete().size() > 1 ? "s" : "")
          + ": " + String.join(", ", plan.delete().stream().map(StoredObject::name).toList()));
    }
    if (!sameStatus(object.path("status"), plan.status())) {
      ObjectNode updated = ((ObjectNode) object).deepCopy();
      ObjectNode status = plan.status().deepCopy();
      if (object.path("status").has("conditions")) status.set("conditions", object.path("status").get("conditions"));
      updated.set("status", status);
      Json.object(updated, "metadata").remove("resourceVersion");
      all.add(quietly(service.update(ResourceRegistry.REPLICA_SET, namespace, name, updated,
          ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> List.copyOf(settled));
  }

  private static boolean sameStatus(JsonNode current, ObjectNode wanted) {
    for (Map.Entry<String, JsonNode> field : wanted.properties()) {
      if (!field.getValue().equals(current.get(field.getKey()))) return false;
    }
    return true;
  }

  /** The pod a ReplicaSet creates from its template. */
  static ObjectNode pod(JsonNode rs, ObjectNode reference, String podName) {
    JsonNode template = rs.path("spec").path("template");
    ObjectNode pod = Json.MAPPER.createObjectNode();
    pod.put("apiVersion", "v1").put("kind", "Pod");
    ObjectNode meta = pod.putObject("metadata");
    meta.put("name", podName).put("generateName", Json.text(rs, "metadata.name") + "-");
    if (template.path("metadata").has("labels")) meta.set("labels", template.path("metadata").get("labels").deepCopy());
    if (template.path("metadata").has("annotations")) {
      meta.set("annotations", template.path("metadata").get("annotations").deepCopy());
    }
    meta.putArray("ownerReferences").add(reference);
    pod.set("spec", template.path("spec").deepCopy());
    return pod;
  }

  private static String suffix() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) s.append(SUFFIX_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(27)));
    return s.toString();
  }

  private CompletableFuture<?> quietly(java.util.concurrent.CompletionStage<?> write) {
    return write.toCompletableFuture().exceptionally(error -> {
      log.debug("replicaset {}/{}: {}", namespace, name, error.toString());
      return null;
    });
  }
}
