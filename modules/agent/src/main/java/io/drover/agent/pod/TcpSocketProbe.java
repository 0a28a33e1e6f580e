package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** A tcpSocket probe: success when a connection opens within the timeout. */
final class TcpSocketProbe implements ProbeRunner {
  private final JsonNode tcpSocket;
  private final JsonNode container;
  private final String defaultHost;

  TcpSocketProbe(JsonNode tcpSocket, JsonNode container, String defaultHost) {
    this.tcpSocket = tcpSocket;
    this.container = container;
    this.defaultHost = defaultHost;
  }

  @Override
  public ProbeResult probe(Duration timeout) {
    String host = tcpSocket.path("host").asText("");
    if (host.isEmpty()) host = defaultHost;
    int port;
    try {
      port = ProbeRunner.port(tcpSocket.path("port"), container);
    } catch (IllegalArgumentException e) {
      return ProbeResult.failure(e.getMessage());
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
      return ProbeResult.ok();
    } catch (IOException e) {
      return ProbeResult.failure("dial tcp " + host + ":" + port + ": " + e.getMessage());
    }
  }
}
