package io.drover.agent.pod;

/** One probe attempt: success, or failure with the message kubelet would put in the Unhealthy event. */
public record ProbeResult(boolean success, String message) {
  public static ProbeResult ok() {
    return new ProbeResult(true, "");
  }

  public static ProbeResult failure(String message) {
    return new ProbeResult(false, message);
  }
}
