package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.pod.ProbeTracker.Type;
import io.drover.agent.pod.ProbeTracker.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProbeTrackerTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void specHasKubernetesDefaults() {
    ProbeSpec spec = ProbeSpec.parse(yaml("{httpGet: {port: 80}}"));
    assertEquals(List.of(0, 10, 1, 1, 3), List.of(spec.initialDelaySeconds(), spec.periodSeconds(),
        spec.timeoutSeconds(), spec.successThreshold(), spec.failureThreshold()));
  }

  @Test
  void firstCheckWaitsForInitialDelayThenEveryPeriod() {
    ProbeTracker t = ProbeTracker.start(Type.LIVENESS,
        ProbeSpec.parse(yaml("{initialDelaySeconds: 15, periodSeconds: 5, exec: {command: [true]}}")), T0);
    assertEquals(Optional.of(at(15)), t.nextCheckAt());
    assertFalse(t.due(at(14)));
    assertTrue(t.due(at(15)));
    t = t.observe(true, at(16));
    assertEquals(Optional.of(at(21)), t.nextCheckAt());
  }

  @Test
  void initialVerdictsFollowKubelet() {
    ProbeSpec spec = ProbeSpec.parse(yaml("{tcpSocket: {port: 80}}"));
    assertEquals(Verdict.SUCCESS, ProbeTracker.start(Type.LIVENESS, spec, T0).verdict());
    assertEquals(Verdict.FAILURE, ProbeTracker.start(Type.READINESS, spec, T0).verdict());
    assertEquals(Verdict.UNKNOWN, ProbeTracker.start(Type.STARTUP, spec, T0).verdict());
  }

  @Test
  void livenessFailsOnlyAfterFailureThresholdConsecutiveFailuresAndThenHolds() {
    ProbeTracker t = ProbeTracker.start(Type.LIVENESS, ProbeSpec.parse(yaml("{failureThreshold: 3, exec: {}}")), T0);
    t = t.observe(false, at(0)).observe(false, at(10)).observe(true, at(20));
    assertEquals(Verdict.SUCCESS, t.verdict(), "a success breaks the run");
    t = t.observe(false, at(30)).observe(false, at(40));
    assertEquals(Verdict.SUCCESS, t.verdict());
    t = t.observe(false, at(50));
    assertEquals(Verdict.FAILURE, t.verdict());
    assertTrue(t.onHold());
    assertEquals(Optional.empty(), t.nextCheckAt(), "no more checks until the container restarts");
  }

  @Test
  void readinessNeedsSuccessThresholdAndKeepsProbingAfterFailure() {
    ProbeTracker t = ProbeTracker.start(Type.READINESS,
        ProbeSpec.parse(yaml("{successThreshold: 2, failureThreshold: 1, periodSeconds: 3, exec: {}}")), T0);
    t = t.observe(true, at(0));
    assertEquals(Verdict.FAILURE, t.verdict());
    t = t.observe(true, at(3));
    assertEquals(Verdict.SUCCESS, t.verdict());
    t = t.observe(false, at(6));
    assertEquals(Verdict.FAILURE, t.verdict());
    assertEquals(Optional.of(at(9)), t.nextCheckAt());
  }

  @Test
  void startupProbeStopsOnceSucceededAndGatesTheOthers() {
    var container = yaml("""
        {name: app, startupProbe: {exec: {}, periodSeconds: 2}, readinessProbe: {exec: {}}, livenessProbe: {exec: {}}}
        """);
    Map<Type, ProbeTracker> probes = ProbeTracker.forContainer(container, T0);
    ContainerObservation obs = new ContainerObservation("app", TestPods.running("app", 0, T0), null, 0, null, probes,
        null, RestartBackoff.defaults());
    assertEquals(List.of(Type.STARTUP), obs.probesDue(T0));
    assertFalse(obs.started());
    probes = new java.util.EnumMap<>(probes);
    probes.put(Type.STARTUP, probes.get(Type.STARTUP).observe(true, T0));
    obs = obs.withProbes(probes);
    assertTrue(obs.started());
    assertFalse(obs.ready(), "readiness has not passed yet");
    assertEquals(List.of(Type.LIVENESS, Type.READINESS), obs.probesDue(at(1)));
  }
}
