package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.apiserver.auth.ServiceAccountJwt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TokenRequest API ({@code serviceaccounts/NAME/token}) through the real {@code kubectl create token}: the token
 * it prints authenticates as the ServiceAccount, kube-apiserver's refusals (a duration under ten minutes, a missing
 * ServiceAccount), tokens bound to a pod or Secret that stop working with it, and a token for another audience that
 * the API does not accept.
 */
class TokenRequestTest {
  static final Duration DEADLINE = Duration.ofSeconds(30);
  static TestServers.Member member;
  static Kubectl kubectl;
  static final HttpClient ADMIN = TestServers.http().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  /** A kubectl that presents only {@code token} (and trusts the cluster CA): no client certificate. */
  static Kubectl withToken(String token) throws Exception {
    String ca = Base64.getEncoder().encodeToString(Files.readString(TestServers.TEST_PKI.resolve("ca.crt"))
        .getBytes(StandardCharsets.UTF_8));
    Path file = Files.createTempFile(member.dataDir(), "token-", ".kubeconfig");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: drover
          cluster: {server: %s, certificate-authority-data: %s}
        contexts:
        - name: drover
          context: {cluster: drover, user: sa}
        current-context: drover
        users:
        - name: sa
          user: {token: %s}
        """.formatted(member.server().apiUrl(), ca, token));
    return new Kubectl(file);
  }

  static JsonNode claims(String token) throws Exception {
    String[] parts = token.split("\\.", -1);
    assertEquals(3, parts.length, token);
    return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
  }

  static String createToken(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "create";
    all[1] = "token";
    System.arraycopy(args, 0, all, 2, args.length);
    return kubectl.run(all).assertOk().stdout().strip();
  }

  @Test
  void kubectlCreateTokenPrintsATokenThatIsTheServiceAccount() throws Exception {
    kubectl.run("create", "namespace", "tr-basic").assertOk();
    String token = createToken("default", "-n", "tr-basic");
    JsonNode claims = claims(token);
    assertEquals("system:serviceaccount:tr-basic:default", claims.path("sub").asText(), claims.toString());
    assertEquals(ServiceAccountJwt.ISSUER, claims.path("aud").asText(), "the API's audience by default");
    assertEquals(3600, claims.path("exp").asLong() - claims.path("iat").asLong(), claims.toString());
    assertTrue(claims.at("/kubernetes.io/pod").isMissingNode(), "not bound to a pod: " + claims);
    String whoami = withToken(token).run("auth", "whoami").assertOk().stdout();
    assertTrue(whoami.contains("system:serviceaccount:tr-basic:default"), whoami);
    assertTrue(whoami.contains("system:serviceaccounts:tr-basic"), whoami);

    String longer = createToken("default", "-n", "tr-basic", "--duration=2h");
    assertEquals(7200, claims(longer).path("exp").asLong() - claims(longer).path("iat").asLong());
  }

  @Test
  void theSubresourceAnswersATokenRequestWithItsSpecDefaulted() throws Exception {
    kubectl.run("create", "namespace", "tr-raw").assertOk();
    HttpResponse<String> created = post("/api/v1/namespaces/tr-raw/serviceaccounts/default/token",
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}");
    assertEquals(201, created.statusCode(), created.body());
    JsonNode review = Json.MAPPER.readTree(created.body());
    assertEquals("TokenRequest", review.path("kind").asText());
    assertEquals("authentication.k8s.io/v1", review.path("apiVersion").asText());
    assertEquals("default", review.at("/metadata/name").asText());
    assertEquals("tr-raw", review.at("/metadata/namespace").asText());
    assertEquals(ServiceAccountJwt.ISSUER, review.at("/spec/audiences/0").asText(), review.toString());
    assertEquals(3600, review.at("/spec/expirationSeconds").asLong());
    Instant expires = Instant.parse(review.at("/status/expirationTimestamp").asText());
    assertTrue(Math.abs(Duration.between(Instant.now().plusSeconds(3600), expires).toSeconds()) < 60, expires
        .toString());
    String token = review.at("/status/token").asText();
    assertTrue(claims(token).path("exp").asLong() >= expires.getEpochSecond(), "the token lasts at least as long");

    HttpResponse<String> got = ADMIN.send(HttpRequest.newBuilder(URI.create(member.server().apiUrl() + "/api/v1"))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode subresource = null;
    for (JsonNode resource : Json.MAPPER.readTree(got.body()).path("resources")) {
      if (resource.path("name").asText().equals("serviceaccounts/token")) subresource = resource;
    }
    assertTrue(subresource != null, got.body());
    assertEquals("TokenRequest", subresource.path("kind").asText());
    assertEquals("authentication.k8s.io", subresource.path("group").asText());
    assertEquals("[\"create\"]", subresource.path("verbs").toString());

    HttpResponse<String> wrongName = post("/api/v1/namespaces/tr-raw/serviceaccounts/default/token",
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"metadata\":{\"name\":\"other\"}}");
    assertEquals(422, wrongName.statusCode(), wrongName.body());
    assertTrue(wrongName.body().contains("must match the service account name if specified"), wrongName.body());
    HttpResponse<String> notANumber = post("/api/v1/namespaces/tr-raw/serviceaccounts/default/token",
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
            + "\"spec\":{\"expirationSeconds\":\"1h\"}}");
    assertEquals(400, notANumber.statusCode(), notANumber.body());
    HttpResponse<String> read = ADMIN.send(HttpRequest.newBuilder(URI.create(member.server().apiUrl()
        + "/api/v1/namespaces/tr-raw/serviceaccounts/default/token")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, read.statusCode(), read.body());
  }

  @Test
  void aDurationUnderTenMinutesIsInvalidAsKubeSaysIt() {
    kubectl.run("create", "namespace", "tr-short").assertOk();
    Kubectl.Result refused = kubectl.run("create", "token", "default", "-n", "tr-short", "--duration=5m");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: "
        + "Invalid value: 300: may not specify a duration less than 10 minutes"), refused.stderr());
  }

  @Test
  void aMissingServiceAccountIsNotFound() throws Exception {
    kubectl.run("create", "namespace", "tr-missing").assertOk();
    Kubectl.Result refused = kubectl.run("create", "token", "ghost", "-n", "tr-missing");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("serviceaccounts \"ghost\" not found"), refused.stderr());
    HttpResponse<String> raw = post("/api/v1/namespaces/tr-missing/serviceaccounts/ghost/token",
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\"}");
    assertEquals(404, raw.statusCode(), raw.body());
  }

  @Test
  void aTokenBoundToAPodStopsWorkingWhenThePodIsDeleted() throws Exception {
    kubectl.run("create", "namespace", "tr-pod").assertOk();
    kubectl.run("run", "holder", "-n", "tr-pod", "--image=busybox", "--", "sleep", "3600").assertOk();
    String podUid = kubectl.run("get", "pod", "holder", "-n", "tr-pod", "-o", "jsonpath={.metadata.uid}")
        .assertOk().stdout();
    String token = createToken("default", "-n", "tr-pod", "--bound-object-kind=Pod",
        "--bound-object-name=holder");
    JsonNode claims = claims(token);
    assertEquals("holder", claims.at("/kubernetes.io/pod/name").asText(), claims.toString());
    assertEquals(podUid, claims.at("/kubernetes.io/pod/uid").asText(), claims.toString());
    Kubectl bound = withToken(token);
    String whoami = bound.run("auth", "whoami").assertOk().stdout();
    assertTrue(whoami.contains("system:serviceaccount:tr-pod:default") && whoami.contains("holder"), whoami);

    Kubectl.Result wrongUid = kubectl.run("create", "token", "default", "-n", "tr-pod", "--bound-object-kind=Pod",
        "--bound-object-name=holder", "--bound-object-uid=not-the-uid");
    assertEquals(1, wrongUid.exitCode(), wrongUid.toString());
    assertTrue(wrongUid.stderr().contains("does not match the UID in record"), wrongUid.stderr());
    Kubectl.Result noPod = kubectl.run("create", "token", "default", "-n", "tr-pod", "--bound-object-kind=Pod",
        "--bound-object-name=nowhere");
    assertTrue(noPod.stderr().contains("pods \"nowhere\" not found"), noPod.toString());

    kubectl.run("delete", "pod", "holder", "-n", "tr-pod", "--grace-period=0", "--force").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "holder", "-n", "tr-pod").exitCode() != 0, DEADLINE,
        "the pod to be gone");
    Kubectl.Result refused = bound.run("auth", "whoami");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("Unauthorized"), refused.stderr());
  }

  @Test
  void aTokenBoundToASecretStopsWorkingWhenTheSecretIsDeleted() throws Exception {
    kubectl.run("create", "namespace", "tr-secret").assertOk();
    kubectl.run("create", "secret", "generic", "anchor", "-n", "tr-secret", "--from-literal=a=b").assertOk();
    String token = createToken("default", "-n", "tr-secret", "--bound-object-kind=Secret",
        "--bound-object-name=anchor");
    assertEquals("anchor", claims(token).at("/kubernetes.io/secret/name").asText(), claims(token).toString());
    Kubectl bound = withToken(token);
    bound.run("auth", "whoami").assertOk();
    kubectl.run("delete", "secret", "anchor", "-n", "tr-secret").assertOk();
    Kubectl.Result refused = bound.run("auth", "whoami");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("Unauthorized"), refused.stderr());
  }

  @Test
  void aTokenForAnotherAudienceIsRefusedByTheApi() throws Exception {
    kubectl.run("create", "namespace", "tr-aud").assertOk();
    String other = createToken("default", "-n", "tr-aud", "--audience=other");
    assertEquals("other", claims(other).path("aud").asText(), claims(other).toString());
    Kubectl.Result refused = withToken(other).run("auth", "whoami");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("Unauthorized"), refused.stderr());

    String both = createToken("default", "-n", "tr-aud", "--audience=other", "--audience=" + ServiceAccountJwt.ISSUER);
    assertTrue(withToken(both).run("auth", "whoami").assertOk().stdout()
        .contains("system:serviceaccount:tr-aud:default"));
  }

  static HttpResponse<String> post(String path, String json) throws Exception {
    return ADMIN.send(HttpRequest.newBuilder(URI.create(member.server().apiUrl() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
