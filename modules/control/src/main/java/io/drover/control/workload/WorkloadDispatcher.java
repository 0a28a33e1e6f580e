package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Turns changes on this member's read side into pokes for the workload controller entities: a ReplicaSet or
 * Deployment that changed, the owner of a pod or ReplicaSet that changed, and the ReplicaSets whose selector an
 * orphan pod matches (for adoption). A periodic resync pokes every controller. Each member pokes the controllers
 * it owns by key hash; a poke is only "look again", so an extra one is harmless.
 */
public final class WorkloadDispatcher {
  private WorkloadDispatcher() {}

  public sealed interface Command {}

  private record Changed(WatchEvent event) implements Command {}

  private record Resync() implements Command {}

  private record Flush() implements Command {}

  /** How long pokes are gathered before they are sent (one per controller). */
  static final Duration FLUSH_INTERVAL = Duration.ofMillis(20);

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Resync(), resync);
      timers.startTimerWithFixedDelay(new Flush(), FLUSH_INTERVAL);
      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
      service.store().follow(o -> o.type() == ResourceRegistry.POD || o.type() == ResourceRegistry.REPLICA_SET
              || o.type() == ResourceRegistry.DEPLOYMENT || o.type() == ResourceRegistry.JOB
              || o.type() == ResourceRegistry.DAEMON_SET || o.type() == ResourceRegistry.NODE
              || o.type() == ResourceRegistry.CRON_JOB || o.type() == ResourceRegistry.STATEFUL_SET
              || o.type() == ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, e -> ctx.getSelf().tell(new Changed(e)),
              ctx.getSystem());
      Pokes pokes = new Pokes(sharding, ownedHere);
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            route(c.event(), service, pokes);
            return Behaviors.same();
          })
          .onMessage(Flush.class, f -> {
            pokes.flush();
            return Behaviors.same();
          })
          .onMessage(Resync.class, r -> {
            service.store().list(ResourceRegistry.REPLICA_SET, null).items()
                .forEach(rs -> pokes.replicaSet(rs.namespace(), rs.name()));
            service.store().list(ResourceRegistry.DEPLOYMENT, null).items()
                .forEach(d -> pokes.deployment(d.namespace(), d.name()));
            service.store().list(ResourceRegistry.JOB, null).items()
                .forEach(j -> pokes.job(j.namespace(), j.name()));
            service.store().list(ResourceRegistry.DAEMON_SET, null).items()
                .forEach(d -> pokes.daemonSet(d.namespace(), d.name()));
            service.store().list(ResourceRegistry.CRON_JOB, null).items()
                .forEach(c -> pokes.cronJob(c.namespace(), c.name()));
            service.store().list(ResourceRegistry.STATEFUL_SET, null).items()
                .forEach(s -> pokes.statefulSet(s.namespace(), s.name()));
            service.store().list(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, null).items()
                .forEach(h -> pokes.autoscaler(h.namespace(), h.name()));
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void route(WatchEvent event, ObjectService service, Pokes pokes) {
    StoredObject object = event.object();
    ResourceType type = object.type();
    if (type == ResourceRegistry.DEPLOYMENT) {
      pokes.deployment(object.namespace(), object.name());
      return;
    }
    if (type == ResourceRegistry.JOB) {
      pokes.job(object.namespace(), object.name());
      pokeOwner(object.object(), object.namespace(), "CronJob", pokes);
      return;
    }
    if (type == ResourceRegistry.CRON_JOB) {
      pokes.cronJob(object.namespace(), object.name());
      return;
    }
    if (type == ResourceRegistry.HORIZONTAL_POD_AUTOSCALER) {
      // The controller then looks again every sync period on its own; its status writes poke it once more.
      if (event.previous() == null || !object.object().path("spec").equals(event.previous().object().path("spec"))) {
        pokes.autoscaler(object.namespace(), object.name());
      }
      return;
    }
    if (type == ResourceRegistry.DAEMON_SET) {
      pokes.daemonSet(object.namespace(), object.name());
      return;
    }
    if (type == ResourceRegistry.STATEFUL_SET) {
      pokes.statefulSet(object.namespace(), object.name());
      return;
    }
    if (type == ResourceRegistry.NODE) {
      // A node that joins, leaves, or changes labels or taints may change where daemon pods belong.
      boolean placementChanged = event.previous() == null || event.type() == WatchEvent.Type.DELETED
          || !object.object().path("metadata").path("labels").equals(
              event.previous().object().path("metadata").path("labels"))
          || !object.object().path("spec").equals(event.previous().object().path("spec"));
      if (placementChanged) {
        service.store().list(ResourceRegistry.DAEMON_SET, null).items()
            .forEach(d -> pokes.daemonSet(d.namespace(), d.name()));
      }
      return;
    }
    if (type == ResourceRegistry.REPLICA_SET) {
      pokes.replicaSet(object.namespace(), object.name());
      pokeOwner(object.object(), object.namespace(), "Deployment", pokes);
      if (event.previous() != null) pokeOwner(event.previous().object(), object.namespace(), "Deployment", pokes);
      if (Owners.controllerRef(object.object()).isEmpty()) {
        // An orphan ReplicaSet may be adopted by a Deployment whose selector matches its template.
        for (StoredObject d : service.store().list(ResourceRegistry.DEPLOYMENT, object.namespace()).items()) {
          if (selects(d.object(), object.object().path("spec").path("template"))) {
            pokes.deployment(d.namespace(), d.name());
          }
        }
      }
      return;
    }
    // A pod.
    for (String kind : List.of("ReplicaSet", "Job", "DaemonSet", "StatefulSet")) {
      pokeOwner(object.object(), object.namespace(), kind, pokes);
      if (event.previous() != null) pokeOwner(event.previous().object(), object.namespace(), kind, pokes);
    }
    if (Owners.controllerRef(object.object()).isEmpty() && event.type() != WatchEvent.Type.DELETED) {
      for (StoredObject rs : service.store().list(ResourceRegistry.REPLICA_SET, object.namespace()).items()) {
        if (selects(rs.object(), object.object())) pokes.replicaSet(rs.namespace(), rs.name());
      }
      for (StoredObject set : service.store().list(ResourceRegistry.STATEFUL_SET, object.namespace()).items()) {
        if (selects(set.object(), object.object())) pokes.statefulSet(set.namespace(), set.name());
      }
    }
  }

  private static boolean selects(JsonNode owner, JsonNode labelled) {
    try {
      return Owners.matches(LabelSelector.fromJson(owner.path("spec").path("selector")), labelled);
    } catch (ApiException e) {
      return false;
    }
  }

  private static void pokeOwner(JsonNode object, String namespace, String kind, Pokes pokes) {
    Owners.controllerRef(object).ifPresent(ref -> {
      if (!kind.equals(ref.path("kind").asText())) return;
      switch (kind) {
        case "ReplicaSet" -> pokes.replicaSet(namespace, ref.path("name").asText());
        case "Job" -> pokes.job(namespace, ref.path("name").asText());
        case "DaemonSet" -> pokes.daemonSet(namespace, ref.path("name").asText());
        case "CronJob" -> pokes.cronJob(namespace, ref.path("name").asText());
        case "StatefulSet" -> pokes.statefulSet(namespace, ref.path("name").asText());
        default -> pokes.deployment(namespace, ref.path("name").asText());
      }
    });
  }

  /**
   * The pokes this member is responsible for, gathered and sent once per flush: a ReplicaSet of 10,000 pods sees
   * thousands of pod changes a second, and one Reconcile per change piled up in the controller's stash while it
   * persisted (Pekko unstashes recursively: the JVM died of a StackOverflowError in a rolling update of 10,000
   * pods). A poke only says "look again", so one per controller and flush says everything. Confined to the
   * dispatcher actor.
   */
  private static final class Pokes {
    private final ClusterSharding sharding;
    private final Predicate<String> ownedHere;
    private final java.util.Map<String, Runnable> pending = new java.util.LinkedHashMap<>();

    Pokes(ClusterSharding sharding, Predicate<String> ownedHere) {
      this.sharding = sharding;
      this.ownedHere = ownedHere;
    }

    void flush() {
      List<Runnable> sends = List.copyOf(pending.values());
      pending.clear();
      sends.forEach(Runnable::run);
    }

    private void later(String key, Runnable send) {
      pending.putIfAbsent(key, send);
    }

    void replicaSet(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.REPLICA_SET.objectKey(namespace, name))) return;
      later("replicaSet/" + namespace + "/" + name, () -> sharding.entityRefFor(
          ReplicaSetController.ENTITY_TYPE_KEY, ReplicaSetController.entityId(namespace, name))
          .tell(new ReplicaSetController.Reconcile()));
    }

    void daemonSet(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.DAEMON_SET.objectKey(namespace, name))) return;
      later("daemonSet/" + namespace + "/" + name, () -> sharding.entityRefFor(
          DaemonSetController.ENTITY_TYPE_KEY, DaemonSetController.entityId(namespace, name))
          .tell(new DaemonSetController.Reconcile()));
    }

    void statefulSet(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.STATEFUL_SET.objectKey(namespace, name))) return;
      later("statefulSet/" + namespace + "/" + name, () -> sharding.entityRefFor(
          StatefulSetController.ENTITY_TYPE_KEY, StatefulSetController.entityId(namespace, name))
          .tell(new StatefulSetController.Reconcile()));
    }

    void cronJob(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.CRON_JOB.objectKey(namespace, name))) return;
      later("cronJob/" + namespace + "/" + name, () -> sharding.entityRefFor(
          CronJobController.ENTITY_TYPE_KEY, namespace + "/" + name)
          .tell(new CronJobController.Reconcile()));
    }

    void autoscaler(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER.objectKey(namespace, name))) return;
      later("autoscaler/" + namespace + "/" + name, () -> sharding.entityRefFor(
          HorizontalPodAutoscalerController.ENTITY_TYPE_KEY,
          HorizontalPodAutoscalerController.entityId(namespace, name))
          .tell(new HorizontalPodAutoscalerController.Reconcile()));
    }

    void job(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.JOB.objectKey(namespace, name))) return;
      later("job/" + namespace + "/" + name, () -> sharding.entityRefFor(
          JobController.ENTITY_TYPE_KEY, JobController.entityId(namespace, name))
          .tell(new JobController.Reconcile()));
    }

    void deployment(String namespace, String name) {
      if (!ownedHere.test(ResourceRegistry.DEPLOYMENT.objectKey(namespace, name))) return;
      later("deployment/" + namespace + "/" + name, () -> sharding.entityRefFor(
          DeploymentController.ENTITY_TYPE_KEY, namespace + "/" + name)
          .tell(new DeploymentController.Reconcile()));
    }
  }
}
