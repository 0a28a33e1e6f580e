package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile requests get a 4xx (a Status where the API answers) and cost the server nothing lasting: nesting bombs in
 * JSON and YAML, alias expansion, names and log paths that try to leave their directory, oversized headers and
 * bodies, and clients that send slowly or stall.
 */
class HostileInputTest {
  static final HttpClient HTTP = TestServers.http().connectTimeout(Duration.ofSeconds(5)).build();
  static Path dataDir;
  static DroverServer server;
  static String api;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir, Map.of(
        "drover.api.request-timeout", "2s",
        "drover.api.first-request-timeout", "3s",
        "drover.api.next-request-timeout", "3s",
        "pekko.http.server.idle-timeout", "6s"));
    api = server.apiUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  static HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
    return RawApi.send(api, method, path, contentType, body);
  }

  static void assertStatus(int code, HttpResponse<String> response) throws Exception {
    assertEquals(code, response.statusCode(), response.body());
    JsonNode status = Json.MAPPER.readTree(response.body());
    assertEquals("Status", status.path("kind").asText(), response.body());
    assertEquals(code, status.path("code").asInt(), response.body());
  }

  static final String CONFIG_MAPS = "/api/v1/namespaces/default/configmaps";

  @Test
  void deeplyNestedJsonIsABadRequestNotAStackOverflow() throws Exception {
    for (String deep : new String[] {"[".repeat(500_000), "{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000)}) {
      String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"x\":" + deep + "}";
      HttpResponse<String> response = send("POST", CONFIG_MAPS, "application/json", body);
      assertStatus(400, response);
      assertTrue(response.body().contains("nesting depth") || response.body().contains("depth"), response.body());
    }
    assertStatus(404, send("GET", CONFIG_MAPS + "/deep", null, null));
  }

  @Test
  void yamlAliasBombsAndDeepYamlAreBadRequests() throws Exception {
    String laughs = RawApi.ALIAS_BOMB;
    long started = System.nanoTime();
    assertStatus(400, send("POST", CONFIG_MAPS, "application/yaml", laughs));
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "refused without expanding");
    assertStatus(400, send("POST", CONFIG_MAPS, "application/yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[".repeat(100_000)));
    assertStatus(400, send("POST", CONFIG_MAPS, "application/yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tag}\ndata: !!javax.script.ScriptEngineManager [x]\n"));
    assertStatus(404, send("GET", CONFIG_MAPS + "/laughs", null, null));
  }

  @Test
  void namesAndLogPathsThatTryToLeaveTheirDirectoryAreRefused() throws Exception {
    // Dot segments are resolved as RFC 3986 normalizes a path ("configmaps/.." is the namespace default): no object
    // is named by them. Escaped slashes and NULs stay inside the name, which then does not exist.
    assertEquals("Namespace", Json.MAPPER.readTree(send("GET", CONFIG_MAPS + "/%2e%2e", null, null).body())
        .path("kind").asText());
    for (String name : new String[] {"..%2f..%2fetc", "a%2Fb", "x%00y", "%2e%2e%2fsecrets"}) {
      int code = send("GET", CONFIG_MAPS + "/" + name, null, null).statusCode();
      assertTrue(code == 400 || code == 404, name + " -> " + code);
    }
    assertStatus(422, send("POST", CONFIG_MAPS, "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"../../etc\"}}"));
    // A pod of this node, and logs of a "container" whose name walks out of the pod's directory.
    send("POST", "/api/v1/namespaces/default/pods", "application/json", """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"victim"},"spec":{"containers":[
        {"name":"c","image":"busybox","command":["sleep","3600"]}]}}""");
    Files.writeString(dataDir.resolve("outside.log"), "2026-01-01T00:00:00Z stdout F leaked\n");
    Polling.await(() -> {
      try {
        return Json.MAPPER.readTree(send("GET", "/api/v1/namespaces/default/pods/victim", null, null).body())
            .at("/status/phase").asText().equals("Running");
      } catch (Exception e) {
        return false;
      }
    }, Duration.ofSeconds(60), "victim to run");
    for (String container : new String[] {"../../../outside", "..%2F..%2F..%2Foutside", "c/../../..", "%2e%2e"}) {
      HttpResponse<String> response = send("GET", "/api/v1/namespaces/default/pods/victim/log?container="
          + container, null, null);
      assertEquals(400, response.statusCode(), container + ": " + response.body());
      assertTrue(!response.body().contains("leaked"), response.body());
    }
    send("DELETE", "/api/v1/namespaces/default/pods/victim?gracePeriodSeconds=0", null, null);
  }

  @Test
  void aPatchCannotTurnAnObjectIntoAnotherKindOrMoveIt() throws Exception {
    assertEquals(201, send("POST", CONFIG_MAPS, "application/json",
        "{\"metadata\":{\"name\":\"steady\"},\"data\":{\"a\":\"1\"}}").statusCode());
    String path = CONFIG_MAPS + "/steady";
    assertStatus(400, send("PATCH", path, "application/merge-patch+json", "{\"kind\":\"99999999999999Ei\"}"));
    assertStatus(400, send("PATCH", path, "application/merge-patch+json", "{\"apiVersion\":\"apps/v1\"}"));
    assertStatus(400, send("PATCH", path, "application/merge-patch+json", "{\"metadata\":{\"name\":\"other\"}}"));
    assertStatus(400, send("PATCH", path, "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/metadata/namespace\",\"value\":\"kube-system\"}]"));
    // The object is untouched and a good patch is applied at once (a write the read side cannot file waited for it).
    long started = System.nanoTime();
    assertEquals(200, send("PATCH", path, "application/merge-patch+json", "{\"data\":{\"b\":\"2\"}}")
        .statusCode());
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(3).toNanos(), "the patch was answered at once");
    JsonNode stored = Json.MAPPER.readTree(send("GET", path, null, null).body());
    assertEquals("ConfigMap", stored.path("kind").asText());
    assertEquals("2", stored.at("/data/b").asText());
  }

  @Test
  void anOversizedHeaderIsRefusedAndTheServerGoesOn() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(api + CONFIG_MAPS))
        .header("X-Junk", "j".repeat(200_000)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(response.statusCode() == 431 || response.statusCode() == 400, response.statusCode() + " "
        + response.body());
    assertEquals(200, send("GET", CONFIG_MAPS, null, null).statusCode());
  }

  @Test
  void aBodySentTooSlowlyIsTimedOutWithAStatusAndAStalledConnectionIsClosed() throws Exception {
    try (Socket socket = apiSocket()) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST " + CONFIG_MAPS + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1000\r\n\r\n{\"apiVersion\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long started = System.nanoTime();
      String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 408", answer, "the body never completes: the request times out");
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(15).toNanos());
    }
    try (Socket idle = apiSocket()) {
      idle.setSoTimeout(20_000);
      idle.getOutputStream().write("GET /api HTTP/1.1\r\nHost".getBytes(StandardCharsets.US_ASCII));
      long started = System.nanoTime();
      InputStream in = idle.getInputStream();
      int read;
      try {
        while ((read = in.read()) >= 0) {
          // whatever comes, the server is to close the connection
        }
      } catch (java.net.SocketException reset) {
        // closed by the server
      }
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(15).toNanos(), "stalled connection closed");
    }
    assertEquals(200, send("GET", CONFIG_MAPS, null, null).statusCode());
  }

  @Test
  void aBodyTheAnswerDoesNotNeedIsStillReadSoTheConnectionLivesOn() throws Exception {
    // The fuzz test saw "no answer" for a large POST to a path that does not exist: the 404 went out while the body
    // was still arriving, and closing the connection under the sender lost the answer.
    try (Socket socket = apiSocket()) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      byte[] body = ("{\"data\":\"" + "z".repeat(200_000) + "\"}").getBytes(StandardCharsets.US_ASCII);
      out.write(("POST /api/v1/namespaces/default/pods/watch/proxy/x HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2);
      out.flush();
      socket.setSoTimeout(1000);
      assertThrows(java.net.SocketTimeoutException.class, in::read, "no answer before the body is complete");
      socket.setSoTimeout(20_000);
      out.write(body, body.length / 2, body.length - body.length / 2);
      out.flush();
      String first = readResponse(in);
      assertTrue(first.startsWith("HTTP/1.1 404"), first);
      assertTrue(first.contains("\"kind\":\"Status\""), first);
      assertFalse(first.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), first);
      // The same connection serves the next request.
      out.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String second = readResponse(in);
      assertTrue(second.startsWith("HTTP/1.1 200"), second);
    }
  }

  /** One HTTP/1.1 response with a Content-Length body, read off a socket: status line, headers and body. */
  static String readResponse(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) throw new java.io.EOFException("connection closed after: " + head);
      head.append((char) c);
    }
    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    int bytes = length.find() ? Integer.parseInt(length.group(1)) : 0;
    return head + new String(in.readNBytes(bytes), StandardCharsets.UTF_8);
  }

  @Test
  void aClientTricklingItsHeadersIsCutOffAfterTheFirstRequestTimeout() throws Exception {
    // One byte every 300 ms never leaves the connection idle (idle-timeout 6 s here), so only the first-request
    // timeout (3 s) can end it.
    byte[] request = ("GET /api HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(200)).getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = apiSocket()) {
      assertClosedWhileTrickling(socket, request);
    }
    assertEquals(200, send("GET", CONFIG_MAPS, null, null).statusCode());
  }

  @Test
  void aClientTricklingTheHeadersOfALaterRequestIsCutOffAfterTheNextRequestTimeout() throws Exception {
    // The first request is answered; the second trickles in at a byte every 300 ms, so the connection is never idle
    // (idle-timeout 6 s here): only the next-request timeout (3 s) can end it.
    byte[] request = ("GET /api HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(200)).getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = apiSocket()) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(readResponse(socket.getInputStream()).startsWith("HTTP/1.1 200"));
      assertClosedWhileTrickling(socket, request);
    }
  }

  /**
   * Sends the request a byte every 300 ms until the server closes the connection, which must happen between 2.5 s
   * (the test's 3 s timeouts) and 15 s from the first byte.
   */
  static void assertClosedWhileTrickling(Socket socket, byte[] request) throws Exception {
    long started = System.nanoTime();
    boolean closed = false;
    socket.setSoTimeout(300);
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    for (int i = 0; i < request.length && !closed; i++) {
      try {
        out.write(request[i]);
        out.flush();
        int answer = in.read();
        // A slow client is cut off, not answered: a 500 written at timeout once reached an unrelated request.
        assertTrue(answer < 0, "the server wrote '" + (char) answer + "…' instead of closing");
        closed = true;
      } catch (java.net.SocketTimeoutException stillOpen) {
        // nothing from the server yet: go on trickling
      } catch (java.io.IOException reset) {
        closed = true;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertTrue(closed, "the server never closed a connection that trickled a request for " + seconds + " s");
    assertTrue(seconds >= 2.5 && seconds < 15, "closed after " + seconds + " s");
  }

  @Test
  void anIdleConnectionIsClosedWithoutAWordAfterTheNextRequestTimeout() throws Exception {
    // A client may send its next request just as the timeout closes the connection; it must then see the
    // connection closed (which it can retry), never a response it did not ask for. Pekko HTTP writes a 500 when
    // the connection's handler fails, and once did here.
    try (Socket socket = apiSocket()) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(readResponse(in).startsWith("HTTP/1.1 200"));
      long answered = System.nanoTime();
      byte[] after = in.readAllBytes();
      double seconds = (System.nanoTime() - answered) / 1e9;
      assertEquals("", new String(after, StandardCharsets.US_ASCII), "bytes the idle connection was sent");
      assertTrue(seconds >= 2.5 && seconds < 15, "closed after " + seconds + " s");
    }
  }

  @Test
  void aQuietWatchAndAnIdleExecOutliveTheNextRequestTimeout() throws Exception {
    // A watch that sees nothing for 5 s ends when its timeoutSeconds says, not at the 3 s next-request timeout, and
    // the connection then serves another request.
    try (Socket socket = apiSocket()) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long started = System.nanoTime();
      out.write(("GET " + CONFIG_MAPS + "?watch=true&timeoutSeconds=5&resourceVersion=0&fieldSelector=metadata.name%3Dnone"
          + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String watch = readChunkedResponse(in);
      assertTrue(watch.startsWith("HTTP/1.1 200"), watch);
      assertTrue(System.nanoTime() - started >= Duration.ofSeconds(4).toNanos(), "the watch ran its 5 s");
      out.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertTrue(readResponse(in).startsWith("HTTP/1.1 200"), "the connection lives on after the watch");
    }
    // A WebSocket is never cut by it: an exec that is silent for 5 s still ends with its output.
    Kubectl kubectl = new Kubectl(server.kubeconfig());
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: quiet, namespace: default}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - {name: main, image: busybox, command: [sleep, "3600"]}
        """, "apply", "-f", "-").assertOk();
    kubectl.run("wait", "--for=condition=Ready", "pod/quiet", "--timeout=60s").assertOk();
    assertEquals("done\n", kubectl.run("exec", "quiet", "--", "sh", "-c", "sleep 5; echo done").assertOk().stdout());
    kubectl.run("delete", "pod", "quiet", "--wait=false").assertOk();
  }

  /** One HTTP/1.1 response with a chunked body, read to its last chunk: status line, headers and the body's text. */
  static String readChunkedResponse(InputStream in) throws Exception {
    StringBuilder text = new StringBuilder();
    while (!text.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) throw new java.io.EOFException("connection closed after: " + text);
      text.append((char) c);
    }
    while (true) {
      StringBuilder size = new StringBuilder();
      while (!size.toString().endsWith("\r\n")) size.append((char) in.read());
      int bytes = Integer.parseInt(size.toString().strip().split(";")[0], 16);
      text.append(new String(in.readNBytes(bytes), StandardCharsets.UTF_8));
      in.readNBytes(2);
      if (bytes == 0) return text.toString();
    }
  }

  @Test
  void anAbsurdQuantityIsRefusedAtOnceAndCannotStallQuotaArithmetic() throws Exception {
    // Before: a pod limit of 1e99999999 in a namespace with a compute quota held a thread for minutes while the
    // quota summed it with the other amounts.
    send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"quantities\"}}");
    assertEquals(201, send("POST", "/api/v1/namespaces/quantities/resourcequotas", "application/json",
        "{\"metadata\":{\"name\":\"compute\"},\"spec\":{\"hard\":{\"limits.cpu\":\"4\"}}}").statusCode());
    long started = System.nanoTime();
    HttpResponse<String> refused = send("POST", "/api/v1/namespaces/quantities/pods", "application/json", """
        {"metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox","command":["sleep","1"],
        "resources":{"limits":{"cpu":"1e99999999"}}}]}}""");
    assertStatus(400, refused);
    assertTrue(refused.body().contains("between 1e-30 and 1e30"), refused.body());
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "answered at once");
  }

  /** A TLS connection to the API as the cluster admin, for requests no HTTP client would send. */
  static Socket apiSocket() throws Exception {
    Socket socket = TestServers.adminSslContext().getSocketFactory().createSocket(
        server.apiAddress().getHostString(), server.apiAddress().getPort());
    ((javax.net.ssl.SSLSocket) socket).startHandshake();
    return socket;
  }
}
