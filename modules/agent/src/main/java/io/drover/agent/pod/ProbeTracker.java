package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * One probe of one container attempt, as kubelet's prober worker counts it: the verdict flips only after
 * successThreshold successes or failureThreshold failures in a row; no checks before initialDelaySeconds; a failed
 * liveness or startup probe holds (the container is to be restarted); a startup probe stops once it succeeded.
 * Immutable: {@link #observe} returns the next state.
 */
public record ProbeTracker(Type type, ProbeSpec spec, Instant containerStartedAt, Verdict verdict,
    Boolean lastSuccess, int run, Instant lastCheckAt, boolean onHold) {

  public enum Type {
    LIVENESS("livenessProbe", "Liveness"), READINESS("readinessProbe", "Readiness"), STARTUP("startupProbe", "Startup");

    public final String field;
    public final String label;

    Type(String field, String label) {
      this.field = field;
      this.label = label;
    }
  }

  public enum Verdict { SUCCESS, FAILURE, UNKNOWN }

  /** A fresh tracker with kubelet's initial results: liveness passes, readiness fails, startup is unknown. */
  public static ProbeTracker start(Type type, ProbeSpec spec, Instant containerStartedAt) {
    Verdict initial = switch (type) {
      case LIVENESS -> Verdict.SUCCESS;
      case READINESS -> Verdict.FAILURE;
      case STARTUP -> Verdict.UNKNOWN;
    };
    return new ProbeTracker(type, spec, containerStartedAt, initial, null, 0, null, false);
  }

  /** Trackers for each probe the container declares. */
  public static Map<Type, ProbeTracker> forContainer(JsonNode container, Instant startedAt) {
    Map<Type, ProbeTracker> trackers = new EnumMap<>(Type.class);
    for (Type type : Type.values()) {
      JsonNode probe = container.get(type.field);
      if (probe != null && probe.isObject()) trackers.put(type, start(type, ProbeSpec.parse(probe), startedAt));
    }
    return trackers;
  }

  /** When the next check is due; empty when this probe is finished for the current attempt. */
  public Optional<Instant> nextCheckAt() {
    if (onHold || (type == Type.STARTUP && verdict == Verdict.SUCCESS)) return Optional.empty();
    Instant afterDelay = containerStartedAt.plus(spec.initialDelay());
    if (lastCheckAt == null) return Optional.of(afterDelay);
    Instant afterPeriod = lastCheckAt.plus(spec.period());
    return Optional.of(afterPeriod.isAfter(afterDelay) ? afterPeriod : afterDelay);
  }

  public boolean due(Instant now) {
    return nextCheckAt().map(at -> !at.isAfter(now)).orElse(false);
  }

  /** The state after one probe result observed at {@code at}. */
  public ProbeTracker observe(boolean success, Instant at) {
    if (nextCheckAt().isEmpty()) return this;
    int nextRun = lastSuccess != null && lastSuccess == success ? run + 1 : 1;
    int threshold = success ? spec.successThreshold() : spec.failureThreshold();
    if (nextRun < threshold) {
      return new ProbeTracker(type, spec, containerStartedAt, verdict, success, nextRun, at, false);
    }
    Verdict next = success ? Verdict.SUCCESS : Verdict.FAILURE;
    boolean hold = !success && type != Type.READINESS;
    return new ProbeTracker(type, spec, containerStartedAt, next, success, hold ? 0 : nextRun, at, hold);
  }
}
