package io.drover.server;

import com.typesafe.config.Config;
import io.drover.api.ResourceRegistry;
import io.drover.apiserver.auth.ApiSecurity;
import io.drover.apiserver.auth.Authenticator;
import io.drover.apiserver.auth.ClusterPki;
import io.drover.apiserver.auth.ServiceAccountJwt;
import io.drover.apiserver.auth.StaticTokens;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.store.ObjectService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * A member's credentials, made at start from the cluster PKI: its serving certificate, the certificate it calls
 * other members with, the admin client certificate its kubeconfig carries, and the ServiceAccount token signer. Under
 * drover.api.insecure-http there are none and the API is plain HTTP.
 */
final class Credentials {
  /** The admin the kubeconfig is for: group system:masters is bound to cluster-admin. */
  static final String ADMIN_USER = "drover-admin";
  /** Members call each other as this user, a cluster admin too (they forward what they already authorized). */
  static final String MEMBER_USER = "system:drover:member";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Credentials.class);

  private final boolean secure;
  private final ClusterPki pki;
  private final ClusterPki.Issued serving;
  private final ClusterPki.Issued member;
  private final ClusterPki.Issued admin;
  private final StaticTokens staticTokens;
  private final ServiceAccountJwt serviceAccountTokens;

  private Credentials(boolean secure, ClusterPki pki, ClusterPki.Issued serving, ClusterPki.Issued member,
      ClusterPki.Issued admin, StaticTokens staticTokens, ServiceAccountJwt serviceAccountTokens) {
    this.secure = secure;
    this.pki = pki;
    this.serving = serving;
    this.member = member;
    this.admin = admin;
    this.staticTokens = staticTokens;
    this.serviceAccountTokens = serviceAccountTokens;
  }

  /**
   * Loads (or makes) the cluster PKI and issues this member's certificates. Under drover.api.insecure-http the PKI
   * still signs the pods' ServiceAccount tokens and is their ca.crt, but the API serves plain HTTP.
   */
  static Credentials create(Config config, Path dataDir) throws IOException {
    Config api = config.getConfig("drover.api");
    String dir = config.getString("drover.pki.dir");
    ClusterPki pki = ClusterPki.loadOrCreate(dir.isEmpty() ? dataDir.resolve("pki") : Path.of(dir));
    ServiceAccountJwt tokens = new ServiceAccountJwt(pki.serviceAccountKeys(), pki.caCertificatePem(),
        Clock.systemUTC());
    if (api.getBoolean("insecure-http")) {
      log.warn("drover.api.insecure-http is on: the API is plain HTTP and EVERY request acts as a cluster admin, "
          + "with no credentials asked. Use it only where nobody else reaches {}:{}.", api.getString("host"),
          api.getInt("port"));
      return new Credentials(false, pki, null, null, null, StaticTokens.none(), tokens);
    }
    Duration validity = api.getDuration("tls.issued-validity");
    ClusterPki.Issued serving = api.getString("tls.cert-file").isEmpty()
        ? pki.issueServing("drover-apiserver", servingNames(config), servingAddresses(config), validity)
        : ClusterPki.load(Path.of(api.getString("tls.cert-file")), Path.of(api.getString("tls.key-file")));
    ClusterPki.Issued member = pki.issueClient(MEMBER_USER, List.of("system:masters"), validity);
    ClusterPki.Issued admin = pki.issueClient(ADMIN_USER, List.of("system:masters"), validity);
    String tokenFile = api.getString("authentication.token-file");
    StaticTokens staticTokens = tokenFile.isEmpty() ? StaticTokens.none() : StaticTokens.load(Path.of(tokenFile));
    return new Credentials(true, pki, serving, member, admin, staticTokens, tokens);
  }

  boolean isSecure() {
    return secure;
  }

  String scheme() {
    return isSecure() ? "https" : "http";
  }

  ClusterPki pki() {
    return pki;
  }

  /** How the API serves and authenticates; object lookups check that a token's ServiceAccount and pod exist. */
  ApiSecurity apiSecurity(ObjectService service) {
    if (!isSecure()) return ApiSecurity.insecure();
    Authenticator.Objects objects = (resource, namespace, name) -> ResourceRegistry.byPlural("", "v1", resource)
        .flatMap(type -> service.store().get(type, namespace, name))
        .map(stored -> stored.object().path("metadata").path("uid").asText());
    return ApiSecurity.secure(pki.sslContext(serving), pki.sslContext(member),
        new Authenticator(staticTokens, serviceAccountTokens, objects));
  }

  /** The ServiceAccount token signer nodes mount tokens with, and the CA they publish. */
  ServiceAccountTokens serviceAccountTokens() {
    return serviceAccountTokens;
  }

  SSLContext adminSslContext() {
    if (!isSecure()) {
      try {
        return SSLContext.getDefault();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return pki.sslContext(admin);
  }

  /** A kubeconfig for the cluster admin: the CA, and the admin's client certificate and key, all inline. */
  String kubeconfig(String server) {
    return isSecure() ? kubeconfig(server, pki.caCertificatePem(), ADMIN_USER, admin)
        : kubeconfig(server, null, ADMIN_USER, null);
  }

  /**
   * A kubeconfig for one user of a cluster: the CA (verifying the server) and the user's client certificate and key,
   * inline; without a CA (insecure-http) only the server.
   */
  static String kubeconfig(String server, String caPem, String userName, ClusterPki.Issued certificate) {
    String cluster = caPem != null ? "    certificate-authority-data: " + base64(caPem) + "\n" : "";
    String user = certificate != null
        ? "\n    client-certificate-data: " + base64(certificate.certificatePem()) + "\n    client-key-data: "
            + base64(certificate.keyPem()) + "\n"
        : " {}\n";
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: drover
          cluster:
            server: %s
        %scontexts:
        - name: drover
          context:
            cluster: drover
            user: %s
            namespace: default
        current-context: drover
        users:
        - name: %s
          user:%s""".formatted(server, cluster, userName, userName, user);
  }

  /** Writes a file readable by its owner only: a kubeconfig holds a private key. */
  static void writeOwnerOnly(Path file, String content) throws IOException {
    Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
    try {
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(temp, content);
      Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
  }

  /** Host names in the serving certificate: localhost, this host, the in-cluster names, drover.api.tls.extra-sans. */
  static List<String> servingNames(Config config) {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "kubernetes", "kubernetes.default",
        "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"));
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      // no host name: the addresses still work
    }
    for (String extra : config.getStringList("drover.api.tls.extra-sans")) {
      if (!isAddress(extra)) names.add(extra);
    }
    return List.copyOf(names);
  }

  /**
   * Addresses in the serving certificate: loopback, every address of this host's interfaces (other members reach
   * this one at its Node's InternalIP), drover.api.host, the kubernetes Service's cluster IP and extra IP SANs.
   */
  static List<InetAddress> servingAddresses(Config config) throws IOException {
    Set<InetAddress> addresses = new LinkedHashSet<>();
    addresses.add(InetAddress.getByName("127.0.0.1"));
    addresses.add(InetAddress.getByName("::1"));
    try {
      for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp()) continue;
        for (InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
          if (!address.isLinkLocalAddress()) addresses.add(address);
        }
      }
    } catch (SocketException e) {
      log.warn("cannot list this host's addresses for the serving certificate: {}", e.getMessage());
    }
    String host = config.getString("drover.api.host");
    if (isAddress(host) && !InetAddress.getByName(host).isAnyLocalAddress()) addresses.add(InetAddress.getByName(host));
    addresses.add(InetAddress.getByName(io.drover.control.network.ServiceRanges.from(config.getConfig("drover.network"))
        .firstIp()));
    for (String extra : config.getStringList("drover.api.tls.extra-sans")) {
      if (isAddress(extra)) addresses.add(InetAddress.getByName(extra));
    }
    return new ArrayList<>(addresses);
  }

  private static boolean isAddress(String value) {
    return value.matches("[0-9.]+") || value.contains(":");
  }
}
