package io.drover.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One container to start, fully resolved by the agent: command, environment and mounts are final.
 *
 * @param id chosen by the agent, unique per run: {@code <podUid>_<container>_<attempt>}
 * @param command argv: the container's command followed by its args (never empty)
 * @param mounts host directories (prepared by the agent) to make visible at paths inside the container
 * @param logFile where stdout and stderr go, one line per write, in the CRI log format the agent reads back
 * @param netns the pod's network namespace (a path such as /run/netns/NAME) to join, or null for the host's
 * @param runsToCompletion whether the container is meant to end by itself: an init container, or any container of a
 *     pod with restartPolicy Never or OnFailure. A runtime that runs the real command has no use for it; the sim
 *     runtime, which only models the command, ends such a container after {@code drover.sim.finish-after}.
 */
public record ContainerSpec(String id, String podUid, String podNamespace, String podName, String containerName,
    int attempt, List<String> command, Map<String, String> env, String workingDir, String hostname,
    List<Mount> mounts, Resources resources, Path logFile, String netns, boolean runsToCompletion) {

  /** A host path visible at containerPath inside the container. */
  public record Mount(Path hostPath, String containerPath, boolean readOnly) {}

  /** Limits to enforce; null means none. cpuMillis 500 = half a core. */
  public record Resources(Long memoryLimitBytes, Long cpuLimitMillis, Long pidsLimit) {
    public static final Resources NONE = new Resources(null, null, null);
  }
}
