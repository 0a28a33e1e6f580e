package io.drover.apiserver.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * How a member's API is secured: HTTPS with the cluster CA's serving certificate and authentication (the default),
 * or plain HTTP where every request acts as a cluster admin (drover.api.insecure-http, for development only). Also
 * the TLS identity a member uses when it calls another member's API (forwarded logs and exec, node usage).
 */
public final class ApiSecurity {
  /** The authenticated user, attached to each request for the handlers (reviews, whoami, audit). */
  public static final AttributeKey<UserInfo> USER = AttributeKey.create("drover-user", UserInfo.class);

  /** Who every request is under drover.api.insecure-http: no credentials are asked for. */
  public static final UserInfo INSECURE_USER = new UserInfo("system:admin", "", List.of(UserInfo.MASTERS,
      UserInfo.AUTHENTICATED), Map.of());

  private final SSLContext serving;
  private final SSLContext memberClient;
  private final Authenticator authenticator;

  private ApiSecurity(SSLContext serving, SSLContext memberClient, Authenticator authenticator) {
    this.serving = serving;
    this.memberClient = memberClient;
    this.authenticator = authenticator;
  }

  public static ApiSecurity insecure() {
    return new ApiSecurity(null, null, null);
  }

  /**
   * HTTPS: {@code serving} is this member's server context (its certificate, trusting the CA for client
   * certificates), {@code memberClient} the context it calls other members with.
   */
  public static ApiSecurity secure(SSLContext serving, SSLContext memberClient, Authenticator authenticator) {
    return new ApiSecurity(serving, memberClient, authenticator);
  }

  public boolean isSecure() {
    return serving != null;
  }

  public String scheme() {
    return isSecure() ? "https" : "http";
  }

  /** The server side: client certificates are asked for, not required (tokens and anonymous health checks). */
  public Optional<HttpsConnectionContext> serverContext() {
    if (!isSecure()) return Optional.empty();
    return Optional.of(ConnectionContext.httpsServer(() -> {
      SSLEngine engine = serving.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setWantClientAuth(true);
      return engine;
    }));
  }

  /** For calls to another member's API over HTTPS, as this member (its client certificate). */
  public HttpsConnectionContext memberClientContext() {
    return ConnectionContext.httpsClient(memberClient);
  }

  /** Who sent the request: the insecure user when there is no authentication. */
  public Authenticator.Result authenticate(HttpRequest request) {
    if (!isSecure()) return new Authenticator.Result(INSECURE_USER, null);
    return authenticator.authenticate(request);
  }
}
