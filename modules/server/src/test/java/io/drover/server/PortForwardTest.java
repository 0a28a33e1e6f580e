package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl port-forward} with the real kubectl against a member with the process runtime: a pod's HTTP server
 * through the forwarded port, connections side by side, deployments and services (kubectl picks their pod), a port
 * nothing listens on, a pod that is not running, RBAC, and the API's answers to requests that are no port-forward
 * upgrade.
 */
class PortForwardTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  /** Ports of the pods' servers; uncommon, since without root pods share the host's network. */
  static final int WEB_PORT = 18471;
  static final int DEPLOYMENT_PORT = 18472;
  static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)");
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  static TestServers.Member member;
  static Kubectl kubectl;
  static Path www;
  static byte[] big;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(java.util.Map.of());
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
    www = Files.createTempDirectory("drover-port-forward-");
    Files.writeString(www.resolve("index.html"), "hello through port-forward\n");
    big = new byte[8 << 20];
    new Random(7).nextBytes(big);
    Files.write(www.resolve("big.bin"), big);
    kubectl.runWithInput(httpServerPod("web", WEB_PORT, www), "apply", "-f", "-").assertOk();
    awaitRunning("web");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      TestServers.stop(member);
    } finally {
      TestServers.deleteRecursively(www);
    }
  }

  /** A pod whose container serves {@code dir} over HTTP on its IP and {@code port} (python3's http.server). */
  static String httpServerPod(String name, int port, Path dir) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - name: web
            image: python
            env:
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
            command: ["python3", "-m", "http.server", "%d", "--bind", "$(POD_IP)", "--directory", "%s"]
        """.formatted(name, port, dir);
  }

  static void awaitRunning(String pod) {
    Polling.await(() -> kubectl.run("get", "pod", pod, "-o", "jsonpath={.status.phase}").stdout().equals("Running")
        ? true : null, DEADLINE, pod + " to run");
  }

  /** The local port a running {@code kubectl port-forward ... :REMOTE} announced; fails at once if kubectl ended. */
  static int localPort(Kubectl.Background portForward, int remote) {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < end) {
      for (String line : portForward.lines) {
        Matcher forwarding = FORWARDING.matcher(line);
        if (forwarding.find() && Integer.parseInt(forwarding.group(2)) == remote) {
          return Integer.parseInt(forwarding.group(1));
        }
      }
      if (!portForward.isAlive()) throw new AssertionError("kubectl port-forward ended: " + portForward.errors);
      Polling.pause();
    }
    throw new AssertionError("kubectl announced no port forwarded to " + remote + ": " + portForward.lines
        + portForward.errors);
  }

  /**
   * GET through a forwarded local port. The server's socket may take a moment after the pod is Running, so a
   * refused connection (kubectl then ends, see below) is not retried here: callers forward once the server answers.
   */
  static HttpResponse<byte[]> get(int localPort, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Waits until the pod's server answers (probed through a short-lived port-forward). */
  static void awaitServing(Kubectl kubectl, String target, int port) {
    Polling.await(() -> {
      try (Kubectl.Background portForward = kubectl.background("port-forward", target, ":" + port)) {
        return get(localPort(portForward, port), "/").statusCode() == 200 ? true : null;
      } catch (Exception e) {
        return null;
      }
    }, DEADLINE, target + " to serve on " + port);
  }

  @Test
  void anHttpGetThroughTheForwardedPortReachesThePodAndConnectionsRunSideBySide() throws Exception {
    awaitServing(kubectl, "pod/web", WEB_PORT);
    try (Kubectl.Background portForward = kubectl.background("port-forward", "pod/web", ":" + WEB_PORT)) {
      int local = localPort(portForward, WEB_PORT);
      HttpResponse<byte[]> index = get(local, "/index.html");
      assertEquals(200, index.statusCode());
      assertEquals("hello through port-forward\n", new String(index.body(), StandardCharsets.UTF_8));
      HttpResponse<byte[]> file = get(local, "/big.bin");
      assertEquals(sha256(big), sha256(file.body()), "8 MiB arrive intact");

      // Two connections at once: the first sends half its request and waits while the second is served whole.
      try (Socket first = new Socket(InetAddress.getLoopbackAddress(), local);
          Socket second = new Socket(InetAddress.getLoopbackAddress(), local)) {
        first.setSoTimeout(30_000);
        second.setSoTimeout(30_000);
        OutputStream firstOut = first.getOutputStream();
        firstOut.write("GET /index.html HTTP/1.1\r\nHost: pod\r\n".getBytes(StandardCharsets.US_ASCII));
        firstOut.flush();
        second.getOutputStream().write(request("/index.html"));
        assertTrue(readAll(second.getInputStream()).contains("hello through port-forward"));
        firstOut.write("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readAll(first.getInputStream()).contains("hello through port-forward"));
      }
      assertTrue(portForward.isAlive(), "kubectl keeps forwarding: " + portForward.errors);
    }
  }

  @Test
  void aPortNothingListensOnClosesTheConnectionAndKubectlShowsTheError() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort(); // free on the host, and nothing in the pod listens on it either
    }
    try (Kubectl.Background portForward = kubectl.background("port-forward", "pod/web", ":" + closed)) {
      int local = localPort(portForward, closed);
      try (Socket connection = new Socket(InetAddress.getLoopbackAddress(), local)) {
        connection.setSoTimeout(30_000);
        connection.getOutputStream().write(request("/"));
        assertEquals(-1, connection.getInputStream().read(), "closed without an answer");
      }
      String uid = kubectl.run("get", "pod", "web", "-o", "jsonpath={.metadata.uid}").assertOk().stdout();
      // kubectl 1.32 prints the error and, since an error on the error stream ends its SPDY connection, exits: as it
      // does with a kubelet.
      assertEquals(1, portForward.awaitExit(DEADLINE));
      String errors = String.join("\n", portForward.errors);
      assertTrue(errors.contains("error forwarding port " + closed + " to pod web, uid " + uid + ": dial tcp ")
          && errors.contains(":" + closed + ": connect: connection refused"), errors);
      assertTrue(errors.contains("lost connection to pod"), errors);
    }
  }

  @Test
  void deploymentsAndServicesAreForwardedToAPodKubectlPicks() throws Exception {
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: site}
        spec:
          replicas: 1
          selector: {matchLabels: {app: site}}
          template:
            metadata: {labels: {app: site}}
            spec:
              containers:
              - name: web
                image: python
                env:
                - name: POD_IP
                  valueFrom: {fieldRef: {fieldPath: status.podIP}}
                command: ["python3", "-m", "http.server", "%d", "--bind", "$(POD_IP)", "--directory", "%s"]
                ports: [{name: http, containerPort: %d}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: site}
        spec:
          selector: {app: site}
          ports: [{port: 80, targetPort: http}]
        """.formatted(DEPLOYMENT_PORT, www, DEPLOYMENT_PORT), "apply", "-f", "-").assertOk();
    awaitServing(kubectl, "deploy/site", DEPLOYMENT_PORT);
    try (Kubectl.Background deployment = kubectl.background("port-forward", "deploy/site", ":" + DEPLOYMENT_PORT);
        Kubectl.Background service = kubectl.background("port-forward", "svc/site", ":80")) {
      assertEquals("hello through port-forward\n", new String(get(localPort(deployment, DEPLOYMENT_PORT),
          "/index.html").body(), StandardCharsets.UTF_8));
      // kubectl maps the Service's port 80 to its pod's targetPort.
      assertEquals("hello through port-forward\n", new String(get(localPort(service, DEPLOYMENT_PORT),
          "/index.html").body(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aPodThatIsNotRunningCannotBeForwarded() throws Exception {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: waiting}
        spec:
          nodeSelector: {no-such-node: "true"}
          containers: [{name: main, image: busybox, command: [sleep, "60"]}]
        """, "apply", "-f", "-").assertOk();
    Kubectl.Result refused = kubectl.run("port-forward", "pod/waiting", ":80");
    assertEquals(1, refused.exitCode());
    assertTrue(refused.stderr().contains("unable to forward port because pod is not running. Current status=Pending"),
        refused.stderr());
    // The API refuses too, for clients that do not look first.
    String answer = upgrade("/api/v1/namespaces/default/pods/waiting/portforward", "SPDY/3.1+portforward.k8s.io");
    assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("pod is not running (phase Pending)"), answer);
  }

  @Test
  void portForwardIsCreateOnPodsPortforwardForRbac() throws Exception {
    io.drover.apiserver.auth.ClusterPki pki = io.drover.apiserver.auth.ClusterPki.loadOrCreate(TestServers.TEST_PKI);
    io.drover.apiserver.auth.ClusterPki.Issued viewer = pki.issueClient("viewer", java.util.List.of("viewers"),
        Duration.ofHours(1));
    Kubectl asViewer = new Kubectl(TestServers.userKubeconfig(member.server(), member.dataDir(), "viewer",
        "    client-certificate-data: " + TestServers.base64(viewer.certificatePem()) + "\n    client-key-data: "
            + TestServers.base64(viewer.keyPem()) + "\n"));
    kubectl.run("create", "rolebinding", "viewers", "--clusterrole=view", "--group=viewers").assertOk();
    Polling.await(() -> asViewer.run("get", "pod", "web").exitCode() == 0 ? true : null, DEADLINE,
        "the viewer's binding to take effect");
    Kubectl.Result refused = asViewer.run("port-forward", "pod/web", ":" + WEB_PORT);
    assertEquals(1, refused.exitCode());
    assertTrue(refused.stderr().contains("cannot create resource \"pods/portforward\" in API group \"\""),
        refused.stderr());
    kubectl.run("create", "rolebinding", "viewers-edit", "--clusterrole=edit", "--group=viewers").assertOk();
    awaitServing(asViewer, "pod/web", WEB_PORT);
  }

  @Test
  void requestsThatAreNoPortForwardUpgradeGetAStatus() throws Exception {
    String api = member.server().apiUrl();
    HttpResponse<String> missing = RawApi.send(api, "GET", "/api/v1/namespaces/default/pods/nope/portforward", null,
        null);
    assertEquals(404, missing.statusCode(), missing.body());
    assertTrue(missing.body().contains("\"kind\":\"Status\"") && missing.body().contains("not found"),
        missing.body());
    HttpResponse<String> plain = RawApi.send(api, "GET", "/api/v1/namespaces/default/pods/web/portforward", null,
        null);
    assertEquals(400, plain.statusCode(), plain.body());
    assertTrue(plain.body().contains("needs a WebSocket upgrade with the protocol SPDY/3.1+portforward.k8s.io"),
        plain.body());
    String wrongProtocol = upgrade("/api/v1/namespaces/default/pods/web/portforward", "v5.channel.k8s.io");
    assertTrue(wrongProtocol.startsWith("HTTP/1.1 400") && wrongProtocol.contains("\"kind\":\"Status\""),
        wrongProtocol);
    String accepted = upgrade("/api/v1/namespaces/default/pods/web/portforward", "SPDY/3.1+portforward.k8s.io");
    assertTrue(accepted.startsWith("HTTP/1.1 101")
        && accepted.toLowerCase().contains("sec-websocket-protocol: spdy/3.1+portforward.k8s.io"), accepted);
  }

  /**
   * Sends a WebSocket upgrade over a raw TLS socket (java.net.http refuses a protocol such as
   * {@code SPDY/3.1+portforward.k8s.io}) and answers what the member wrote back: the head, and a Status body.
   */
  static String upgrade(String path, String protocol) throws IOException {
    java.net.InetSocketAddress api = member.server().apiAddress();
    try (SSLSocket socket = (SSLSocket) TestServers.adminSslContext().getSocketFactory()
        .createSocket(api.getHostString(), api.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + api.getHostString() + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      // The head ends with an empty line; a Status follows on a refusal (its length says how long it is).
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (java.net.SocketTimeoutException e) {
          break;
        }
        if (n < 0) break;
        answer.write(buffer, 0, n);
        String text = answer.toString(StandardCharsets.UTF_8);
        int head = text.indexOf("\r\n\r\n");
        if (head >= 0 && text.startsWith("HTTP/1.1 101")) break;
        Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
        if (head >= 0 && length.find() && text.length() - head - 4 >= Integer.parseInt(length.group(1))) break;
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static byte[] request(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static String readAll(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
