package io.drover.apiserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.drover.control.security.ServiceAccountTokens;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ServiceAccount tokens as Kubernetes issues them for pods (bound tokens): ES256 JWTs with the issuer and audience
 * of the cluster, the subject {@code system:serviceaccount:NS:NAME} and the {@code kubernetes.io} claim naming the
 * namespace, the ServiceAccount and the pod (or Secret) with their uids. A TokenRequest may ask for other audiences;
 * the API itself accepts only tokens whose audiences include the issuer. Checking one proves only the signature, the
 * times and the audience; whether the ServiceAccount and the bound object still exist is the {@link Authenticator}'s
 * question.
 */
public final class ServiceAccountJwt implements ServiceAccountTokens {
  public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  private final ECKey key;
  private final String caPem;
  private final Clock clock;

  public ServiceAccountJwt(KeyPair keys, String caPem, Clock clock) {
    try {
      this.key = new ECKey.Builder(Curve.P_256, (ECPublicKey) keys.getPublic()).privateKey((ECPrivateKey) keys
          .getPrivate()).keyIDFromThumbprint().build();
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the ServiceAccount key is not an EC P-256 key pair: " + e.getMessage(), e);
    }
    this.caPem = caPem;
    this.clock = clock;
  }

  /**
   * Who a valid token speaks for: the ServiceAccount, and the pod or Secret it is bound to (empty names when it is
   * not bound to one).
   */
  public record Claims(String namespace, String serviceAccountName, String serviceAccountUid, String podName,
      String podUid, String secretName, String secretUid) {
    public String userName() {
      return "system:serviceaccount:" + namespace + ":" + serviceAccountName;
    }
  }

  @Override
  public String issue(TokenRequest request) {
    Instant now = clock.instant();
    Map<String, Object> kubernetes = new java.util.LinkedHashMap<>();
    kubernetes.put("namespace", request.namespace());
    if (request.podName() != null && !request.podName().isEmpty()) {
      kubernetes.put("pod", Map.of("name", request.podName(), "uid", nullToEmpty(request.podUid())));
    }
    if (request.secretName() != null && !request.secretName().isEmpty()) {
      kubernetes.put("secret", Map.of("name", request.secretName(), "uid", nullToEmpty(request.secretUid())));
    }
    kubernetes.put("serviceaccount", Map.of("name", request.serviceAccountName(), "uid",
        nullToEmpty(request.serviceAccountUid())));
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(request.audiences().isEmpty() ? List.of(ISSUER) : request.audiences())
        .subject("system:serviceaccount:" + request.namespace() + ":" + request.serviceAccountName())
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(request.expirationSeconds())))
        .jwtID(java.util.UUID.randomUUID().toString())
        .claim("kubernetes.io", kubernetes)
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a ServiceAccount token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  @Override
  public String caCertificatePem() {
    return caPem;
  }

  /** The claims of a token this cluster signed, still valid now; empty for anything else. */
  public Optional<Claims> verify(String token) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) return Optional.empty();
      if (!jwt.verify(new ECDSAVerifier(key.toECPublicKey()))) return Optional.empty();
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Instant now = clock.instant();
      // A minute of skew between members' clocks, as Kubernetes allows.
      if (claims.getExpirationTime() == null || claims.getExpirationTime().toInstant().plusSeconds(60).isBefore(now)
          || (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().minusSeconds(60)
              .isAfter(now))) {
        return Optional.empty();
      }
      if (!ISSUER.equals(claims.getIssuer()) || claims.getAudience() == null
          || !claims.getAudience().contains(ISSUER)) {
        return Optional.empty();
      }
      Map<String, Object> kubernetes = claims.getJSONObjectClaim("kubernetes.io");
      if (kubernetes == null) return Optional.empty();
      Map<?, ?> serviceAccount = (Map<?, ?>) kubernetes.get("serviceaccount");
      Map<?, ?> pod = (Map<?, ?>) kubernetes.get("pod");
      Map<?, ?> secret = (Map<?, ?>) kubernetes.get("secret");
      String namespace = String.valueOf(kubernetes.get("namespace"));
      if (serviceAccount == null) return Optional.empty();
      Claims result = new Claims(namespace, String.valueOf(serviceAccount.get("name")),
          String.valueOf(serviceAccount.get("uid")), pod == null ? "" : String.valueOf(pod.get("name")),
          pod == null ? "" : String.valueOf(pod.get("uid")), secret == null ? "" : String.valueOf(secret.get("name")),
          secret == null ? "" : String.valueOf(secret.get("uid")));
      if (!claims.getSubject().equals(result.userName())) return Optional.empty();
      return Optional.of(result);
    } catch (ParseException | JOSEException | ClassCastException | NullPointerException e) {
      return Optional.empty();
    }
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
