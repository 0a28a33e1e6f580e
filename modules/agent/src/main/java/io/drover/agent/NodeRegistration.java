package io.drover.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.network.PodNetwork;
import io.drover.agent.runtime.Isolation;
import io.drover.api.Json;
import io.drover.control.node.NodeAllocationEntity;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The Node object an agent registers and keeps fresh: capacity and allocatable of this machine, labels, addresses,
 * conditions (Ready plus the pressure conditions, and Drover's IsolationDegraded when the runtime cannot isolate),
 * and node info. Pure: the agent supplies the machine facts.
 */
public final class NodeRegistration {
  private NodeRegistration() {}

  /** Facts about the machine and agent that go into the Node. */
  public record Machine(String nodeName, int cpus, long memoryBytes, long ephemeralStorageBytes, int maxPods,
      String internalIp, int apiPort, String os, String arch, String kernel, String osImage, String runtime,
      List<String> roles) {

    public static Machine detect(String nodeName, int maxPods, String internalIp, int apiPort, String runtime,
        List<String> roles,
        long ephemeralStorageBytes) {
      long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getTotalMemorySize();
      String arch = System.getProperty("os.arch").replace("x86_64", "amd64").replace("aarch64", "arm64");
      return new Machine(nodeName, Runtime.getRuntime().availableProcessors(), memory, ephemeralStorageBytes,
          maxPods, internalIp, apiPort, System.getProperty("os.name").toLowerCase(), arch, System.getProperty("os.version"),
          readOsImage(), runtime, roles);
    }

    private static String readOsImage() {
      try {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/os-release"))) {
          if (line.startsWith("PRETTY_NAME=")) return line.substring(12).replace("\"", "");
        }
      } catch (java.io.IOException | RuntimeException e) {
        // not Linux, or no os-release: fall through
      }
      return System.getProperty("os.name");
    }

    public NodeAllocationEntity.Capacity capacity() {
      return new NodeAllocationEntity.Capacity(cpus * 1000L, memoryBytes, maxPods);
    }
  }

  /** The whole Node object for a first registration. */
  public static ObjectNode node(Machine machine, Isolation isolation, PodNetwork network, Instant now) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("apiVersion", "v1").put("kind", "Node");
    ObjectNode meta = node.putObject("metadata").put("name", machine.nodeName());
    ObjectNode labels = meta.putObject("labels");
    labels.put("kubernetes.io/hostname", machine.nodeName()).put("kubernetes.io/os", machine.os())
        .put("kubernetes.io/arch", machine.arch()).put("beta.kubernetes.io/os", machine.os())
        .put("beta.kubernetes.io/arch", machine.arch());
    for (String role : machine.roles()) {
      labels.put("node-role.kubernetes.io/" + role, "");
    }
    ObjectNode spec = node.putObject("spec");
    if (network != null && network.isolated() && !network.subnet().isEmpty()) {
      spec.put("podCIDR", network.subnet());
      spec.putArray("podCIDRs").add(network.subnet());
    }
    node.set("status", status(machine, isolation, network, now, null));
    return node;
  }

  /**
   * The node status for a heartbeat: conditions keep their lastTransitionTime while unchanged (taken from the
   * previous status), and lastHeartbeatTime moves to now.
   */
  public static ObjectNode status(Machine machine, Isolation isolation, PodNetwork network, Instant now,
      ObjectNode previousStatus) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode status = Json.MAPPER.createObjectNode();
    ObjectNode capacity = status.putObject("capacity");
    capacity.put("cpu", Integer.toString(machine.cpus()))
        .put("memory", (machine.memoryBytes() / 1024) + "Ki")
        .put("pods", Integer.toString(machine.maxPods()))
        .put("ephemeral-storage", (machine.ephemeralStorageBytes() / 1024) + "Ki");
    status.set("allocatable", capacity.deepCopy());
    ArrayNode conditions = status.putArray("conditions");
    condition(conditions, previousStatus, "MemoryPressure", "False", "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available", time);
    condition(conditions, previousStatus, "DiskPressure", "False", "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure", time);
    condition(conditions, previousStatus, "PIDPressure", "False", "KubeletHasSufficientPID",
        "kubelet has sufficient PID available", time);
    condition(conditions, previousStatus, "Ready", "True", "KubeletReady", "kubelet is posting ready status", time);
    boolean degraded = !isolation.namespaces() || !isolation.cgroups();
    condition(conditions, previousStatus, "IsolationDegraded", degraded ? "True" : "False",
        degraded ? "RuntimeCannotIsolate" : "RuntimeIsolates",
        degraded ? isolation.reason() : "containers run in their own namespaces and cgroups", time);
    boolean shared = network == null || !network.isolated();
    condition(conditions, previousStatus, "NetworkIsolationDegraded", shared ? "True" : "False",
        shared ? "HostNetwork" : "PodNetworkNamespaces",
        shared ? "pods share the host network: " + (network == null ? "no pod network" : network.reason())
            : network.managedBy() != null ? "each pod has its own network namespace and IP from the "
                + network.managedBy() + " runtime's pod sandbox (its CNI configuration)"
            : "each pod has its own network namespace and an IP from " + network.subnet() + " (CNI bridge "
                + network.bridge() + ")", time);
    ArrayNode addresses = status.putArray("addresses");
    addresses.addObject().put("type", "InternalIP").put("address", machine.internalIp());
    addresses.addObject().put("type", "Hostname").put("address", machine.nodeName());
    // Where this node's agent serves pod logs and exec: the API port of its member, at the InternalIP. Any other
    // member proxies there, as kube-apiserver proxies to the kubelet.
    status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", machine.apiPort());
    ObjectNode info = status.putObject("nodeInfo");
    info.put("machineID", "").put("systemUUID", "").put("bootID", "")
        .put("kernelVersion", machine.kernel()).put("osImage", machine.osImage())
        .put("containerRuntimeVersion", machine.runtime().contains("://") ? machine.runtime()
            : machine.runtime() + "://drover")
        .put("kubeletVersion", "v1.32.0-drover").put("kubeProxyVersion", "")
        .put("operatingSystem", machine.os()).put("architecture", machine.arch());
    return status;
  }

  private static void condition(ArrayNode conditions, ObjectNode previous, String type, String value,
      String reason, String message, String now) {
    String since = now;
    if (previous != null) {
      for (var old : previous.path("conditions")) {
        if (type.equals(old.path("type").asText()) && value.equals(old.path("status").asText())
            && old.hasNonNull("lastTransitionTime")) {
          since = old.path("lastTransitionTime").asText();
        }
      }
    }
    conditions.addObject().put("type", type).put("status", value).put("lastHeartbeatTime", now)
        .put("lastTransitionTime", since).put("reason", reason).put("message", message);
  }
}
