package io.drover.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {
  @TempDir
  Path dir;

  @Test
  void theFirstStartWritesTheCaInKubeadmsLayoutAndLaterStartsReadIt() throws Exception {
    ClusterPki first = ClusterPki.loadOrCreate(dir);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sa.key"))));
    assertTrue(Files.readString(dir.resolve("ca.crt")).startsWith("-----BEGIN CERTIFICATE-----"));
    assertTrue(Files.readString(dir.resolve("ca.key")).startsWith("-----BEGIN EC PRIVATE KEY-----"),
        "the form openssl, kubeadm and client libraries read");
    ClusterPki again = ClusterPki.loadOrCreate(dir);
    assertEquals(first.caCertificate(), again.caCertificate());
    assertEquals(first.serviceAccountKeys().getPublic(), again.serviceAccountKeys().getPublic(),
        "the public key is recomputed from sa.key");
    assertTrue(first.caCertificate().getBasicConstraints() >= 0, "a CA certificate");
  }

  @Test
  void membersStartingTogetherEndUpWithOneCa() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ClusterPki>> starts = new ArrayList<>();
      for (int i = 0; i < 8; i++) starts.add(pool.submit((Callable<ClusterPki>) () -> ClusterPki.loadOrCreate(dir)));
      X509Certificate ca = starts.get(0).get().caCertificate();
      for (Future<ClusterPki> start : starts) {
        assertEquals(ca, start.get().caCertificate());
        assertEquals(starts.get(0).get().serviceAccountKeys().getPublic(),
            start.get().serviceAccountKeys().getPublic());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void issuedCertificatesChainToTheCaAndCarryNamesAndPurposes() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir);
    ClusterPki.Issued serving = pki.issueServing("drover-apiserver", List.of("localhost", "kubernetes.default.svc"),
        List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("10.96.0.1")), Duration.ofDays(1));
    serving.certificate().verify(pki.caCertificate().getPublicKey());
    String names = serving.certificate().getSubjectAlternativeNames().toString();
    assertTrue(names.contains("kubernetes.default.svc") && names.contains("10.96.0.1"), names);
    assertTrue(serving.certificate().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "server authentication");

    ClusterPki.Issued jane = pki.issueClient("jane", List.of("dev", "qa"), Duration.ofDays(1));
    jane.certificate().verify(pki.caCertificate().getPublicKey());
    String subject = jane.certificate().getSubjectX500Principal().getName();
    assertTrue(subject.contains("CN=jane") && subject.contains("O=dev") && subject.contains("O=qa"), subject);
    assertTrue(jane.certificate().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "client authentication");
    assertEquals(-1, jane.certificate().getBasicConstraints(), "not a CA");
  }

  @Test
  void aUserBroughtCertificateAndKeyAreRead() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir.resolve("pki"));
    ClusterPki.Issued issued = pki.issueServing("mine", List.of("example.org"), List.of(), Duration.ofDays(1));
    Files.writeString(dir.resolve("tls.crt"), issued.certificatePem());
    Files.writeString(dir.resolve("tls.key"), issued.keyPem());
    ClusterPki.Issued loaded = ClusterPki.load(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    assertEquals(issued.certificate(), loaded.certificate());
    assertEquals(((java.security.interfaces.ECPrivateKey) issued.key()).getS(),
        ((java.security.interfaces.ECPrivateKey) loaded.key()).getS());
    Files.writeString(dir.resolve("bad.key"), "not a key");
    assertThrows(java.io.IOException.class, () -> ClusterPki.load(dir.resolve("tls.crt"), dir.resolve("bad.key")));
  }
}
