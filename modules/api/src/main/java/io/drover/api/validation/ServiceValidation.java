package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.validation.Formats.NameFormat;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Services: ValidateService and ValidateServiceUpdate, plus the node port range the allocator enforces. */
final class ServiceValidation {
  private ServiceValidation() {}

  static final int NODE_PORT_MIN = 30000;
  static final int NODE_PORT_MAX = 32767;
  private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
  private static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final String INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

  static void service(JsonNode service, Errors errs) {
    // Service names become DNS labels of their own, hence RFC 1035 (no leading digit).
    MetaValidation.objectMeta(Nodes.get(service, "metadata"), true, NameFormat.DNS1035_LABEL, "metadata", errs);
    JsonNode spec = Nodes.get(service, "spec");
    String type = Nodes.str(spec, "type");
    List<String> clusterIPs = clusterIPs(spec);
    boolean headless = clusterIPs.size() == 1 && clusterIPs.get(0).equals("None");
    List<JsonNode> ports = Nodes.list(spec, "ports");
    if (ports.isEmpty() && !headless && !type.equals("ExternalName")) errs.required("spec.ports", "");

    switch (type) {
      case "LoadBalancer", "NodePort" -> {
        if (headless) {
          errs.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for " + type + " services");
        }
      }
      case "ExternalName" -> {
        if (!clusterIPs.isEmpty()) errs.forbidden("spec.clusterIPs", "may not be set for ExternalName services");
        String cname = Nodes.str(spec, "externalName");
        if (cname.endsWith(".")) cname = cname.substring(0, cname.length() - 1);
        if (cname.isEmpty()) {
          errs.required("spec.externalName", "");
        } else {
          errs.invalidEach("spec.externalName", cname, Formats.dns1123Subdomain(cname));
        }
      }
      default -> { }
    }

    Set<String> names = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      port(ports.get(i), ports.size() > 1, names, index("spec.ports", i), errs);
    }
    if (Nodes.has(spec, "selector")) MetaValidation.labels(Nodes.strings(spec, "selector"), "spec.selector", errs);
    sessionAffinity(spec, errs);
    if (!type.equals("ExternalName")) clusterIPFields(spec, clusterIPs, errs);
    List<JsonNode> externalIPs = Nodes.list(spec, "externalIPs");
    for (int i = 0; i < externalIPs.size(); i++) {
      ip(externalIPs.get(i).asText(), index("spec.externalIPs", i), errs);
    }
    if (type.isEmpty()) {
      errs.required("spec.type", "");
    } else if (!TYPES.contains(type)) {
      errs.notSupported("spec.type", type, TYPES);
    }
    nodePorts(ports, type, errs);
    duplicatePorts(ports, errs);
    if (!Nodes.list(spec, "loadBalancerSourceRanges").isEmpty() && !type.equals("LoadBalancer")) {
      errs.forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'");
    }
    if (Nodes.has(spec, "allocateLoadBalancerNodePorts") && !type.equals("LoadBalancer")) {
      errs.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'");
    }
    if (type.equals("LoadBalancer") && !Nodes.has(spec, "allocateLoadBalancerNodePorts")) {
      errs.required("allocateLoadBalancerNodePorts", ""); // sic: Go omits "spec." here
    }
    if (Nodes.has(spec, "loadBalancerClass") && !type.equals("LoadBalancer")) {
      errs.forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'");
    }
    trafficPolicies(spec, type, errs);
  }

  /** clusterIPs as the strategy normalises them: taken from clusterIP when not given. */
  private static List<String> clusterIPs(JsonNode spec) {
    List<String> ips = new ArrayList<>();
    Nodes.list(spec, "clusterIPs").forEach(ip -> ips.add(ip.asText()));
    String clusterIP = Nodes.str(spec, "clusterIP");
    if (ips.isEmpty() && !clusterIP.isEmpty()) ips.add(clusterIP);
    return ips;
  }

  private static void port(JsonNode port, boolean requireName, Set<String> names, String path, Errors errs) {
    String name = Nodes.str(port, "name");
    if (requireName && name.isEmpty()) {
      errs.required(child(path, "name"), "");
    } else if (!name.isEmpty()) {
      errs.invalidEach(child(path, "name"), name, Formats.dns1123Label(name));
      if (!names.add(name)) errs.duplicate(child(path, "name"), name);
    }
    long number = Nodes.numOr(port, "port", 0);
    errs.invalidEach(child(path, "port"), number, Formats.portNum(number));
    PodValidation.protocol(Nodes.str(port, "protocol"), child(path, "protocol"), errs);
    PodValidation.portNumOrName(Nodes.get(port, "targetPort"), child(path, "targetPort"), errs);
    String appProtocol = Nodes.str(port, "appProtocol");
    if (Nodes.has(port, "appProtocol")) {
      errs.invalidEach(child(path, "appProtocol"), appProtocol, Formats.qualifiedName(appProtocol));
    }
  }

  private static void sessionAffinity(JsonNode spec, Errors errs) {
    String affinity = Nodes.str(spec, "sessionAffinity");
    JsonNode config = Nodes.get(spec, "sessionAffinityConfig");
    if (affinity.isEmpty()) {
      errs.required("spec.sessionAffinity", "");
    } else if (!affinity.equals("ClientIP") && !affinity.equals("None")) {
      errs.notSupported("spec.sessionAffinity", affinity, List.of("ClientIP", "None"));
    }
    if (affinity.equals("ClientIP")) {
      String when = "when session affinity type is ClientIP";
      JsonNode clientIP = Nodes.get(config, "clientIP");
      if (config.isMissingNode()) {
        errs.required("spec.sessionAffinityConfig", when);
      } else if (clientIP.isMissingNode()) {
        errs.required("spec.sessionAffinityConfig.clientIP", when);
      } else if (!Nodes.has(clientIP, "timeoutSeconds")) {
        errs.required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", when);
      } else {
        long timeout = Nodes.numOr(clientIP, "timeoutSeconds", 0);
        if (timeout <= 0 || timeout > 86400) {
          errs.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
              "must be greater than 0 and less than 86400");
        }
      }
    } else if (affinity.equals("None") && !config.isMissingNode()) {
      errs.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None");
    }
  }

  private static void clusterIPFields(JsonNode spec, List<String> clusterIPs, Errors errs) {
    String clusterIP = Nodes.str(spec, "clusterIP");
    List<JsonNode> given = Nodes.list(spec, "clusterIPs");
    if (!clusterIP.isEmpty() && !given.isEmpty() && !given.get(0).asText().equals(clusterIP)) {
      errs.invalid("spec.clusterIPs", given, "first value must match `clusterIP`");
    }
    for (int i = 0; i < clusterIPs.size(); i++) {
      String ip = clusterIPs.get(i);
      if (i == 0 && ip.equals("None")) {
        if (clusterIPs.size() > 1) errs.invalid("spec.clusterIPs", clusterIPs, "'None' must be the first and only value");
        continue;
      }
      ip(ip, index("spec.clusterIPs", i), errs);
    }
    if (clusterIPs.size() > 2) errs.invalid("spec.clusterIPs", clusterIPs, "may only hold up to 2 values");
  }

  /** Node ports: forbidden on ClusterIP services, inside the allocator's range, unique per protocol. */
  private static void nodePorts(List<JsonNode> ports, String type, Errors errs) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      long nodePort = Nodes.numOr(ports.get(i), "nodePort", 0);
      if (nodePort == 0) continue;
      String at = child(index("spec.ports", i), "nodePort");
      if (type.equals("ClusterIP")) {
        errs.forbidden(at, "may not be used when `type` is 'ClusterIP'");
      } else if ((type.equals("NodePort") || type.equals("LoadBalancer"))
          && (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX)) {
        errs.invalid(at, nodePort, "provided port is not in the valid range. The range of valid ports is "
            + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
      }
      if (!seen.add(Nodes.str(ports.get(i), "protocol") + "/" + nodePort)) errs.duplicate(at, nodePort);
    }
  }

  private static void duplicatePorts(List<JsonNode> ports, Errors errs) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      String protocol = Nodes.str(ports.get(i), "protocol");
      long number = Nodes.numOr(ports.get(i), "port", 0);
      if (!seen.add(protocol + "/" + number)) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("protocol", protocol);
        key.put("port", number);
        errs.duplicate(index("spec.ports", i), key);
      }
    }
  }

  private static void trafficPolicies(JsonNode spec, String type, Errors errs) {
    boolean externallyAccessible = type.equals("NodePort") || type.equals("LoadBalancer")
        || (type.equals("ClusterIP") && !Nodes.list(spec, "externalIPs").isEmpty());
    String external = Nodes.str(spec, "externalTrafficPolicy");
    if (!externallyAccessible) {
      if (!external.isEmpty()) {
        errs.invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services");
      }
    } else if (external.isEmpty()) {
      errs.required("spec.externalTrafficPolicy", "");
    } else if (!TRAFFIC_POLICIES.contains(external)) {
      errs.notSupported("spec.externalTrafficPolicy", external, TRAFFIC_POLICIES);
    }
    long healthCheckNodePort = Nodes.numOr(spec, "healthCheckNodePort", 0);
    boolean needsHealthCheck = type.equals("LoadBalancer") && external.equals("Local");
    if (!needsHealthCheck && healthCheckNodePort != 0) {
      errs.invalid("spec.healthCheckNodePort", healthCheckNodePort,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
    } else if (healthCheckNodePort != 0) {
      errs.invalidEach("spec.healthCheckNodePort", healthCheckNodePort, Formats.portNum(healthCheckNodePort));
    }
    String internal = Nodes.str(spec, "internalTrafficPolicy");
    if (!Nodes.has(spec, "internalTrafficPolicy")) {
      if (type.equals("ClusterIP") || type.equals("NodePort") || type.equals("LoadBalancer")) {
        errs.required("spec.internalTrafficPolicy", "");
      }
    } else if (!TRAFFIC_POLICIES.contains(internal)) {
      errs.notSupported("spec.internalTrafficPolicy", internal, TRAFFIC_POLICIES);
    }
  }

  /**
   * validateUpgradeDowngradeClusterIPs for single-stack services. An update that leaves clusterIP out keeps
   * the allocated one (the REST layer copies it over), so only a different address is refused.
   */
  static void serviceUpdate(JsonNode service, JsonNode old, Errors errs) {
    JsonNode spec = Nodes.get(service, "spec");
    JsonNode oldSpec = Nodes.get(old, "spec");
    if (Nodes.str(spec, "type").equals("ExternalName") || Nodes.str(oldSpec, "type").equals("ExternalName")) return;
    List<String> ips = clusterIPs(spec);
    List<String> oldIps = clusterIPs(oldSpec);
    if (ips.isEmpty() || oldIps.isEmpty()) return;
    if (ips.equals(List.of("None")) && oldIps.equals(List.of("None"))) return;
    for (int i = 0; i < Math.min(ips.size(), oldIps.size()); i++) {
      if (!ips.get(i).equals(oldIps.get(i))) {
        errs.invalid(index("spec.clusterIPs", i), ips, "may not change once set");
      }
    }
  }

  /** validation.IsValidIP: an IPv4 or IPv6 literal (never resolved). */
  static void ip(String value, String path, Errors errs) {
    if (!isIP(value)) errs.invalid(path, value, INVALID_IP);
  }

  private static boolean isIP(String value) {
    var v4 = IPV4.matcher(value);
    if (v4.matches()) {
      for (int g = 1; g <= 4; g++) {
        if (Integer.parseInt(v4.group(g)) > 255) return false;
      }
      return true;
    }
    if (!value.contains(":") || !value.matches("[0-9A-Fa-f:.]+")) return false;
    try {
      // With a colon and only hex digits this is parsed as a literal; no lookup happens.
      InetAddress.getByName("[" + value + "]");
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
