package io.drover.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drover.apiserver.auth.ClusterPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/**
 * TLS between cluster members (drover.cluster.tls): each member issues itself a certificate from the cluster CA at
 * start, writes it as PEM files under {@code <data-dir>/pki/artery/}, and runs Pekko Artery over {@code tls-tcp} with
 * Pekko's {@code RotatingKeysSSLEngineProvider} reading them. That provider asks for the peer's certificate on both
 * sides (mutual TLS), trusts the cluster CA only, and then admits a peer only when its certificate shares a subject
 * name with this member's: the CA's other certificates (API serving, kubeconfig and members' API clients, users'
 * client certificates) open no cluster connection. It also reads the files again after its cache time, so a
 * certificate re-issued in place is taken up without a restart.
 */
final class ArteryTls {
  /** The subject every member's Artery certificate has, and the only one members admit. */
  static final String MEMBER_SUBJECT = "drover-cluster-member";

  private ArteryTls() {}

  /**
   * The configuration with Artery over TLS when drover.cluster.tls is on (this member's certificate issued and
   * written first); as it is otherwise. Must run before the ActorSystem is created.
   */
  static Config configure(Config config, ClusterPki pki, Path dataDir) throws IOException {
    if (!config.getBoolean("drover.cluster.tls")) return config;
    return configure(config, pki, MEMBER_SUBJECT, dataDir);
  }

  /** As above with any subject (tests: a certificate of the right CA for someone else). */
  static Config configure(Config config, ClusterPki pki, String subject, Path dataDir) throws IOException {
    Duration validity = config.getDuration("drover.api.tls.issued-validity");
    ClusterPki.Issued issued = pki.issueMember(subject, validity);
    Path dir = directory(dataDir);
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path key = dir.resolve("tls.key");
    Path certificate = dir.resolve("tls.crt");
    Path ca = dir.resolve("ca.crt");
    Credentials.writeOwnerOnly(key, issued.keyPem());
    Credentials.writeOwnerOnly(certificate, issued.certificatePem());
    Credentials.writeOwnerOnly(ca, pki.caCertificatePem());
    String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
    return ConfigFactory.parseMap(Map.of(
        "pekko.remote.artery.transport", "tls-tcp",
        "pekko.remote.artery.ssl.ssl-engine-provider",
        "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
        engine + "key-file", key.toAbsolutePath().toString(),
        engine + "cert-file", certificate.toAbsolutePath().toString(),
        engine + "ca-cert-file", ca.toAbsolutePath().toString()))
        .withFallback(config);
  }

  /** Where a member keeps its Artery key, certificate and the CA's certificate. */
  static Path directory(Path dataDir) {
    return dataDir.resolve("pki").resolve("artery");
  }
}
