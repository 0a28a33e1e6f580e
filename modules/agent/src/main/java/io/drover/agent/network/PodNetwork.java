package io.drover.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod networking for the process runtime, the way a CRI runtime does it: each pod gets a network namespace
 * ({@code ip netns add}) set up by the standard CNI plugins as CNI specifies (the plugin binaries run with the
 * CNI_* environment and the network configuration on stdin): {@code loopback} for lo, and {@code bridge} with
 * {@code host-local} IPAM for eth0 on this node's bridge and pod subnet. The pod's containers join the namespace;
 * status.podIP is its address. Tearing down runs the plugins' DEL (which frees the IP and the veth) and deletes
 * the namespace.
 *
 * <p>Without root, the {@code ip} tool or the plugins, pods share the host's network ({@link #isolated()} false,
 * with the reason), as before.
 */
public final class PodNetwork {
  private static final Logger log = LoggerFactory.getLogger(PodNetwork.class);
  static final long PLUGIN_TIMEOUT_SECONDS = 20;
  static final String NETWORK_NAME = "drover";

  /** What a pod got: its address and the namespace its containers join (null: the host's network). */
  public record Address(String ip, String netns) {}

  private final boolean isolated;
  private final String reason;
  private final Path pluginDir;
  private final String subnet;
  private final String bridge;
  private final Path ipamDir;
  /** The runtime whose sandboxes give pods their network (cri), or null when this class sets it up. */
  private final String managedBy;

  private PodNetwork(boolean isolated, String reason, Path pluginDir, String subnet, String bridge, Path ipamDir) {
    this(isolated, reason, pluginDir, subnet, bridge, ipamDir, null);
  }

  private PodNetwork(boolean isolated, String reason, Path pluginDir, String subnet, String bridge, Path ipamDir,
      String managedBy) {
    this.managedBy = managedBy;
    this.isolated = isolated;
    this.reason = reason;
    this.pluginDir = pluginDir;
    this.subnet = subnet;
    this.bridge = bridge;
    this.ipamDir = ipamDir;
  }

  /**
   * @param mode "auto" (a pod network namespace where the host permits), "cni" (the same, and say why not), or
   *     "host" (always the host's network)
   * @param podCidr this node's pod subnet, or "" for 10.88.N.0/24 with N from the node name (so that several
   *     nodes on one host have their own)
   */
  public static PodNetwork detect(String mode, Path pluginDir, String podCidr, String nodeName, Path stateDir) {
    int n = Math.floorMod(nodeName.hashCode(), 250) + 1;
    String subnet = podCidr.isEmpty() ? "10.88." + n + ".0/24" : podCidr;
    String bridge = "drv" + Math.floorMod(nodeName.hashCode(), 100000);
    Path ipam = stateDir.resolve("cni-ipam");
    if (mode.equals("host")) return new PodNetwork(false, "drover.agent.pod-network is host", pluginDir, "", "", ipam);
    String missing = null;
    if (!"root".equals(System.getProperty("user.name"))) missing = "not running as root";
    else if (!Files.isExecutable(pluginDir.resolve("bridge")) || !Files.isExecutable(pluginDir.resolve("host-local"))
        || !Files.isExecutable(pluginDir.resolve("loopback"))) {
      missing = "no CNI plugins in " + pluginDir + " (Debian: apt-get install containernetworking-plugins)";
    } else if (!canCreateNamespaces()) {
      missing = "cannot create network namespaces (ip netns)";
    }
    if (missing != null) {
      if (mode.equals("cni")) log.warn("pods share the host network: {}", missing);
      return new PodNetwork(false, missing, pluginDir, "", "", ipam);
    }
    return new PodNetwork(true, null, pluginDir, subnet, bridge, ipam);
  }

  /** Pods share the host's network, for the reason given (no namespace to set up, nothing to tear down). */
  public static PodNetwork hostOnly(String reason) {
    return new PodNetwork(false, reason, Path.of(""), "", "", Path.of(""));
  }

  /**
   * Pods get their own network from the runtime's sandboxes (CRI: the runtime runs its CNI configuration), not from
   * this class; podCidr is what the operator configured there ("" when not told).
   */
  public static PodNetwork byRuntime(String runtime, String podCidr) {
    return new PodNetwork(true, null, Path.of(""), podCidr, "", Path.of(""), runtime);
  }

  /** The runtime that sets up pod networks itself, or null. */
  public String managedBy() {
    return managedBy;
  }

  public boolean isolated() {
    return isolated;
  }

  /** Why pods share the host's network, or null when they do not. */
  public String reason() {
    return reason;
  }

