package io.drover.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.drover.agent.pod.ImageGarbageCollector;
import io.drover.agent.pod.ObjectLookup;
import io.drover.agent.pod.PodDns;
import io.drover.agent.network.PodNetwork;
import io.drover.agent.pod.RestartBackoff;
import io.drover.agent.pod.TokenManager;
import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.PodSandboxes;
import io.drover.agent.stats.HostCounters;
import io.drover.agent.stats.UsageSampler;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.event.EventRecorder;
import io.drover.control.metrics.NodeUsage;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.drover.control.store.WriteOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent (kubelet) of a worker member: registers this machine as a Node and keeps it fresh with
 * heartbeats, reports its capacity to the node's allocation entity, runs a {@link PodWorker} for every pod bound
 * to the node, and removes containers that belong to no pod (after an agent restart, say). Serves logs, exec and
 * port-forward for the API through {@link PodIo}.
 */
public final class NodeAgent implements PodIo {
  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  /** Settings from drover.agent (see config/application.conf). */
  public record Settings(String nodeName, String internalIp, int maxPods, Duration heartbeatInterval,
      Duration podResyncInterval, Duration backoffInitial, Duration backoffMax, long logMaxBytes, int logMaxFiles,
      Path dataDir, List<String> roles, int apiPort, Duration metricsResolution, PodDns dns, String podNetwork,
      String cniPluginDir, String podCidr, Duration imagePullBackoffInitial, Duration imagePullBackoffMax,
      ImageGarbageCollector.Policy imageGc, Duration imageGcPeriod) {

    /**
     * @param apiPort the port this member serves the API on: published as the Node's kubelet endpoint, where other
     *     members send the logs and exec requests of this node's pods
     */
    public static Settings from(Config config, Path dataDir, List<String> roles, int apiPort) {
      String name = config.getString("node-name");
      if (name.isEmpty()) {
        try {
          name = InetAddress.getLocalHost().getHostName().toLowerCase();
        } catch (IOException e) {
          name = "drover-node";
        }
      }
      return new Settings(name, config.getString("internal-ip"), config.getInt("max-pods"),
          config.getDuration("heartbeat-interval"), config.getDuration("pod-resync-interval"),
          config.getDuration("restart-backoff-initial"), config.getDuration("restart-backoff-max"),
          config.getBytes("container-log-max-size"), config.getInt("container-log-max-files"),
          dataDir.resolve("agent"), roles, apiPort, config.getDuration("metrics-resolution"),
          new PodDns(config.getString("cluster-dns"), config.getString("cluster-domain")),
          config.getString("pod-network"), config.getString("cni-plugin-dir"), config.getString("pod-cidr"),
          config.getDuration("image-pull-backoff-initial"), config.getDuration("image-pull-backoff-max"),
          new ImageGarbageCollector.Policy(config.getInt("image-gc-high-threshold-percent"),
              config.getInt("image-gc-low-threshold-percent"), config.getDuration("image-minimum-gc-age")),
          config.getDuration("image-gc-period"));
    }
  }

  private final Settings settings;
  private final PodNetwork network;
  private final ObjectService service;
  private final ContainerRuntime runtime;
  private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
  private final UsageSampler usage;
  private final TokenManager tokens;

  private NodeAgent(Settings settings, ObjectService service, ContainerRuntime runtime, ServiceAccountTokens tokens) {
    this.tokens = new TokenManager(tokens, Clock.systemUTC());
    this.settings = settings;
    // A pod network namespace needs containers that can join it: without namespaces (the sim runtime, a host that
    // refuses them) pods share the host's network, and status.podIP is the node's address.
    this.network = runtime.sandboxes().isPresent()
        ? PodNetwork.byRuntime(runtime.name(), settings.podCidr())
        : runtime.isolation().namespaces()
        ? PodNetwork.detect(settings.podNetwork(), Path.of(settings.cniPluginDir()), settings.podCidr(),
            settings.nodeName(), settings.dataDir())
        : PodNetwork.hostOnly("containers of the " + runtime.name() + " runtime cannot join a network namespace "
            + "(see the IsolationDegraded condition)");
    if (!network.isolated()) log.info("pods of node {} share the host network: {}", settings.nodeName(),
        network.reason());
    this.service = service;
    this.runtime = runtime;
    this.usage = new UsageSampler(settings.nodeName(), runtime::stats, HostCounters::read);
  }

