package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronJobControllerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:30Z");

  static StoredObject cronJob(String extraSpec, String status) {
    ObjectNode cj = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'tick','namespace':'ns','uid':'cj-uid',
          'creationTimestamp':'2026-01-01T00:00:00Z'},
         'spec':{%s'schedule':'*/5 * * * *','successfulJobsHistoryLimit':1,'failedJobsHistoryLimit':1,
          'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'i'}]}}}}},
         'status':{%s}}""".formatted(extraSpec, status));
    return new StoredObject(ResourceRegistry.CRON_JOB, "ns", "tick", cj, 10, 1);
  }

  static StoredObject job(String name, String created, String finished) {
    ObjectNode job = (ObjectNode) DeploymentRolloutTest.json("""
        {'metadata':{'name':'%s','namespace':'ns','uid':'u-%s','creationTimestamp':'%s',
          'ownerReferences':[{'kind':'CronJob','name':'tick','uid':'cj-uid','controller':true}]},'status':{}}"""
        .formatted(name, name, created));
    if (finished != null) {
      Json.object(job, "status").putArray("conditions").addObject().put("type", finished).put("status", "True");
    }
    return new StoredObject(ResourceRegistry.JOB, "ns", name, job, 11, 1);
  }

  @Test
  void createsTheJobForTheLatestDueTimeNamedAfterTheMinute() {
    var plan = CronJobController.plan(cronJob("", "'lastScheduleTime':'2026-01-01T00:05:00Z'"), List.of(), NOW);
    assertEquals("tick-" + Instant.parse("2026-01-01T00:10:00Z").getEpochSecond() / 60,
        Json.text(plan.create(), "metadata.name"));
    assertEquals("2026-01-01T00:10:00Z", plan.status().path("lastScheduleTime").asText());
    assertEquals("2026-01-01T00:10:00Z",
        plan.create().path("metadata").path("annotations").path(CronJobController.SCHEDULED_ANNOTATION).asText());
    assertTrue(plan.wakeIn().toSeconds() >= 269 && plan.wakeIn().toSeconds() <= 270, "" + plan.wakeIn());
    assertNull(CronJobController.plan(cronJob("", "'lastScheduleTime':'2026-01-01T00:10:00Z'"), List.of(), NOW)
        .create(), "already started");
  }

  @Test
  void forbidSkipsWhileOneRunsReplaceDeletesItAndADeadlineDropsLateRuns() {
    StoredObject running = job("tick-1", "2026-01-01T00:05:00Z", null);
    String last = "'lastScheduleTime':'2026-01-01T00:05:00Z'";
    var forbid = CronJobController.plan(cronJob("'concurrencyPolicy':'Forbid',", last), List.of(running), NOW);
    assertNull(forbid.create());
    assertTrue(forbid.skipped().contains("Forbid"));
    var replace = CronJobController.plan(cronJob("'concurrencyPolicy':'Replace',", last), List.of(running), NOW);
    assertEquals(List.of("tick-1"), replace.delete().stream().map(StoredObject::name).toList());
    assertTrue(replace.create() != null);
    var late = CronJobController.plan(cronJob("'startingDeadlineSeconds':10,", last), List.of(), NOW);
    assertNull(late.create(), "30 s after its time, past a 10 s deadline");
    var suspended = CronJobController.plan(cronJob("'suspend':true,", last), List.of(), NOW);
    assertNull(suspended.create());
  }

  @Test
  void historyKeepsTheNewestFinishedJobsWithinTheLimits() {
    List<StoredObject> jobs = List.of(job("a", "2026-01-01T00:00:00Z", "Complete"),
        job("b", "2026-01-01T00:05:00Z", "Complete"), job("c", "2026-01-01T00:01:00Z", "Failed"),
        job("d", "2026-01-01T00:06:00Z", "Failed"));
    var plan = CronJobController.plan(cronJob("", "'lastScheduleTime':'2026-01-01T00:10:00Z'"), jobs, NOW);
    assertEquals(List.of("a", "c"), plan.delete().stream().map(StoredObject::name).sorted().toList());
  }
}
