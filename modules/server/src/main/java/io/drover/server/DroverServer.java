package io.drover.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.drover.agent.NodeAgent;
import io.drover.agent.PodIo;
import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.process.ProcessRuntime;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.agent.runtime.cri.CriRuntime;
import io.drover.control.secrets.SecretEncryption;
import io.drover.control.security.ServiceAccountTokens;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperFactory;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProviderSetup;
import io.drover.agent.runtime.sim.SimRuntime;
import io.drover.agent.sim.SimProfile;
import io.drover.apiserver.AdminEndpoint;
import io.drover.apiserver.ApiServer;
import io.drover.control.ControlPlane;
import io.drover.control.metrics.PodMetricsSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;

/** One Drover member: a Pekko cluster member with its control plane and API. Started by {@link Main} and tests. */
public final class DroverServer implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final ServerBinding adminBinding;
  private final Path dataDir;
  private final io.drover.control.store.ObjectService service;

  private final java.util.Optional<NodeAgent> containersToStop;
  private final Credentials credentials;

  private DroverServer(ActorSystem<Void> system, io.drover.control.store.ObjectService service, ServerBinding binding,
      ServerBinding adminBinding, Path dataDir,
      java.util.Optional<NodeAgent> containersToStop, Credentials credentials) {
    this.credentials = credentials;
    this.system = system;
    this.service = service;
    this.binding = binding;
    this.adminBinding = adminBinding;
    this.dataDir = dataDir;
    this.containersToStop = containersToStop;
  }

  /**
   * With drover.agent.stop-containers-on-shutdown: stops every container of this member's node, once; a second
   * caller waits until the first is done.
   */
  synchronized void stopContainers() {
    if (containersStopped) return;
    containersStopped = true;
    containersToStop.ifPresent(NodeAgent::stopAllContainers);
  }

  private boolean containersStopped;

  /**
   * The configuration for a data directory and API port: -D properties, overrides, then the single-node profile.
   * API port 0 (a free port: tests, benchmarks) makes the admin port 0 too, so several members share a host.
   */
  public static Config config(Path dataDir, int port, Map<String, Object> overrides) {
    return config(dataDir, port, overrides, ConfigFactory.empty());
  }

  /**
   * As above with a profile or member file (e.g. config/cluster.conf) between the overrides and the defaults. All
   * layers are merged before substitutions are resolved, so a layer's drover.journal.url reaches the settings that
   * refer to it.
   */
  public static Config config(Path dataDir, int port, Map<String, Object> overrides, Config file) {
    Map<String, Object> values = new java.util.HashMap<>(Map.of(
        "drover.data-dir", dataDir.toAbsolutePath().toString(),
        "drover.api.port", port));
    if (port == 0) values.put("drover.admin.port", 0);
    Config base = ConfigFactory.parseMap(values);
    Config extra = ConfigFactory.parseMap(overrides);
    // -D system properties win, so any key can be set on the command line (bin/drover up -Ddrover.x=y).
    return ConfigFactory.systemProperties().withFallback(extra).withFallback(file).withFallback(base)
        .withFallback(ConfigFactory.parseResources("single-node.conf"))
        .withFallback(ConfigFactory.defaultReference()).resolve();
  }

  /** Starts a member, joins (or forms) the cluster, and answers once the API is listening and ready. */
  public static DroverServer start(Config config) throws Exception {
    Path dataDir = Path.of(config.getString("drover.data-dir"));
    Files.createDirectories(dataDir);
    SecretEncryption secrets = secretEncryption(config, dataDir);
    // The cluster CA and this member's certificates; the CA also signs ServiceAccount tokens.
    Credentials credentials = Credentials.create(config, dataDir);
    ServiceAccountTokens tokens = credentials.serviceAccountTokens();
    // With drover.cluster.tls, Artery's certificate comes from the same CA and must be in place before the system.
    Config systemConfig = ArteryTls.configure(config, credentials.pki(), dataDir);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "drover", ActorSystemSetup.create(
        BootstrapSetup.create(systemConfig), JacksonObjectMapperProviderSetup.create(new JacksonObjectMapperFactory() {
          @Override
          public ObjectMapper newObjectMapper(String bindingName, JsonFactory jsonFactory) {
            // Every mapper of this member seals Secrets on their way to the journal and opens them on the way back.
            return secrets.attachTo(super.newObjectMapper(bindingName, jsonFactory));
          }
        })));
    try {
      Cluster cluster = Cluster.get(system);
      if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      Duration startTimeout = Duration.ofMinutes(2);
      // The autoscaler reads usage the way metrics.k8s.io serves it, from the API built below.
      java.util.concurrent.atomic.AtomicReference<ApiServer> apiServer = new java.util.concurrent.atomic.AtomicReference<>();
      PodMetricsSource metrics = namespace -> apiServer.get() == null ? PodMetricsSource.NONE.pods(namespace)
          : apiServer.get().metrics().pods(namespace);
      ControlPlane plane = ControlPlane.start(system, metrics, tokens).toCompletableFuture()
          .get(startTimeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      java.util.List<String> roles = config.getStringList("pekko.cluster.roles");
      // The API binds first: the agent publishes the bound port in its Node, for other members to reach its pods.
      java.util.concurrent.atomic.AtomicReference<PodIo> localAgent = new java.util.concurrent.atomic.AtomicReference<>();
      ApiServer api = new ApiServer(system, plane.service(), () -> java.util.Optional.ofNullable(localAgent.get()),
          credentials.apiSecurity(plane.service()), plane.authorizer(), tokens);
      apiServer.set(api);
      auditLog(config, dataDir).ifPresent(audit -> {
        api.auditTo(audit);
        org.apache.pekko.actor.CoordinatedShutdown.get(system).addTask(
            org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "close-audit-log", () -> {
              try {
                audit.close();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
            });
      });
      CompletionStage<ServerBinding> bound = api.bind(config.getString("drover.api.host"),
          config.getInt("drover.api.port"));
      ServerBinding binding = bound.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      java.util.Optional<PodIo> agent = java.util.Optional.empty();
      if (roles.contains("worker")) {
        NodeAgent.Settings settings = NodeAgent.Settings.from(agentConfig(config), dataDir, roles,
            binding.localAddress().getPort());
        ContainerRuntime runtime = runtime(config, settings.nodeName(), dataDir);
        NodeAgent nodeAgent = NodeAgent.start(system, plane.service(), runtime, settings, tokens);
        localAgent.set(nodeAgent);
        agent = java.util.Optional.of(nodeAgent);
      }
      binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
      ServerBinding adminBinding = bindAdmin(system, config);
      boolean stopContainers = config.getBoolean("drover.agent.stop-containers-on-shutdown");
      DroverServer server = new DroverServer(system, plane.service(), binding, adminBinding, dataDir,
          stopContainers ? agent.map(a -> (NodeAgent) a) : java.util.Optional.empty(), credentials);
      if (stopContainers && agent.isPresent()) {
        // Ctrl-C and SIGTERM too: stop containers before the actor system goes.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            // stop them anyway
          }
          server.stopContainers();
        }, "stop-containers"));
      }
      server.writeKubeconfig();
      return server;
    } catch (Exception e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * drover.agent with "auto" resolved: the cluster DNS address from the service range, which is made local to this
   * host here (the service proxy listens on its addresses).
   */
  static Config agentConfig(Config config) {
    io.drover.control.network.ServiceRanges ranges = io.drover.control.network.ServiceRanges.from(
        config.getConfig("drover.network"));
    if (!ranges.ensureLocalRoute()) {
      org.slf4j.LoggerFactory.getLogger(DroverServer.class).warn("cannot make the service range {} local to this "
          + "host (needs root): the service proxy cannot listen on cluster IPs", ranges.cidr());
    }
    Config agent = config.getConfig("drover.agent");
    return agent.withValue("cluster-dns", ConfigValueFactory.fromAnyRef(
        ranges.dnsIp(agent.getString("cluster-dns"))));
  }

  /** The admin endpoint (cluster, shards, journal health, version, metrics) on its own port, after the API. */
  private static ServerBinding bindAdmin(ActorSystem<Void> system, Config config) throws Exception {
    String host = config.getString("drover.admin.host");
    int port = config.getInt("drover.admin.port");
    ServerBinding admin;
    try {
      admin = new AdminEndpoint(system).bind(host, port).toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot bind the admin endpoint to " + host + ":" + port
          + " (drover.admin.host, drover.admin.port): " + e.getCause().getMessage(), e.getCause());
    }
    admin.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
    return admin;
  }

  /** The audit log drover.api.audit names, unless it is "off". */
  static java.util.Optional<io.drover.apiserver.AuditLog> auditLog(Config config, Path dataDir) throws IOException {
    Config audit = config.getConfig("drover.api.audit");
    String path = audit.getString("path");
    if (path.equals("off")) return java.util.Optional.empty();
    Path file = path.isEmpty() ? dataDir.resolve("audit").resolve("audit.log") : Path.of(path);
    return java.util.Optional.of(new io.drover.apiserver.AuditLog(file, audit.getBytes("max-size"),
        audit.getInt("max-backups"), audit.getInt("queue-size")));
  }

  /**
   * The keys Secrets are encrypted with in the journal: drover.secrets.encryption-key-file, or
   * {@code <data-dir>/secrets-encryption.keys}, generated on the first start when it does not exist.
   */
  static SecretEncryption secretEncryption(Config config, Path dataDir) throws java.io.IOException {
    String file = config.getString("drover.secrets.encryption-key-file");
    Path path = file.isEmpty() ? dataDir.resolve("secrets-encryption.keys") : Path.of(file);
    return SecretEncryption.load(path, true);
  }



  /** The container runtime drover.agent.runtime names; sim behaves as drover.sim says. */
  private static ContainerRuntime runtime(Config config, String nodeName, Path dataDir) {
    String name = config.getString("drover.agent.runtime");
    return switch (name) {
      case "process" -> new ProcessRuntime(dataDir.resolve("agent").resolve("runtime"));
      case "sim" -> new SimRuntime(SimProfile.from(config.getConfig("drover.sim")), nodeName);
      case "cri" -> {
        Config cri = config.getConfig("drover.agent.cri");
        try {
          yield new CriRuntime(Path.of(cri.getString("socket")), nodeName, cri.getDuration("call-timeout"),
              cri.getDuration("pull-timeout"));
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e.getMessage() + " (drover.agent.cri.socket; deploy/node-setup.sh "
              + "prepares a host)", e);
        }
      }
      default -> throw new IllegalArgumentException("unknown container runtime \"" + name
          + "\" (drover.agent.runtime): this build has \"process\", \"cri\" and \"sim\"");
    };
  }

  public InetSocketAddress apiAddress() {
    return binding.localAddress();
  }

  public String apiUrl() {
    return credentials.scheme() + "://" + apiAddress().getHostString() + ":" + apiAddress().getPort();
  }

  /**
   * A TLS context for calling this member's API as the cluster admin (the kubeconfig's client certificate, trusting
   * the cluster CA); the default context under drover.api.insecure-http.
   */
  public javax.net.ssl.SSLContext adminSslContext() {
    return credentials.adminSslContext();
  }

  /** An HTTP client for this member's API, as the cluster admin: what tests and benchmarks send raw requests with. */
  public java.net.http.HttpClient.Builder adminHttpClient() {
    return java.net.http.HttpClient.newBuilder().sslContext(adminSslContext());
  }

  /** The cluster's PKI (CA, token signing key). */
  public io.drover.apiserver.auth.ClusterPki pki() {
    return credentials.pki();
  }

  /** Where the admin endpoint listens (drover.admin; port 0 in the configuration means a free port). */
  public InetSocketAddress adminAddress() {
    return adminBinding.localAddress();
  }

  public String adminUrl() {
    return "http://" + adminAddress().getHostString() + ":" + adminAddress().getPort();
  }

  public Path kubeconfig() {
    return dataDir.resolve("kubeconfig");
  }

  /** The member's object service: its store and writes, for in-process simulations (virtual nodes). */
  public io.drover.control.store.ObjectService service() {
    return service;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  private void writeKubeconfig() {
    try {
      Credentials.writeOwnerOnly(kubeconfig(), credentials.kubeconfig(apiUrl()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the member through coordinated shutdown (unbinds the API and the admin endpoint, leaves the cluster,
   * closes the journal).
   */
  @Override
  public void close() throws Exception {
    try {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // Seen once in CI (ArteryTlsTest, the joining member) and never since: say what every thread was doing.
      StringBuilder threads = new StringBuilder();
      Thread.getAllStackTraces().forEach((thread, stack) -> {
        threads.append('\n').append(thread.getName()).append(' ').append(thread.getState());
        for (int i = 0; i < Math.min(stack.length, 15); i++) threads.append("\n    at ").append(stack[i]);
      });
      org.slf4j.LoggerFactory.getLogger(DroverServer.class).error(
          "the member did not terminate within 60 s; its threads:{}", threads);
      throw e;
    } finally {
      stopContainers(); // after the agent is gone, so nothing restarts them
    }
  }

  static Config withValue(Config config, String path, Object value) {
    return config.withValue(path, ConfigValueFactory.fromAnyRef(value));
  }
}