  /**
   * Starts the agent's actor; registration and pod work begin at once.
   *
   * @param tokens issues the ServiceAccount tokens of the pods' projected token volumes
   */
  public static NodeAgent start(ActorSystem<?> system, ObjectService service, ContainerRuntime runtime,
      Settings settings, ServiceAccountTokens tokens) {
    NodeAgent agent = new NodeAgent(settings, service, runtime, tokens);
    system.systemActorOf(Behaviors.supervise(agent.behavior())
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
        "node-agent", Props.empty());
    system.systemActorOf(io.drover.agent.proxy.ServiceProxy.create(service, settings.internalIp()), "service-proxy",
        Props.empty());
    system.systemActorOf(LocalPathProvisioner.create(service, settings.nodeName(),
        settings.dataDir().resolve("volumes").toAbsolutePath(), Duration.ofSeconds(10)), "local-path-provisioner",
        Props.empty());
    return agent;
  }

  @Override
  public String nodeName() {
    return settings.nodeName();
  }

  @Override
  public Optional<Path> podDirectory(String namespace, String name, String uid) {
    Path dir = podDir(namespace, name, uid);
    return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
  }

  @Override
  public boolean isRunning(String namespace, String name, String uid, String container) {
    PodRun run = runs.get(uid);
    return run != null && run.runningIds.containsKey(container);
  }

  @Override
  public ExecSession exec(String namespace, String name, String uid, String container, List<String> command,
      boolean tty) throws IOException {
    PodRun run = runs.get(uid);
    String id = run == null ? null : run.runningIds.get(container);
    if (id == null) {
      throw ApiException.badRequest("container " + container + " is not running in pod " + name);
    }
    return runtime.exec(id, command, tty);
  }

  @Override
  public ExecSession attach(String namespace, String name, String uid, String container, boolean stdin, boolean tty)
      throws IOException {
    PodRun run = runs.get(uid);
    String id = run == null ? null : run.runningIds.get(container);
    if (id == null) {
      throw ApiException.badRequest("container " + container + " is not running in pod " + name);
    }
    return runtime.attach(id, stdin, tty);
  }

  @Override
  public String portAddress(String namespace, String name, String uid) throws IOException {
    if (!runtime.runsProcesses()) {
      throw new IOException("the " + runtime.name() + " runtime runs no processes: nothing listens on the pod's ports");
    }
    PodRun run = runs.get(uid);
    if (run == null) throw new IOException("pod " + name + " does not run on node " + settings.nodeName());
    return run.podIP();
  }

  @Override
  public Optional<NodeUsage> usage() {
    return usage.summary();
  }

  /** Reads the usage counters of the node and of every running container (on the blocking dispatcher). */
  private void sampleUsage() {
    List<UsageSampler.RunningPod> pods = new ArrayList<>();
    for (StoredObject pod : service.store().list(ResourceRegistry.POD, null).items()) {
      String uid = Json.text(pod.object(), "metadata.uid");
      PodRun run = runs.get(uid);
      if (run == null || !settings.nodeName().equals(Json.text(pod.object(), "spec.nodeName"))) continue;
      pods.add(new UsageSampler.RunningPod(pod.namespace(), pod.name(), uid, Map.copyOf(run.runningIds)));
    }
    usage.sample(Clock.systemUTC().instant(), pods);
  }

  /** Stops and removes every container this node runs (for tests and for decommissioning a node). */
  public void stopAllContainers() {
    List<ContainerState> containers = runtime.list();
    log.info("stopping {} containers of node {}: {}", containers.size(), settings.nodeName(),
        containers.stream().map(c -> c.id() + "=" + c.status()).toList());
    containers.parallelStream().forEach(container -> {
      try {
        if (container.running()) runtime.stop(container.id(), Duration.ofSeconds(1));
        runtime.remove(container.id());
      } catch (RuntimeException e) {
        log.warn("could not stop container {}", container.id(), e);
      }
    });
    runtime.sandboxes().ifPresent(PodSandboxes::removeAllSandboxes);
    if (runtime.sandboxes().isEmpty() && network.isolated()) {
      // The pods' network namespaces and veths go with their containers: left behind, every stopped member's pods
      // would keep a port on the node bridge, and a bridge takes 1,024 ports ("exchange full" after that).
      try (java.util.stream.Stream<Path> pods = Files.list(settings.dataDir().resolve("pods"))) {
        pods.forEach(podDir -> {
          String name = podDir.getFileName().toString();
          network.tearDown(name.substring(name.lastIndexOf('_') + 1), podDir);
        });
      } catch (java.io.IOException e) {
        log.warn("could not list the pods of node {} to remove their networks: {}", settings.nodeName(),
            e.toString());
      }
    }
  }

  private Path podDir(String namespace, String name, String uid) {
    return settings.dataDir().resolve("pods").resolve(namespace + "_" + name + "_" + uid);
  }

