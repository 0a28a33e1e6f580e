package io.drover.agent.runtime.cri;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private containerd (CRI plugin) and OCI registry on loopback, for tests, benchmarks and trying the cri runtime on
 * one machine without touching the host's own containerd, its /etc, or the internet.
 *
 * <p>{@link #start} runs {@code docker-registry} on a free loopback port, pushes Drover's test images into it with
 * {@code deploy/test-images.sh} (packaged in this jar, so one script serves operators and tests), and runs
 * {@code containerd} with a generated configuration whose root, state, socket, runc state and CNI configuration all
 * live in the given directory (or, when that path is too long for unix sockets, in a short one under /tmp). Pods get a
 * bridge network of their own ({@code drvctdN}, 10.90.N.0/24, N reserved with a lock on
 * /tmp/drover-local-containerd.lock so that several instances, in one JVM or several, never share it), away from the
 * process runtime's 10.88.N.0/24 and from the 10.89.0.0/16 that {@code deploy/node-setup.sh} gives a real node.
 * Network namespaces are mounted under the state directory ({@code netns_mounts_under_state_dir}), not in /run/netns.
 *
 * <p>Stop and remove your pod sandboxes through CRI before {@link #close} (or in a {@link #beforeStop} hook): that is
 * what runs CNI DEL. close() then kills whatever tasks remain, stops containerd, the shims it left and the registry
 * (each by PID, never by name), unmounts everything under its directories, removes the iptables rules the bridge and
 * portmap plugins made for this instance's network and their CNI result cache, deletes the bridge, and deletes the
 * directory. Only the small, shared lock file stays.
 *
 * <p>Needs root and the Debian packages containerd, runc, containernetworking-plugins, docker-registry, skopeo, umoci,
 * busybox-static and iptables; {@link #unavailableReason()} says what is missing.
 */
public final class LocalContainerd implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalContainerd.class);

  private static final String SCRIPT = "test-images.sh";
  private static final String LOCK_FILE = "/tmp/drover-local-containerd.lock";
  private static final Path CNI_BIN = Path.of("/usr/lib/cni");
  private static final Path CNI_CACHE = Path.of("/var/lib/cni/results");
  private static final String NETWORK_PREFIX = "drvctd";
  /** Longest directory that still leaves room below the ~107-byte unix socket limit for our sockets. */
  private static final int MAX_SOCKET_DIR = 60;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration IMAGES_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final int LOG_TAIL_LINES = 40;

  /** 10.90.N.0/24 on bridge drvctdN, N held by a lock on a region of the lock file. */
  private record Network(int n, FileLock lock) {}

  /** A binary the local containerd needs, and the Debian package that has it. */
  private record Tool(String name, String debianPackage) {}

  private static final List<Tool> TOOLS = List.of(
      new Tool("containerd", "containerd"), new Tool("ctr", "containerd"),
      new Tool("containerd-shim-runc-v2", "containerd"), new Tool("runc", "runc"),
      new Tool("docker-registry", "docker-registry"), new Tool("skopeo", "skopeo"), new Tool("umoci", "umoci"),
      new Tool("bash", "bash"), new Tool("ip", "iproute2"), new Tool("iptables", "iptables"),
      new Tool("umount", "mount"));
  private static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "portmap", "loopback");

  /** One channel for the JVM: on Linux, closing any channel on the lock file would drop all our locks on it. */
  private static FileChannel lockChannel;

  private final Path dir;
  private final Path runDir;
  private final Network network;
  private final List<Consumer<Path>> beforeStop = new CopyOnWriteArrayList<>();
  private final Thread shutdownHook = new Thread(this::close, "local-containerd-close");
  private int registryPort;
  private Process registry;
  private int privateRegistryPort;
  private Process privateRegistry;
  private Process containerd;
  private boolean closed;

  private LocalContainerd(Path dir, Path runDir, Network network) {
    this.dir = dir;
    this.runDir = runDir;
    this.network = network;
  }

  /** Why this host cannot run it (not root, a missing binary with its Debian package, ...), or empty. */
  public static Optional<String> unavailableReason() {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return Optional.of("not Linux");
    try {
      if (!isRoot()) return Optional.of("not running as root (containerd needs root)");
    } catch (IOException e) {
      return Optional.of("cannot read /proc/self/status: " + e.getMessage());
    }
    List<String> missing = new ArrayList<>();
    for (Tool tool : TOOLS) {
      if (which(tool.name()).isEmpty()) missing.add(tool.name() + " (package " + tool.debianPackage() + ")");
    }
    for (String plugin : CNI_PLUGINS) {
      if (!Files.isExecutable(CNI_BIN.resolve(plugin))) {
        missing.add(CNI_BIN.resolve(plugin) + " (package containernetworking-plugins)");
      }
    }
    if (!Files.isExecutable(Path.of("/bin/busybox"))) missing.add("/bin/busybox (package busybox-static)");
    if (!missing.isEmpty()) return Optional.of("missing " + String.join(", ", missing) + "; install with apt-get");
    try {
      boolean cgroups = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .anyMatch(line -> line.contains(" - cgroup ") || line.contains(" - cgroup2 "));
      if (!cgroups) return Optional.of("no cgroup filesystem is mounted");
    } catch (IOException e) {
      return Optional.of("cannot read /proc/self/mountinfo: " + e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * Starts the registry on a free loopback port, pushes the test images (deploy/test-images.sh), starts containerd
   * with a generated config in dir; returns once containerd's socket answers and its CRI plugin is loaded. Throws
   * IOException with the tail of the process log when something fails (having cleaned up what it started).
   */
  public static LocalContainerd start(Path dir) throws IOException {
    Optional<String> reason = unavailableReason();
    if (reason.isPresent()) throw new IOException("cannot run a local containerd here: " + reason.get());
    Path base = dir.toAbsolutePath().normalize();
    Files.createDirectories(base);
    Path runDir = base.toString().length() <= MAX_SOCKET_DIR
        ? base
        : Files.createTempDirectory(Path.of("/tmp"), "drover-ctd-");
    LocalContainerd ctd;
    try {
      ctd = new LocalContainerd(base, runDir, reserveNetwork());
    } catch (IOException | RuntimeException e) {
      if (!runDir.equals(base)) Files.deleteIfExists(runDir);
      throw e;
    }
    try {
      Runtime.getRuntime().addShutdownHook(ctd.shutdownHook);
      ctd.startRegistry();
      ctd.pushImages();
      ctd.startContainerd();
      return ctd;
    } catch (IOException | RuntimeException e) {
      ctd.close();
      throw e;
    }
  }

  /** containerd's socket. */
  public Path socket() {
    return runDir.resolve("containerd.sock");
  }

  /** "127.0.0.1:PORT" of the registry holding the test images. */
  public String registry() {
    return "127.0.0.1:" + registryPort;
  }

  /** A test image: registry() + "/drover/" + name + ":1" (busybox, or pause, the sandbox image). */
  public String image(String name) {
    return registry() + "/drover/" + name + ":1";
  }

  /** The CNI subnet its pods get addresses from. */
  public String podCidr() {
    return "10.90." + network.n() + ".0/24";
  }

  /** The CNI network name, which is also the bridge device's name. */
  public String networkName() {
    return NETWORK_PREFIX + network.n();
  }

  /**
   * Runs stopPods with containerd's socket at the start of {@link #close}, while containerd still runs: the place to
   * stop and remove pod sandboxes through CRI so that CNI tears their networks down.
   */
  public LocalContainerd beforeStop(Consumer<Path> stopPods) {
    beforeStop.add(stopPods);
    return this;
  }

  /** Stops everything it started, by PID, and removes its mounts, network leftovers and directory. Never throws. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // already shutting down (this may be the hook), or never registered
    }
    List<String> problems = new ArrayList<>();
    List<String> containers = new ArrayList<>();
    if (containerd != null && containerd.isAlive()) {
      for (Consumer<Path> hook : beforeStop) attempt("a beforeStop hook", problems, () -> hook.accept(socket()));
      attempt("removing tasks", problems, () -> containers.addAll(removeTasks(problems)));
    }
    attempt("stopping containerd", problems, () -> stop(containerd, "containerd", problems));
    attempt("stopping shims", problems, () -> killShims(problems));
    attempt("removing cgroups", problems, () -> removeCgroups(containers));
    attempt("unmounting", problems, () -> unmountAll(problems));
    attempt("removing the network", problems, () -> removeNetwork(problems));
    attempt("stopping the registry", problems, () -> stop(registry, "docker-registry", problems));
    if (privateRegistry != null) {
      attempt("stopping the private registry", problems, () -> stop(privateRegistry, "docker-registry", problems));
    }
    attempt("deleting " + dir, problems, () -> delete(dir, problems));
    if (!runDir.equals(dir)) attempt("deleting " + runDir, problems, () -> delete(runDir, problems));
    try {
      network.lock().release();
    } catch (IOException | RuntimeException e) {
      problems.add("releasing the network lock: " + e);
    }
    if (!problems.isEmpty()) log.warn("local containerd in {} could not clean up everything: {}", dir, problems);
  }

  private static void attempt(String what, List<String> problems, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      problems.add(what + ": " + e);
    }
  }

  // ---------------------------------------------------------------------------------------------------- start

  private void startRegistry() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        registryPort = probe.getLocalPort();
      }
      Path logFile = dir.resolve("registry.log");
      registry = launch(List.of(tool("docker-registry"), "serve", registryConfig("registry", registry(), null)
          .toString()), logFile);
      try {
        awaitRegistry(registry, registry(), 200, logFile);
        return;
      } catch (IOException e) {
        last = e; // most likely someone took the port between our probe and the registry's bind
        stop(registry, "docker-registry", new ArrayList<>());
      }
    }
    throw last;
  }

  /**
   * Starts a second registry that serves the same images but only to a client that logs in (for image pull
   * secrets), and answers its "127.0.0.1:PORT". containerd pulls from it over plain http, as from the first.
   *
   * @param htpasswd one line {@code user:bcrypt-hash} as {@code htpasswd -B} writes it
   */
  public synchronized String startPrivateRegistry(String htpasswd) throws IOException {
    if (privateRegistry != null) throw new IllegalStateException("the private registry runs already");
    Path passwords = dir.resolve("private-registry.htpasswd");
    Files.writeString(passwords, htpasswd.strip() + "\n");
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      privateRegistryPort = probe.getLocalPort();
    }
    String address = "127.0.0.1:" + privateRegistryPort;
    Path logFile = dir.resolve("private-registry.log");
    privateRegistry = launch(List.of(tool("docker-registry"), "serve",
        registryConfig("private-registry", address, passwords).toString()), logFile);
    awaitRegistry(privateRegistry, address, 401, logFile);
    writeHosts(address);
    return address;
  }

  /** A registry's configuration: the shared image storage, its address, and htpasswd logins when given. */
  private Path registryConfig(String name, String address, Path htpasswd) throws IOException {
    Path config = dir.resolve(name + ".yml");
    String auth = htpasswd == null ? "" : """
        auth:
          htpasswd:
            realm: drover-test
            path: %s
        """.formatted(htpasswd);
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: %s
        """.formatted(dir.resolve("registry"), address) + auth);
    return config;
  }

  /** Waits until the registry answers /v2/ with the expected status (401 for one that wants a login). */
  private void awaitRegistry(Process process, String address, int expected, Path logFile) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw failure("docker-registry exited with " + process.exitValue(), logFile);
      try {
        HttpURLConnection http = (HttpURLConnection) new URL("http://" + address + "/v2/").openConnection();
        http.setConnectTimeout((int) POLL.toMillis());
        http.setReadTimeout((int) COMMAND_TIMEOUT.toMillis());
        int status = http.getResponseCode();
        http.disconnect();
        if (status == expected) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      pause();
    }
    throw failure("docker-registry did not answer on " + address + " within " + START_TIMEOUT, logFile);
  }

  /** containerd's hosts.toml for a plain-http registry (read at every pull, so one added later works too). */
  private void writeHosts(String address) throws IOException {
    Path hosts = dir.resolve("certs.d").resolve(address).resolve("hosts.toml");
    Files.createDirectories(hosts.getParent());
    Files.writeString(hosts, """
        server = "http://%1$s"

        [host."http://%1$s"]
          capabilities = ["pull", "resolve"]
        """.formatted(address));
  }

  private void pushImages() throws IOException {
    Path script = dir.resolve(SCRIPT);
    try (InputStream in = LocalContainerd.class.getResourceAsStream(SCRIPT)) {
      if (in == null) throw new IOException("resource " + SCRIPT + " is missing from the agent jar");
      Files.write(script, in.readAllBytes());
    }
    Path logFile = dir.resolve("test-images.log");
    Process push = launch(List.of(tool("bash"), script.toString(), registry()), logFile);
    try {
      if (!push.waitFor(IMAGES_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        push.destroyForcibly();
        throw failure(SCRIPT + " did not finish within " + IMAGES_TIMEOUT, logFile);
      }
    } catch (InterruptedException e) {
      push.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while pushing the test images", e);
    }
    if (push.exitValue() != 0) throw failure(SCRIPT + " failed with exit code " + push.exitValue(), logFile);
  }

  private void startContainerd() throws IOException {
    writeHosts(registry());
    Path netDir = dir.resolve("net.d");
    Files.createDirectories(netDir);
    Files.writeString(netDir.resolve("10-" + networkName() + ".conflist"), cniConfig());
    Path config = dir.resolve("containerd.toml");
    Files.writeString(config, containerdConfig());
    Path logFile = dir.resolve("containerd.log");
    containerd = launch(List.of(tool("containerd"), "--config", config.toString()), logFile);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!containerd.isAlive()) throw failure("containerd exited with " + containerd.exitValue(), logFile);
      if (Files.exists(socket()) && ctr("version").ok()) break;
      if (System.nanoTime() > deadline) {
        throw failure("containerd's socket did not answer within " + START_TIMEOUT, logFile);
      }
      pause();
    }
    Result plugins = ctr("plugins", "ls");
    boolean cri = plugins.lines().stream().map(line -> line.trim().split("\\s+"))
        .anyMatch(f -> f.length >= 3 && f[0].equals("io.containerd.grpc.v1") && f[1].equals("cri")
            && f[f.length - 1].equals("ok"));
    if (!cri) throw failure("containerd's CRI plugin did not load:\n" + plugins.output(), logFile);
  }

  private String cniConfig() {
    return """
        {
          "cniVersion": "1.0.0",
          "name": "%1$s",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "%1$s",
              "isGateway": true,
              "ipMasq": true,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%2$s"}]],
                "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": "%3$s"
              }
            },
            {"type": "portmap", "capabilities": {"portMappings": true}}
          ]
        }
        """.formatted(networkName(), podCidr(), json(dir.resolve("cni-ipam").toString()));
  }

  /**
   * restrict_oom_score_adj: hosts without CAP_SYS_RESOURCE (containers, some VMs) refuse the sandbox's -998 and every
   * RunPodSandbox fails in runc ("can't get final child's PID from pipe"); no lower than containerd's own works
   * everywhere.
   */
  private String containerdConfig() {
    return """
        version = 2
        root = %s
        state = %s
        disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
          "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

        [grpc]
          address = %s

        [ttrpc]
          address = %s

        [plugins."io.containerd.internal.v1.opt"]
          path = %s

        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = %s
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          restrict_oom_score_adj = true
          netns_mounts_under_state_dir = true
          [plugins."io.containerd.grpc.v1.cri".containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                SystemdCgroup = false
                BinaryName = %s
                Root = %s
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = %s
            conf_dir = %s
          [plugins."io.containerd.grpc.v1.cri".registry]
            config_path = %s
        """.formatted(toml(runDir.resolve("root")), toml(runDir.resolve("state")), toml(socket()),
        toml(runDir.resolve("containerd.sock.ttrpc")), toml(runDir.resolve("opt")), toml(image("pause")),
        toml(tool("runc")), toml(runDir.resolve("runc")), toml(CNI_BIN), toml(dir.resolve("net.d")),
        toml(dir.resolve("certs.d")));
  }

  /** Reserves a free N for 10.90.N.0/24 and bridge drvctdN: unlocked, no such device, no route overlapping it. */
  private static Network reserveNetwork() throws IOException {
    FileChannel channel = lockChannel();
    List<int[]> routes = routes();
    int start = ThreadLocalRandom.current().nextInt(254);
    for (int i = 0; i < 254; i++) {
      int n = 1 + (start + i) % 254;
      if (Files.exists(Path.of("/sys/class/net", NETWORK_PREFIX + n))) continue;
      int subnet = (10 << 24) | (90 << 16) | (n << 8);
      if (routes.stream().anyMatch(r -> overlaps(subnet, 0xFFFFFF00, r[0], r[1]))) continue;
      try {
        FileLock lock = channel.tryLock(n, 1, false);
        if (lock != null) return new Network(n, lock);
      } catch (OverlappingFileLockException takenInThisJvm) {
        // another instance here has it
      }
    }
    throw new IOException("no free 10.90.N.0/24 for a local containerd's pod network");
  }

  private static synchronized FileChannel lockChannel() throws IOException {
    if (lockChannel == null) {
      lockChannel = FileChannel.open(Path.of(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
    return lockChannel;
  }

  /** The host's IPv4 routes other than the default one, as {network, mask}. */
  private static List<int[]> routes() throws IOException {
    List<int[]> routes = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8) continue;
      int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
      if (mask != 0) routes.add(new int[] {Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16)), mask});
    }
    return routes;
  }

  /** Whether two IPv4 networks (address, contiguous mask) share an address. */
  static boolean overlaps(int network, int mask, int otherNetwork, int otherMask) {
    int common = mask & otherMask;
    return (network & common) == (otherNetwork & common);
  }

  // ---------------------------------------------------------------------------------------------------- close

  /**
   * Kills and deletes every task in every containerd namespace; returns all container ids it saw. A delete may fail
   * because the CRI plugin, seeing a sandbox die, deleted it first: only tasks still listed afterwards count.
   */
  private List<String> removeTasks(List<String> problems) {
    List<String> containers = new ArrayList<>();
    for (String namespace : ctr("namespaces", "ls", "-q").lines()) {
      containers.addAll(ctr("-n", namespace, "containers", "ls", "-q").lines());
      for (String task : ctr("-n", namespace, "tasks", "ls", "-q").lines()) {
        ctr("-n", namespace, "tasks", "kill", "-a", "-s", "SIGKILL", task);
        ctr("-n", namespace, "tasks", "delete", "-f", task);
      }
      List<String> left = ctr("-n", namespace, "tasks", "ls", "-q").lines();
      if (!left.isEmpty()) problems.add("tasks in namespace " + namespace + " survived ctr tasks delete: " + left);
    }
    return containers;
  }

  /** Shims outlive containerd by design: ours are those whose -address is our socket. */
  private void killShims(List<String> problems) {
    String address = socket().toString();
    List<ProcessHandle> shims;
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      shims = all.filter(p -> {
        List<String> args = commandLine(p.pid());
        return !args.isEmpty() && args.get(0).endsWith("containerd-shim-runc-v2") && args.contains(address);
      }).toList();
    }
    for (ProcessHandle shim : shims) {
      shim.descendants().forEach(ProcessHandle::destroyForcibly);
      shim.destroyForcibly();
    }
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    while (shims.stream().anyMatch(shim -> running(shim.pid())) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    shims.stream().filter(shim -> running(shim.pid()))
        .forEach(shim -> problems.add("containerd-shim-runc-v2 pid " + shim.pid() + " did not exit"));
  }

  /**
   * Whether a process exists and is not a zombie. The shims are daemons whose parent is PID 1, which on some hosts
   * (a VM's or container's init) reaps late; ProcessHandle.isAlive() counts a zombie as alive.
   */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException gone) {
      return false;
    }
  }

  /** The empty cgroups of containers whose tasks were killed rather than deleted (cgroupsPath /NAMESPACE/ID). */
  private static void removeCgroups(List<String> containers) {
    if (containers.isEmpty()) return;
    try (Stream<Path> cgroups = Files.find(Path.of("/sys/fs/cgroup"), 3,
        (path, attributes) -> attributes.isDirectory() && containers.contains(path.getFileName().toString()))) {
      cgroups.forEach(path -> path.toFile().delete()); // rmdir; fails harmlessly on a cgroup still in use
    } catch (IOException e) {
      log.debug("could not look for leftover cgroups", e);
    }
  }

  private void unmountAll(List<String> problems) {
    List<String> mounts = mountsUnder();
    for (String mount : mounts) {
      Result result = run(List.of(tool("umount"), "-l", mount));
      if (!result.ok()) problems.add("umount -l " + mount + ": " + result.output().strip());
    }
  }

  /** Mount points under our directories, deepest first. */
  private List<String> mountsUnder() {
    List<String> prefixes = List.of(dir + "/", runDir + "/");
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(line -> line.split(" "))
          .filter(f -> f.length > 4)
          .map(f -> unescapeMountPath(f[4]))
          .filter(mount -> prefixes.stream().anyMatch(mount::startsWith) || mount.equals(dir.toString())
              || mount.equals(runDir.toString()))
          .distinct()
          .sorted(Comparator.comparingInt(String::length).reversed())
          .toList();
    } catch (IOException e) {
      log.warn("cannot read /proc/self/mountinfo", e);
      return List.of();
    }
  }

  static String unescapeMountPath(String field) {
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()
          && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
        path.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        path.append(c);
      }
    }
    return path.toString();
  }

  /**
   * What CNI DEL would have removed for pods nobody stopped: the nat rules the bridge (ipMasq) and portmap plugins
   * commented with our network's name, the per-pod chains they jump to, the result cache, and the bridge itself.
   */
  private void removeNetwork(List<String> problems) {
    String marker = "name: \\\"" + networkName() + "\\\"";
    Result rules = run(List.of(tool("iptables"), "-w", "-t", "nat", "-S"));
    List<String> chains = new ArrayList<>();
    for (String line : rules.lines()) {
      if (!line.startsWith("-A ") || !line.contains(marker)) continue;
      List<String> args = iptablesArgs(line);
      int jump = args.indexOf("-j");
      if (jump >= 0 && jump + 1 < args.size() && args.get(jump + 1).startsWith("CNI-")
          && !args.get(jump + 1).startsWith("CNI-HOSTPORT-")) {
        chains.add(args.get(jump + 1));
      }
      List<String> delete = new ArrayList<>(List.of(tool("iptables"), "-w", "-t", "nat", "-D"));
      delete.addAll(args.subList(1, args.size()));
      Result deleted = run(delete);
      if (!deleted.ok()) problems.add("iptables -D " + line + ": " + deleted.output().strip());
    }
    for (String chain : chains.stream().distinct().toList()) {
      run(List.of(tool("iptables"), "-w", "-t", "nat", "-F", chain));
      Result removed = run(List.of(tool("iptables"), "-w", "-t", "nat", "-X", chain));
      if (!removed.ok()) problems.add("iptables -X " + chain + ": " + removed.output().strip());
    }
    try (Stream<Path> cache = Files.list(CNI_CACHE)) {
      for (Path entry : cache.filter(p -> p.getFileName().toString().startsWith(networkName() + "-")).toList()) {
        Files.deleteIfExists(entry);
      }
    } catch (IOException noCache) {
      // no pod ever ran through CNI
    }
    if (Files.exists(Path.of("/sys/class/net", networkName()))) {
      Result deleted = run(List.of(tool("ip"), "link", "delete", networkName()));
      if (!deleted.ok()) problems.add("ip link delete " + networkName() + ": " + deleted.output().strip());
    }
  }

  /** The arguments of one {@code iptables -S} line: split at spaces outside double quotes, \" unescaped. */
  static List<String> iptablesArgs(String line) {
    List<String> args = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '\\' && i + 1 < line.length()) {
        current.append(line.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any || current.length() > 0) args.add(current.toString());
        current.setLength(0);
        any = false;
      } else {
        current.append(c);
      }
    }
    if (any || current.length() > 0) args.add(current.toString());
    return args;
  }

  /** Deletes a directory tree without crossing into another filesystem (a mount that survived unmounting). */
  private void delete(Path root, List<String> problems) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
    List<String> left = mountsUnder().stream().filter(m -> m.equals(root.toString()) || m.startsWith(root + "/"))
        .toList();
    if (!left.isEmpty()) {
      problems.add("not deleting " + root + ", still mounted: " + left);
      return;
    }
    try {
      Object device = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) throws IOException {
          if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
            problems.add("not deleting " + d + ": another filesystem");
            return FileVisitResult.SKIP_SUBTREE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          try {
            Files.deleteIfExists(d);
          } catch (IOException notEmpty) {
            problems.add("could not delete " + d + ": " + notEmpty);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      problems.add("deleting " + root + ": " + e);
    }
  }

  // ---------------------------------------------------------------------------------------------------- processes

  private record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }

    List<String> lines() {
      return ok() ? output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList() : List.of();
    }
  }

  private Result ctr(String... args) {
    List<String> command = new ArrayList<>(List.of(tool("ctr"), "-a", socket().toString()));
    command.addAll(List.of(args));
    return run(command);
  }

  /** Runs a short command with its output captured; failures (even failing to start) are a non-zero exit. */
  private static Result run(List<String> command) {
    Path out = null;
    try {
      out = Files.createTempFile("drover-ctd", ".out");
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " timed out after " + COMMAND_TIMEOUT);
      }
      return new Result(process.exitValue(), Files.readString(out));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      if (out != null) out.toFile().delete();
    }
  }

  private static Process launch(List<String> command, Path logFile) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().put("PATH", searchPath());
    builder.environment().put("TMPDIR", logFile.getParent().toString());
    return builder.start();
  }

  private static void stop(Process process, String what, List<String> problems) {
    if (process == null || !process.isAlive()) return;
    try {
      process.destroy();
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          problems.add(what + " pid " + process.pid() + " did not exit");
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException | RuntimeException gone) {
      return List.of();
    }
  }

  private static IOException failure(String what, Path logFile) {
    String tail;
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      tail = String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      tail = "(no log: " + e.getMessage() + ")";
    }
    return new IOException(what + "; last lines of " + logFile + ":\n" + tail);
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for a local containerd", e);
    }
  }

  private static boolean isRoot() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(line -> line.startsWith("Uid:"))
        .map(line -> line.split("\\s+"))
        .anyMatch(f -> f.length > 2 && f[2].equals("0"));
  }

  /** PATH plus the sbin directories, where runc, ip and iptables live. */
  private static String searchPath() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String sbin : List.of("/usr/local/sbin", "/usr/sbin", "/sbin")) {
      if (!(":" + path + ":").contains(":" + sbin + ":")) path = path + ":" + sbin;
    }
    return path;
  }

  private static Optional<Path> which(String name) {
    return Stream.of(searchPath().split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
        .filter(Files::isExecutable).findFirst();
  }

  private static String tool(String name) {
    return which(name).map(Path::toString).orElse(name);
  }

  private static String toml(Object value) {
    return "\"" + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String json(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
