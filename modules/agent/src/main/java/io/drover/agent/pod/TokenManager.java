package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.security.ServiceAccountTokens.TokenRequest;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's ServiceAccount tokens for its pods' projected volumes (kubelet's pkg/kubelet/token): a token is issued
 * once and handed out again until 80% of its lifetime has passed (or 24 hours), then a fresh one is issued. The
 * volume is re-materialized at every pod sync, so the new token reaches the file then, atomically. When issuing
 * fails, a cached token that has not expired is handed out meanwhile.
 */
public final class TokenManager {
  private static final Logger log = LoggerFactory.getLogger(TokenManager.class);
  /** kubelet's maxTTL: a token is renewed after a day whatever its lifetime. */
  static final Duration MAX_AGE = Duration.ofHours(24);

  /** A token given out: when it was issued and when it expires (from its claims when it is a JWT). */
  record Issued(String token, Instant issuedAt, Instant expiresAt) {}

  private final ServiceAccountTokens tokens;
  private final Clock clock;
  private final Map<TokenRequest, Issued> cache = new ConcurrentHashMap<>();

  public TokenManager(ServiceAccountTokens tokens, Clock clock) {
    this.tokens = tokens;
    this.clock = clock;
  }

  /** The token for the request: the cached one while it is fresh, a new one otherwise. */
  public String token(TokenRequest request) {
    Instant now = clock.instant();
    Issued cached = cache.get(request);
    if (cached != null && !requiresRefresh(cached, now)) return cached.token();
    String token;
    try {
      token = tokens.issue(request);
    } catch (RuntimeException e) {
      if (cached != null && now.isBefore(cached.expiresAt())) {
        log.warn("could not renew the token of {}/{} for pod {}, using the one it has: {}", request.namespace(),
            request.serviceAccountName(), request.podName(), e.toString());
        return cached.token();
      }
      throw e;
    }
    cache.put(request, issued(token, now, request.expirationSeconds()));
    cache.values().removeIf(issued -> !now.isBefore(issued.expiresAt()));
    return token;
  }

  /** Drops the tokens of a pod that is gone from this node. */
  public void forgetPod(String podUid) {
    cache.keySet().removeIf(request -> request.podUid().equals(podUid));
  }

  /** kubelet's requiresRefresh, without its jitter: past 80% of the lifetime, or older than a day. */
  static boolean requiresRefresh(Issued issued, Instant now) {
    Duration lifetime = Duration.between(issued.issuedAt(), issued.expiresAt());
    if (!now.isBefore(issued.issuedAt().plus(MAX_AGE))) return true;
    return !now.isBefore(issued.expiresAt().minus(lifetime.dividedBy(5)));
  }

  /**
   * When a token was issued and expires: its iat and exp claims when it is a JWT that has them (the issuer may
   * give a longer lifetime than asked for), else now and now plus what was asked for.
   */
  static Issued issued(String token, Instant now, long expirationSeconds) {
    Instant issuedAt = now;
    Instant expiresAt = now.plusSeconds(expirationSeconds);
    String[] parts = token.split("\\.");
    if (parts.length >= 2) {
      try {
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
        if (claims.path("iat").isNumber()) issuedAt = Instant.ofEpochSecond(claims.get("iat").asLong());
        if (claims.path("exp").isNumber()) expiresAt = Instant.ofEpochSecond(claims.get("exp").asLong());
      } catch (IOException | IllegalArgumentException notAJwt) {
        // an opaque token: what was asked for
      }
    }
    if (!expiresAt.isAfter(issuedAt)) expiresAt = issuedAt.plusSeconds(expirationSeconds);
    return new Issued(token, issuedAt, expiresAt);
  }
}
