package io.drover.agent.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Pod sandboxes of a runtime that creates them itself (CRI's RunPodSandbox): the pod's shared namespaces, its
 * network namespace and IP from the runtime's CNI setup, and its hostname. Runtimes without sandboxes leave pod
 * networking to the agent's {@code PodNetwork}.
 */
public interface PodSandboxes {

  /**
   * One pod's sandbox.
   *
   * @param logDirectory the pod's directory; container logs are written below it
   * @param hostNetwork the pod shares the node's network namespace (spec.hostNetwork)
   * @param dns the pod's resolv.conf content, or null for the runtime's default
   * @param hostPorts the containers' ports that have a hostPort: the runtime's CNI (portmap) forwards them
   */
  record SandboxSpec(String podUid, String podNamespace, String podName, int attempt, String hostname,
      Path logDirectory, boolean hostNetwork, String dns, Map<String, String> labels, List<HostPort> hostPorts) {}

  /** A container port published on the node: protocol TCP, UDP or SCTP; hostIP "" for every address. */
  record HostPort(String protocol, int containerPort, int hostPort, String hostIP) {}

  /**
   * Creates the pod's sandbox, or finds the one already running for this pod (after an agent restart), and answers
   * its IP (null with host network: the pod has the node's address).
   */
  String runSandbox(SandboxSpec spec) throws IOException;

  /**
   * Whether the pod's sandbox is still ready (its pause process alive). False when the runtime no longer has it;
   * true when the runtime cannot be asked right now, so a passing outage does not recreate every pod.
   */
  boolean sandboxReady(String podUid);

  /** Stops and removes the pod's sandbox, releasing its network namespace and IP; no-op when there is none. */
  void removeSandbox(String podUid);

  /** Stops and removes every sandbox of this node (decommissioning a node, tests). */
  void removeAllSandboxes();
}
