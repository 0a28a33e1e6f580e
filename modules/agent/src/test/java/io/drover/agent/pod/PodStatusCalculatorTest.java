package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.exited;
import static io.drover.agent.pod.TestPods.running;
import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodStatusCalculatorTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static ObjectNode pod(String restartPolicy, String specYaml) {
    return yaml("""
        metadata: {name: web, namespace: default, uid: uid1}
        spec:
          restartPolicy: %s
        """.formatted(restartPolicy) + specYaml.indent(2));
  }

  private static ObjectNode status(ObjectNode pod, Instant now, ContainerObservation... containers) {
    Map<String, ContainerObservation> byName = new HashMap<>();
    for (ContainerObservation c : containers) byName.put(c.name(), c);
    return PodStatusCalculator.status(pod, new PodObservation(byName, "10.1.0.7", "192.168.0.2", true, now));
  }

  private static ContainerObservation observed(String name, io.drover.agent.runtime.ContainerState current) {
    return new ContainerObservation(name, current, null, 0, null, Map.of(), null, RestartBackoff.defaults());
  }

  private static JsonNode condition(JsonNode status, String type) {
    for (JsonNode c : status.path("conditions")) if (type.equals(c.path("type").asText())) return c;
    throw new AssertionError("no condition " + type);
  }

  private static JsonNode containerStatus(JsonNode status, String name) {
    for (JsonNode c : status.path("containerStatuses")) if (name.equals(c.path("name").asText())) return c;
    throw new AssertionError("no status for " + name);
  }

  @Test
  void newPodIsPendingWithContainerCreating() {
    ObjectNode pod = pod("Always", "containers: [{name: app, image: nginx}]");
    ObjectNode status = PodStatusCalculator.status(pod, new PodObservation(Map.of(), null, "192.168.0.2", false, T0));
    assertEquals("Pending", status.path("phase").asText());
    JsonNode app = containerStatus(status, "app");
    assertEquals("ContainerCreating", app.at("/state/waiting/reason").asText());
    assertEquals(yaml("{}"), app.get("lastState"));
    assertFalse(app.path("ready").asBoolean());
    assertFalse(app.path("started").asBoolean());
    assertEquals("nginx", app.path("image").asText());
    assertFalse(app.has("containerID"));
    assertEquals(List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"),
        status.findValuesAsText("type"));
    assertEquals("False", condition(status, "PodReadyToStartContainers").path("status").asText());
    assertEquals("True", condition(status, "Initialized").path("status").asText());
    assertEquals("ContainersNotReady", condition(status, "Ready").path("reason").asText());
    assertEquals("containers with unready status: [app]",
        condition(status, "ContainersReady").path("message").asText());
    assertEquals("2025-01-01T00:00:00Z", status.path("startTime").asText());
    assertEquals("BestEffort", status.path("qosClass").asText());
    assertEquals("192.168.0.2", status.at("/hostIPs/0/ip").asText());
    assertFalse(status.has("podIP"));
  }

  @Test
  void runningContainersAreReadyWhenTheirReadinessProbePasses() {
    ObjectNode pod = pod("Always", """
        containers:
        - {name: web, image: nginx, readinessProbe: {httpGet: {port: 80}}}
        - {name: sidecar, image: busybox}
        """);
    ContainerObservation web = observed("web", running("web", 0, T0));
    ContainerObservation sidecar = observed("sidecar", running("sidecar", 0, T0));
    var probes = ProbeTracker.forContainer(TestPods.container(pod, "web"), T0);
    ObjectNode notYet = status(pod, T0.plusSeconds(1), web.withProbes(probes), sidecar);
    assertEquals("Running", notYet.path("phase").asText());
    assertEquals("containers with unready status: [web]",
        condition(notYet, "Ready").path("message").asText());

    probes.put(ProbeTracker.Type.READINESS, probes.get(ProbeTracker.Type.READINESS).observe(true, T0.plusSeconds(2)));
    pod.set("status", notYet);
    ObjectNode ready = status(pod, T0.plusSeconds(5), web.withProbes(probes), sidecar);
    assertEquals("True", condition(ready, "Ready").path("status").asText());
    assertEquals("2025-01-01T00:00:05Z", condition(ready, "Ready").path("lastTransitionTime").asText());
    assertEquals("2025-01-01T00:00:01Z", condition(ready, "PodScheduled").path("lastTransitionTime").asText(),
        "an unchanged condition keeps its transition time");
    assertEquals(List.of("sidecar", "web"), ready.path("containerStatuses").findValuesAsText("name"));
    JsonNode webStatus = containerStatus(ready, "web");
    assertEquals("drover://uid1_web_0", webStatus.path("containerID").asText());
    assertEquals("2025-01-01T00:00:00Z", webStatus.at("/state/running/startedAt").asText());
    assertTrue(webStatus.path("ready").asBoolean());
    assertTrue(webStatus.path("started").asBoolean());
    assertEquals("10.1.0.7", ready.path("podIP").asText());
    assertEquals("2025-01-01T00:00:01Z", ready.path("startTime").asText(), "the start time is kept");
  }

  @Test
  void crashingContainerShowsCrashLoopBackOffWithLastState() {
    ObjectNode pod = pod("Always", "containers: [{name: app, image: busybox}]");
    var crashed = exited("app", 1, T0.plusSeconds(5), T0.plusSeconds(6), 1);
    var first = exited("app", 0, T0, T0.plusSeconds(1), 1);
    RestartBackoff backoff = RestartBackoff.defaults().next(T0.plusSeconds(1), T0.plusSeconds(5));
    ContainerObservation app = new ContainerObservation("app", crashed, first, 1, null, Map.of(), null, backoff);
    ObjectNode status = status(pod, T0.plusSeconds(8), app);
    JsonNode s = containerStatus(status, "app");
    assertEquals("CrashLoopBackOff", s.at("/state/waiting/reason").asText());
    assertEquals("back-off 10s restarting failed container=app pod=web_default(uid1)",
        s.at("/state/waiting/message").asText());
    assertEquals(1, s.at("/lastState/terminated/exitCode").asInt());
    assertEquals("Error", s.at("/lastState/terminated/reason").asText());
    assertEquals("2025-01-01T00:00:06Z", s.at("/lastState/terminated/finishedAt").asText());
    assertEquals("drover://uid1_app_1", s.at("/lastState/terminated/containerID").asText());
    assertEquals(1, s.path("restartCount").asInt());
    assertEquals("Running", status.path("phase").asText(), "restarting under Always keeps the pod Running");
  }

  @Test
  void startFailureRecordedByTheAgentIsTheWaitingReason() {
    ObjectNode pod = pod("Always", "containers: [{name: app}]");
    ContainerObservation app = ContainerObservation.notCreated("app")
        .withWaiting(new ContainerObservation.Waiting("CreateContainerConfigError", "configmap \"x\" not found"));
    ObjectNode status = status(pod, T0, app);
    assertEquals("CreateContainerConfigError", containerStatus(status, "app").at("/state/waiting/reason").asText());
    assertEquals("configmap \"x\" not found", containerStatus(status, "app").at("/state/waiting/message").asText());
    assertEquals("Pending", status.path("phase").asText());
  }

  @Test
  void initContainerProgressKeepsThePodPendingUntilDone() {
    ObjectNode pod = pod("Always", """
        initContainers: [{name: init, image: busybox}]
        containers: [{name: app, image: busybox}]
        """);
    ObjectNode initializing = status(pod, T0, observed("init", running("init", 0, T0)));
    assertEquals("Pending", initializing.path("phase").asText());
    assertEquals("PodInitializing", containerStatus(initializing, "app").at("/state/waiting/reason").asText());
    JsonNode init = initializing.at("/initContainerStatuses/0");
    assertTrue(init.at("/state/running").isObject());
    assertFalse(init.path("ready").asBoolean());
    JsonNode initialized = condition(initializing, "Initialized");
    assertEquals("ContainersNotInitialized", initialized.path("reason").asText());
    assertEquals("containers with incomplete status: [init]", initialized.path("message").asText());

    ObjectNode done = status(pod, T0.plusSeconds(3), observed("init", exited("init", 0, T0, T0.plusSeconds(2), 0)),
        observed("app", running("app", 0, T0.plusSeconds(3))));
    assertEquals("Running", done.path("phase").asText());
    assertTrue(done.at("/initContainerStatuses/0/ready").asBoolean());
    assertEquals("Completed", done.at("/initContainerStatuses/0/state/terminated/reason").asText());
    assertEquals("True", condition(done, "Initialized").path("status").asText());
  }

  @Test
  void failedInitContainerFailsThePodUnderNever() {
    ObjectNode pod = pod("Never", """
        initContainers: [{name: init}]
        containers: [{name: app}]
        """);
    ObjectNode status = status(pod, T0.plusSeconds(2), observed("init", exited("init", 0, T0, T0.plusSeconds(1), 3)));
    assertEquals("Failed", status.path("phase").asText());
    assertEquals("PodFailed", condition(status, "ContainersReady").path("reason").asText());
  }

  @Test
  void completedContainersSucceedUnlessRestartPolicyIsAlways() {
    String spec = "containers: [{name: a}, {name: b}]";
    ContainerObservation a = observed("a", exited("a", 0, T0, T0.plusSeconds(1), 0));
    ContainerObservation b = observed("b", exited("b", 0, T0, T0.plusSeconds(2), 0));
    ObjectNode succeeded = status(pod("OnFailure", spec), T0.plusSeconds(3), a, b);
    assertEquals("Succeeded", succeeded.path("phase").asText());
    assertEquals("PodCompleted", condition(succeeded, "ContainersReady").path("reason").asText());
    assertEquals("PodCompleted", condition(succeeded, "Initialized").path("reason").asText());
    assertEquals("Succeeded", status(pod("Never", spec), T0.plusSeconds(3), a, b).path("phase").asText());
    assertEquals("Running", status(pod("Always", spec), T0.plusSeconds(3), a, b).path("phase").asText());
  }

  @Test
  void anyFailureFailsThePodUnderNeverButRestartsUnderOnFailure() {
    String spec = "containers: [{name: a}, {name: b}]";
    ContainerObservation a = observed("a", exited("a", 0, T0, T0.plusSeconds(1), 0));
    ContainerObservation b = observed("b", exited("b", 0, T0, T0.plusSeconds(2), 137));
    assertEquals("Failed", status(pod("Never", spec), T0.plusSeconds(3), a, b).path("phase").asText());
    assertEquals("Running", status(pod("OnFailure", spec), T0.plusSeconds(3), a, b).path("phase").asText());
  }

  @Test
  void terminalPhaseNeverRegresses() {
    ObjectNode pod = pod("Always", "containers: [{name: a}]");
    pod.set("status", yaml("{phase: Failed, reason: Evicted, startTime: '2024-12-31T00:00:00Z'}"));
    ObjectNode status = status(pod, T0, observed("a", running("a", 0, T0)));
    assertEquals("Failed", status.path("phase").asText());
    assertEquals("Evicted", status.path("reason").asText());
    assertEquals("2024-12-31T00:00:00Z", status.path("startTime").asText());
  }

  @Test
  void readinessGatesAndForeignConditionsAreRespected() {
    ObjectNode pod = pod("Always", """
        readinessGates: [{conditionType: example.com/lb}]
        containers: [{name: a}]
        """);
    ObjectNode status = status(pod, T0, observed("a", running("a", 0, T0)));
    assertEquals("ReadinessGatesNotReady", condition(status, "Ready").path("reason").asText());
    assertEquals("corresponding condition of pod readiness gate \"example.com/lb\" does not exist.",
        condition(status, "Ready").path("message").asText());
    pod.set("status", yaml("{conditions: [{type: example.com/lb, status: 'True'}], qosClass: Burstable}"));
    ObjectNode gated = status(pod, T0, observed("a", running("a", 0, T0)));
    assertEquals("True", condition(gated, "Ready").path("status").asText());
    assertEquals("True", condition(gated, "example.com/lb").path("status").asText());
    assertEquals("Burstable", gated.path("qosClass").asText(), "the API server's QoS class is kept");
  }
}
