package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HorizontalPodAutoscalers and metrics.k8s.io with the real kubectl and real processes: kubectl top, kubectl
 * autoscale, a CPU-burning Deployment scaled up and back down. Windows are short: the agent samples every second,
 * HPAs look every two seconds, and the test's HPA stabilizes scale-down over three seconds.
 */
class HpaTest {
  static final Duration DEADLINE = Duration.ofSeconds(120);
  static TestServers.Member member;
  static Kubectl kubectl;
  static String node;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of(
        "drover.agent.metrics-resolution", "1s",
        "drover.controllers.horizontal-pod-autoscaler.sync-period", "2s"));
    kubectl = member.kubectl();
    node = TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  private static int replicas(String deployment) {
    String value = kubectl.run("get", "deployment", deployment, "-o", "jsonpath={.spec.replicas}").assertOk().stdout();
    return Integer.parseInt(value.trim());
  }

  @Test
  void anAutoscalerScalesACpuBurningDeploymentUpAndBackDown() throws Exception {
    // The pods burn CPU (throttled to 200m by their limit) while the file exists, and idle once it is gone.
    Path burn = member.dataDir().resolve("burn");
    Files.writeString(burn, "on");
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: burn}
        spec:
          replicas: 1
          selector: {matchLabels: {app: burn}}
          template:
            metadata: {labels: {app: burn}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "while [ -e %s ]; do :; done; exec sleep 3600"]
                resources:
                  requests: {cpu: 100m}
                  limits: {cpu: 200m}
        """.formatted(burn), "apply", "-f", "-").assertOk();
    kubectl.run("autoscale", "deployment", "burn", "--min=1", "--max=3", "--cpu-percent=50").assertOk();
    kubectl.run("patch", "hpa", "burn", "--type=merge", "-p",
        "{\"spec\":{\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":3}}}}").assertOk();
    String table = kubectl.run("get", "hpa").assertOk().stdout();
    assertTrue(table.startsWith("NAME"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("burn\\s+Deployment/burn\\s+cpu: \\S+/50%\\s+1\\s+3\\s+\\d+\\s+\\S+")),
        table);

    String top = Polling.await(() -> {
      Kubectl.Result r = kubectl.run("top", "pods", "-l", "app=burn", "--no-headers");
      if (r.stdout().lines().anyMatch(l -> l.strip().matches("burn-\\S+\\s+([1-9]\\d*)m\\s+\\d+Mi"))) return r.stdout();
      throw new AssertionError(r.stdout() + r.stderr());
    }, DEADLINE, "kubectl top pods to show the burning pod");
    String nodes = Polling.await(() -> {
      Kubectl.Result r = kubectl.run("top", "nodes", "--no-headers");
      if (r.stdout().lines().anyMatch(l -> l.strip().matches(node + "\\s+([1-9]\\d*)m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%"))) {
        return r.stdout();
      }
      throw new AssertionError(r.stdout() + r.stderr());
    }, DEADLINE, "kubectl top nodes to show the node busy");

    Polling.await(() -> replicas("burn") > 1, DEADLINE, "the autoscaler to scale the deployment up");
    String scaledUp = kubectl.run("get", "hpa", "burn", "--no-headers").assertOk().stdout();
    assertTrue(scaledUp.matches("(?s)burn\\s+Deployment/burn\\s+cpu: \\d+%/50%\\s+1\\s+3\\s+\\d+\\s+.*"), scaledUp);
    assertEquals("True", kubectl.run("get", "hpa", "burn", "-o",
        "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].status}").assertOk().stdout());
    assertTrue(replicas("burn") <= 3, "never above maxReplicas");

    Files.delete(burn);
    Polling.await(() -> replicas("burn") == 1, DEADLINE, "the autoscaler to scale the deployment back down");
    String events = kubectl.run("describe", "hpa", "burn").assertOk().stdout();
    assertTrue(events.contains("SuccessfulRescale") && events.contains("All metrics below target"), events);
    System.out.println("kubectl top pods:\n" + top + "kubectl top nodes:\n" + nodes + "hpa after scaling up:\n"
        + scaledUp + "\n" + events);
    kubectl.run("delete", "hpa", "burn").assertOk();
    kubectl.run("delete", "deployment", "burn").assertOk();
  }

  @Test
  void podsWithoutCpuRequestsCannotBeScaledOnUtilization() {
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: norequests}
        spec:
          replicas: 1
          selector: {matchLabels: {app: norequests}}
          template:
            metadata: {labels: {app: norequests}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: main, image: busybox, command: ["sleep", "3600"]}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: norequests}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: norequests}
          maxReplicas: 3
        """, "apply", "-f", "-").assertOk();
    // First there are no measurements yet; once the pod is measured, its missing request is the reason.
    String condition = Polling.await(() -> {
      String c = kubectl.run("get", "hpa", "norequests", "-o",
          "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].reason}: "
              + "{.status.conditions[?(@.type==\"ScalingActive\")].message}").stdout();
      return c.contains("missing request") ? c : null;
    }, DEADLINE, "the HPA to report the missing cpu request");
    assertTrue(condition.startsWith("FailedGetResourceMetric: the HPA was unable to compute the replica count: "
        + "missing request for cpu"), condition);
    kubectl.run("delete", "hpa,deployment", "norequests").assertOk();
  }

  @Test
  void invalidAutoscalersAreRefusedWithFieldCauses() {
    Kubectl.Result result = kubectl.runWithInput("""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: bad}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 4
          maxReplicas: 2
          metrics:
          - type: Resource
            resource: {name: cpu}
        """, "apply", "-f", "-");
    assertEquals(1, result.exitCode(), result.stdout());
    assertTrue(result.stderr().contains("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"),
        result.stderr());
    assertTrue(result.stderr().contains("spec.metrics[0].resource.target.type: Required value"), result.stderr());
  }
}