  /** This node's pod subnet, "" when pods share the host's network. */
  public String subnet() {
    return subnet;
  }

  public String bridge() {
    return bridge;
  }

  /** The namespace name of a pod: a prefix of its uid (the name is a file in /run/netns). */
  static String namespaceName(String podUid) {
    return "drover-" + podUid.replace("-", "").substring(0, Math.min(24, podUid.replace("-", "").length()));
  }

  /**
   * Sets up the pod's namespace and address, or returns what an earlier call (also before an agent restart) set
   * up, from {@code podDir/network.json}.
   */
  public Address setUp(String podUid, Path podDir) throws IOException {
    if (managedBy != null) throw new IllegalStateException("the " + managedBy + " runtime sets up pod networks");
    Path record = podDir.resolve("network.json");
    String name = namespaceName(podUid);
    Path netns = Path.of("/run/netns", name);
    if (Files.exists(record) && Files.exists(netns)) {
      JsonNode saved = Json.MAPPER.readTree(record.toFile());
      return new Address(saved.path("ip").asText(), saved.path("netns").asText());
    }
    if (!Files.exists(netns)) run(List.of("ip", "netns", "add", name), null, Map.of());
    try {
      plugin("loopback", "ADD", podUid, netns, "lo", loopbackConfig());
      JsonNode result = Json.MAPPER.readTree(plugin("bridge", "ADD", podUid, netns, "eth0", bridgeConfig()));
      String cidr = result.path("ips").path(0).path("address").asText("");
      if (cidr.isEmpty()) throw new IOException("the bridge plugin gave no address: " + result);
      String ip = cidr.substring(0, cidr.indexOf('/'));
      ObjectNode saved = Json.MAPPER.createObjectNode().put("ip", ip).put("netns", netns.toString());
      Files.createDirectories(podDir);
      Files.writeString(record, saved.toString());
      return new Address(ip, netns.toString());
    } catch (IOException e) {
      tearDown(podUid, podDir);
      throw e;
    }
  }

  /** Frees the pod's address and veth (CNI DEL) and deletes its namespace; what is already gone is fine. */
  public void tearDown(String podUid, Path podDir) {
    String name = namespaceName(podUid);
    Path netns = Path.of("/run/netns", name);
    try {
      plugin("bridge", "DEL", podUid, netns, "eth0", bridgeConfig());
      plugin("loopback", "DEL", podUid, netns, "lo", loopbackConfig());
    } catch (IOException e) {
      log.info("CNI DEL for pod {}: {}", podUid, e.getMessage());
    }
    try {
      if (Files.exists(netns)) run(List.of("ip", "netns", "delete", name), null, Map.of());
      Files.deleteIfExists(podDir.resolve("network.json"));
    } catch (IOException e) {
      log.warn("deleting network namespace {}: {}", name, e.getMessage());
    }
  }

  private String bridgeConfig() {
    ObjectNode conf = Json.MAPPER.createObjectNode();
    conf.put("cniVersion", "1.0.0").put("name", NETWORK_NAME).put("type", "bridge").put("bridge", bridge)
        .put("isGateway", true).put("ipMasq", false).put("hairpinMode", true);
    ObjectNode ipam = conf.putObject("ipam");
    ipam.put("type", "host-local").put("dataDir", ipamDir.toAbsolutePath().toString());
    ipam.putArray("ranges").addArray().addObject().put("subnet", subnet);
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    return conf.toString();
  }

  private static String loopbackConfig() {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"" + NETWORK_NAME + "-lo\",\"type\":\"loopback\"}";
  }

  private String plugin(String type, String command, String podUid, Path netns, String ifName, String config)
      throws IOException {
    return run(List.of(pluginDir.resolve(type).toString()), config, Map.of(
        "CNI_COMMAND", command, "CNI_CONTAINERID", podUid, "CNI_NETNS", netns.toString(), "CNI_IFNAME", ifName,
        "CNI_PATH", pluginDir.toString()));
  }

  private static String run(List<String> command, String stdin, Map<String, String> env) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
    builder.environment().putAll(env);
    Process process = builder.start();
    if (stdin != null) {
      process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    try {
      if (!process.waitFor(PLUGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String output = new String(out, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + (env.containsKey("CNI_COMMAND") ? " " + env.get("CNI_COMMAND")
          : "") + " failed: " + output + new String(err, StandardCharsets.UTF_8));
    }
    return output;
  }

  private static boolean canCreateNamespaces() {
    String probe = "drover-probe-" + ProcessHandle.current().pid();
    try {
      run(List.of("ip", "netns", "add", probe), null, Map.of());
      run(List.of("ip", "netns", "delete", probe), null, Map.of());
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
