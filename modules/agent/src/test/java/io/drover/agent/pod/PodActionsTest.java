package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.exited;
import static io.drover.agent.pod.TestPods.running;
import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodActionsTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static final ObjectNode POD = yaml("""
      metadata: {name: web, namespace: default, uid: uid1}
      spec:
        restartPolicy: Always
        terminationGracePeriodSeconds: 20
        initContainers: [{name: first}, {name: second}]
        containers:
        - {name: app, livenessProbe: {exec: {command: [check]}, failureThreshold: 1, periodSeconds: 5}}
        - {name: helper}
      """);

  private static PodActions next(ObjectNode pod, Instant now, ContainerObservation... containers) {
    Map<String, ContainerObservation> byName = new HashMap<>();
    for (ContainerObservation c : containers) byName.put(c.name(), c);
    return PodActions.next(pod, new PodObservation(byName, "10.0.0.1", "10.0.0.2", true, now));
  }

  private static ContainerObservation observed(String name, ContainerState current) {
    return new ContainerObservation(name, current, null, 0, null, Map.of(), null, RestartBackoff.defaults());
  }

  @Test
  void initContainersStartOneAtATimeInOrder() {
    assertEquals(Optional.of("first"), next(POD, T0).startInit());
    PodActions waiting = next(POD, T0, observed("first", running("first", 0, T0)));
    assertEquals(Optional.empty(), waiting.startInit());
    assertEquals(List.of(), waiting.start());
    PodActions second = next(POD, T0, observed("first", exited("first", 0, T0, T0, 0)));
    assertEquals(Optional.of("second"), second.startInit());
    assertEquals(List.of(), second.start(), "app containers wait for every init container");
    PodActions apps = next(POD, T0, observed("first", exited("first", 0, T0, T0, 0)),
        observed("second", exited("second", 0, T0, T0, 0)));
    assertEquals(Optional.empty(), apps.startInit());
    assertEquals(List.of("app", "helper"), apps.start());
  }

  @Test
  void nothingStartsWhileTheVolumesCannotBeMounted() {
    PodActions waiting = PodActions.next(POD, new PodObservation(Map.of(), "10.0.0.1", "10.0.0.2", false, T0));
    assertEquals(Optional.empty(), waiting.startInit());
    assertEquals(List.of(), waiting.start());
    assertEquals(Optional.of("first"), next(POD, T0).startInit(), "and starts once they can");
  }

  @Test
  void failedInitContainerRestartsWithBackoffButNotUnderNever() {
    ContainerState failed = exited("first", 1, T0, T0.plusSeconds(1), 1);
    RestartBackoff restartedOnce = RestartBackoff.defaults().next(T0, T0);
    ContainerObservation first = new ContainerObservation("first", failed, null, 1, null, Map.of(), null,
        restartedOnce);
    PodActions backingOff = next(POD, T0.plusSeconds(2), first);
    assertEquals(Optional.empty(), backingOff.startInit());
    assertEquals(Map.of("first", T0.plusSeconds(11)), backingOff.backingOff());
    assertEquals(Optional.of(T0.plusSeconds(11)), backingOff.recheckAt());
    assertEquals(Optional.of("first"), next(POD, T0.plusSeconds(11), first).startInit());

    ObjectNode never = POD.deepCopy();
    Json.object(never, "spec").put("restartPolicy", "Never");
    PodActions failedPod = next(never, T0.plusSeconds(11), first);
    assertEquals(Optional.empty(), failedPod.startInit());
    assertEquals(List.of(), failedPod.start());
  }

  @Test
  void failedLivenessProbeKillsTheContainer() {
    ObjectNode app = TestPods.container(POD, "app");
    var probes = new EnumMap<>(ProbeTracker.forContainer(app, T0));
    ProbeTracker liveness = probes.get(ProbeTracker.Type.LIVENESS);
    probes.put(ProbeTracker.Type.LIVENESS, liveness.observe(false, T0.plusSeconds(5)));
    ContainerObservation unhealthy = observed("app", running("app", 0, T0)).withProbes(probes);
    PodActions actions = next(POD, T0.plusSeconds(6), unhealthy, observed("helper", running("helper", 0, T0)));
    assertEquals(List.of(new PodActions.Kill("app", "uid1_app_0", Duration.ofSeconds(20),
        "Container app failed liveness probe, will be restarted")), actions.kill());
    assertEquals(List.of(), actions.start(), "it restarts once it has exited");
  }

  @Test
  void changedSpecKillsTheContainer() {
    ObjectNode helper = TestPods.container(POD, "helper");
    String oldHash = PodActions.specHash(yaml("{name: helper, image: old}"));
    assertNotEquals(oldHash, PodActions.specHash(helper));
    ContainerObservation changed = new ContainerObservation("helper", running("helper", 0, T0), null, 0, oldHash,
        Map.of(), null, RestartBackoff.defaults());
    ContainerObservation same = new ContainerObservation("app", running("app", 0, T0), null, 0,
        PodActions.specHash(TestPods.container(POD, "app")), Map.of(), null, RestartBackoff.defaults());
    PodActions actions = next(POD, T0, same, changed);
    assertEquals(1, actions.kill().size());
    assertEquals("Container helper definition changed, will be restarted", actions.kill().get(0).message());
  }

  @Test
  void exitedAppContainersRestartPerPolicyAndBackoff() {
    ContainerObservation app = new ContainerObservation("app", exited("app", 2, T0, T0.plusSeconds(1), 1), null, 2,
        null, Map.of(), null, RestartBackoff.defaults().next(T0, T0).next(T0, T0));
    ContainerObservation helper = observed("helper", exited("helper", 0, T0, T0.plusSeconds(1), 0));
    PodActions always = next(POD, T0.plusSeconds(2), app, helper);
    assertEquals(List.of("helper"), always.start(), "a first restart is immediate");
    assertEquals(Map.of("app", T0.plusSeconds(21)), always.backingOff());

    ObjectNode onFailure = POD.deepCopy();
    Json.object(onFailure, "spec").put("restartPolicy", "OnFailure");
    assertEquals(List.of("app"), next(onFailure, T0.plusSeconds(30), app, helper).start(),
        "under OnFailure only the failed container restarts, once its back-off ended");
  }

  @Test
  void recheckAtIncludesTheNextProbe() {
    ObjectNode app = TestPods.container(POD, "app");
    ContainerObservation probed = observed("app", running("app", 0, T0))
        .withProbes(ProbeTracker.forContainer(app, T0));
    PodActions actions = next(POD, T0, probed, observed("helper", running("helper", 0, T0)));
    assertEquals(Optional.of(T0), actions.recheckAt());
  }

  @Test
  void deletedPodKillsEveryRunningContainerAndStartsNothing() {
    ObjectNode deleted = POD.deepCopy();
    Json.object(deleted, "metadata").put("deletionTimestamp", "2025-01-01T00:00:00Z")
        .put("deletionGracePeriodSeconds", 5);
    PodActions actions = next(deleted, T0, observed("app", running("app", 0, T0)),
        observed("helper", exited("helper", 0, T0, T0, 1)));
    assertEquals(List.of(new PodActions.Kill("app", "uid1_app_0", Duration.ofSeconds(5), "Stopping container app")),
        actions.kill());
    assertTrue(actions.start().isEmpty());
    assertEquals(Optional.empty(), actions.startInit());
  }
}
