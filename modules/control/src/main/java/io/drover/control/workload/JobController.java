package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.event.EventRecorder;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * The Job controller (batch/v1): one persistent entity per Job runs pods until {@code completions} of them
 * succeeded, at most {@code parallelism} at a time (a Job without completions is a work queue: done when one
 * succeeded and none is left running). Failed pods count against {@code backoffLimit}, with new pods delayed
 * after failures (10 s doubling up to 6 min, configurable); {@code activeDeadlineSeconds} bounds the whole run.
 * The Job ends with the Complete or Failed condition, its remaining pods deleted on failure, and is itself deleted
 * {@code ttlSecondsAfterFinished} after it finished. The create and delete intents are those of
 * {@link PodOwnerController}.
 */
public final class JobController extends PodOwnerController {
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "JobController");
  static final Duration MAX_BACKOFF = Duration.ofMinutes(6);

  public static void init(ActorSystem<?> system, ObjectService service, Duration backoffInitial, Clock clock) {
    EventRecorder events = new EventRecorder(service, "job-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new JobController(entity.getEntityId(), ctx, timers, service, events,
                backoffInitial, clock))))
        .withRole("control-plane"));
  }

  private final Duration backoffInitial;
  private final Clock clock;

  private JobController(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ObjectService service, EventRecorder events, Duration backoffInitial, Clock clock) {
    super(ENTITY_TYPE_KEY.name(), entityId, ctx, timers, service, events);
    this.backoffInitial = backoffInitial;
    this.clock = clock;
  }

  /**
   * What one look at the Job decided. finished: the condition it reached this round (Complete or Failed, with
   * reason and message) or null; deleteJob: its time to live ran out.
   */
  record Plan(List<String> settled, int create, List<StoredObject> delete, List<String> resend, ObjectNode status,
      String[] finished, boolean deleteJob, Duration recheckIn) {}

  @Override
  protected Optional<Round> plan(State state, Set<String> sent) {
    Optional<StoredObject> found = service.store().get(ResourceRegistry.JOB, namespace, name);
    if (found.isEmpty()) return Optional.empty();
    StoredObject job = found.get();
    ObjectNode object = job.object();
    List<StoredObject> pods = service.store().list(ResourceRegistry.POD, namespace).items();
    Plan plan = plan(job, pods, state, sent, backoffInitial, clock.instant());
    ObjectNode reference = Owners.reference(ResourceRegistry.JOB, object);
    return Optional.of(new Round(object, plan.settled(), plan.create(),
        podName -> podFromTemplate(object.path("spec").path("template"), reference, name + "-", podName),
        plan.delete(), plan.resend(), () -> {
          List<CompletableFuture<?>> writes = new ArrayList<>();
          if (plan.deleteJob()) {
            writes.add(quietly(service.delete(ResourceRegistry.JOB, namespace, name, new DeleteOptions(
                Json.text(object, "metadata.uid"), null, null, "Background", false))));
            return writes;
          }
          if (plan.finished() != null) {
            if (plan.finished()[0].equals("Complete")) events.normal(object, "Completed", "Job completed");
            else events.warning(object, plan.finished()[1], plan.finished()[2]);
          }
          if (!plan.status().equals(object.path("status"))) {
            ObjectNode updated = object.deepCopy();
            updated.set("status", plan.status());
            Json.object(updated, "metadata").remove("resourceVersion");
            writes.add(quietly(service.update(ResourceRegistry.JOB, namespace, name, updated,
                ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT)));
          }
          return writes;
        }, plan.recheckIn()));
  }

  /** Pure: the Job against its pods and the outstanding intents. */
  static Plan plan(StoredObject job, List<StoredObject> pods, State state, Set<String> sent, Duration backoffInitial,
      Instant now) {
    JsonNode object = job.object();
    JsonNode spec = object.path("spec");
    JsonNode previous = object.path("status");
    String uid = Json.text(object, "metadata.uid");
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    Set<String> visible = new HashSet<>();
    List<StoredObject> active = new ArrayList<>();
    Set<String> activeNames = new HashSet<>();
    int succeeded = 0;
    int failed = 0;
    int terminating = 0;
    Instant lastFailure = null;
    for (StoredObject pod : pods) {
      visible.add(pod.name());
      JsonNode p = pod.object();
      if (!Owners.controlledBy(p, uid)) continue;
      String phase = p.path("status").path("phase").asText("");
      if (phase.equals("Succeeded")) {
        succeeded++;
      } else if (phase.equals("Failed")) {
        failed++;
        Instant at = failedAt(p);
        if (lastFailure == null || at.isAfter(lastFailure)) lastFailure = at;
      } else if (Owners.isDeleting(p)) {
        terminating++;
      } else {
        active.add(pod);
        activeNames.add(pod.name());
      }
    }
    // Finished pods may be deleted later (by a user, or with the Job's cleanup); the counts never go down.
    succeeded = Math.max(succeeded, previous.path("succeeded").asInt(0));
    failed = Math.max(failed, previous.path("failed").asInt(0));
    Progress progress = progress(state, uid, visible, activeNames, sent);
    List<StoredObject> running = active.stream().filter(p -> !progress.deleting().contains(p.name())).toList();

    ObjectNode status = Json.MAPPER.createObjectNode();
    ArrayNode conditions = Json.MAPPER.createArrayNode();
    previous.path("conditions").forEach(c -> conditions.add(c.deepCopy()));
    String done = finishedCondition(previous);
    boolean suspended = spec.path("suspend").asBoolean(false);
    String startTime = previous.path("startTime").asText("");
    if (done == null) {
      // The Suspended condition follows spec.suspend; a resumed Job starts its activeDeadlineSeconds anew.
      boolean wasSuspended = "True".equals(condition(conditions, "Suspended").path("status").asText());
      if (suspended && !wasSuspended) {
        setCondition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", time);
        startTime = "";
      } else if (!suspended && wasSuspended) {
        setCondition(conditions, "Suspended", "False", "JobResumed", "Job resumed", time);
      }
    }
    if (startTime.isEmpty() && !suspended && done == null) startTime = time;
    String[] finished = null;
    int create = 0;
    List<StoredObject> delete = new ArrayList<>();
    Duration recheck = null;
    boolean deleteJob = false;
    Integer completions = spec.path("completions").isNumber() ? spec.path("completions").asInt() : null;
    int parallelism = spec.path("parallelism").asInt(1);
    if (done == null) {
      Long deadline = spec.path("activeDeadlineSeconds").isNumber() ? spec.path("activeDeadlineSeconds").asLong() : null;
      Instant started = startTime.isEmpty() ? null : Instant.parse(startTime);
      // Under restartPolicy OnFailure pods do not fail, their containers restart: the restarts count as failures.
      int restarts = 0;
      if ("OnFailure".equals(spec.path("template").path("spec").path("restartPolicy").asText())) {
        for (StoredObject pod : running) {
          for (JsonNode c : pod.object().path("status").path("containerStatuses")) {
            restarts += c.path("restartCount").asInt(0);
          }
        }
      }
      if (failed + restarts > spec.path("backoffLimit").asInt(6)) {
        finished = new String[] {"Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"};
      } else if (deadline != null && started != null && !now.isBefore(started.plusSeconds(deadline))) {
        finished = new String[] {"Failed", "DeadlineExceeded", "Job was active longer than specified deadline"};
      } else if (completions != null ? succeeded >= completions : succeeded > 0 && running.isEmpty()) {
        finished = new String[] {"Complete", "", ""};
      }
      if (finished != null) {
        ObjectNode c = conditions.addObject().put("type", finished[0]).put("status", "True")
            .put("lastProbeTime", time).put("lastTransitionTime", time);
        if (!finished[1].isEmpty()) c.put("reason", finished[1]).put("message", finished[2]);
        if (finished[0].equals("Complete")) status.put("completionTime", time);
        done = finished[0];
        delete.addAll(running);
      } else {
        int want = suspended ? 0 : completions != null ? Math.min(parallelism, completions - succeeded)
            : (succeeded > 0 ? 0 : parallelism);
        int diff = want - running.size() - progress.pendingCreates();
        if (diff > 0) {
          Instant allowed = lastFailure == null ? now : lastFailure.plus(backoff(backoffInitial, failed));
          if (now.isBefore(allowed)) {
            recheck = Duration.between(now, allowed).plusMillis(100);
          } else {
            create = Math.min(diff, BURST);
          }
        } else if (diff < 0) {
          List<StoredObject> ranked = new ArrayList<>(running);
          ranked.sort((a, b) -> Owners.LEAST_VALUABLE_FIRST.compare(a.object(), b.object()));
          delete.addAll(ranked.subList(0, Math.min(-diff, ranked.size())));
        }
        if (deadline != null && started != null) {
          Duration left = Duration.between(now, started.plusSeconds(deadline)).plusMillis(100);
          if (recheck == null || left.compareTo(recheck) < 0) recheck = left;
        }
      }
    } else {
      // Finished: no pod keeps running; the Job goes when its time to live is up.
      delete.addAll(running);
      if (previous.has("completionTime")) status.set("completionTime", previous.get("completionTime"));
      if (spec.path("ttlSecondsAfterFinished").isNumber()) {
        Instant finishedAt = finishedAt(previous, now);
        Instant expires = finishedAt.plusSeconds(spec.path("ttlSecondsAfterFinished").asLong());
        if (!now.isBefore(expires)) deleteJob = true;
        else recheck = Duration.between(now, expires).plusMillis(100);
      }
    }
    if (!startTime.isEmpty()) status.put("startTime", startTime);
    int ready = (int) running.stream().filter(p -> Owners.isReady(p.object())).count();
    if (!running.isEmpty() || done == null) status.put("active", running.size() - countIn(delete, running));
    status.put("ready", ready).put("succeeded", succeeded).put("failed", failed).put("terminating", terminating);
    if (!conditions.isEmpty()) status.set("conditions", conditions);
    if (status.path("active").asInt(0) == 0) status.remove("active");
    return new Plan(progress.settled(), create, delete, progress.resend(), status, finished, deleteJob, recheck);
  }

  private static JsonNode condition(ArrayNode conditions, String type) {
    for (JsonNode c : conditions) {
      if (type.equals(c.path("type").asText())) return c;
    }
    return Json.MAPPER.missingNode();
  }

  private static void setCondition(ArrayNode conditions, String type, String status, String reason, String message,
      String time) {
    for (int i = conditions.size() - 1; i >= 0; i--) {
      if (type.equals(conditions.get(i).path("type").asText())) conditions.remove(i);
    }
    conditions.addObject().put("type", type).put("status", status).put("lastProbeTime", time)
        .put("lastTransitionTime", time).put("reason", reason).put("message", message);
  }

  private static int countIn(List<StoredObject> delete, List<StoredObject> running) {
    int n = 0;
    for (StoredObject d : delete) if (running.contains(d)) n++;
    return n;
  }

  /** Back-off before the next pod after n failures: initial doubling, at most 6 minutes. */
  static Duration backoff(Duration initial, int failures) {
    if (failures <= 0) return Duration.ZERO;
    Duration delay = initial;
    for (int i = 1; i < failures && delay.compareTo(MAX_BACKOFF) < 0; i++) delay = delay.multipliedBy(2);
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  /** "Complete" or "Failed" when the Job has finished, else null. */
  static String finishedCondition(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      String type = c.path("type").asText();
      if ((type.equals("Complete") || type.equals("Failed")) && "True".equals(c.path("status").asText())) return type;
    }
    return null;
  }

  private static Instant finishedAt(JsonNode status, Instant fallback) {
    for (JsonNode c : status.path("conditions")) {
      String type = c.path("type").asText();
      if ((type.equals("Complete") || type.equals("Failed")) && "True".equals(c.path("status").asText())) {
        try {
          return Instant.parse(c.path("lastTransitionTime").asText());
        } catch (RuntimeException e) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  /** When a failed pod failed: its last container's finish, else its creation. */
  private static Instant failedAt(JsonNode pod) {
    Instant latest = null;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      String at = s.path("state").path("terminated").path("finishedAt").asText("");
      try {
        Instant t = Instant.parse(at);
        if (latest == null || t.isAfter(latest)) latest = t;
      } catch (RuntimeException ignored) {
        // not terminated, or no time
      }
    }
    if (latest != null) return latest;
    try {
      return Instant.parse(pod.path("metadata").path("creationTimestamp").asText());
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }
}
