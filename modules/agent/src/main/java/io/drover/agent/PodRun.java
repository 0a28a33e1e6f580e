package io.drover.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.logs.PodLogs;
import io.drover.agent.pod.CommandExecutor;
import io.drover.agent.pod.Command;
import io.drover.agent.pod.ContainerObservation;
import io.drover.agent.pod.DownwardApi;
import io.drover.agent.pod.ImagePuller;
import io.drover.agent.pod.PullSecrets;
import io.drover.agent.runtime.PodSandboxes;
import io.drover.agent.pod.ObjectLookup;
import io.drover.agent.pod.PodActions;
import io.drover.agent.pod.PodConfigException;
import io.drover.agent.pod.PodDns;
import io.drover.agent.network.PodNetwork;
import io.drover.agent.pod.PodEnvironment;
import io.drover.agent.pod.PodObservation;
import io.drover.agent.pod.PodStatusCalculator;
import io.drover.agent.pod.PodVolumes;
import io.drover.agent.pod.ProbeResult;
import io.drover.agent.pod.ProbeRunner;
import io.drover.agent.pod.ProbeTracker;
import io.drover.agent.pod.RestartBackoff;
import io.drover.agent.pod.TokenManager;
import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.event.EventRecorder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod on this node: what the agent knows of its containers, and one synchronous reconcile step
 * ({@link #sync}) that observes the runtime, runs due probes, starts and stops containers as {@link PodActions}
 * decides, and computes the status to report. Blocking; confined to one sync at a time by its {@link PodWorker}.
 */
final class PodRun {
  private static final Logger log = LoggerFactory.getLogger(PodRun.class);

  /** What a sync produced: the status to report, whether every container is gone, and when to sync again. */
  record Outcome(ObjectNode status, boolean allStopped, Instant nextSyncAt) {}

  /** How long after its exit a container's state is read again (see {@link #settleExit}). */
  private static final Duration EXIT_SETTLE = Duration.ofSeconds(5);

  private final ContainerRuntime runtime;
  private final Path podDir;
  private final String hostIP;
  private final ObjectLookup lookup;
  private final EventRecorder events;
  private final Clock clock;
  private final Duration resyncInterval;
  private final RestartBackoff initialBackoff;
  private final long logMaxBytes;
  private final int logMaxFiles;
  /** Running container ids by container name, readable by the API threads (logs, exec). */
  final Map<String, String> runningIds = new ConcurrentHashMap<>();
  private final Map<String, ContainerObservation> containers = new HashMap<>();
  private final Map<String, String> lastWaitingEvent = new HashMap<>();
  private boolean sandboxReady;
  private final PodDns dns;
  /** The pod's own network (null: the host's), and what it got. */
  private final PodNetwork network;
  private volatile PodNetwork.Address address;
  /** Pulls images before containers start, for runtimes that run images; null otherwise. */
  private final ImagePuller puller;
  /** The node's ServiceAccount tokens, for projected token volumes. */
  private final TokenManager tokens;

  PodRun(ContainerRuntime runtime, Path podDir, String hostIP, ObjectLookup lookup, EventRecorder events,
      Clock clock, Duration resyncInterval, RestartBackoff initialBackoff, long logMaxBytes, int logMaxFiles,
      List<ContainerState> adopted, PodDns dns, PodNetwork network, Duration pullBackoffInitial,
      Duration pullBackoffMax, TokenManager tokens) {
    this.dns = dns;
    this.tokens = tokens;
    this.puller = runtime.images()
        .map(images -> new ImagePuller(images, events::record, clock, pullBackoffInitial, pullBackoffMax)).orElse(null);
    this.network = network;
    this.logMaxBytes = logMaxBytes;
    this.logMaxFiles = logMaxFiles;
    this.runtime = runtime;
    this.podDir = podDir;
    this.hostIP = hostIP;
    this.lookup = lookup;
    this.events = events;
    this.clock = clock;
    this.resyncInterval = resyncInterval;
    this.initialBackoff = initialBackoff;
    adopt(adopted);
  }

  /** Containers started by an earlier agent process: the newest run is current, the one before it previous. */
  private void adopt(List<ContainerState> adopted) {
    Map<String, List<ContainerState>> byName = new HashMap<>();
    adopted.forEach(s -> byName.computeIfAbsent(s.containerName(), n -> new ArrayList<>()).add(s));
    byName.forEach((name, runs) -> {
      runs.sort((a, b) -> Integer.compare(b.attempt(), a.attempt()));
      ContainerState current = runs.get(0);
      ContainerState previous = runs.size() > 1 ? runs.get(1) : null;
      containers.put(name, new ContainerObservation(name, current, previous, current.attempt(), null,
          current.running() ? ProbeTracker.forContainer(Json.MAPPER.createObjectNode(), current.startedAt()) : Map.of(),
          null, initialBackoff));
      if (current.running()) runningIds.put(name, current.id());
    });
  }

  Path podDir() {
    return podDir;
  }

  /** The pod's address: its own network's, or the node's when it shares the host's network. */
  String podIP() {
    PodNetwork.Address current = address;
    return current != null ? current.ip() : hostIP;
  }

  /** One reconcile step for the pod as it is now. */
  Outcome sync(ObjectNode pod) {
    Instant now = clock.instant();
    if (!deleting(pod)) {
      replaceDeadSandbox(pod);
      prepareSandbox(pod);
    }
    // With a pod network the pod has its own address (set up just now); else it shares the node's.
    String podIP = address != null ? address.ip() : hostIP;
    refreshStates(pod);
    runDueProbes(pod, podIP, now);
    PodObservation observed = new PodObservation(containers, podIP, hostIP, sandboxReady, now);
    PodActions actions = PodActions.next(pod, observed);
    // Containers are stopped in parallel, as the kubelet does: each gets the pod's grace period, not a turn after
    // the others (a container ignoring SIGTERM would otherwise hold up the next one for its whole grace).
    List<Thread> killers = new ArrayList<>();
    for (PodActions.Kill kill : actions.kill()) {
      events.record(pod, "Normal", "Killing", kill.message(), fieldPath(pod, kill.containerName()));
      Thread killer = new Thread(() -> {
        Duration left = runPreStop(pod, kill.containerName(), kill.containerId(), kill.grace(), podIP);
        runtime.stop(kill.containerId(), left);
      }, "kill-" + kill.containerId());
      killer.start();
      killers.add(killer);
    }
    for (Thread killer : killers) {
      try {
        killer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!killers.isEmpty()) refreshStates(pod);
    actions.startInit().ifPresent(name -> start(pod, container(pod, name), podIP, now));
    for (String name : actions.start()) {
      start(pod, container(pod, name), podIP, now);
    }
    actions.backingOff().forEach((name, until) -> {
      ContainerObservation c = containers.get(name);
      String message = RestartBackoff.crashLoopMessage(c.backoff().current() == null ? Duration.ZERO
          : c.backoff().current(), name, pod);
      if (!message.equals(lastWaitingEvent.put(name, message))) {
        events.record(pod, "Warning", "BackOff", "Back-off restarting failed container " + name + " in pod "
            + Json.text(pod, "metadata.name") + "_" + Json.text(pod, "metadata.namespace") + "("
            + Json.text(pod, "metadata.uid") + ")", fieldPath(pod, name));
      }
    });
    rotateLogs();
    PodObservation after = new PodObservation(containers, podIP, hostIP, sandboxReady, clock.instant());
    ObjectNode status = PodStatusCalculator.status(pod, after);
    boolean allStopped = containers.values().stream().noneMatch(ContainerObservation::running);
    Instant next = now.plus(resyncInterval);
    if (actions.recheckAt().isPresent() && actions.recheckAt().get().isBefore(next)) {
      next = actions.recheckAt().get();
    }
    if (puller != null && puller.nextRetryAt().isPresent() && puller.nextRetryAt().get().isBefore(next)) {
      next = puller.nextRetryAt().get();
    }
    return new Outcome(status, allStopped, next);
  }

  private void rotateLogs() {
    for (ContainerObservation c : containers.values()) {
      if (!c.running()) continue;
      Path file = podDir.resolve(c.name()).resolve(c.current().attempt() + ".log");
      try {
        PodLogs.rotateIfLarger(file, logMaxBytes, logMaxFiles);
      } catch (IOException e) {
        log.warn("could not rotate {}: {}", file, e.toString());
      }
    }
  }

  /** Stops every container (grace given) and removes them and the pod's volumes; logs stay until removal. */
  void tearDown(Duration grace) {
    stopRunning(grace);
    for (ContainerState state : runtime.list()) {
      if (containers.containsKey(state.containerName()) && podDir.getFileName().toString().endsWith(state.podUid())) {
        runtime.remove(state.id());
      }
    }
    runningIds.clear();
  }

  void removeFiles() {
    if (runtime.sandboxes().isPresent()) {
      String name = podDir.getFileName().toString();
      runtime.sandboxes().get().removeSandbox(name.substring(name.lastIndexOf('_') + 1));
      address = null;
    } else if (network != null && network.isolated()) {
      String name = podDir.getFileName().toString();
      network.tearDown(name.substring(name.lastIndexOf('_') + 1), podDir);
      address = null;
    }
    String dirName = podDir.getFileName().toString();
    tokens.forgetPod(dirName.substring(dirName.lastIndexOf('_') + 1));
    try {
      PodVolumes.remove(podDir);
    } catch (IOException e) {
      log.warn("could not remove {}: {}", podDir, e.toString());
    }
  }

  /**
   * kubelet's SandboxChanged: when the runtime's sandbox of the pod is no longer ready (its pause process died, or
   * someone removed it), the pod's network is gone with it. Its containers are stopped and the sandbox removed;
   * {@link #prepareSandbox} then creates a new one and the containers start again as their restartPolicy says.
   */
  private void replaceDeadSandbox(ObjectNode pod) {
    if (address == null || runtime.sandboxes().isEmpty()) return;
    String uid = Json.text(pod, "metadata.uid");
    if (runtime.sandboxes().get().sandboxReady(uid)) return;
    log.info("the sandbox of pod {}/{} is no longer ready: replacing it", Json.text(pod, "metadata.namespace"),
        Json.text(pod, "metadata.name"));
    events.record(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", null);
    stopRunning(Duration.ofSeconds(pod.path("spec").path("terminationGracePeriodSeconds").asLong(30)));
    refreshStates(pod);
    runtime.sandboxes().get().removeSandbox(uid);
    address = null;
  }

  /** Stops every running container in parallel, each with the whole grace period. */
  private void stopRunning(Duration grace) {
    List<Thread> stoppers = new ArrayList<>();
    for (ContainerObservation c : containers.values()) {
      if (!c.running()) continue;
      Thread stopper = new Thread(() -> runtime.stop(c.current().id(), grace), "stop-" + c.current().id());
      stopper.start();
      stoppers.add(stopper);
    }
    for (Thread stopper : stoppers) {
      try {
        stopper.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void prepareSandbox(ObjectNode pod) {
    try {
      Files.createDirectories(podDir);
      if (address == null && runtime.sandboxes().isPresent()) {
        try {
          address = runSandbox(pod);
        } catch (IOException e) {
          sandboxReady = false;
          String message = "Failed to create pod sandbox: " + e.getMessage();
          if (!message.equals(lastWaitingEvent.put("", message))) {
            events.warning(pod, "FailedCreatePodSandBox", message);
          }
          return;
        }
      } else if (address == null && network != null && network.isolated()
          && !pod.path("spec").path("hostNetwork").asBoolean(false)) {
        try {
          address = network.setUp(Json.text(pod, "metadata.uid"), podDir);
        } catch (IOException e) {
          sandboxReady = false;
          String message = "Failed to create pod sandbox: " + e.getMessage();
          if (!message.equals(lastWaitingEvent.put("", message))) {
            events.warning(pod, "FailedCreatePodSandBox", message);
          }
          return;
        }
      }
      PodVolumes.materialize(podDir, pod, lookup, DownwardApi.Allocatable.ofHost(), tokens);
      writeResolvConf(pod);
      sandboxReady = true;
    } catch (PodConfigException | IOException e) {
      sandboxReady = false;
      String message = e.getMessage();
      if (!message.equals(lastWaitingEvent.put("", message))) {
        events.warning(pod, "FailedMount", message);
      }
    }
  }

  /** Asks the runtime for the pod's sandbox (its own network namespace and IP unless hostNetwork). */
  private PodNetwork.Address runSandbox(ObjectNode pod) throws IOException {
    boolean hostNetwork = pod.path("spec").path("hostNetwork").asBoolean(false);
    Map<String, String> labels = new HashMap<>();
    pod.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    String ip = runtime.sandboxes().get().runSandbox(new PodSandboxes.SandboxSpec(Json.text(pod, "metadata.uid"),
        Json.text(pod, "metadata.namespace"), Json.text(pod, "metadata.name"), 0, PodEnvironment.hostname(pod),
        podDir.toAbsolutePath(), hostNetwork, null, labels, hostPorts(pod)));
    return new PodNetwork.Address(ip == null ? hostIP : ip, null);
  }

  /** Every container port with a hostPort, as kubelet hands them to the runtime's sandbox. */
  static List<PodSandboxes.HostPort> hostPorts(ObjectNode pod) {
    List<PodSandboxes.HostPort> ports = new ArrayList<>();
    for (JsonNode container : pod.path("spec").path("containers")) {
      for (JsonNode port : container.path("ports")) {
        if (port.path("hostPort").asInt(0) <= 0) continue;
        ports.add(new PodSandboxes.HostPort(port.path("protocol").asText("TCP"), port.path("containerPort").asInt(),
            port.path("hostPort").asInt(), port.path("hostIP").asText("")));
      }
    }
    return ports;
  }

  /** The pod's resolv.conf (cluster DNS), mounted over /etc/resolv.conf in its containers; none: the host's. */
  private void writeResolvConf(ObjectNode pod) throws IOException {
    List<String> host = Files.exists(Path.of("/etc/resolv.conf")) ? Files.readAllLines(Path.of("/etc/resolv.conf"))
        : List.of();
    String conf = dns == null ? null : dns.resolvConf(pod, host);
    Path file = podDir.resolve("resolv.conf");
    if (conf == null) {
      Files.deleteIfExists(file);
    } else if (!Files.exists(file) || !Files.readString(file).equals(conf)) {
      Files.writeString(file, conf);
    }
  }

  private void refreshStates(ObjectNode pod) {
    for (Map.Entry<String, ContainerObservation> entry : new ArrayList<>(containers.entrySet())) {
      ContainerObservation c = entry.getValue();
      if (c.current() == null) continue;
      if (!c.current().running()) {
        settleExit(entry.getKey(), c);
        continue;
      }
      Optional<ContainerState> state = runtime.state(c.current().id());
      ContainerState now = state.orElse(new ContainerState(c.current().id(), c.current().podUid(), c.name(),
          c.current().attempt(), ContainerState.Status.EXITED, 0, c.current().startedAt(), clock.instant(), 137,
          "Error", "the container disappeared from the runtime", c.current().containerUri(), c.current().imageRef()));
      if (!now.running()) {
        runningIds.remove(c.name());
        containers.put(entry.getKey(), new ContainerObservation(c.name(), now, c.previous(), c.restartCount(),
            c.specHash(), Map.of(), null, c.backoff()));
      } else {
        containers.put(entry.getKey(), new ContainerObservation(c.name(), now, c.previous(), c.restartCount(),
            c.specHash(), c.probes(), c.waiting(), c.backoff()));
      }
    }
  }

  /**
   * Reads a container that ended in the last seconds again: a runtime may complete its record of an exit after
   * reporting it (containerd learns of an OOM kill from a separate event, turning reason Error into OOMKilled).
   */
  private void settleExit(String name, ContainerObservation c) {
    Instant finished = c.current().finishedAt();
    if (finished == null || finished.isBefore(clock.instant().minus(EXIT_SETTLE))) return;
    runtime.state(c.current().id()).filter(s -> !s.running() && !s.equals(c.current()))
        .ifPresent(settled -> containers.put(name, new ContainerObservation(c.name(), settled, c.previous(),
            c.restartCount(), c.specHash(), c.probes(), c.waiting(), c.backoff())));
  }

  private void runDueProbes(ObjectNode pod, String podIP, Instant now) {
    for (Map.Entry<String, ContainerObservation> entry : new ArrayList<>(containers.entrySet())) {
      ContainerObservation c = entry.getValue();
      if (!c.running()) continue;
      JsonNode spec = container(pod, c.name());
      if (spec == null) continue;
      Map<ProbeTracker.Type, ProbeTracker> probes = new HashMap<>(c.probes());
      for (ProbeTracker.Type type : c.probesDue(now)) {
        JsonNode probe = spec.get(type.field);
        if (probe == null) continue;
        ProbeTracker tracker = probes.get(type);
        ProbeResult result = ProbeRunner.forProbe(probe, spec, podIP,
            CommandExecutor.inContainer(runtime, c.current().id())).probe(tracker.spec().timeout());
        if (!result.success()) {
          events.record(pod, "Warning", "Unhealthy", type.label + " probe failed: " + result.message(),
              fieldPath(pod, c.name()));
        }
        probes.put(type, tracker.observe(result.success(), clock.instant()));
      }
      containers.put(entry.getKey(), c.withProbes(probes));
    }
  }

  private void start(ObjectNode pod, JsonNode container, String podIP, Instant now) {
    String name = container.path("name").asText();
    ContainerObservation before = containers.getOrDefault(name,
        new ContainerObservation(name, null, null, 0, null, Map.of(), null, initialBackoff));
    int attempt = before.current() == null ? 0 : before.current().attempt() + 1;
    try {
      Map<String, String> env = PodEnvironment.resolve(pod, (ObjectNode) container, lookup, podIP, hostIP);
      List<String> command = Command.expand(container.path("command"), env);
      List<String> args = Command.expand(container.path("args"), env);
      // Without images, args alone run as the argv, as with an image that has no entrypoint: kubectl run x -- sh.
      if (command.isEmpty() && args.isEmpty() && !runtime.runsImages()) {
        throw new PodConfigException(Command.NEEDS_COMMAND_REASON, Command.NEEDS_COMMAND_MESSAGE);
      }
      if (puller != null) {
        ImagePuller.Result image = puller.ensure(pod, container,
            PullSecrets.forImage(pod, container.path("image").asText(""), lookup), fieldPath(pod, name));
        if (image instanceof ImagePuller.NotReady notReady) {
          containers.put(name, before.withWaiting(notReady.waiting()));
          return;
        }
      }
      List<ContainerSpec.Mount> mounts = new ArrayList<>(PodVolumes.mounts(podDir, pod, container, env));
      Path resolvConf = podDir.resolve("resolv.conf");
      if (Files.exists(resolvConf)) mounts.add(new ContainerSpec.Mount(resolvConf, "/etc/resolv.conf", true));
      Path logFile = podDir.resolve(name).resolve(attempt + ".log");
      Files.createDirectories(logFile.getParent());
      String id = Json.text(pod, "metadata.uid") + "_" + name + "_" + attempt;
      ContainerSpec spec = new ContainerSpec(id, Json.text(pod, "metadata.uid"), Json.text(pod, "metadata.namespace"),
          Json.text(pod, "metadata.name"), name, attempt, container.path("image").asText(""), command, args, env,
          container.path("workingDir").asText(""), PodEnvironment.hostname(pod), mounts, resources(container),
          security(pod, container), logFile, address == null ? null : address.netns(), runsToCompletion(pod, name),
          stdio(container));
      ContainerState state = runtime.start(spec);
      RestartBackoff backoff = before.current() == null ? before.backoff()
          : before.backoff().next(before.current().finishedAt() == null ? now : before.current().finishedAt(), now);
      containers.put(name, new ContainerObservation(name, state, before.current(), attempt, PodActions.specHash(container),
          ProbeTracker.forContainer(container, state.startedAt() == null ? now : state.startedAt()), null, backoff));
      lastWaitingEvent.remove(name);
      if ("StartError".equals(state.reason())) {
        events.record(pod, "Warning", "Failed", "Error: " + state.message(), fieldPath(pod, name));
      } else {
        // A short command may already have exited here; it still was created and started.
        if (state.running()) runningIds.put(name, state.id());
        events.record(pod, "Normal", "Created", "Created container " + name, fieldPath(pod, name));
        events.record(pod, "Normal", "Started", "Started container " + name, fieldPath(pod, name));
      }
    } catch (PodConfigException e) {
      containers.put(name, before.withWaiting(new ContainerObservation.Waiting(e.reason(), e.getMessage())));
      if (!e.getMessage().equals(lastWaitingEvent.put(name, e.getMessage()))) {
        events.record(pod, "Warning", "Failed", "Error: " + e.getMessage(), fieldPath(pod, name));
      }
    } catch (IOException e) {
      containers.put(name, before.withWaiting(new ContainerObservation.Waiting("RunContainerError", e.getMessage())));
      events.record(pod, "Warning", "Failed", "Error: " + e.getMessage(), fieldPath(pod, name));
    }
  }

  /**
   * Runs the container's preStop hook (exec or httpGet, the same handlers as probes) within the grace period, and
   * answers what is left of the grace for SIGTERM.
   */
  private Duration runPreStop(ObjectNode pod, String name, String containerId, Duration grace, String podIP) {
    JsonNode container = container(pod, name);
    JsonNode hook = container == null ? null : container.path("lifecycle").get("preStop");
    if (hook == null || grace.isZero()) return grace;
    Instant started = clock.instant();
    ProbeResult result = ProbeRunner.forProbe(hook, container, podIP,
        CommandExecutor.inContainer(runtime, containerId)).probe(grace);
    if (!result.success()) {
      events.record(pod, "Warning", "FailedPreStopHook", "PreStopHook failed: " + result.message(),
          fieldPath(pod, name));
    }
    Duration left = grace.minus(Duration.between(started, clock.instant()));
    return left.isNegative() ? Duration.ofSeconds(2) : left; // kubelet allows a minimum of 2 s after the hook
  }

  static ContainerSpec.Resources resources(JsonNode container) {
    JsonNode limits = container.path("resources").path("limits");
    Long memory = limits.hasNonNull("memory")
        ? io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
            new io.fabric8.kubernetes.api.model.Quantity(limits.get("memory").asText())).longValue() : null;
    Long cpu = limits.hasNonNull("cpu")
        ? io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
            new io.fabric8.kubernetes.api.model.Quantity(limits.get("cpu").asText()))
            .multiply(java.math.BigDecimal.valueOf(1000)).longValue() : null;
    // Without a cpu request a limit is the request too, as API defaulting makes it.
    JsonNode requested = container.path("resources").path("requests").path("cpu");
    Long request = requested.isMissingNode() || requested.isNull() ? cpu
        : Long.valueOf(io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
            new io.fabric8.kubernetes.api.model.Quantity(requested.asText()))
            .multiply(java.math.BigDecimal.valueOf(1000)).longValue());
    return new ContainerSpec.Resources(memory, cpu, null, request);
  }

  /** The container's stdin, stdinOnce and tty, for attach. stdinOnce means nothing without stdin, as in kubelet. */
  static ContainerSpec.Stdio stdio(JsonNode container) {
    boolean stdin = container.path("stdin").asBoolean(false);
    return new ContainerSpec.Stdio(stdin, stdin && container.path("stdinOnce").asBoolean(false),
        container.path("tty").asBoolean(false));
  }

  /** Where Localhost seccomp profiles are, as kubelet's --seccomp-profile-root. */
  static final String SECCOMP_PROFILE_ROOT = "/var/lib/kubelet/seccomp";

  /**
   * The container's securityContext over the pod's (runAsUser, runAsGroup, seccompProfile), as kubelet merges them.
   */
  static ContainerSpec.Security security(ObjectNode pod, JsonNode container) {
    JsonNode podContext = pod.path("spec").path("securityContext");
    JsonNode context = container.path("securityContext");
    Long user = context.hasNonNull("runAsUser") ? Long.valueOf(context.get("runAsUser").asLong())
        : podContext.hasNonNull("runAsUser") ? Long.valueOf(podContext.get("runAsUser").asLong()) : null;
    Long group = context.hasNonNull("runAsGroup") ? Long.valueOf(context.get("runAsGroup").asLong())
        : podContext.hasNonNull("runAsGroup") ? Long.valueOf(podContext.get("runAsGroup").asLong()) : null;
    boolean privileged = context.path("privileged").asBoolean(false);
    JsonNode profile = context.path("seccompProfile").isObject() ? context.path("seccompProfile")
        : podContext.path("seccompProfile");
    String type = profile.path("type").asText("Unconfined");
    ContainerSpec.Seccomp seccomp = switch (type) {
      case "RuntimeDefault" -> new ContainerSpec.Seccomp(type, null);
      case "Localhost" -> new ContainerSpec.Seccomp(type,
          java.nio.file.Path.of(SECCOMP_PROFILE_ROOT).resolve(profile.path("localhostProfile").asText("")).toString());
      default -> null;
    };
    java.util.function.Function<String, List<String>> names = field -> {
      List<String> list = new ArrayList<>();
      context.path("capabilities").path(field).forEach(c -> list.add(c.asText()));
      return List.copyOf(list);
    };
    // kubelet's AddNoNewPrivileges: only an explicit allowPrivilegeEscalation false, never for a privileged one.
    boolean noNewPrivileges = !privileged && context.has("allowPrivilegeEscalation")
        && !context.path("allowPrivilegeEscalation").asBoolean(true);
    return new ContainerSpec.Security(user, group, privileged, context.path("readOnlyRootFilesystem").asBoolean(false),
        names.apply("add"), names.apply("drop"), noNewPrivileges, privileged ? null : seccomp);
  }

  private static JsonNode container(ObjectNode pod, String name) {
    for (String list : new String[] {"initContainers", "containers"}) {
      for (JsonNode c : pod.path("spec").path(list)) {
        if (name.equals(c.path("name").asText())) return c;
      }
    }
    return null;
  }

  /** Init containers always run to completion; the others when the pod's restartPolicy is Never or OnFailure. */
  private static boolean runsToCompletion(ObjectNode pod, String container) {
    for (JsonNode c : pod.path("spec").path("initContainers")) {
      if (container.equals(c.path("name").asText())) return true;
    }
    return !"Always".equals(pod.path("spec").path("restartPolicy").asText("Always"));
  }

  private static String fieldPath(ObjectNode pod, String container) {
    for (JsonNode c : pod.path("spec").path("initContainers")) {
      if (container.equals(c.path("name").asText())) return "spec.initContainers{" + container + "}";
    }
    return "spec.containers{" + container + "}";
  }

  static boolean deleting(ObjectNode pod) {
    return Json.text(pod, "metadata.deletionTimestamp") != null;
  }

  static boolean isPod(ObjectNode object) {
    return ResourceRegistry.POD.kind().equals(Json.text(object, "kind"));
  }
}
