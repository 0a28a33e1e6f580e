package io.drover.agent.pod;

import io.drover.agent.runtime.ContainerState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent knows about one container of a pod: its latest and previous attempts, its probes for the latest
 * attempt, a start failure to report, and its restart back-off.
 *
 * @param current the latest attempt, null when never created
 * @param previous the attempt before it (reported as lastState), or null
 * @param specHash {@link PodActions#specHash} of the spec the current attempt started from, or null
 * @param probes trackers for the current attempt (empty when the container declares none)
 * @param waiting why the latest start did not happen (e.g. CreateContainerConfigError), null when it did
 */
public record ContainerObservation(String name, ContainerState current, ContainerState previous, int restartCount,
    String specHash, Map<ProbeTracker.Type, ProbeTracker> probes, Waiting waiting, RestartBackoff backoff) {

  /** A waiting reason and message as the container status shows them. */
  public record Waiting(String reason, String message) {}

  public ContainerObservation {
    probes = probes.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(probes)); // in Type order
  }

  /** A container the agent has not created yet, with the default back-off. */
  public static ContainerObservation notCreated(String name) {
    return new ContainerObservation(name, null, null, 0, null, Map.of(), null, RestartBackoff.defaults());
  }

  public ContainerObservation withWaiting(Waiting waiting) {
    return new ContainerObservation(name, current, previous, restartCount, specHash, probes, waiting, backoff);
  }

  public ContainerObservation withProbes(Map<ProbeTracker.Type, ProbeTracker> probes) {
    return new ContainerObservation(name, current, previous, restartCount, specHash, probes, waiting, backoff);
  }

  public boolean running() {
    return current != null && current.running();
  }

  /** Running and past its startup probe (kubelet's started). */
  public boolean started() {
    return running() && verdictOr(ProbeTracker.Type.STARTUP, ProbeTracker.Verdict.SUCCESS)
        == ProbeTracker.Verdict.SUCCESS;
  }

  /** Started and passing its readiness probe; a container without one is ready once started. */
  public boolean ready() {
    return started() && verdictOr(ProbeTracker.Type.READINESS, ProbeTracker.Verdict.SUCCESS)
        == ProbeTracker.Verdict.SUCCESS;
  }

  /** The liveness or startup probe that failed, meaning the container is to be killed. */
  public Optional<ProbeTracker.Type> failedProbe() {
    if (!running()) return Optional.empty();
    for (ProbeTracker.Type type : List.of(ProbeTracker.Type.STARTUP, ProbeTracker.Type.LIVENESS)) {
      if (verdictOr(type, ProbeTracker.Verdict.SUCCESS) == ProbeTracker.Verdict.FAILURE) return Optional.of(type);
    }
    return Optional.empty();
  }

  /** Probes to run now; liveness and readiness wait until the startup probe passed, as in kubelet. */
  public List<ProbeTracker.Type> probesDue(Instant now) {
    List<ProbeTracker.Type> due = new ArrayList<>();
    for (ProbeTracker tracker : activeProbes()) if (tracker.due(now)) due.add(tracker.type());
    return due;
  }

  /** When the next probe of this container is due, if any. */
  public Optional<Instant> nextProbeAt() {
    return activeProbes().stream().flatMap(t -> t.nextCheckAt().stream()).min(Instant::compareTo);
  }

  private List<ProbeTracker> activeProbes() {
    if (!running()) return List.of();
    if (!started()) {
      ProbeTracker startup = probes.get(ProbeTracker.Type.STARTUP);
      return startup == null ? List.of() : List.of(startup);
    }
    return probes.values().stream().filter(t -> t.type() != ProbeTracker.Type.STARTUP).toList();
  }

  private ProbeTracker.Verdict verdictOr(ProbeTracker.Type type, ProbeTracker.Verdict absent) {
    ProbeTracker tracker = probes.get(type);
    return tracker == null ? absent : tracker.verdict();
  }
}
