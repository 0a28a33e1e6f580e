package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProbeRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final CommandExecutor NO_EXEC = (command, timeout) -> {
    throw new AssertionError("not an exec probe");
  };
  private HttpServer server;
  private final AtomicReference<String> seenUserAgent = new AtomicReference<>();
  private final AtomicReference<String> seenHeader = new AtomicReference<>();

  @AfterEach
  void stop() {
    if (server != null) server.stop(0);
  }

  private int startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      seenUserAgent.set(exchange.getRequestHeaders().getFirst("User-Agent"));
      seenHeader.set(exchange.getRequestHeaders().getFirst("X-Check"));
      int status = switch (exchange.getRequestURI().getPath()) {
        case "/healthz" -> 200;
        case "/moved" -> 302;
        default -> 500;
      };
      if (status == 302) exchange.getResponseHeaders().add("Location", "/healthz");
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
    return server.getAddress().getPort();
  }

  private static ProbeResult run(String probeYaml, ObjectNode container) {
    return ProbeRunner.forProbe(yaml(probeYaml), container, "127.0.0.1", NO_EXEC).probe(TIMEOUT);
  }

  @Test
  void httpGetSucceedsOn2xxAnd3xxAndSendsHeaders() throws Exception {
    int port = startServer();
    ObjectNode container = yaml("{name: app, ports: [{name: http, containerPort: " + port + "}]}");
    ProbeResult ok = run("{httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Check, value: probe-1}]}}",
        container);
    assertTrue(ok.success(), ok.message());
    assertEquals("kube-probe/1.32", seenUserAgent.get());
    assertEquals("probe-1", seenHeader.get());
    assertTrue(run("{httpGet: {path: /moved, port: " + port + "}}", container).success());
  }

  @Test
  void httpGetFailsOnServerErrorWithStatusInMessage() throws Exception {
    int port = startServer();
    ProbeResult result = run("{httpGet: {path: /broken, port: " + port + "}}", yaml("{name: app}"));
    assertFalse(result.success());
    assertEquals("HTTP probe failed with statuscode: 500", result.message());
  }

  @Test
  void unknownNamedPortAndHttpsAreFailures() {
    assertEquals("port web not found", run("{httpGet: {port: web}}", yaml("{name: app}")).message());
    assertFalse(run("{httpGet: {port: 1, scheme: HTTPS}}", yaml("{name: app}")).success());
  }

  @Test
  void tcpSocketSucceedsWhenListeningAndFailsWhenClosed() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ProbeResult open = run("{tcpSocket: {port: " + socket.getLocalPort() + "}}", yaml("{name: app}"));
      assertTrue(open.success(), open.message());
      closedPort = socket.getLocalPort();
    }
    ProbeResult closed = run("{tcpSocket: {port: " + closedPort + "}}", yaml("{name: app}"));
    assertFalse(closed.success());
    assertTrue(closed.message().startsWith("dial tcp 127.0.0.1:" + closedPort), closed.message());
  }

  @Test
  void execSucceedsOnExitZeroAndFailsOnOtherCodesAndTimeouts() {
    AtomicReference<List<String>> ran = new AtomicReference<>();
    CommandExecutor zero = (command, timeout) -> {
      ran.set(command);
      return 0;
    };
    ObjectNode probe = yaml("{exec: {command: [cat, /tmp/healthy]}}");
    ObjectNode container = yaml("{name: app}");
    assertTrue(ProbeRunner.forProbe(probe, container, "h", zero).probe(TIMEOUT).success());
    assertEquals(List.of("cat", "/tmp/healthy"), ran.get());
    assertFalse(ProbeRunner.forProbe(probe, container, "h", (c, t) -> 1).probe(TIMEOUT).success());
    ProbeResult timedOut = ProbeRunner.forProbe(probe, container, "h", (c, t) -> {
      throw new TimeoutException();
    }).probe(TIMEOUT);
    assertFalse(timedOut.success());
    assertTrue(timedOut.message().contains("timed out"));
  }
}
