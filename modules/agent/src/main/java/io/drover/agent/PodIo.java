package io.drover.agent;

import io.drover.agent.runtime.ExecSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the API needs from the node agent that runs a pod: where its logs are, whether a container is running,
 * a way to run a command in it, where its ports are reached, and the usage it measured (the kubelet's stats
 * summary). Implemented by the agent of this member; pods on other members' nodes are reached through their member.
 */
public interface PodIo {
  /** The node this member's agent runs. */
  String nodeName();

  /** The pod's directory (holding {@code <container>/<attempt>.log}), if this agent has run the pod. */
  Optional<Path> podDirectory(String namespace, String name, String uid);

  /** Whether the container's current run is still running. */
  boolean isRunning(String namespace, String name, String uid, String container);

  /** What this agent last measured of its node and pods (empty until it sampled twice). */
  Optional<io.drover.control.metrics.NodeUsage> usage();

  /** Runs a command in a running container. */
  ExecSession exec(String namespace, String name, String uid, String container, List<String> command, boolean tty)
      throws IOException;

  /**
   * Attaches to a running container's own stdio (see {@link io.drover.agent.runtime.ContainerRuntime#attach});
   * {@code tty} is the container's.
   */
  ExecSession attach(String namespace, String name, String uid, String container, boolean stdin, boolean tty)
      throws IOException;

  /**
   * Where this node reaches the pod's ports (port-forward): the pod's IP in its own network namespace, or the node's
   * address when it shares the host's network. Connections come from the host, not from inside the pod.
   *
   * @throws IOException with the reason when nothing there can be reached: the pod does not run on this node, or its
   *     runtime runs no processes (sim)
   */
  String portAddress(String namespace, String name, String uid) throws IOException;
}
