package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.event.EventRecorder;
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
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The ReplicaSet controller: one persistent entity per ReplicaSet keeps {@code spec.replicas} active pods matching
 * the selector. It adopts matching orphans, releases pods that stopped matching, deletes the least valuable pods
 * first on scale-down, and writes the status. Persisting its create and delete intents (see
 * {@link PodOwnerController}) is what keeps it from over-creating when it moves to another member.
 *
 * <p>Pokes come from {@link WorkloadDispatcher} when the ReplicaSet or one of its pods changes, and on a resync.
 */
public final class ReplicaSetController extends PodOwnerController {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "ReplicaSetController");

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "replicaset-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new ReplicaSetController(entity.getEntityId(), ctx, timers, service, events,
                clock))))
        .withRole("control-plane"));
  }

  private final Clock clock;

  private ReplicaSetController(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ObjectService service, EventRecorder events, Clock clock) {
    super(ENTITY_TYPE_KEY.name(), entityId, ctx, timers, service, events);
    this.clock = clock;
  }

  /** What one look at the ReplicaSet and its pods decided. */
  record Plan(List<StoredObject> adopt, List<StoredObject> release, List<String> settled, int create,
      List<StoredObject> delete, List<String> resend, ObjectNode status, Duration recheckIn) {}

  @Override
  protected Optional<Round> plan(State state, Set<String> sent) {
    Optional<StoredObject> found = service.store().get(ResourceRegistry.REPLICA_SET, namespace, name);
    if (found.isEmpty()) return Optional.empty();
    StoredObject rs = found.get();
    List<StoredObject> pods = service.store().list(ResourceRegistry.POD, namespace).items();
    Plan plan = plan(rs, pods, state, sent, clock.instant());
    ObjectNode object = rs.object();
    ObjectNode reference = Owners.reference(ResourceRegistry.REPLICA_SET, object);
    String uid = Json.text(object, "metadata.uid");
    return Optional.of(new Round(object, plan.settled(), plan.create(),
        podName -> podFromTemplate(object.path("spec").path("template"), reference, name + "-", podName),
        plan.delete(), plan.resend(), () -> {
          List<CompletableFuture<?>> writes = new ArrayList<>();
          for (StoredObject pod : plan.adopt()) {
            writes.add(quietly(service.update(ResourceRegistry.POD, namespace, pod.name(),
                Owners.adopted(pod.object(), reference), ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
          }
          for (StoredObject pod : plan.release()) {
            writes.add(quietly(service.update(ResourceRegistry.POD, namespace, pod.name(),
                Owners.released(pod.object(), uid), ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
          }
          if (!sameStatus(object.path("status"), plan.status())) {
            ObjectNode updated = object.deepCopy();
            ObjectNode status = plan.status().deepCopy();
            if (object.path("status").has("conditions")) status.set("conditions", object.path("status").get("conditions"));
            updated.set("status", status);
            Json.object(updated, "metadata").remove("resourceVersion");
            writes.add(quietly(service.update(ResourceRegistry.REPLICA_SET, namespace, name, updated,
                ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
          }
          return writes;
        }, plan.recheckIn()));
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
    Set<String> activeNames = new HashSet<>();
    List<StoredObject> active = new ArrayList<>();
    for (StoredObject pod : owned) {
      if (Owners.isActive(pod.object())) {
        active.add(pod);
        activeNames.add(pod.name());
      }
    }
    Progress progress = progress(state, uid, visible, activeNames, sent);
    Set<String> deletingNames = progress.deleting();
    int pendingCreates = progress.pendingCreates();
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
    return new Plan(adopt, release, progress.settled(), create, delete, progress.resend(), status, recheck);
  }

  private static boolean sameStatus(JsonNode current, ObjectNode wanted) {
    for (Map.Entry<String, JsonNode> field : wanted.properties()) {
      if (!field.getValue().equals(current.get(field.getKey()))) return false;
    }
    return true;
  }
}
