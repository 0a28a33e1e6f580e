package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.schedule.CronSchedule;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CronJob controller: one sharded entity per CronJob creates a Job at each scheduled time, wakes itself for
 * the next one, and keeps the history within the limits. Like the Deployment controller it persists nothing: a
 * Job's name is the CronJob's name and the scheduled minute, so a second create for the same time is refused, and
 * {@code status.lastScheduleTime} records what was started. Missed times collapse into the latest one (within
 * {@code startingDeadlineSeconds}, when given); concurrencyPolicy Allow, Forbid and Replace; suspend.
 */
public final class CronJobController {
  private static final Logger log = LoggerFactory.getLogger(CronJobController.class);
  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY =
      EntityTypeKey.create(Command.class, "CronJobController");
  public static final String SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";

  private CronJobController() {}

  public sealed interface Command extends CborSerializable {}

  public record Reconcile() implements Command {}

  private record RoundDone() implements Command {}

  /** One look: a Job to create (or null), Jobs to delete, the status, and when to look again. */
  record Plan(ObjectNode create, List<StoredObject> delete, ObjectNode status, String skipped, Duration wakeIn) {}

  static Plan plan(StoredObject cronJobObject, List<StoredObject> jobs, Instant now) {
    JsonNode cj = cronJobObject.object();
    JsonNode spec = cj.path("spec");
    String uid = Json.text(cj, "metadata.uid");
    List<StoredObject> owned = jobs.stream().filter(j -> Owners.controlledBy(j.object(), uid))
        .filter(j -> !Owners.isDeleting(j.object())).toList();
    List<StoredObject> active = owned.stream()
        .filter(j -> JobController.finishedCondition(j.object().path("status")) == null).toList();
    List<StoredObject> delete = new ArrayList<>();
    ObjectNode status = Json.MAPPER.createObjectNode();
    JsonNode previous = cj.path("status");
    String lastSchedule = previous.path("lastScheduleTime").asText("");
    CronSchedule schedule = CronSchedule.parse(spec.path("schedule").asText(), spec.path("timeZone").asText(""));
    ObjectNode create = null;
    String skipped = null;
    List<StoredObject> stillActive = new ArrayList<>(active);
    if (!spec.path("suspend").asBoolean(false)) {
      Instant since = parse(lastSchedule.isEmpty() ? Json.text(cj, "metadata.creationTimestamp") : lastSchedule);
      Optional<Instant> due = schedule.lastAtOrBefore(now).filter(t -> since == null || t.isAfter(since));
      if (due.isPresent()) {
        Instant at = due.get();
        long deadline = spec.path("startingDeadlineSeconds").asLong(-1);
        String policy = spec.path("concurrencyPolicy").asText("Allow");
        if (deadline >= 0 && now.isAfter(at.plusSeconds(deadline))) {
          skipped = "Missed scheduled time to start a job: " + at;
        } else if (policy.equals("Forbid") && !active.isEmpty()) {
          skipped = "Not starting job because prior execution is still running and concurrency policy is Forbid";
        } else {
          if (policy.equals("Replace")) {
            delete.addAll(active);
            stillActive.clear();
          }
          create = job(cj, at);
          lastSchedule = at.toString();
        }
      }
    }
    // History: the newest finished Jobs within the limits stay.
    trim(owned, "Complete", spec.path("successfulJobsHistoryLimit").asInt(3), delete);
    trim(owned, "Failed", spec.path("failedJobsHistoryLimit").asInt(1), delete);
    ArrayNode refs = Json.MAPPER.createArrayNode();
    for (StoredObject j : stillActive) {
      refs.addObject().put("apiVersion", "batch/v1").put("kind", "Job").put("name", j.name())
          .put("namespace", j.namespace()).put("uid", Json.text(j.object(), "metadata.uid"));
    }
    if (create != null) {
      refs.addObject().put("apiVersion", "batch/v1").put("kind", "Job")
          .put("name", Json.text(create, "metadata.name")).put("namespace", cronJobObject.namespace());
    }
    if (!refs.isEmpty()) status.set("active", refs);
    if (!lastSchedule.isEmpty()) status.put("lastScheduleTime", lastSchedule);
    String lastSuccess = previous.path("lastSuccessfulTime").asText("");
    for (StoredObject j : owned) {
      String done = j.object().path("status").path("completionTime").asText("");
      if ("Complete".equals(JobController.finishedCondition(j.object().path("status"))) && done.compareTo(lastSuccess) > 0) {
        lastSuccess = done;
      }
    }
    if (!lastSuccess.isEmpty()) status.put("lastSuccessfulTime", lastSuccess);
    Duration wake = schedule.nextAfter(now).map(t -> Duration.between(now, t).plusMillis(100)).orElse(null);
    return new Plan(create, delete, status, skipped, wake);
  }

  private static void trim(List<StoredObject> owned, String condition, int keep, List<StoredObject> delete) {
    List<StoredObject> finished = owned.stream()
        .filter(j -> condition.equals(JobController.finishedCondition(j.object().path("status"))))
        .sorted(Comparator.comparing((StoredObject j) -> j.object().path("metadata").path("creationTimestamp")
            .asText("")).reversed())
        .toList();
    for (int i = keep; i < finished.size(); i++) delete.add(finished.get(i));
  }

