package io.drover.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.control.security.ServiceAccountTokens.TokenRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceAccountJwtTest {
  @TempDir
  Path dir;

  static final TokenRequest REQUEST = new TokenRequest("apps", "builder", "sa-uid", "web-1", "pod-uid", 3600);

  ServiceAccountJwt signer(Path pkiDir, Instant now) throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(pkiDir);
    return new ServiceAccountJwt(pki.serviceAccountKeys(), pki.caCertificatePem(), Clock.fixed(now, ZoneOffset.UTC));
  }

  @Test
  void aTokenVerifiesToItsServiceAccountAndPod() throws Exception {
    Instant now = Instant.parse("2026-12-06T10:00:00Z");
    ServiceAccountJwt jwt = signer(dir, now);
    String token = jwt.issue(REQUEST);
    ServiceAccountJwt.Claims claims = jwt.verify(token).orElseThrow();
    assertEquals(new ServiceAccountJwt.Claims("apps", "builder", "sa-uid", "web-1", "pod-uid", "", ""), claims);
    assertEquals("system:serviceaccount:apps:builder", claims.userName());
    String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertTrue(payload.contains("\"iss\":\"" + ServiceAccountJwt.ISSUER + "\""), payload);
    String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
    assertTrue(header.contains("\"alg\":\"ES256\"") && header.contains("\"kid\""), header);
  }

  @Test
  void tamperedExpiredForeignAndUnsignedTokensAreRefused() throws Exception {
    Instant now = Instant.parse("2026-12-06T10:00:00Z");
    ServiceAccountJwt jwt = signer(dir, now);
    String token = jwt.issue(REQUEST);
    String[] parts = token.split("\\.");
    String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(new String(
        Base64.getUrlDecoder().decode(parts[1])).replace("builder", "admin00").getBytes());
    assertTrue(jwt.verify(parts[0] + "." + otherPayload + "." + parts[2]).isEmpty(), "payload changed");
    assertTrue(signer(dir, now.plusSeconds(3600 + 61)).verify(token).isEmpty(), "expired (past the skew)");
    assertTrue(signer(dir, now.plusSeconds(3600 + 30)).verify(token).isPresent(), "within a minute of skew");
    assertTrue(signer(dir.resolve("other"), now).verify(token).isEmpty(), "signed by another cluster");
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
    assertTrue(jwt.verify(none + "." + parts[1] + ".").isEmpty(), "alg none");
    assertTrue(jwt.verify("not-a-jwt").isEmpty());
  }

  @Test
  void aTokenCarriesItsRequestedAudiencesAndTheApiAcceptsOnlyItsOwn() throws Exception {
    Instant now = Instant.parse("2026-12-06T10:00:00Z");
    ServiceAccountJwt jwt = signer(dir, now);
    String unbound = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "", "", 3600, List.of(), "", ""));
    // One audience is written as a string, as go-jose writes it for kube-apiserver.
    assertTrue(payload(unbound).contains("\"aud\":\"" + ServiceAccountJwt.ISSUER + "\""), payload(unbound));
    assertTrue(jwt.verify(unbound).isPresent(), "no audience asked: the issuer's");

    String other = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "", "", 3600, List.of("vault"), "", ""));
    assertTrue(payload(other).contains("\"aud\":\"vault\""), payload(other));
    assertTrue(jwt.verify(other).isEmpty(), "a token for another audience is not one for the API");

    String both = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "", "", 3600,
        List.of("vault", ServiceAccountJwt.ISSUER), "", ""));
    assertTrue(payload(both).contains("\"aud\":[\"vault\",\"" + ServiceAccountJwt.ISSUER + "\"]"), payload(both));
    assertEquals(new ServiceAccountJwt.Claims("apps", "builder", "sa-uid", "", "", "", ""),
        jwt.verify(both).orElseThrow(), "one of its audiences is the API's");
  }

  @Test
  void aTokenBoundToASecretNamesIt() throws Exception {
    ServiceAccountJwt jwt = signer(dir, Instant.parse("2026-12-06T10:00:00Z"));
    String token = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "", "", 3600, List.of(), "keys",
        "secret-uid"));
    assertEquals(new ServiceAccountJwt.Claims("apps", "builder", "sa-uid", "", "", "keys", "secret-uid"),
        jwt.verify(token).orElseThrow());
    assertTrue(payload(token).contains("\"secret\":{"), payload(token));
    assertTrue(!payload(token).contains("\"pod\""), payload(token));
  }

  private static String payload(String token) {
    return new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
  }
}
