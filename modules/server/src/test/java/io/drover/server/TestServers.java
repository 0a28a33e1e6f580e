package io.drover.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Starts Drover members for tests: in this JVM on a free loopback port, with a temporary data directory. */
final class TestServers {
  private TestServers() {}

  static Path tempDataDir() {
    try {
      return Files.createTempDirectory("drover-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DroverServer start(Path dataDir) throws Exception {
    return start(dataDir, Map.of());
  }

  /**
   * One cluster CA for every member the tests of this JVM start, so that one admin client ({@link #http()}) reaches
   * them all and members started apart can join each other. Deleted when the JVM exits.
   */
  static final Path TEST_PKI = testPki();

  /** Test defaults: containers stop with the server, crash back-off is short, and the members share one CA. */
  static final Map<String, Object> TEST_DEFAULTS = Map.of(
      "drover.agent.stop-containers-on-shutdown", true,
      "drover.agent.restart-backoff-initial", "1s",
      "drover.agent.restart-backoff-max", "8s",
      "drover.pki.dir", TEST_PKI.toString());

  private static Path testPki() {
    Path dir = tempDataDir();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(dir)));
    return dir;
  }

  /**
   * An HTTP client for the test members' APIs as the cluster admin: a client certificate of the shared test CA
   * (group system:masters), trusting that CA.
   */
  static java.net.http.HttpClient.Builder http() {
    return java.net.http.HttpClient.newBuilder().sslContext(adminSslContext());
  }

  /** TLS as the cluster admin of the test CA: for raw sockets and clients other than java.net.http. */
  static synchronized javax.net.ssl.SSLContext adminSslContext() {
    if (adminSsl == null) {
      try {
        io.drover.apiserver.auth.ClusterPki pki = io.drover.apiserver.auth.ClusterPki.loadOrCreate(TEST_PKI);
        adminSsl = pki.sslContext(pki.issueClient("test-admin", java.util.List.of("system:masters"),
            java.time.Duration.ofDays(1)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return adminSsl;
  }

  private static javax.net.ssl.SSLContext adminSsl;

  /**
   * A kubeconfig in {@code dir} for a member of the test CA and one user: {@code userLines} are that user's
   * credentials, indented under {@code user:} (a token, or client-certificate-data and client-key-data).
   */
  static Path userKubeconfig(DroverServer server, Path dir, String name, String userLines) {
    try {
      Path file = dir.resolve(name + ".kubeconfig");
      Files.writeString(file, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: drover
            cluster:
              server: %s
              certificate-authority-data: %s
          contexts:
          - name: drover
            context: {cluster: drover, user: %s, namespace: default}
          current-context: drover
          users:
          - name: %s
            user:
          %s""".formatted(server.apiUrl(), base64(Files.readString(TEST_PKI.resolve("ca.crt"))), name, name,
          userLines));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String base64(String text) {
    return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static DroverServer start(Path dataDir, Map<String, Object> overrides) throws Exception {
    Map<String, Object> all = new java.util.HashMap<>(TEST_DEFAULTS);
    all.putAll(overrides);
    return DroverServer.start(DroverServer.config(dataDir, 0, all));
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A started member with its data directory and a kubectl for it. */
  record Member(Path dataDir, DroverServer server, Kubectl kubectl) {}

  /** Starts a member on a temporary data directory (test defaults plus overrides); answers once it serves. */
  static Member startMember(Map<String, Object> overrides) throws Exception {
    Path dir = tempDataDir();
    DroverServer server = start(dir, overrides);
    return new Member(dir, server, new Kubectl(server.kubeconfig()));
  }

  /** Starts a second member that joins the first's cluster and shares its journal (the H2 file, in this JVM). */
  static Member joinMember(Member seed, Map<String, Object> overrides) throws Exception {
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    all.put("pekko.cluster.seed-nodes", java.util.List.of(
        org.apache.pekko.cluster.typed.Cluster.get(seed.server().system()).selfMember().address().toString()));
    all.put("drover.journal.url", seed.server().system().settings().config().getString("drover.journal.url"));
    all.put("drover.secrets.encryption-key-file", seed.dataDir().resolve("secrets-encryption.keys").toString());
    return startMember(all);
  }

  /** Waits until the member's kubectl lists at least one node. */
  static String awaitNode(Kubectl kubectl, java.time.Duration deadline) {
    return Polling.await(() -> {
      String name = kubectl.run("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout();
      return name.isBlank() ? null : name;
    }, deadline, "a node to register");
  }

  /**
   * Closes the members (last started first), then stops any process still running from their data directories
   * (by PID) and deletes the directories. Null members are skipped.
   */
  static void stop(Member... members) throws Exception {
    Exception first = null;
    for (int i = members.length - 1; i >= 0; i--) {
      if (members[i] == null) continue;
      try {
        members[i].server().close();
      } catch (Exception e) {
        if (first == null) first = e;
      }
    }
    for (Member member : members) {
      if (member == null) continue;
      String dir = member.dataDir().toString();
      ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().map(c -> c.contains(dir)).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
      deleteRecursively(member.dataDir());
    }
    if (first != null) throw first;
  }
}