  // --- the actor ---

  private sealed interface Command {}

  private record PodEvent(WatchEvent event) implements Command {}

  private record Heartbeat() implements Command {}

  private record CleanOrphans() implements Command {}

  private record SampleUsage() implements Command {}

  private record CollectImages() implements Command {}

  private record WorkerStopped(String uid) implements Command {}

  private Behavior<Command> behavior() {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      NodeRegistration.Machine machine = NodeRegistration.Machine.detect(settings.nodeName(), settings.maxPods(),
          settings.internalIp(), settings.apiPort(), runtime.version(), settings.roles(), diskBytes());
      EventRecorder events = new EventRecorder(service, "kubelet", settings.nodeName(), Clock.systemUTC());
      register(ctx, machine);
      timers.startTimerWithFixedDelay(new Heartbeat(), settings.heartbeatInterval());
      timers.startTimerWithFixedDelay(new CleanOrphans(), Duration.ofSeconds(30));
      timers.startTimerWithFixedDelay(new SampleUsage(), settings.metricsResolution());
      // kubelet's image GC, for runtimes that hold images; at most one pass at a time (the collector's memory of
      // when images were last used is not shared).
      ImageGarbageCollector imageGc = runtime.images()
          .map(images -> new ImageGarbageCollector(images, settings.imageGc(), Clock.systemUTC())).orElse(null);
      java.util.concurrent.atomic.AtomicBoolean collecting = new java.util.concurrent.atomic.AtomicBoolean();
      if (imageGc != null) timers.startTimerWithFixedDelay(new CollectImages(), settings.imageGcPeriod());
      ActorRef<Command> self = ctx.getSelf();
      UniqueKillSwitch follow = service.store().follow(o -> o.type() == ResourceRegistry.POD
              && settings.nodeName().equals(Json.text(o.object(), "spec.nodeName")),
          e -> self.tell(new PodEvent(e)), ctx.getSystem());
      Map<String, ActorRef<PodWorker.Command>> workers = new HashMap<>();
      List<ContainerState> adoptable = new ArrayList<>(runtime.list());
      return Behaviors.receive(Command.class)
          .onSignal(PreRestart.class, signal -> {
            follow.shutdown();
            return Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            follow.shutdown();
            return Behaviors.same();
          })
          .onMessage(WorkerStopped.class, stopped -> {
            workers.remove(stopped.uid());
            runs.remove(stopped.uid());
            return Behaviors.same();
          })
          .onMessage(Heartbeat.class, h -> {
            heartbeat(machine);
            return Behaviors.same();
          })
          .onMessage(CleanOrphans.class, c -> {
            blocking.execute(this::removeOrphans);
            return Behaviors.same();
          })
          .onMessage(SampleUsage.class, c -> {
            blocking.execute(() -> {
              try {
                sampleUsage();
              } catch (RuntimeException e) {
                log.debug("sampling usage failed", e);
              }
            });
            return Behaviors.same();
          })
          .onMessage(CollectImages.class, c -> {
            if (collecting.compareAndSet(false, true)) {
              blocking.execute(() -> {
                try {
                  imageGc.collect();
                } catch (IOException | RuntimeException e) {
                  log.warn("image garbage collection failed: {}", e.toString());
                } finally {
                  collecting.set(false);
                }
              });
            }
            return Behaviors.same();
          })
          .onMessage(PodEvent.class, message -> {
            onPodEvent(ctx, message.event(), workers, adoptable, events, blocking);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private void onPodEvent(ActorContext<Command> ctx, WatchEvent event, Map<String, ActorRef<PodWorker.Command>> workers,
      List<ContainerState> adoptable, EventRecorder events, Executor blocking) {
    ObjectNode pod = event.object().object();
    String uid = Json.text(pod, "metadata.uid");
    ActorRef<PodWorker.Command> worker = workers.get(uid);
    if (event.type() == WatchEvent.Type.DELETED) {
      if (worker != null) {
        worker.tell(new PodWorker.Removed());
        workers.remove(uid);
      }
      return;
    }
    if (worker != null) {
      worker.tell(new PodWorker.Update(pod));
      return;
    }
    String phase = Json.text(pod, "status.phase");
    boolean finished = "Succeeded".equals(phase) || "Failed".equals(phase);
    List<ContainerState> adopted = adoptable.stream().filter(s -> uid.equals(s.podUid())).toList();
    adoptable.removeAll(adopted);
    if (finished && adopted.isEmpty() && !PodRun.deleting(pod)) {
      return; // nothing to run and nothing to stop
    }
    ObjectLookup lookup = new ObjectLookup() {
      @Override
      public Optional<ObjectNode> find(String kind, String namespace, String name) {
        ResourceType type = switch (kind) {
          case "Secret" -> ResourceRegistry.SECRET;
          case "PersistentVolumeClaim" -> ResourceRegistry.PERSISTENT_VOLUME_CLAIM;
          case "PersistentVolume" -> ResourceRegistry.PERSISTENT_VOLUME;
          case "ServiceAccount" -> ResourceRegistry.SERVICE_ACCOUNT;
          default -> ResourceRegistry.CONFIG_MAP;
        };
        return service.store().get(type, type.namespaced() ? namespace : "", name).map(StoredObject::object);
      }

      @Override
      public List<ObjectNode> list(String kind, String namespace) {
        if (!kind.equals("Service")) return List.of();
        return service.store().list(ResourceRegistry.SERVICE, namespace).items().stream()
            .map(StoredObject::object).toList();
      }
    };
    PodRun run = new PodRun(runtime, podDir(event.object().namespace(), event.object().name(), uid),
        settings.internalIp(), lookup, events, Clock.systemUTC(), settings.podResyncInterval(),
        RestartBackoff.of(settings.backoffInitial(), settings.backoffMax()), settings.logMaxBytes(),
        settings.logMaxFiles(), adopted, settings.dns(), network, settings.imagePullBackoffInitial(),
        settings.imagePullBackoffMax(), tokens);
    runs.put(uid, run);
    ActorRef<PodWorker.Command> spawned = ctx.spawn(PodWorker.create(run, pod, service, blocking,
        Clock.systemUTC()), "pod-" + uid);
    ctx.watchWith(spawned, new WorkerStopped(uid));
    workers.put(uid, spawned);
    spawned.tell(new PodWorker.Update(pod));
  }

  private void register(ActorContext<Command> ctx, NodeRegistration.Machine machine) {
    ObjectNode node = NodeRegistration.node(machine, runtime.isolation(), network, Clock.systemUTC().instant());
    service.create(ResourceRegistry.NODE, null, node, WriteOptions.DEFAULT)
        .exceptionallyCompose(error -> {
          ApiException api = ObjectService.unwrap(error);
          if (api != null && api.code() == 409) {
            heartbeat(machine);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
          }
          return java.util.concurrent.CompletableFuture.failedFuture(error);
        })
        .whenComplete((r, e) -> {
          if (e != null) log.error("registering node {} failed", settings.nodeName(), e);
          else log.info("node {} registered ({} runtime, isolation: {})", settings.nodeName(), runtime.name(),
              runtime.isolation());
        });
    ClusterSharding.get(ctx.getSystem()).entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, settings.nodeName())
        .tell(new NodeAllocationEntity.SetCapacity(machine.capacity(), ctx.getSystem().ignoreRef()));
  }

  private void heartbeat(NodeRegistration.Machine machine) {
    ObjectNode previous = service.store().get(ResourceRegistry.NODE, "", settings.nodeName())
        .map(n -> n.object().get("status") instanceof ObjectNode s ? s : null).orElse(null);
    ObjectNode update = Json.MAPPER.createObjectNode();
    update.putObject("metadata").put("name", settings.nodeName());
    update.set("status", NodeRegistration.status(machine, runtime.isolation(), network,
        Clock.systemUTC().instant(), previous));
    service.update(ResourceRegistry.NODE, null, settings.nodeName(), update, ObjectEntity.Scope.STATUS,
        WriteOptions.DEFAULT).whenComplete((r, e) -> {
          if (e != null) log.debug("heartbeat of {} failed: {}", settings.nodeName(), e.toString());
        });
  }

  /** Stops and removes containers whose pod is no longer bound to this node. */
  private void removeOrphans() {
    java.util.Set<String> live = new java.util.HashSet<>();
    for (StoredObject pod : service.store().list(ResourceRegistry.POD, null).items()) {
      if (settings.nodeName().equals(Json.text(pod.object(), "spec.nodeName"))) {
        live.add(Json.text(pod.object(), "metadata.uid"));
      }
    }
    for (ContainerState container : runtime.list()) {
      if (!live.contains(container.podUid()) && !runs.containsKey(container.podUid())) {
        log.info("removing container {}: its pod is gone", container.id());
        if (container.running()) runtime.stop(container.id(), Duration.ofSeconds(2));
        runtime.remove(container.id());
      }
    }
    runs.keySet().removeIf(uid -> !live.contains(uid));
  }

  private long diskBytes() {
    try {
      Files.createDirectories(settings.dataDir());
      return Files.getFileStore(settings.dataDir()).getTotalSpace();
    } catch (IOException e) {
      return 0;
    }
  }
}
