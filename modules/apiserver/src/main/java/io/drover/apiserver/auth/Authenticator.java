package io.drover.apiserver.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Who sent a request, as kube-apiserver decides it: an X.509 client certificate signed by the cluster CA (the TLS
 * handshake already checked the chain; the common name is the user, organizations are groups), else a bearer
 * token (a static token, then a ServiceAccount token for the API's audience whose ServiceAccount and bound pod or
 * Secret still exist), else anonymous.
 * A bearer token that matches nothing fails the request rather than falling back to anonymous.
 */
public final class Authenticator {
  /** Looks up the uid of an object, to check that what a token is bound to still exists. */
  public interface Objects {
    Optional<String> uid(String resource, String namespace, String name);
  }

  /** The outcome: a user (perhaps anonymous), or a refusal with the reason kept for the log. */
  public record Result(UserInfo user, String failure) {
    public boolean failed() {
      return user == null;
    }
  }

  private final StaticTokens staticTokens;
  private final ServiceAccountJwt serviceAccountTokens;
  private final Objects objects;

  public Authenticator(StaticTokens staticTokens, ServiceAccountJwt serviceAccountTokens, Objects objects) {
    this.staticTokens = staticTokens;
    this.serviceAccountTokens = serviceAccountTokens;
    this.objects = objects;
  }

  public Result authenticate(HttpRequest request) {
    Optional<UserInfo> fromCertificate = request.getAttribute(AttributeKeys.sslSession)
        .flatMap(session -> certificateUser(session.getSession()));
    if (fromCertificate.isPresent()) return new Result(fromCertificate.get(), null);
    Optional<String> authorization = request.getHeader("Authorization").map(h -> h.value().strip());
    if (authorization.isPresent()) {
      String value = authorization.get();
      if (!value.regionMatches(true, 0, "Bearer ", 0, 7) || value.substring(7).isBlank()) {
        return new Result(null, "an Authorization header that is not a bearer token");
      }
      return token(value.substring(7).strip());
    }
    return new Result(UserInfo.anonymous(), null);
  }

  private Result token(String token) {
    Optional<UserInfo> user = staticTokens.user(token);
    if (user.isPresent()) return new Result(user.get(), null);
    Optional<ServiceAccountJwt.Claims> claims = serviceAccountTokens.verify(token);
    if (claims.isEmpty()) return new Result(null, "a bearer token that is unknown, expired or not signed here");
    ServiceAccountJwt.Claims c = claims.get();
    Optional<String> accountUid = objects.uid("serviceaccounts", c.namespace(), c.serviceAccountName());
    if (accountUid.isEmpty() || (!c.serviceAccountUid().isEmpty() && !c.serviceAccountUid().equals(accountUid.get()))) {
      return new Result(null, "the token's ServiceAccount " + c.namespace() + "/" + c.serviceAccountName()
          + " no longer exists");
    }
    Map<String, List<String>> extra = Map.of();
    if (!c.podName().isEmpty()) {
      Optional<String> podUid = objects.uid("pods", c.namespace(), c.podName());
      if (podUid.isEmpty() || !podUid.get().equals(c.podUid())) {
        return new Result(null, "the token's pod " + c.namespace() + "/" + c.podName() + " no longer exists");
      }
      extra = Map.of("authentication.kubernetes.io/pod-name", List.of(c.podName()),
          "authentication.kubernetes.io/pod-uid", List.of(c.podUid()));
    }
    if (!c.secretName().isEmpty()) {
      Optional<String> secretUid = objects.uid("secrets", c.namespace(), c.secretName());
      if (secretUid.isEmpty() || !secretUid.get().equals(c.secretUid())) {
        return new Result(null, "the token's secret " + c.namespace() + "/" + c.secretName() + " no longer exists");
      }
    }
    return new Result(UserInfo.authenticated(c.userName(), accountUid.get(), List.of("system:serviceaccounts",
        "system:serviceaccounts:" + c.namespace()), extra), null);
  }

  /** The user of a verified client certificate: CN is the name, each O a group. */
  static Optional<UserInfo> certificateUser(javax.net.ssl.SSLSession session) {
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return Optional.empty();
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) return Optional.empty();
    try {
      String user = null;
      List<String> groups = new ArrayList<>();
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) user = String.valueOf(rdn.getValue());
        if (rdn.getType().equalsIgnoreCase("O")) groups.add(String.valueOf(rdn.getValue()));
      }
      if (user == null || user.isEmpty()) return Optional.empty();
      java.util.Collections.reverse(groups); // LdapName lists RDNs last first
      return Optional.of(UserInfo.authenticated(user, "", groups, Map.of()));
    } catch (javax.naming.InvalidNameException e) {
      return Optional.empty();
    }
  }
}
