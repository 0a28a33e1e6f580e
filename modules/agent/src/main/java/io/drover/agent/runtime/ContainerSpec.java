package io.drover.agent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One container to start, fully resolved by the agent: command, environment and mounts are final.
 *
 * @param id chosen by the agent, unique per run: {@code <podUid>_<container>_<attempt>}
 * @param image the image reference as the pod names it; runtimes that run host processes or nothing ignore it
 * @param command the container's command with variables expanded; empty means the image's entrypoint (only a
 *     runtime that {@link ContainerRuntime#runsImages() runs images} accepts that)
 * @param args the container's args with variables expanded; empty means the image's cmd when command is empty too
 * @param mounts host directories (prepared by the agent) to make visible at paths inside the container
 * @param logFile where stdout and stderr go, one line per write, in the CRI log format the agent reads back
 * @param netns the pod's network namespace (a path such as /run/netns/NAME) to join, or null for the host's
 * @param runsToCompletion whether the container is meant to end by itself: an init container, or any container of a
 *     pod with restartPolicy Never or OnFailure. A runtime that runs the real command has no use for it; the sim
 *     runtime, which only models the command, ends such a container after {@code drover.sim.finish-after}.
 * @param stdio whether the container keeps a stdin open and runs on a terminal, for attach; null reads as
 *     {@link Stdio#NONE} (a record written before attach existed)
 */
public record ContainerSpec(String id, String podUid, String podNamespace, String podName, String containerName,
    int attempt, String image, List<String> command, List<String> args, Map<String, String> env, String workingDir,
    String hostname, List<Mount> mounts, Resources resources, Security security, Path logFile, String netns,
    boolean runsToCompletion, Stdio stdio) {

  /** Command followed by args: what a runtime without images runs. */
  public List<String> argv() {
    List<String> argv = new java.util.ArrayList<>(command);
    argv.addAll(args);
    return List.copyOf(argv);
  }

  /** The container's stdin, stdinOnce and tty, never null. */
  public Stdio attachable() {
    return stdio == null ? Stdio.NONE : stdio;
  }

  /**
   * The container's stdin, stdinOnce and tty as the pod spec says: stdin open for clients that attach (kubectl
   * attach, kubectl run -i), closed for good when the first of them closes it when stdinOnce, and a terminal.
   */
  public record Stdio(boolean stdin, boolean stdinOnce, boolean tty) {
    public static final Stdio NONE = new Stdio(false, false, false);
  }

  /** A host path visible at containerPath inside the container. */
  public record Mount(Path hostPath, String containerPath, boolean readOnly) {}

  /**
   * Limits to enforce (null means none; cpuMillis 500 = half a core), and the cpu request, which sets the
   * container's share of the CPU under contention (null: none, a BestEffort container).
   */
  public record Resources(Long memoryLimitBytes, Long cpuLimitMillis, Long pidsLimit, Long cpuRequestMillis) {
    public static final Resources NONE = new Resources(null, null, null, null);

    public Resources(Long memoryLimitBytes, Long cpuLimitMillis, Long pidsLimit) {
      this(memoryLimitBytes, cpuLimitMillis, pidsLimit, null);
    }

    /**
     * The cpu request as cgroup v1 cpu shares, kubelet's MilliCPUToShares: 1024 per core, at least 2 (also without
     * a request), at most 262144.
     */
    public long cpuShares() {
      if (cpuRequestMillis == null || cpuRequestMillis <= 0) return 2;
      return Math.max(2, Math.min(262_144, cpuRequestMillis * 1024 / 1000));
    }
  }

  /**
   * The container's securityContext as a runtime applies it: null ids mean the image's user; capabilities as the
   * pod names them ({@code NET_ADMIN}, {@code ALL}); noNewPrivileges from allowPrivilegeEscalation false; the
   * seccomp profile, null for Unconfined (kubelet's default).
   */
  public record Security(Long runAsUser, Long runAsGroup, boolean privileged, boolean readOnlyRootFilesystem,
      List<String> addCapabilities, List<String> dropCapabilities, boolean noNewPrivileges, Seccomp seccomp) {
    public static final Security NONE = new Security(null, null, false, false);

    public Security(Long runAsUser, Long runAsGroup, boolean privileged, boolean readOnlyRootFilesystem) {
      this(runAsUser, runAsGroup, privileged, readOnlyRootFilesystem, List.of(), List.of(), false, null);
    }
  }

  /** A seccomp profile: RuntimeDefault, or Localhost with the profile's file (an absolute path). */
  public record Seccomp(String type, String localhostProfile) {}
}
