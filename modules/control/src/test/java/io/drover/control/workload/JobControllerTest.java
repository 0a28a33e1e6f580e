package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobControllerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");
  static final Duration BACKOFF = Duration.ofSeconds(10);

  static StoredObject job(String spec, String status) {
    ObjectNode job = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'j','namespace':'ns','uid':'job-uid'},
         'spec':{%s'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'i'}]}}},
         'status':{%s}}""".formatted(spec, status));
    return new StoredObject(ResourceRegistry.JOB, "ns", "j", job, 10, 1);
  }

  static StoredObject pod(String name, String phase, String finishedAt) {
    ObjectNode pod = (ObjectNode) DeploymentRolloutTest.json("""
        {'metadata':{'name':'%s','namespace':'ns','creationTimestamp':'2026-01-01T00:00:00Z',
          'ownerReferences':[{'kind':'Job','name':'j','uid':'job-uid','controller':true}]},
         'spec':{'nodeName':'n1'},'status':{'phase':'%s','containerStatuses':[{'name':'c',
          'state':{'terminated':{'finishedAt':'%s'}}}]}}""".formatted(name, phase, finishedAt));
    return new StoredObject(ResourceRegistry.POD, "ns", name, pod, 11, 1);
  }

  static PodOwnerController.State none() {
    return new PodOwnerController.State("job-uid", Set.of(), Set.of());
  }

  @Test
  void runsAtMostParallelismPodsUntilCompletionsSucceeded() {
    StoredObject job = job("'completions':3,'parallelism':2,'backoffLimit':6,", "");
    var first = JobController.plan(job, List.of(), none(), Set.of(), BACKOFF, NOW);
    assertEquals(2, first.create());
    assertEquals("2026-01-01T00:10:00Z", first.status().path("startTime").asText());
    // Two succeeded, none running: one more, not two.
    List<StoredObject> pods = new ArrayList<>(List.of(pod("a", "Succeeded", "2026-01-01T00:09:00Z"),
        pod("b", "Succeeded", "2026-01-01T00:09:00Z")));
    assertEquals(1, JobController.plan(job, pods, none(), Set.of(), BACKOFF, NOW).create());
    pods.add(pod("c", "Succeeded", "2026-01-01T00:09:30Z"));
    var done = JobController.plan(job, pods, none(), Set.of(), BACKOFF, NOW);
    assertEquals("Complete", done.finished()[0]);
    assertEquals(3, done.status().path("succeeded").asInt());
    assertEquals("Complete", done.status().path("conditions").get(0).path("type").asText());
    assertEquals("2026-01-01T00:10:00Z", done.status().path("completionTime").asText());
  }

  @Test
  void failuresBackOffThenStopAtTheBackoffLimit() {
    StoredObject job = job("'completions':1,'parallelism':1,'backoffLimit':2,", "'startTime':'2026-01-01T00:00:00Z'");
    // Two failures, the last 15 s ago: the next pod waits 10 s doubled = 20 s.
    List<StoredObject> pods = List.of(pod("a", "Failed", "2026-01-01T00:09:00Z"),
        pod("b", "Failed", "2026-01-01T00:09:45Z"));
    var waiting = JobController.plan(job, pods, none(), Set.of(), BACKOFF, NOW);
    assertEquals(0, waiting.create());
    assertTrue(waiting.recheckIn().toSeconds() >= 4 && waiting.recheckIn().toSeconds() <= 5, "" + waiting.recheckIn());
    var later = JobController.plan(job, pods, none(), Set.of(), BACKOFF, NOW.plusSeconds(6));
    assertEquals(1, later.create());
    List<StoredObject> three = new ArrayList<>(pods);
    three.add(pod("c", "Failed", "2026-01-01T00:10:00Z"));
    var failed = JobController.plan(job, three, none(), Set.of(), BACKOFF, NOW);
    assertEquals("BackoffLimitExceeded", failed.finished()[1]);
    assertEquals(0, failed.create());
    assertEquals(3, failed.status().path("failed").asInt());
  }

  @Test
  void underOnFailureContainerRestartsCountAgainstTheBackoffLimit() {
    StoredObject job = job("'completions':1,'parallelism':1,'backoffLimit':2,", "'startTime':'2026-01-01T00:00:00Z'");
    ((ObjectNode) job.object().at("/spec/template/spec")).put("restartPolicy", "OnFailure");
    StoredObject restarting = pod("a", "Running", "");
    ((ObjectNode) restarting.object().at("/status/containerStatuses/0")).put("restartCount", 2);
    assertNull(JobController.plan(job, List.of(restarting), none(), Set.of(), BACKOFF, NOW).finished());
    ((ObjectNode) restarting.object().at("/status/containerStatuses/0")).put("restartCount", 3);
    var failed = JobController.plan(job, List.of(restarting), none(), Set.of(), BACKOFF, NOW);
    assertEquals("BackoffLimitExceeded", failed.finished()[1]);
    assertEquals(List.of("a"), failed.delete().stream().map(StoredObject::name).toList());
  }

  @Test
  void aSuspendedJobDeletesItsPodsAndSaysSoUntilResumed() {
    StoredObject job = job("'completions':1,'parallelism':1,'suspend':true,", "'startTime':'2026-01-01T00:00:00Z'");
    var suspended = JobController.plan(job, List.of(pod("a", "Running", "")), none(), Set.of(), BACKOFF, NOW);
    assertEquals(List.of("a"), suspended.delete().stream().map(StoredObject::name).toList());
    JsonNode condition = suspended.status().path("conditions").get(0);
    assertEquals("Suspended True JobSuspended", condition.path("type").asText() + " "
        + condition.path("status").asText() + " " + condition.path("reason").asText());
    assertTrue(suspended.status().path("startTime").isMissingNode(), "the deadline starts anew on resume");

    StoredObject resumed = job("'completions':1,'parallelism':1,'suspend':false,", "");
    ((ObjectNode) resumed.object().get("status")).set("conditions", suspended.status().get("conditions"));
    var running = JobController.plan(resumed, List.of(), none(), Set.of(), BACKOFF, NOW.plusSeconds(30));
    assertEquals(1, running.create());
    assertEquals("JobResumed", running.status().path("conditions").get(0).path("reason").asText());
    assertEquals("2026-01-01T00:10:30Z", running.status().path("startTime").asText());
  }

  @Test
  void theActiveDeadlineFailsTheJobAndDeletesItsRunningPods() {
    StoredObject job = job("'completions':1,'parallelism':1,'backoffLimit':6,'activeDeadlineSeconds':60,",
        "'startTime':'2026-01-01T00:08:00Z'");
    var plan = JobController.plan(job, List.of(pod("a", "Running", "")), none(), Set.of(), BACKOFF, NOW);
    assertEquals("DeadlineExceeded", plan.finished()[1]);
    assertEquals(List.of("a"), plan.delete().stream().map(StoredObject::name).toList());
  }

  @Test
  void aFinishedJobIsDeletedWhenItsTimeToLiveIsUp() {
    String complete = "'conditions':[{'type':'Complete','status':'True','lastTransitionTime':'2026-01-01T00:09:00Z'}]";
    var early = JobController.plan(job("'completions':1,'ttlSecondsAfterFinished':120,", complete), List.of(),
        none(), Set.of(), BACKOFF, NOW);
    assertTrue(!early.deleteJob() && early.recheckIn() != null);
    var due = JobController.plan(job("'completions':1,'ttlSecondsAfterFinished':30,", complete), List.of(),
        none(), Set.of(), BACKOFF, NOW);
    assertTrue(due.deleteJob());
    assertNull(JobController.plan(job("'completions':1,", complete), List.of(), none(), Set.of(), BACKOFF, NOW)
        .recheckIn(), "no time to live: it stays");
  }

  @Test
  void backOffDoublesUpToSixMinutes() {
    assertEquals(Duration.ZERO, JobController.backoff(BACKOFF, 0));
    assertEquals(Duration.ofSeconds(10), JobController.backoff(BACKOFF, 1));
    assertEquals(Duration.ofSeconds(40), JobController.backoff(BACKOFF, 3));
    assertEquals(Duration.ofMinutes(6), JobController.backoff(BACKOFF, 20));
  }
}
