package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Runs one probe attempt; blocks up to the timeout, so the agent calls it off its actors. A timeout or an error is a
 * failure with a message.
 */
@FunctionalInterface
public interface ProbeRunner {
  ProbeResult probe(Duration timeout);

  /**
   * The runner for a probe's handler. host is where httpGet and tcpSocket connect when the probe names no host (the
   * pod's IP); exec runs commands in the container.
   */
  static ProbeRunner forProbe(JsonNode probe, JsonNode container, String host, CommandExecutor exec) {
    if (probe.hasNonNull("exec")) return new ExecProbe(exec, probe.get("exec"));
    if (probe.hasNonNull("httpGet")) return new HttpGetProbe(probe.get("httpGet"), container, host);
    if (probe.hasNonNull("tcpSocket")) return new TcpSocketProbe(probe.get("tcpSocket"), container, host);
    String kind = probe.hasNonNull("grpc") ? "grpc probes are" : "a probe without a handler is";
    return timeout -> ProbeResult.failure(kind + " not supported by this node");
  }

  /** A probe port: a number, or the name of one of the container's ports (kubelet's extractPort). */
  static int port(JsonNode port, JsonNode container) throws IllegalArgumentException {
    int value = -1;
    if (port.isInt()) {
      value = port.asInt();
    } else {
      String name = port.asText();
      for (JsonNode p : container.path("ports")) {
        if (name.equals(p.path("name").asText())) value = p.path("containerPort").asInt();
      }
      if (value < 0) {
        try {
          value = Integer.parseInt(name);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("port " + name + " not found");
        }
      }
    }
    if (value <= 0 || value >= 65536) throw new IllegalArgumentException("invalid port number: " + value);
    return value;
  }
}
