package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A host port a pod's app container binds ({@code ports[].hostPort > 0}), with the defaults of
 * framework.HostPortInfo: protocol TCP, host IP 0.0.0.0 (all addresses).
 */
public record HostPort(String hostIp, String protocol, int port) {
  public static final String ALL_ADDRESSES = "0.0.0.0";

  /** Two bindings clash on the same port and protocol when either binds all addresses or both bind the same one. */
  public boolean conflictsWith(HostPort other) {
    return port == other.port && protocol.equals(other.protocol)
        && (hostIp.equals(ALL_ADDRESSES) || other.hostIp.equals(ALL_ADDRESSES) || hostIp.equals(other.hostIp));
  }

  /** The host ports of a pod spec's app containers (init containers are not counted, as in the NodePorts plugin). */
  public static List<HostPort> listOf(JsonNode podSpec) {
    List<HostPort> result = new ArrayList<>();
    if (podSpec != null) {
      for (JsonNode container : podSpec.path("containers")) {
        for (JsonNode port : container.path("ports")) {
          int hostPort = port.path("hostPort").asInt(0);
          if (hostPort <= 0) continue;
          String ip = port.path("hostIP").asText("");
          String protocol = port.path("protocol").asText("");
          result.add(new HostPort(ip.isEmpty() ? ALL_ADDRESSES : ip, protocol.isEmpty() ? "TCP" : protocol, hostPort));
        }
      }
    }
    return List.copyOf(result);
  }
}
