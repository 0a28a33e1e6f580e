package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** A probe's timing and thresholds with Kubernetes' defaults, and its handler (exec, httpGet, tcpSocket, grpc). */
public record ProbeSpec(int initialDelaySeconds, int periodSeconds, int timeoutSeconds, int successThreshold,
    int failureThreshold, Long terminationGracePeriodSeconds, JsonNode handler) {

  public static ProbeSpec parse(JsonNode probe) {
    return new ProbeSpec(
        Math.max(0, probe.path("initialDelaySeconds").asInt(0)),
        positive(probe, "periodSeconds", 10),
        positive(probe, "timeoutSeconds", 1),
        positive(probe, "successThreshold", 1),
        positive(probe, "failureThreshold", 3),
        probe.hasNonNull("terminationGracePeriodSeconds") ? probe.get("terminationGracePeriodSeconds").asLong() : null,
        probe);
  }

  public Duration initialDelay() {
    return Duration.ofSeconds(initialDelaySeconds);
  }

  public Duration period() {
    return Duration.ofSeconds(periodSeconds);
  }

  public Duration timeout() {
    return Duration.ofSeconds(timeoutSeconds);
  }

  private static int positive(JsonNode probe, String field, int defaultValue) {
    int value = probe.path(field).asInt(0);
    return value > 0 ? value : defaultValue;
  }
}
