package io.drover.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server from the host's Debian package (postgresql), for tests and benchmarks: initdb in a
 * directory, listening on a free loopback port only, trust authentication for the superuser {@code drover}, a
 * database {@code drover}. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} user.
 * {@link #close()} stops exactly this server (its postmaster PID).
 */
public final class LocalPostgres implements AutoCloseable {
  public static final String USER = "drover";
  public static final String DATABASE = "drover";

  private final Path dir;
  private final Path binDir;
  private final int port;
  private final long pid;

  private LocalPostgres(Path dir, Path binDir, int port, long pid) {
    this.dir = dir;
    this.binDir = binDir;
    this.port = port;
    this.pid = pid;
  }

  /** The newest installed server's bin directory (/usr/lib/postgresql/N/bin), if any. */
  public static Optional<Path> binDir() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) return Optional.empty();
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
          .max(Comparator.comparingInt(bin -> parseVersion(bin.getParent().getFileName().toString())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int parseVersion(String name) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public static boolean available() {
    return binDir().isPresent();
  }

  /**
   * Initializes and starts a server in a new temporary directory (directly under the system's temporary directory,
   * so the postgres user can reach it when running as root); {@link #close()} deletes it.
   */
  public static LocalPostgres start() throws IOException, InterruptedException {
    Path bin = binDir().orElseThrow(() -> new IOException(
        "no PostgreSQL server found under /usr/lib/postgresql (Debian: apt-get install postgresql)"));
    Path dir = Files.createTempDirectory("drover-postgres-");
    Path data = dir.resolve("data");
    boolean root = isRoot();
    if (root) run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false, Duration.ofSeconds(10));
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust",
        "-E", "UTF8", "--no-instructions"), root, Duration.ofSeconds(60));
    int port = freePort();
    // Loopback TCP only; the unix socket goes into the directory, not /var/run/postgresql.
    String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir + " -c fsync=on";
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-o", options, "-l",
        dir.resolve("postgres.log").toString(), "-w", "-t", "60", "start"), root, Duration.ofSeconds(90));
    long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
    LocalPostgres server = new LocalPostgres(dir, bin, port, pid);
    try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), USER, "")) {
      c.createStatement().execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      server.close();
      throw new IOException("cannot create database " + DATABASE + ": " + e.getMessage(), e);
    }
    return server;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return pid;
  }

  public String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** The drover.journal settings that point a member at this server. */
  public java.util.Map<String, Object> journalSettings() {
    return java.util.Map.of(
        "drover.journal.url", jdbcUrl(),
        "drover.journal.user", USER,
        "drover.journal.password", "",
        "drover.journal.driver", "org.postgresql.Driver",
        "drover.journal.profile", "slick.jdbc.PostgresProfile$");
  }

  /**
   * Stops the server (fast shutdown; its postmaster killed if still there after 30 s) and deletes its directory.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
    if (postmaster.isPresent()) {
      try {
        run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w",
            "stop"), isRoot(), Duration.ofSeconds(40));
      } catch (IOException e) {
        // killed below
      }
      try {
        postmaster.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        postmaster.get().destroyForcibly();
      }
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Runs a command (as the postgres user when asked), failing with its output when it does not exit 0. */
  private static void run(List<String> command, boolean asPostgres, Duration timeout)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asPostgres) full.addAll(List.of("runuser", "-u", "postgres", "--"));
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    byte[] output;
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", full) + " did not finish within " + timeout);
    }
    output = process.getInputStream().readAllBytes();
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", full) + " exited " + process.exitValue() + ": "
          + new String(output, java.nio.charset.StandardCharsets.UTF_8).strip());
    }
  }
}
