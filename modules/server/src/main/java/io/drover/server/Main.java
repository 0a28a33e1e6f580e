package io.drover.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drover.agent.runtime.cri.LocalContainerd;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * {@code drover up [--data-dir DIR] [--port N] [--host H] [--config FILE] [--runtime process|cri|sim]}: starts a
 * one-member Drover (roles control-plane and worker) in the foreground; Ctrl-C stops it cleanly. {@code --runtime}
 * sets drover.agent.runtime; {@code --local-containerd} runs the cri runtime on a private containerd and registry
 * (root and Debian's containerd packages, see LocalContainerd); {@code -Dkey=value} arguments set any other setting.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("kubeconfig")) {
      userKubeconfig(args);
      return;
    }
    if (args.length == 0 || !args[0].equals("up")) {
      System.err.println(
          "usage: drover up [--data-dir DIR] [--port N] [--host H] [--config FILE] [--runtime process|cri|sim] "
              + "[--local-containerd] [--insecure-http] [-Dkey=value]...\n"
              + "       drover kubeconfig --user NAME [--group GROUP]... [--data-dir DIR | --pki-dir DIR] "
              + "[--server URL] [--days N]");
      System.exit(2);
    }
    Path dataDir = Path.of(System.getProperty("drover.data-dir", "data"));
    int port = Integer.getInteger("drover.api.port", 6443);
    Map<String, Object> overrides = new HashMap<>();
    Config file = ConfigFactory.empty();
    boolean localContainerd = false;
    for (int i = 1; i < args.length; i++) {
      int equals = args[i].indexOf('=');
      if (args[i].startsWith("-D") && equals > 2) { // -Ddrover.x=y: any setting, as config/application.conf says
        overrides.put(args[i].substring(2, equals), args[i].substring(equals + 1));
        continue;
      }
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--data-dir" -> dataDir = Path.of(require(args[i], value));
        case "--port" -> port = Integer.parseInt(require(args[i], value));
        case "--host" -> overrides.put("drover.api.host", require(args[i], value));
        case "--config" -> file = ConfigFactory.parseFile(Path.of(require(args[i], value)).toFile());
        case "--runtime" -> overrides.put("drover.agent.runtime", require(args[i], value));
        case "--local-containerd" -> {
          localContainerd = true;
          i--; // takes no value
        }
        case "--insecure-http" -> {
          overrides.put("drover.api.insecure-http", true);
          i--; // takes no value
        }
        default -> {
          System.err.println("unknown option " + args[i]);
          System.exit(2);
        }
      }
      i++;
    }
    LocalContainerd containerd = null;
    if (localContainerd) {
      // Try the cri runtime on one machine: a private containerd and registry with the test images, stopped with
      // Drover; the pods' containers are stopped first so that their sandboxes go too.
      containerd = LocalContainerd.start(dataDir.resolve("containerd"));
      overrides.put("drover.agent.runtime", "cri");
      overrides.put("drover.agent.cri.socket", containerd.socket().toString());
      overrides.put("drover.agent.stop-containers-on-shutdown", true);
    }
    Config config = DroverServer.config(dataDir, port, overrides, file);
    DroverServer server = DroverServer.start(config);
    if (containerd != null) {
      // Ctrl-C runs both JVM shutdown hooks at once: containerd is to stop only after the agent stopped its pods.
      // Stopping them twice (here and in DroverServer's own hook) is harmless: the second finds nothing.
      containerd.beforeStop(socket -> {
        server.system().getWhenTerminated().toCompletableFuture()
            .completeOnTimeout(null, 60, java.util.concurrent.TimeUnit.SECONDS).join();
        server.stopContainers();
      });
    }
    System.out.println("Drover is up. API: " + server.apiUrl() + "  admin: " + server.adminUrl());
    System.out.println("  kubectl --kubeconfig " + server.kubeconfig() + " get namespaces");
    if (containerd != null) {
      System.out.println("  containerd: " + containerd.socket() + ", images: " + containerd.image("busybox")
          + " (registry " + containerd.registry() + ")");
    }
    server.system().getWhenTerminated().toCompletableFuture().join();
    if (containerd != null) containerd.close();
    if (downed(server.system())) {
      // Not a clean stop: a supervisor (systemd, a restart loop) should start it again to rejoin the cluster.
      System.err.println("Drover stopped: the cluster downed this member (cut off from the majority, or by hand).");
      System.exit(1);
    }
    System.out.println("Drover stopped.");
  }

  /**
   * {@code drover kubeconfig --user NAME [--group GROUP]...}: prints a kubeconfig for a new user with a client
   * certificate of the cluster CA (CN the user, O each group), for RBAC to give rights to. Needs the CA's key, so it
   * runs where the PKI directory is (a member's data directory, or drover.pki.dir).
   */
  static void userKubeconfig(String[] args) throws java.io.IOException {
    Path dataDir = Path.of("data");
    Path pkiDir = null;
    String user = null;
    java.util.List<String> groups = new java.util.ArrayList<>();
    String server = null;
    int days = 365;
    for (int i = 1; i < args.length; i += 2) {
      String value = require(args[i], i + 1 < args.length ? args[i + 1] : null);
      switch (args[i]) {
        case "--user" -> user = value;
        case "--group" -> groups.add(value);
        case "--data-dir" -> dataDir = Path.of(value);
        case "--pki-dir" -> pkiDir = Path.of(value);
        case "--server" -> server = value;
        case "--days" -> days = Integer.parseInt(value);
        default -> {
          System.err.println("unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    if (user == null || user.isBlank()) {
      System.err.println("drover kubeconfig needs --user NAME");
      System.exit(2);
    }
    Path pki = pkiDir != null ? pkiDir : dataDir.resolve("pki");
    if (!java.nio.file.Files.exists(pki.resolve("ca.key"))) {
      System.err.println("no cluster CA in " + pki + " (start Drover once, or name the directory with --pki-dir)");
      System.exit(1);
    }
    io.drover.apiserver.auth.ClusterPki ca = io.drover.apiserver.auth.ClusterPki.loadOrCreate(pki);
    if (server == null) {
      // The server the admin kubeconfig of that data directory names, else the default port on loopback.
      Path admin = dataDir.resolve("kubeconfig");
      server = java.nio.file.Files.exists(admin) ? java.nio.file.Files.readAllLines(admin).stream()
          .map(String::strip).filter(l -> l.startsWith("server: ")).map(l -> l.substring(8)).findFirst()
          .orElse("https://127.0.0.1:6443") : "https://127.0.0.1:6443";
    }
    System.out.print(Credentials.kubeconfig(server, ca.caCertificatePem(), user,
        ca.issueClient(user, groups, java.time.Duration.ofDays(days))));
  }

  /** Whether the member stopped because the cluster downed it (pekko.cluster.run-coordinated-shutdown-when-down). */
  static boolean downed(ActorSystem<?> system) {
    return CoordinatedShutdown.get(Adapter.toClassic(system)).getShutdownReason()
        .equals(Optional.of(CoordinatedShutdown.clusterDowningReason()));
  }

  private static String require(String option, String value) {
    if (value == null) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return value;
  }
}