  /** The Job for one scheduled time: named after the CronJob and the minute, from the job template. */
  static ObjectNode job(JsonNode cj, Instant scheduled) {
    JsonNode template = cj.path("spec").path("jobTemplate");
    ObjectNode job = Json.MAPPER.createObjectNode();
    job.put("apiVersion", "batch/v1").put("kind", "Job");
    ObjectNode meta = job.putObject("metadata");
    meta.put("name", Json.text(cj, "metadata.name") + "-" + scheduled.getEpochSecond() / 60);
    if (template.path("metadata").has("labels")) meta.set("labels", template.path("metadata").get("labels").deepCopy());
    ObjectNode annotations = template.path("metadata").path("annotations").isObject()
        ? ((ObjectNode) template.path("metadata").path("annotations")).deepCopy() : Json.MAPPER.createObjectNode();
    annotations.put(SCHEDULED_ANNOTATION, scheduled.truncatedTo(ChronoUnit.SECONDS).toString());
    meta.set("annotations", annotations);
    meta.putArray("ownerReferences").add(Owners.reference(ResourceRegistry.CRON_JOB, cj));
    job.set("spec", template.path("spec").deepCopy());
    return job;
  }

  private static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (RuntimeException e) {
      return null;
    }
  }

  // --- the entity ---

  public static void init(ActorSystem<?> system, ObjectService service, Clock clock) {
    EventRecorder events = new EventRecorder(service, "cronjob-controller", "", clock);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, entity -> Behaviors.<Command>withTimers(timers ->
            Behaviors.setup(ctx -> new Run(entity.getEntityId(), ctx, timers, service, events, clock).behavior())))
        .withRole("control-plane"));
  }

  private static final class Run {
    private final String namespace;
    private final String name;
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ObjectService service;
    private final EventRecorder events;
    private final Clock clock;

    Run(String entityId, ActorContext<Command> ctx, TimerScheduler<Command> timers, ObjectService service,
        EventRecorder events, Clock clock) {
      int slash = entityId.indexOf('/');
      this.namespace = entityId.substring(0, slash);
      this.name = entityId.substring(slash + 1);
      this.ctx = ctx;
      this.timers = timers;
      this.service = service;
      this.events = events;
      this.clock = clock;
    }

    Behavior<Command> behavior() {
      return new SyncRounds<>(ctx, Command.class, new Reconcile(), new RoundDone(), this::sync,
          "cronjob " + namespace + "/" + name).idle();
    }

    private CompletionStage<?> sync() {
      Optional<StoredObject> found = service.store().get(ResourceRegistry.CRON_JOB, namespace, name);
      if (found.isEmpty()) return CompletableFuture.completedFuture(null);
      ObjectNode cj = found.get().object();
      Plan plan = plan(found.get(), service.store().list(ResourceRegistry.JOB, namespace).items(), clock.instant());
      if (plan.wakeIn() != null) timers.startSingleTimer("next", new Reconcile(), plan.wakeIn());
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (StoredObject job : plan.delete()) {
        writes.add(quietly(service.delete(ResourceRegistry.JOB, namespace, job.name(),
            new DeleteOptions(Json.text(job.object(), "metadata.uid"), null, null, "Background", false))));
      }
      if (plan.skipped() != null) {
        events.warning(cj, plan.skipped().startsWith("Missed") ? "MissSchedule" : "JobAlreadyActive", plan.skipped());
      }
      CompletionStage<?> created = CompletableFuture.completedFuture(null);
      if (plan.create() != null) {
        String jobName = Json.text(plan.create(), "metadata.name");
        created = service.create(ResourceRegistry.JOB, namespace, plan.create(), WriteOptions.DEFAULT)
            .thenRun(() -> events.normal(cj, "SuccessfulCreate", "Created job " + jobName));
      }
      // The status (lastScheduleTime) is written once the Job exists, or was already there (AlreadyExists).
      writes.add(quietly(created.handle((ok, error) -> {
        io.drover.api.ApiException api = error == null ? null : ObjectService.unwrap(error);
        if (error != null && !(api != null && api.code() == 409)) {
          events.warning(cj, "FailedCreate", "Error creating job: " + (api != null ? api.getMessage() : error));
        }
        return null;
      }).thenCompose(v -> {
        if (plan.status().equals(cj.path("status"))) return CompletableFuture.completedFuture(null);
        ObjectNode updated = cj.deepCopy();
        updated.set("status", plan.status());
        Json.object(updated, "metadata").remove("resourceVersion");
        return service.update(ResourceRegistry.CRON_JOB, namespace, name, updated, ObjectEntity.Scope.STATUS,
            WriteOptions.DEFAULT);
      })));
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<?> quietly(CompletionStage<?> write) {
      return write.toCompletableFuture().exceptionally(error -> {
        log.debug("cronjob {}/{}: {}", namespace, name, error.toString());
        return null;
      });
    }
  }
}
