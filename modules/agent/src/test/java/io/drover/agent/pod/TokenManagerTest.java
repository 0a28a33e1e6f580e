package io.drover.agent.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.security.ServiceAccountTokens.TokenRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Kubelet's token manager: renewal at 80% of a token's life or after a day, and the cached token when issuing fails. */
class TokenManagerTest {
  static final TokenRequest REQUEST = new TokenRequest("team", "default", "sa-1", "web", "pod-1", 3600);

  /** Issues "t1", "t2", ...; fails while {@link #failing} is set. */
  static final class Issuer implements ServiceAccountTokens {
    final AtomicInteger issued = new AtomicInteger();
    final AtomicBoolean failing = new AtomicBoolean();

    @Override
    public String issue(TokenRequest request) {
      if (failing.get()) throw new IllegalStateException("signing key unavailable");
      return "t" + issued.incrementAndGet();
    }

    @Override
    public String caCertificatePem() {
      return "";
    }
  }

  static String jwt(long iat, long exp) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + encoder.encodeToString(("{\"iat\":" + iat + ",\"exp\":" + exp + "}").getBytes(StandardCharsets.UTF_8))
        + ".sig";
  }

  @Test
  void aTokenIsReusedUntilEightyPercentOfItsLifeThenRenewed() {
    Issuer issuer = new Issuer();
    PodVolumesTest.TestClock clock = new PodVolumesTest.TestClock();
    TokenManager tokens = new TokenManager(issuer, clock);
    assertEquals("t1", tokens.token(REQUEST));
    clock.advance(Duration.ofMinutes(47));
    assertEquals("t1", tokens.token(REQUEST));
    clock.advance(Duration.ofMinutes(2)); // 49 of 60 minutes
    assertEquals("t2", tokens.token(REQUEST));
    assertEquals("t3", tokens.token(new TokenRequest("team", "default", "sa-1", "other", "pod-2", 3600)),
        "each pod has its own");
  }

  @Test
  void whenIssuingFailsTheCachedTokenServesUntilItExpires() {
    Issuer issuer = new Issuer();
    PodVolumesTest.TestClock clock = new PodVolumesTest.TestClock();
    TokenManager tokens = new TokenManager(issuer, clock);
    assertEquals("t1", tokens.token(REQUEST));
    issuer.failing.set(true);
    clock.advance(Duration.ofMinutes(55));
    assertEquals("t1", tokens.token(REQUEST));
    clock.advance(Duration.ofMinutes(5));
    assertThrows(IllegalStateException.class, () -> tokens.token(REQUEST));
  }

  @Test
  void aForgottenPodGetsANewToken() {
    Issuer issuer = new Issuer();
    TokenManager tokens = new TokenManager(issuer, new PodVolumesTest.TestClock());
    tokens.token(REQUEST);
    tokens.forgetPod("pod-1");
    assertEquals("t2", tokens.token(REQUEST));
  }

  @Test
  void theLifetimeIsReadFromTheJwtClaimsWhenTheIssuerGaveLonger() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    long iat = now.getEpochSecond();
    TokenManager.Issued year = TokenManager.issued(jwt(iat, iat + 365L * 24 * 3600), now, 3607);
    assertEquals(now.plus(Duration.ofDays(365)), year.expiresAt());
    assertFalse(TokenManager.requiresRefresh(year, now.plus(Duration.ofHours(23))));
    assertTrue(TokenManager.requiresRefresh(year, now.plus(Duration.ofHours(24))), "a day at most");
    TokenManager.Issued opaque = TokenManager.issued("not-a-jwt", now, 600);
    assertEquals(now.plusSeconds(600), opaque.expiresAt());
    assertTrue(TokenManager.requiresRefresh(opaque, now.plusSeconds(480)));
  }
}
