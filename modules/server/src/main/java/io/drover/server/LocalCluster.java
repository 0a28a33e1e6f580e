package io.drover.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of member JVMs on this machine, run by deploy/local-cluster.sh exactly as a user runs it (with
 * PostgreSQL from the Debian package), on free loopback ports and in a temporary directory. For tests and
 * benchmarks: they start it, kill members, start them again, and {@link #close()} it, which stops every process the
 * script started and deletes the directory.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final int members;
  private final int apiBase;
  private final int adminBase;
  private final Map<String, String> env = new HashMap<>();

  private LocalCluster(Path script, Path dir, int members, int apiBase, int remoteBase, int adminBase, int pgPort,
      String javaOpts, String classpath) {
    this.script = script;
    this.dir = dir;
    this.members = members;
    this.apiBase = apiBase;
    this.adminBase = adminBase;
    env.put("DROVER_CLUSTER_DIR", dir.toString());
    env.put("DROVER_API_PORT_BASE", Integer.toString(apiBase));
    env.put("DROVER_REMOTE_PORT_BASE", Integer.toString(remoteBase));
    env.put("DROVER_ADMIN_PORT_BASE", Integer.toString(adminBase));
    env.put("DROVER_PG_PORT", Integer.toString(pgPort));
    env.put("DROVER_CLASSPATH", classpath);
    env.put("DROVER_MEMBER_JAVA_OPTS", javaOpts);
  }

  /**
   * Starts {@code members} members with this JVM's classpath and the given JVM options (-D settings override any
   * configuration key), and answers once every one is ready.
   *
   * @param script deploy/local-cluster.sh
   */
  public static LocalCluster start(Path script, int members, String javaOpts) throws IOException,
      InterruptedException {
    // PostgreSQL runs as the postgres user when we are root: it must be able to enter the directory.
    Path dir = Files.createTempDirectory("drover-cluster-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    // One free range for everything, so no two of the ports can be the same.
    int base = freeBase(3 * members + 1);
    LocalCluster cluster = new LocalCluster(script.toAbsolutePath().normalize(), dir, members, base, base + members,
        base + 2 * members, base + 3 * members, javaOpts, System.getProperty("java.class.path"));
    try {
      cluster.up();
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** deploy/local-cluster.sh from the working directory or one of its parents (a module directory in tests). */
  public static Path findScript() throws IOException {
    Path home = System.getProperty("drover.home") == null ? null : Path.of(System.getProperty("drover.home"));
    for (Path at = home != null ? home : Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
      Path script = at.resolve("deploy").resolve("local-cluster.sh");
      if (Files.isExecutable(script)) return script;
    }
    throw new IOException("deploy/local-cluster.sh not found from " + Path.of("").toAbsolutePath());
  }

  /** Starts the members that are not running (all at first; a killed one later) and waits until they are ready. */
  public void up() throws IOException, InterruptedException {
    run("up", Integer.toString(members));
  }

  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /** Member i's API, i from 1: HTTPS unless the members run with drover.api.insecure-http (no CA then). */
  public String apiUrl(int member) {
    return (Files.exists(dir.resolve("pki").resolve("ca.crt")) ? "https" : "http") + "://127.0.0.1:"
        + (apiBase + member - 1);
  }

  /** An HTTP client for the members' APIs as the cluster admin (a client certificate of the cluster's CA). */
  public java.net.http.HttpClient.Builder adminHttpClient() throws IOException {
    io.drover.apiserver.auth.ClusterPki pki = io.drover.apiserver.auth.ClusterPki.loadOrCreate(dir.resolve("pki"));
    return java.net.http.HttpClient.newBuilder().sslContext(pki.sslContext(pki.issueClient(Credentials.ADMIN_USER,
        List.of("system:masters"), java.time.Duration.ofDays(1))));
  }

  /** Member i's admin endpoint, i from 1. */
  public String adminUrl(int member) {
    return "http://127.0.0.1:" + (adminBase + member - 1);
  }

  /** Member i's JVM as the script recorded it. */
  public long pid(int member) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve("member-" + member).resolve("pid")).strip());
  }

  /** SIGKILL to member i's JVM; answers once it is gone. */
  public void kill(int member) throws IOException {
    ProcessHandle process = ProcessHandle.of(pid(member)).orElseThrow(
        () -> new IOException("member-" + member + " is not running"));
    process.destroyForcibly();
    process.onExit().join();
  }

  /** Stops every member and their pods and PostgreSQL (the script's down), then deletes the directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    List<Long> pids = new ArrayList<>();
    for (int i = 1; i <= members; i++) {
      Path pid = dir.resolve("member-" + i).resolve("pid");
      if (Files.exists(pid)) pids.add(Long.parseLong(Files.readString(pid).strip()));
    }
    try {
      run("down");
    } finally {
      for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("local-cluster.sh " + String.join(" ", args) + " failed:\n" + output + logTails());
    }
  }

  /** The end of each member's log, for a failure message (the directory is deleted on close). */
  private String logTails() throws IOException {
    StringBuilder tails = new StringBuilder();
    for (int i = 1; i <= members; i++) {
      Path log = dir.resolve("member-" + i).resolve("member.log");
      if (!Files.exists(log)) continue;
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      tails.append("\n--- member-").append(i).append(" log (end) ---\n")
          .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())));
    }
    return tails.toString();
  }

  /** The first of {@code count} consecutive loopback ports that are free now (below the ephemeral range). */
  static int freeBase(int count) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20000, 32000);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(p, 1,
            java.net.InetAddress.getLoopbackAddress())) {
          socket.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) return base;
    }
    throw new IOException("no free port range");
  }
}
