package io.drover.agent.runtime;

import java.time.Instant;

/**
 * A container as the runtime sees it. For EXITED: exitCode and reason ("Completed" for 0, "Error", "OOMKilled"
 * with exit code 137 when the memory limit killed it, "StartError" when it could not start, with message).
 *
 * @param id the runtime's id of the container, which the agent uses in every later call
 * @param containerUri how status.containerStatuses[].containerID shows it ({@code <runtime>://<id>})
 * @param imageRef the image the container runs, by digest (status imageID); empty for runtimes without images
 */
public record ContainerState(String id, String podUid, String containerName, int attempt, Status status, long pid,
    Instant startedAt, Instant finishedAt, Integer exitCode, String reason, String message, String containerUri,
    String imageRef) {

  /** A container of a runtime without images, shown as {@code drover://<id>}. */
  public ContainerState(String id, String podUid, String containerName, int attempt, Status status, long pid,
      Instant startedAt, Instant finishedAt, Integer exitCode, String reason, String message) {
    this(id, podUid, containerName, attempt, status, pid, startedAt, finishedAt, exitCode, reason, message,
        "drover://" + id, "");
  }

  public enum Status { RUNNING, EXITED }

  public boolean running() {
    return status == Status.RUNNING;
  }
}
