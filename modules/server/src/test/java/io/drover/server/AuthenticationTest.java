package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.apiserver.auth.ClusterPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTPS and authentication by default, with the real kubectl: the kubeconfig Drover writes (the CA and an admin
 * client certificate), a static token, a client certificate of another user, and what happens without credentials
 * or with wrong ones.
 */
class AuthenticationTest {
  static Path dataDir;
  static Path tokens;
  static DroverServer server;
  static Kubectl admin;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    tokens = dataDir.resolve("tokens.csv");
    Files.writeString(tokens, """
        # token,user,uid,"groups"
        s3cret-jane,jane,1001,"developers,qa"
        """);
    server = TestServers.start(dataDir, Map.of("drover.api.authentication.token-file", tokens.toString()));
    admin = new Kubectl(server.kubeconfig());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  @Test
  void theWrittenKubeconfigIsHttpsWithTheCaAndAnAdminClientCertificate() throws Exception {
    String kubeconfig = Files.readString(server.kubeconfig());
    assertTrue(kubeconfig.contains("server: https://"), kubeconfig);
    assertTrue(kubeconfig.contains("certificate-authority-data:"), "kubectl verifies the server against the CA");
    assertTrue(kubeconfig.contains("client-certificate-data:") && kubeconfig.contains("client-key-data:"));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(server.kubeconfig())), "the kubeconfig holds a private key");
    assertTrue(admin.run("create", "configmap", "by-admin", "--from-literal=a=b").assertOk().stdout()
        .contains("created"));
    assertTrue(admin.run("get", "configmap", "by-admin").assertOk().stdout().contains("by-admin"));
  }

  @Test
  void aStaticTokenKubeconfigWorksAndAWrongTokenIsUnauthorized() throws Exception {
    Kubectl jane = new Kubectl(kubeconfig("jane-token", "    token: s3cret-jane\n"));
    // Authenticated: whoami (every authenticated user may ask) names her; what else she may do is RBAC's question.
    String whoami = jane.run("auth", "whoami").assertOk().stdout();
    assertTrue(whoami.contains("jane") && whoami.contains("[developers qa system:authenticated]"), whoami);
    Kubectl.Result forbidden = jane.run("get", "namespaces");
    assertTrue(forbidden.stderr().contains("(Forbidden)"), "authenticated but not authorized: " + forbidden);
    Kubectl wrong = new Kubectl(kubeconfig("wrong-token", "    token: not-the-token\n"));
    Kubectl.Result refused = wrong.run("get", "namespaces");
    assertEquals(1, refused.exitCode());
    assertTrue(refused.stderr().contains("You must be logged in to the server (Unauthorized)"), refused.stderr());
  }

  @Test
  void aClientCertificateOfTheClusterCaNamesTheUserAndGroups() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(TestServers.TEST_PKI);
    ClusterPki.Issued bob = pki.issueClient("bob", List.of("ops"), Duration.ofHours(1));
    Kubectl kubectl = new Kubectl(kubeconfig("bob-cert", "    client-certificate-data: " + base64(bob.certificatePem())
        + "\n    client-key-data: " + base64(bob.keyPem()) + "\n"));
    String whoami = kubectl.run("auth", "whoami").assertOk().stdout();
    assertTrue(whoami.contains("bob") && whoami.contains("[ops system:authenticated]"), whoami);
  }

  @Test
  void aClientCertificateOfAnotherCaIsRefused() throws Exception {
    Path otherDir = Files.createTempDirectory(dataDir, "other-ca-");
    ClusterPki other = ClusterPki.loadOrCreate(otherDir);
    ClusterPki.Issued mallory = other.issueClient("mallory", List.of("system:masters"), Duration.ofHours(1));
    Kubectl kubectl = new Kubectl(kubeconfig("mallory", "    client-certificate-data: "
        + base64(mallory.certificatePem()) + "\n    client-key-data: " + base64(mallory.keyPem()) + "\n"));
    Kubectl.Result refused = kubectl.run("get", "namespaces");
    assertEquals(1, refused.exitCode(), refused.stdout());
    assertTrue(refused.stderr().contains("certificate") || refused.stderr().contains("Unauthorized"),
        refused.stderr());
  }

  @Test
  void withoutCredentialsOnlyHealthAndVersionAnswer() throws Exception {
    // Trusts the CA but presents no certificate.
    HttpClient anonymous = HttpClient.newBuilder().sslContext(
        ClusterPki.loadOrCreate(TestServers.TEST_PKI).sslContext(null)).build();
    for (String open : List.of("/healthz", "/livez", "/readyz", "/version")) {
      assertEquals(200, get(anonymous, open).statusCode(), open);
    }
    for (String closed : List.of("/api", "/apis", "/api/v1/namespaces", "/api/v1/namespaces/default/secrets",
        "/openapi/v3", "/metrics")) {
      HttpResponse<String> response = get(anonymous, closed);
      assertEquals(401, response.statusCode(), closed);
      assertTrue(response.body().contains("\"reason\":\"Unauthorized\""), response.body());
    }
    HttpResponse<String> badScheme = anonymous.send(HttpRequest.newBuilder(URI.create(server.apiUrl() + "/api"))
        .header("Authorization", "Basic YWRtaW46YWRtaW4=").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, badScheme.statusCode(), "basic auth is not a credential here");
  }

  @Test
  void plainHttpIsNotServedOnTheSecurePort() throws Exception {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String http = server.apiUrl().replace("https://", "http://");
    assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create(http + "/api"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void insecureHttpServesPlainHttpAsAdminWithoutCredentials() throws Exception {
    Path dir = TestServers.tempDataDir();
    try (DroverServer insecure = TestServers.start(dir, Map.of("drover.api.insecure-http", true))) {
      assertTrue(insecure.apiUrl().startsWith("http://"), insecure.apiUrl());
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(insecure.apiUrl() + "/api/v1/namespaces")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      Kubectl kubectl = new Kubectl(insecure.kubeconfig());
      assertTrue(kubectl.run("get", "namespaces").assertOk().stdout().contains("default"));
    } finally {
      TestServers.deleteRecursively(dir);
    }
  }

  static Path kubeconfig(String name, String userLines) {
    return TestServers.userKubeconfig(server, dataDir, name, userLines);
  }

  static String base64(String text) {
    return TestServers.base64(text);
  }

  static HttpResponse<String> get(HttpClient client, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(server.apiUrl() + path)).timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
