package io.drover.agent.pod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import java.time.Duration;
import java.time.Instant;

/**
 * One container's restart decision and crash-loop back-off, as kubelet's flowcontrol.Backoff keeps it: the first
 * restart is immediate, each later one waits {@code initial} doubling up to {@code max}, measured from when the
 * container finished; the back-off resets when a container ran longer than twice {@code max} (10 minutes by default)
 * after its last restart. Immutable: {@link #next} returns the state after a restart.
 *
 * @param current the back-off in force, null before the first restart
 * @param lastUpdate when the last restart happened, null before the first restart
 */
public record RestartBackoff(Duration initial, Duration max, Duration current, Instant lastUpdate) {

  public static final Duration DEFAULT_INITIAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MAX = Duration.ofMinutes(5);

  public sealed interface Decision {}

  /** Start (or restart) the container now. */
  public record StartNow() implements Decision {}

  /** CrashLoopBackOff: wait until {@code until}; backoff is the delay in force for the message. */
  public record Wait(Instant until, Duration backoff) implements Decision {}

  /** Running, or finished for good under the restart policy. */
  public record DoNotRestart() implements Decision {}

  public static RestartBackoff of(Duration initial, Duration max) {
    return new RestartBackoff(initial, max, null, null);
  }

  public static RestartBackoff defaults() {
    return of(DEFAULT_INITIAL, DEFAULT_MAX);
  }

  /**
   * Kubelet's ShouldContainerBeRestarted: a container never started (last null) starts; a running one does not; an
   * exited one restarts under Always, under OnFailure only when it failed, never under Never.
   */
  public static boolean shouldRestart(String restartPolicy, ContainerState last) {
    if (last == null) return true;
    if (last.running()) return false;
    return switch (restartPolicy == null ? "Always" : restartPolicy) {
      case "Never" -> false;
      case "OnFailure" -> last.exitCode() == null || last.exitCode() != 0;
      default -> true;
    };
  }

  public Decision decide(String restartPolicy, ContainerState last, Instant now) {
    if (!shouldRestart(restartPolicy, last)) return new DoNotRestart();
    if (last == null || current == null) return new StartNow();
    Instant finishedAt = last.finishedAt() != null ? last.finishedAt() : now;
    if (expired(finishedAt)) return new StartNow();
    Instant until = finishedAt.plus(current);
    return now.isBefore(until) ? new Wait(until, current) : new StartNow();
  }

  /** The state after restarting, now, a container that finished at finishedAt. */
  public RestartBackoff next(Instant finishedAt, Instant now) {
    Duration delay = current == null || expired(finishedAt) ? initial : min(current.multipliedBy(2), max);
    return new RestartBackoff(initial, max, delay, now);
  }

  /** Kubelet's waiting message: {@code back-off 20s restarting failed container=web pod=web-1_default(uid)}. */
  public static String crashLoopMessage(Duration backoff, String containerName, ObjectNode pod) {
    return "back-off " + goDuration(backoff) + " restarting failed container=" + containerName + " pod="
        + Json.text(pod, "metadata.name") + "_" + Json.text(pod, "metadata.namespace")
        + "(" + Json.text(pod, "metadata.uid") + ")";
  }

  /** Go's time.Duration String for whole seconds: 10s, 1m20s, 5m0s, 1h0m0s. */
  static String goDuration(Duration d) {
    long s = d.toSeconds();
    if (s < 60) return s + "s";
    if (s < 3600) return (s / 60) + "m" + (s % 60) + "s";
    return (s / 3600) + "h" + (s % 3600 / 60) + "m" + (s % 60) + "s";
  }

  private boolean expired(Instant finishedAt) {
    return lastUpdate != null && Duration.between(lastUpdate, finishedAt).compareTo(max.multipliedBy(2)) > 0;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
