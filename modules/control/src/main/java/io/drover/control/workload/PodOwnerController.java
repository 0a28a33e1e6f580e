package io.drover.control.workload;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.control.CborSerializable;
import io.drover.control.event.EventRecorder;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import io.drover.api.ResourceRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the controllers that create pods by generated names share (ReplicaSet, Job): one persistent sharded entity
 * per owner (entity id {@code namespace/name}) that persists the names of the pods it is about to create or delete
 * before it sends those requests, and counts them until the read side shows them. Pod names are generated, so a
 * create is not idempotent: an entity that recovers on another member after its member died re-sends its unfinished
 * creates under the same names (a second create of a name is refused, never duplicated), so it never ends with more
 * pods than it asked for.
 *
 * <p>Level-triggered: every {@link Reconcile} looks at the whole picture on this member's read side and plans one
 * round of writes ({@link #plan}); pokes while a round is under way make one more round after it.
 */
public abstract class PodOwnerController
    extends EventSourcedBehavior<PodOwnerController.Command, PodOwnerController.Event, PodOwnerController.State> {
  private static final Logger log = LoggerFactory.getLogger(PodOwnerController.class);
  /** At most this many pods are created or deleted in one round (Kubernetes' burstReplicas). */
  static final int BURST = 500;
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  // --- commands ---

  public sealed interface Command extends CborSerializable {}

  /** Look again (from the dispatcher, a timer, or after a round of writes). */
  public record Reconcile() implements Command {}

  /** A round of writes ended; these create or delete intents are settled. Local only. */
  private record RoundDone(List<String> settled) implements Command {}

  // --- events ---

  public sealed interface Event extends CborSerializable {}

  /** About to create pods with these names for the owner with this uid. */
  public record CreatingPods(String ownerUid, List<String> names) implements Event {}

  /** About to delete these pods. */
  public record DeletingPods(String ownerUid, List<String> names) implements Event {}

  /** These intents are done (the pod is visible, gone, or the request failed for good). */
  public record Settled(List<String> names) implements Event {}

  // --- state ---

  /** The outstanding intents, for the owner incarnation with uid ownerUid. */
  public record State(String ownerUid, Set<String> creating, Set<String> deleting) implements CborSerializable {
    static final State EMPTY = new State(null, Set.of(), Set.of());

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

  /**
   * How the intents stand against the pods the read side shows: which are settled, how many creates are still on
   * their way (and which of those an earlier incarnation sent, to send again), and which deletions are pending.
   */
  record Progress(List<String> settled, int pendingCreates, List<String> resend, Set<String> deleting) {}

  /**
   * @param visible names of all pods in the namespace; @param active names of the owner's active pods
   * @param sent the creates this incarnation has sent
   */
  static Progress progress(State state, String ownerUid, Set<String> visible, Set<String> active, Set<String> sent) {
    boolean ours = ownerUid.equals(state.ownerUid());
    Set<String> creating = ours ? state.creating() : Set.of();
    Set<String> deleting = ours ? state.deleting() : Set.of();
    List<String> settled = new ArrayList<>();
    List<String> resend = new ArrayList<>();
    int pending = 0;
    for (String n : creating) {
      if (visible.contains(n)) {
        settled.add(n);
      } else {
        pending++;
        if (!sent.contains(n)) resend.add(n);
      }
    }
    Set<String> stillDeleting = new HashSet<>();
    for (String n : deleting) {
      if (active.contains(n)) stillDeleting.add(n);
      else settled.add(n);
    }
    return new Progress(settled, pending, resend, stillDeleting);
  }

  /**
   * One round of writes an owner planned.
   *
   * @param owner the owner object (events are recorded on it)
   * @param create how many new pods, each built by podFor from its generated name
   * @param otherWrites writes beyond pod creates and deletes (adoption, status), started after the intents persist
   * @param recheckIn look again after this long even if nothing changes, or null
   */
  record Round(ObjectNode owner, List<String> settled, int create, Function<String, ObjectNode> podFor,
      List<StoredObject> delete, List<String> resend, Supplier<List<CompletableFuture<?>>> otherWrites,
      Duration recheckIn) {}

  protected final String namespace;
  protected final String name;
  protected final ObjectService service;
  protected final EventRecorder events;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  /** Not persisted: a round of writes is under way; pokes meanwhile make one more round after it. */
  private boolean busy;
  private boolean again;
  /** Not persisted: the creates this incarnation has sent (others in state.creating are re-sent). */
  private final Set<String> sent = ConcurrentHashMap.newKeySet();

  protected PodOwnerController(String typeName, String entityId, ActorContext<Command> ctx,
      TimerScheduler<Command> timers, ObjectService service, EventRecorder events) {
    super(PersistenceId.of(typeName, entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    int slash = entityId.indexOf('/');
    this.namespace = entityId.substring(0, slash);
    this.name = entityId.substring(slash + 1);
    this.ctx = ctx;
    this.timers = timers;
    this.service = service;
    this.events = events;
  }

  public static String entityId(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** The round to run now, or empty when the owner is gone. */
  protected abstract Optional<Round> plan(State state, Set<String> sent);

  /** The owner's uid, for the intents (from the round's owner object). */
  private static String uid(Round round) {
    return Json.text(round.owner(), "metadata.uid");
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

  private Effect<Event, State> reconcile(State state) {
    Optional<Round> planned = plan(state, sent);
    if (planned.isEmpty()) {
      // Gone: its pods go with the garbage collector; intents no longer matter.
      List<String> all = new ArrayList<>(state.creating());
      all.addAll(state.deleting());
      return all.isEmpty() ? Effect().none() : Effect().persist(new Settled(all));
    }
    Round round = planned.get();
    List<Event> toPersist = new ArrayList<>();
    if (!round.settled().isEmpty()) toPersist.add(new Settled(round.settled()));
    List<String> newNames = new ArrayList<>();
    for (int i = 0; i < round.create(); i++) newNames.add(name + "-" + suffix());
    if (!newNames.isEmpty()) toPersist.add(new CreatingPods(uid(round), newNames));
    List<String> victims = round.delete().stream().map(StoredObject::name).toList();
    if (!victims.isEmpty()) toPersist.add(new DeletingPods(uid(round), victims));
    if (round.recheckIn() != null) timers.startSingleTimer("recheck", new Reconcile(), round.recheckIn());
    busy = true;
    EffectBuilder<Event, State> persisted = toPersist.isEmpty() ? Effect().none() : Effect().persist(toPersist);
    return persisted.thenRun(s -> ctx.pipeToSelf(writes(round, newNames),
        (settled, error) -> new RoundDone(error == null ? settled : List.of())));
  }

  /** Sends a round's requests; completes with the names whose intents are settled. */
  private CompletableFuture<List<String>> writes(Round round, List<String> newNames) {
    List<String> settled = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> all = new ArrayList<>(round.otherWrites().get());
    ObjectNode owner = round.owner();
    List<String> toCreate = new ArrayList<>(newNames);
    toCreate.addAll(round.resend());
    for (String podName : toCreate) {
      sent.add(podName);
      all.add(service.create(ResourceRegistry.POD, namespace, round.podFor().apply(podName), WriteOptions.DEFAULT)
          .handle((created, error) -> {
            ApiException api = error == null ? null : ObjectService.unwrap(error);
            if (error == null) {
              settled.add(podName);
            } else if (api != null && api.code() == 409 && "AlreadyExists".equals(api.reason())) {
              // An earlier incarnation's create of this name got through: it settles once visible here.
            } else {
              settled.add(podName);
              events.warning(owner, "FailedCreate", "Error creating: "
                  + (api != null ? api.getMessage() : error.toString()));
            }
            return null;
          }).toCompletableFuture());
    }
    if (!newNames.isEmpty()) {
      events.normal(owner, "SuccessfulCreate", "Created pod" + (newNames.size() > 1 ? "s" : "") + ": "
          + String.join(", ", newNames));
    }
    for (StoredObject pod : round.delete()) {
      all.add(service.delete(ResourceRegistry.POD, namespace, pod.name(), new DeleteOptions(
              Json.text(pod.object(), "metadata.uid"), null, null, null, false))
          .handle((deleted, error) -> {
            settled.add(pod.name());
            return null;
          }).toCompletableFuture());
    }
    if (!round.delete().isEmpty()) {
      events.normal(owner, "SuccessfulDelete", "Deleted pod" + (round.delete().size() > 1 ? "s" : "") + ": "
          + String.join(", ", round.delete().stream().map(StoredObject::name).toList()));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> List.copyOf(settled));
  }

  /** A write whose failure is only logged: the next round (a poke or the resync) repairs it. */
  protected CompletableFuture<?> quietly(CompletionStage<?> write) {
    return write.toCompletableFuture().exceptionally(error -> {
      log.debug("{} {}/{}: {}", getClass().getSimpleName(), namespace, name, error.toString());
      return null;
    });
  }

  /** A pod built from an owner's pod template, with the owner's controller reference. */
  static ObjectNode podFromTemplate(com.fasterxml.jackson.databind.JsonNode template, ObjectNode reference,
      String generateName, String podName) {
    ObjectNode pod = Json.MAPPER.createObjectNode();
    pod.put("apiVersion", "v1").put("kind", "Pod");
    ObjectNode meta = pod.putObject("metadata");
    meta.put("name", podName).put("generateName", generateName);
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
}
