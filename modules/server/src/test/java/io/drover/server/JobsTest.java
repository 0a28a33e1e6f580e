package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Jobs with real kubectl and real processes: completions and parallelism, the backoff limit, kubectl create job. */
class JobsTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static TestServers.Member member;
  static DroverServer server;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of("drover.controllers.job-backoff-initial", "1s"));
    server = member.server();
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  @Test
  void aJobWithCompletionsAndParallelismCompletes() {
    kubectl.runWithInput("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: count}
        spec:
          completions: 3
          parallelism: 2
          template:
            spec:
              restartPolicy: Never
              containers:
              - {name: main, image: busybox, command: ["sh", "-c", "echo working; sleep 1"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("wait", "--for=condition=complete", "job/count", "--timeout=90s").assertOk();
    String table = kubectl.run("get", "job", "count").assertOk().stdout();
    assertTrue(table.lines().anyMatch(l -> l.matches("count\\s+Complete\\s+3/3\\s+\\S+\\s+\\S+")), table);
    String pods = kubectl.run("get", "pods", "-l", "job-name=count", "-o", "name").assertOk().stdout();
    assertEquals(3, pods.lines().count(), "one pod per completion, none more: " + pods);
    assertTrue(kubectl.run("logs", "job/count").assertOk().stdout().contains("working"));
  }

  @Test
  void aJobWhosePodsAlwaysFailStopsAtItsBackoffLimit() {
    kubectl.runWithInput("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: fails}
        spec:
          backoffLimit: 2
          template:
            spec:
              restartPolicy: Never
              containers:
              - {name: main, image: busybox, command: ["sh", "-c", "exit 3"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("wait", "--for=condition=failed", "job/fails", "--timeout=90s").assertOk();
    String reason = kubectl.run("get", "job", "fails", "-o",
        "jsonpath={.status.conditions[?(@.type==\"Failed\")].reason} {.status.failed}").assertOk().stdout();
    assertEquals("BackoffLimitExceeded 3", reason);
    assertEquals(3, kubectl.run("get", "pods", "-l", "job-name=fails", "-o", "name").stdout().lines().count());
    String events = kubectl.run("describe", "job", "fails").assertOk().stdout();
    assertTrue(events.contains("Job has reached the specified backoff limit"), events);
  }

  @Test
  void kubectlCreateJobRunsItAndAJobThatRestartsAlwaysIsRefused() {
    kubectl.run("create", "job", "hello", "--image=busybox", "--", "echo", "hi from a job").assertOk();
    kubectl.run("wait", "--for=condition=complete", "job/hello", "--timeout=90s").assertOk();
    assertTrue(kubectl.run("logs", "job/hello").assertOk().stdout().contains("hi from a job"));
    Kubectl.Result bad = kubectl.runWithInput("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: bad}
        spec:
          template:
            spec:
              containers:
              - {name: main, image: busybox, command: ["true"]}
        """, "create", "-f", "-");
    assertTrue(bad.exitCode() != 0 && bad.stderr().contains(
        "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
        bad.stderr());
    kubectl.run("delete", "job", "hello").assertOk();
    Polling.await(() -> kubectl.run("get", "pods", "-l", "job-name=hello", "-o", "name").stdout().isBlank()
        ? true : null, DEADLINE, "the job's pods to be collected");
  }

  @Test
  void aCronJobStartsAJobEachMinuteAndCreateJobFromItWorks() {
    kubectl.run("create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *", "--", "echo", "tick")
        .assertOk();
    kubectl.run("create", "job", "tick-now", "--from=cronjob/tick").assertOk();
    kubectl.run("wait", "--for=condition=complete", "job/tick-now", "--timeout=90s").assertOk();
    assertTrue(kubectl.run("logs", "job/tick-now").assertOk().stdout().contains("tick"));
    // The next minute's run is the controller's own: owned by the CronJob and recorded in its status.
    String scheduled = Polling.await(() -> {
      String names = kubectl.run("get", "jobs", "-o",
          "jsonpath={range .items[?(@.metadata.ownerReferences[0].kind==\"CronJob\")]}{.metadata.name}{\"\\n\"}{end}")
          .stdout().trim();
      return names.isEmpty() ? null : names.lines().findFirst().orElseThrow();
    }, Duration.ofSeconds(80), "a scheduled job");
    assertTrue(scheduled.startsWith("tick-"), scheduled);
    kubectl.run("wait", "--for=condition=complete", "job/" + scheduled, "--timeout=90s").assertOk();
    Polling.await(() -> kubectl.run("get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}").stdout()
        .isBlank() ? null : true, DEADLINE, "lastScheduleTime");
    Kubectl.Result bad = kubectl.run("create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *",
        "--", "true");
    assertTrue(bad.exitCode() != 0 && bad.stderr().contains("spec.schedule: Invalid value: \"61 * * * *\""),
        bad.stderr());
    kubectl.run("delete", "cronjob", "tick").assertOk();
  }
}
