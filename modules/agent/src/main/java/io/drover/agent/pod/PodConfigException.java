package io.drover.agent.pod;

/**
 * The pod's configuration cannot be applied yet (a missing ConfigMap, key or field). The message is the one kubelet
 * shows; the reason tells the agent how to report it: {@link #CREATE_CONTAINER_CONFIG_ERROR} as a container's waiting
 * reason, {@link #FAILED_MOUNT} as an event while containers stay ContainerCreating.
 */
public final class PodConfigException extends Exception {
  public static final String CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError";
  public static final String FAILED_MOUNT = "FailedMount";

  private final String reason;

  public PodConfigException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
