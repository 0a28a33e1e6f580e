package io.drover.agent.runtime;

import java.time.Instant;

/**
 * A container as the runtime sees it. For EXITED: exitCode and reason ("Completed" for 0, "Error", "OOMKilled"
 * with exit code 137 when the memory limit killed it, "StartError" when it could not start, with message).
 */
public record ContainerState(String id, String podUid, String containerName, int attempt, Status status, long pid,
    Instant startedAt, Instant finishedAt, Integer exitCode, String reason, String message) {

  public enum Status { RUNNING, EXITED }

  public boolean running() {
    return status == Status.RUNNING;
  }
}
