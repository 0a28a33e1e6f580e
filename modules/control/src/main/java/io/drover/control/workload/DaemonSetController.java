package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.event.EventRecorder;
import io.drover.control.scheduler.DaemonPlacement;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * The DaemonSet controller: one daemon pod on every eligible node (node selector, required node affinity, taints
 * the pod does not tolerate), including nodes that join later; pods on nodes that stop being eligible go. Each pod
 * names its node by required node affinity on {@code metadata.name}, so the scheduler still places it (and reserves
 * its resources) as Kubernetes does. RollingUpdate replaces pods of an older template at most
 * {@code maxUnavailable} nodes at a time; OnDelete waits for the user to delete them. Daemon pods tolerate the
 * taints of not-ready, unreachable, cordoned and pressured nodes, as Kubernetes adds.
 */
public final class DaemonSetController extends PodOwnerController {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "DaemonSetController");
  public static final String REVISION_LABEL = "controller-revision-hash";
  private static final List<String[]> DAEMON_TOLERATIONS = List.of(
      new String[] {"node.kubernetes.io/not-ready", "NoExecute"},
      new String[] {"node.kubernetes.io/unreachable", "NoExecute"},
      new String[] {"node.kubernetes.io/disk-pressure", "NoSchedule"},
      new String[] {"node.kubernetes.io/memory-pressure", "NoSchedule"},
      new String[] {"node.kubernetes.io/pid-pressure", "NoSchedule"},
      new String[] {"node.kubernetes.io/unschedulable", "NoSchedule"});

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "daemonset-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new DaemonSetController(entity.getEntityId(), ctx, timers, service, events,
                clock))))
        .withRole("control-plane"));
  }

  private final Clock clock;

  private DaemonSetController(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ObjectService service, EventRecorder events, Clock clock) {
    super(ENTITY_TYPE_KEY.name(), entityId, ctx, timers, service, events);
    this.clock = clock;
  }

  /** One round: the nodes that need a pod (in the order new pods get them), pods to delete, the status. */
  record Plan(List<String> settled, List<String> needing, int create, List<StoredObject> delete, List<String> resend,
      ObjectNode status, Duration recheckIn) {}

  @Override
  protected Optional<Round> plan(State state, Set<String> sent) {
    Optional<StoredObject> found = service.store().get(ResourceRegistry.DAEMON_SET, namespace, name);
    if (found.isEmpty()) return Optional.empty();
    StoredObject ds = found.get();
    ObjectNode object = ds.object();
    Plan plan = plan(ds, service.store().list(ResourceRegistry.NODE, null).items(),
        service.store().list(ResourceRegistry.POD, namespace).items(), state, sent, clock.instant());
    ObjectNode reference = Owners.reference(ResourceRegistry.DAEMON_SET, object);
    Iterator<String> nodes = plan.needing().iterator();
    String fallback = plan.needing().isEmpty() ? null : plan.needing().get(0);
    return Optional.of(new Round(object, plan.settled(), plan.create(),
        podName -> daemonPod(object, reference, podName, nodes.hasNext() ? nodes.next() : fallback),
        plan.delete(), plan.resend(), () -> {
          List<CompletableFuture<?>> writes = new ArrayList<>(revisionWrites(object));
          if (!plan.status().equals(object.path("status"))) {
            ObjectNode updated = object.deepCopy();
            updated.set("status", plan.status());
            Json.object(updated, "metadata").remove("resourceVersion");
            writes.add(quietly(service.update(ResourceRegistry.DAEMON_SET, namespace, name, updated,
                ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
          }
          return writes;
        }, plan.recheckIn()));
  }

  /**
   * The DaemonSet's ControllerRevisions, for {@code kubectl rollout history/undo ds}: the current template's, and
   * history trimmed to revisionHistoryLimit (revisions of live pods stay).
   */
  private List<CompletableFuture<?>> revisionWrites(ObjectNode ds) {
    List<StoredObject> revisions = service.store().list(ResourceRegistry.CONTROLLER_REVISION, namespace).items();
    ControllerRevisions.Changes changes = ControllerRevisions.forTemplate(ResourceRegistry.DAEMON_SET, ds, revisions);
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (ObjectNode revision : changes.create()) {
      writes.add(quietly(service.create(ResourceRegistry.CONTROLLER_REVISION, namespace, revision,
          WriteOptions.DEFAULT)));
    }
    for (ObjectNode revision : changes.update()) {
      writes.add(quietly(service.update(ResourceRegistry.CONTROLLER_REVISION, namespace,
          Json.text(revision, "metadata.name"), revision, ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)));
    }
    Set<String> inUse = new HashSet<>(Set.of(changes.updateRevision()));
    String uid = Json.text(ds, "metadata.uid");
    for (StoredObject pod : service.store().list(ResourceRegistry.POD, namespace).items()) {
      if (Owners.controlledBy(pod.object(), uid)) inUse.add(name + "-" + revisionOf(pod.object()));
    }
    for (StoredObject old : ControllerRevisions.beyondHistory(changes.owned(), inUse,
        ds.path("spec").path("revisionHistoryLimit").asInt(10))) {
      writes.add(quietly(service.delete(ResourceRegistry.CONTROLLER_REVISION, namespace, old.name(),
          new io.drover.control.store.DeleteOptions(Json.text(old.object(), "metadata.uid"), null, null, null,
              false))));
    }
    return writes;
  }

  /** Pure: the DaemonSet against the nodes, its pods and the outstanding intents. */
  static Plan plan(StoredObject ds, List<StoredObject> nodes, List<StoredObject> pods, State state, Set<String> sent,
      Instant now) {
    ObjectNode object = ds.object();
    String uid = Json.text(object, "metadata.uid");
    String revision = revision(object);
    ObjectNode probe = daemonPod(object, Owners.reference(ResourceRegistry.DAEMON_SET, object), "probe", null);
    Set<String> eligible = new HashSet<>();
    for (StoredObject node : nodes) {
      if (!Owners.isDeleting(node.object()) && DaemonPlacement.fits(probe, node.object())) eligible.add(node.name());
    }
    Set<String> visible = new HashSet<>();
    Map<String, List<StoredObject>> byNode = new LinkedHashMap<>();
    List<StoredObject> delete = new ArrayList<>();
    Set<String> activeNames = new HashSet<>();
    int misscheduled = 0;
    for (StoredObject pod : pods) {
      visible.add(pod.name());
      JsonNode p = pod.object();
      if (!Owners.controlledBy(p, uid) || Owners.isDeleting(p)) continue;
      String phase = p.path("status").path("phase").asText("");
      if (phase.equals("Failed") || phase.equals("Succeeded")) {
        delete.add(pod); // a daemon pod that ended is replaced
        continue;
      }
      activeNames.add(pod.name());
      String node = targetNode(p);
      if (node == null || !eligible.contains(node)) {
        delete.add(pod);
        misscheduled++;
      }
      else byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
    }
    Progress progress = progress(state, uid, visible, activeNames, sent);
    int minReady = object.path("spec").path("minReadySeconds").asInt(0);
    List<String> needing = new ArrayList<>();
    List<StoredObject> onNodes = new ArrayList<>();
    JsonNode strategy = object.path("spec").path("updateStrategy");
    boolean rolling = "RollingUpdate".equals(strategy.path("type").asText("RollingUpdate"));
    // maxSurge > 0: a node gets its new pod while the old one still runs; the old goes once the new is available.
    int maxSurge = rolling ? DeploymentRollout.scaled(strategy.path("rollingUpdate").path("maxSurge"),
        eligible.size(), true, "0") : 0;
    int surging = 0;
    List<StoredObject> surgeCandidates = new ArrayList<>();
    for (String node : eligible.stream().sorted().toList()) {
      List<StoredObject> here = new ArrayList<>(byNode.getOrDefault(node, List.of()));
      here.removeIf(p -> progress.deleting().contains(p.name()));
      if (here.isEmpty()) {
        needing.add(node);
        continue;
      }
      // One per node: keep the current template's, then the oldest.
      here.sort(Comparator.<StoredObject>comparingInt(p -> revision.equals(revisionOf(p.object())) ? 0 : 1)
          .thenComparing(p -> Json.text(p.object(), "metadata.creationTimestamp") == null ? ""
              : Json.text(p.object(), "metadata.creationTimestamp")));
      StoredObject first = here.get(0);
      boolean firstCurrent = revision.equals(revisionOf(first.object()));
      if (maxSurge > 0 && firstCurrent && here.size() > 1 && !revision.equals(revisionOf(here.get(1).object()))) {
        StoredObject old = here.get(1);
        if (Owners.isAvailable(first.object(), minReady, now)) {
          onNodes.add(first);
          delete.addAll(here.subList(1, here.size()));
        } else {
          surging++; // both run until the new one is available
          onNodes.add(old);
          delete.addAll(here.subList(2, here.size()));
        }
        continue;
      }
      onNodes.add(first);
      delete.addAll(here.subList(1, here.size()));
      if (maxSurge > 0 && !firstCurrent) surgeCandidates.add(first);
    }
    for (StoredObject old : surgeCandidates) {
      // An old pod that serves nobody is replaced at once; available ones as far as maxSurge allows.
      boolean availableOld = Owners.isAvailable(old.object(), minReady, now);
      if (availableOld && surging >= maxSurge) continue;
      if (availableOld) surging++;
      needing.add(targetNode(old.object()));
    }
    int desired = eligible.size();
    int available = (int) onNodes.stream().filter(p -> Owners.isAvailable(p.object(), minReady, now)).count();
    if (rolling && maxSurge == 0) {
      int maxUnavailable = DeploymentRollout.scaled(strategy.path("rollingUpdate").path("maxUnavailable"), desired,
          true, "1");
      int unavailable = desired - available;
      List<StoredObject> old = onNodes.stream().filter(p -> !revision.equals(revisionOf(p.object()))).toList();
      // Old pods that serve nobody go at once; available ones as far as maxUnavailable allows.
      for (StoredObject p : old) {
        if (!Owners.isAvailable(p.object(), minReady, now)) delete.add(p);
      }
      int budget = maxUnavailable - unavailable;
      for (StoredObject p : old) {
        if (budget <= 0) break;
        if (Owners.isAvailable(p.object(), minReady, now)) {
          delete.add(p);
          budget--;
        }
      }
    }
    int create = Math.max(0, Math.min(BURST, needing.size() - progress.pendingCreates()));
    Duration recheck = null;
    for (StoredObject p : onNodes) {
      Optional<Duration> wait = Owners.untilAvailable(p.object(), minReady, now);
      if (wait.isPresent() && (recheck == null || wait.get().compareTo(recheck) < 0)) recheck = wait.get();
    }
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("currentNumberScheduled", onNodes.size()).put("desiredNumberScheduled", desired)
        .put("numberMisscheduled", misscheduled)
        .put("numberReady", (int) onNodes.stream().filter(p -> Owners.isReady(p.object())).count())
        .put("updatedNumberScheduled", (int) onNodes.stream().filter(p -> revision.equals(revisionOf(p.object()))).count())
        .put("numberAvailable", available)
        .put("observedGeneration", object.path("metadata").path("generation").asLong(1));
    if (desired - available > 0) status.put("numberUnavailable", desired - available);
    return new Plan(progress.settled(), needing, create, delete.stream().distinct().toList(), progress.resend(),
        status, recheck == null ? null : recheck.plusMillis(100));
  }

  /** The template's revision: the pod-template hash, as a label on every pod made from it. */
  static String revision(JsonNode ds) {
    return DeploymentRollout.templateHash(ds.path("spec").path("template"));
  }

  private static String revisionOf(JsonNode pod) {
    return pod.path("metadata").path("labels").path(REVISION_LABEL).asText("");
  }

  /** The node a daemon pod is for: where it is bound, or the node its affinity names. */
  static String targetNode(JsonNode pod) {
    String bound = pod.path("spec").path("nodeName").asText("");
    if (!bound.isEmpty()) return bound;
    for (JsonNode term : pod.path("spec").path("affinity").path("nodeAffinity")
        .path("requiredDuringSchedulingIgnoredDuringExecution").path("nodeSelectorTerms")) {
      for (JsonNode field : term.path("matchFields")) {
        if ("metadata.name".equals(field.path("key").asText()) && field.path("values").size() == 1) {
          return field.path("values").get(0).asText();
        }
      }
    }
    return null;
  }

  /** The daemon pod for a node: the template, the revision label, node affinity to that node, the tolerations. */
  static ObjectNode daemonPod(JsonNode ds, ObjectNode reference, String podName, String node) {
    ObjectNode pod = podFromTemplate(ds.path("spec").path("template"), reference,
        Json.text(ds, "metadata.name") + "-", podName);
    Json.object(Json.object(pod, "metadata"), "labels").put(REVISION_LABEL, revision(ds));
    ObjectNode spec = Json.object(pod, "spec");
    if (node != null) {
      ObjectNode required = Json.object(Json.object(Json.object(spec, "affinity"), "nodeAffinity"),
          "requiredDuringSchedulingIgnoredDuringExecution");
      ArrayNode terms = Json.MAPPER.createArrayNode();
      terms.addObject().putArray("matchFields").addObject().put("key", "metadata.name").put("operator", "In")
          .putArray("values").add(node);
      required.set("nodeSelectorTerms", terms);
    }
    ArrayNode tolerations = spec.withArrayProperty("tolerations");
    for (String[] t : DAEMON_TOLERATIONS) {
      boolean present = false;
      for (JsonNode existing : tolerations) {
        present |= t[0].equals(existing.path("key").asText()) && t[1].equals(existing.path("effect").asText());
      }
      if (!present) tolerations.addObject().put("key", t[0]).put("operator", "Exists").put("effect", t[1]);
    }
    return pod;
  }
}
