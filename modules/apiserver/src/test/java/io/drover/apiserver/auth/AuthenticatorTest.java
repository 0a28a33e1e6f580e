package io.drover.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.control.security.ServiceAccountTokens.TokenRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticatorTest {
  @TempDir
  Path dir;

  /** Objects by "resource/namespace/name" to uid: what the store holds. */
  final Map<String, String> objects = new HashMap<>();

  Authenticator authenticator(ServiceAccountJwt jwt) throws Exception {
    Files.writeString(dir.resolve("tokens.csv"), "static-token,jane,1001,dev\n");
    return new Authenticator(StaticTokens.load(dir.resolve("tokens.csv")), jwt,
        (resource, namespace, name) -> Optional.ofNullable(objects.get(resource + "/" + namespace + "/" + name)));
  }

  static HttpRequest bearer(String token) {
    return HttpRequest.create("/api").addHeader(RawHeader.create("Authorization", "Bearer " + token));
  }

  @Test
  void aServiceAccountTokenIsItsAccountWhileTheAccountAndThePodExist() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"));
    ServiceAccountJwt jwt = new ServiceAccountJwt(pki.serviceAccountKeys(), pki.caCertificatePem(),
        Clock.systemUTC());
    Authenticator authenticator = authenticator(jwt);
    objects.put("serviceaccounts/apps/builder", "sa-uid");
    objects.put("pods/apps/web-1", "pod-uid");
    String token = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "web-1", "pod-uid", 3600));

    UserInfo user = authenticator.authenticate(bearer(token)).user();
    assertEquals("system:serviceaccount:apps:builder", user.name());
    assertEquals("sa-uid", user.uid());
    assertEquals(List.of("system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"),
        user.groups());
    assertEquals(List.of("web-1"), user.extra().get("authentication.kubernetes.io/pod-name"));

    objects.put("pods/apps/web-1", "another-pod-with-that-name");
    assertTrue(authenticator.authenticate(bearer(token)).failed(), "the pod it was bound to is gone");
    objects.put("pods/apps/web-1", "pod-uid");
    objects.remove("serviceaccounts/apps/builder");
    assertTrue(authenticator.authenticate(bearer(token)).failed(), "the ServiceAccount is gone");
    objects.put("serviceaccounts/apps/builder", "recreated-uid");
    assertTrue(authenticator.authenticate(bearer(token)).failed(), "a new ServiceAccount of that name");
  }

  @Test
  void aTokenBoundToASecretWorksWhileThatSecretExists() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"));
    ServiceAccountJwt jwt = new ServiceAccountJwt(pki.serviceAccountKeys(), pki.caCertificatePem(),
        Clock.systemUTC());
    Authenticator authenticator = authenticator(jwt);
    objects.put("serviceaccounts/apps/builder", "sa-uid");
    objects.put("secrets/apps/keys", "secret-uid");
    String token = jwt.issue(new TokenRequest("apps", "builder", "sa-uid", "", "", 3600, List.of(), "keys",
        "secret-uid"));
    assertEquals("system:serviceaccount:apps:builder", authenticator.authenticate(bearer(token)).user().name());
    objects.put("secrets/apps/keys", "recreated-uid");
    assertTrue(authenticator.authenticate(bearer(token)).failed(), "a new Secret of that name");
    objects.remove("secrets/apps/keys");
    assertTrue(authenticator.authenticate(bearer(token)).failed(), "the Secret is gone");
  }

  @Test
  void staticTokensAnonymousAndWrongCredentials() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"));
    Authenticator authenticator = authenticator(new ServiceAccountJwt(pki.serviceAccountKeys(),
        pki.caCertificatePem(), Clock.systemUTC()));
    assertEquals("jane", authenticator.authenticate(bearer("static-token")).user().name());
    assertTrue(authenticator.authenticate(HttpRequest.create("/api")).user().isAnonymous());
    assertTrue(authenticator.authenticate(bearer("nope")).failed(), "a wrong token is not anonymous");
    assertTrue(authenticator.authenticate(HttpRequest.create("/api").addHeader(RawHeader.create("Authorization",
        "Basic YTpi"))).failed(), "basic auth is not a credential here");
    assertTrue(authenticator.authenticate(bearer(" ")).failed());
  }
}
