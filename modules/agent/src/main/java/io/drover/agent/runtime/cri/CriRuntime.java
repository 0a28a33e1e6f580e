package io.drover.agent.runtime.cri;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.ImageStore;
import io.drover.agent.runtime.Isolation;
import io.drover.agent.runtime.PodSandboxes;
import io.drover.agent.runtime.cri.v1.AuthConfig;
import io.drover.agent.runtime.cri.v1.ContainerConfig;
import io.drover.agent.runtime.cri.v1.ContainerFilter;
import io.drover.agent.runtime.cri.v1.ContainerMetadata;
import io.drover.agent.runtime.cri.v1.ContainerStatsRequest;
import io.drover.agent.runtime.cri.v1.ContainerStatus;
import io.drover.agent.runtime.cri.v1.ContainerStatusRequest;
import io.drover.agent.runtime.cri.v1.ContainerStatusResponse;
import io.drover.agent.runtime.cri.v1.CreateContainerRequest;
import io.drover.agent.runtime.cri.v1.DNSConfig;
import io.drover.agent.runtime.cri.v1.AttachRequest;
import io.drover.agent.runtime.cri.v1.Capability;
import io.drover.agent.runtime.cri.v1.SecurityProfile;
import io.drover.agent.runtime.cri.v1.ExecRequest;
import io.drover.agent.runtime.cri.v1.ImageSpec;
import io.drover.agent.runtime.cri.v1.ImageStatusRequest;
import io.drover.agent.runtime.cri.v1.ImageStatusResponse;
import io.drover.agent.runtime.cri.v1.Int64Value;
import io.drover.agent.runtime.cri.v1.KeyValue;
import io.drover.agent.runtime.cri.v1.LinuxContainerConfig;
import io.drover.agent.runtime.cri.v1.LinuxContainerResources;
import io.drover.agent.runtime.cri.v1.LinuxContainerSecurityContext;
import io.drover.agent.runtime.cri.v1.LinuxPodSandboxConfig;
import io.drover.agent.runtime.cri.v1.LinuxSandboxSecurityContext;
import io.drover.agent.runtime.cri.v1.ImageFsInfoRequest;
import io.drover.agent.runtime.cri.v1.ListContainersRequest;
import io.drover.agent.runtime.cri.v1.ListImagesRequest;
import io.drover.agent.runtime.cri.v1.RemoveImageRequest;
import io.drover.agent.runtime.cri.v1.ListPodSandboxRequest;
import io.drover.agent.runtime.cri.v1.Mount;
import io.drover.agent.runtime.cri.v1.NamespaceMode;
import io.drover.agent.runtime.cri.v1.NamespaceOption;
import io.drover.agent.runtime.cri.v1.PodSandbox;
import io.drover.agent.runtime.cri.v1.PortMapping;
import io.drover.agent.runtime.cri.v1.Protocol;
import io.drover.agent.runtime.cri.v1.PodSandboxConfig;
import io.drover.agent.runtime.cri.v1.PodSandboxFilter;
import io.drover.agent.runtime.cri.v1.PodSandboxMetadata;
import io.drover.agent.runtime.cri.v1.PodSandboxState;
import io.drover.agent.runtime.cri.v1.PodSandboxStatusRequest;
import io.drover.agent.runtime.cri.v1.PullImageRequest;
import io.drover.agent.runtime.cri.v1.RemoveContainerRequest;
import io.drover.agent.runtime.cri.v1.RemovePodSandboxRequest;
import io.drover.agent.runtime.cri.v1.RunPodSandboxRequest;
import io.drover.agent.runtime.cri.v1.StartContainerRequest;
import io.drover.agent.runtime.cri.v1.StatusRequest;
import io.drover.agent.runtime.cri.v1.StopContainerRequest;
import io.drover.agent.runtime.cri.v1.StopPodSandboxRequest;
import io.drover.agent.runtime.cri.v1.VersionRequest;
import io.drover.agent.runtime.cri.v1.VersionResponse;
import io.drover.api.Json;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cri} runtime: real OCI images run by containerd (or CRI-O) through the Container Runtime Interface, as
 * kubelet drives it. Each pod gets a sandbox (RunPodSandbox: its network namespace and IP from the runtime's CNI
 * configuration, its hostname); its containers are created in that sandbox from their images, with their command,
 * args, environment, mounts, limits and user; logs go to the pod directory in the CRI format the agent reads; exec
 * goes through the runtime's streaming server ({@link CriExecSession}); usage comes from ContainerStats.
 *
 * <p>Every sandbox and container carries the labels {@code drover.io/node} (this node) and the pod's uid, so that
 * several nodes may share one runtime and an agent restart finds its own. Calls block: the agent makes them on its
 * blocking dispatcher.
 */
public final class CriRuntime implements ContainerRuntime, ImageStore, PodSandboxes {
  private static final Logger log = LoggerFactory.getLogger(CriRuntime.class);
  static final String NODE_LABEL = "drover.io/node";
  static final String POD_UID_LABEL = "io.kubernetes.pod.uid";
  static final String POD_NAME_LABEL = "io.kubernetes.pod.name";
  static final String POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
  static final String CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
  /** CFS period kubelet uses to turn a CPU limit into a quota. */
  private static final long CPU_PERIOD_MICROS = 100_000;

  /** A pod's sandbox as created: its id, the config containers are created with, and its network mode. */
  private record Sandbox(String id, PodSandboxConfig config, boolean hostNetwork, String ip) {}

  private final CriClient client;
  private final String nodeName;
  private final Duration callTimeout;
  private final Duration pullTimeout;
  /** The connections to the runtime's streaming server (exec): one thread, they only move frames. */
  private final EventLoopGroup streams = new NioEventLoopGroup(1, runnable -> {
    Thread thread = new Thread(runnable, "cri-streams");
    thread.setDaemon(true);
    return thread;
  });
  private final Map<String, Sandbox> sandboxesByPod = new ConcurrentHashMap<>();
  private final String version;

  /**
   * Connects to the runtime's socket and asks its version (failing when nothing answers there).
   *
   * @param callTimeout deadline of ordinary calls; pulls get {@code pullTimeout}, stops their grace on top
   */
  public CriRuntime(Path socket, String nodeName, Duration callTimeout, Duration pullTimeout) throws IOException {
    this.client = CriClient.connect(socket);
    this.nodeName = nodeName;
    this.callTimeout = callTimeout;
    this.pullTimeout = pullTimeout;
    try {
      VersionResponse v = client.runtime(callTimeout).version(VersionRequest.newBuilder().setVersion("v1").build());
      this.version = v.getRuntimeName() + "://" + v.getRuntimeVersion();
      log.info("cri runtime at {}: {} {} (CRI {})", socket, v.getRuntimeName(), v.getRuntimeVersion(),
          v.getRuntimeApiVersion());
      lastIsolation = readIsolation();
    } catch (StatusRuntimeException e) {
      client.close();
      throw new IOException("no CRI runtime answers at " + socket + ": " + describe(e), e);
    }
  }

  @Override
  public String name() {
    return "cri";
  }

  @Override
  public String version() {
    return version;
  }

  /**
   * The runtime isolates with namespaces and cgroups; its own readiness conditions say when it cannot. The agent asks
   * at every heartbeat from inside its actor, so this answers the last status read and reads a fresh one in the
   * background (a CRI call may block up to its deadline).
   */
  @Override
  public Isolation isolation() {
    if (statusRead.isDone()) {
      statusRead = java.util.concurrent.CompletableFuture.runAsync(() -> lastIsolation = readIsolation(), statusReader);
    }
    return lastIsolation;
  }

  private volatile Isolation lastIsolation = new Isolation(true, true, null);
  private volatile java.util.concurrent.CompletableFuture<Void> statusRead =
      java.util.concurrent.CompletableFuture.completedFuture(null);
  private final java.util.concurrent.ExecutorService statusReader = java.util.concurrent.Executors
      .newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "cri-status");
        thread.setDaemon(true);
        return thread;
      });

  private Isolation readIsolation() {
    try {
      var status = client.runtime(callTimeout).status(StatusRequest.getDefaultInstance()).getStatus();
      List<String> problems = status.getConditionsList().stream().filter(c -> !c.getStatus())
          .map(c -> c.getType() + ": " + c.getReason() + " " + c.getMessage()).toList();
      return problems.isEmpty() ? new Isolation(true, true, null)
          : new Isolation(true, true, "the CRI runtime is not ready: " + String.join("; ", problems));
    } catch (StatusRuntimeException e) {
      return new Isolation(true, true, "the CRI runtime does not answer: " + describe(e));
    }
  }

  @Override
  public Optional<ImageStore> images() {
    return Optional.of(this);
  }

  @Override
  public Optional<PodSandboxes> sandboxes() {
    return Optional.of(this);
  }

  // --- pod sandboxes

  @Override
  public String runSandbox(SandboxSpec spec) throws IOException {
    Sandbox known = sandboxesByPod.get(spec.podUid());
    if (known != null) return known.ip();
    int attempt = 0;
    PodSandboxConfig config = null;
    try {
      for (PodSandbox existing : podSandboxes(spec.podUid())) {
        attempt = Math.max(attempt, existing.getMetadata().getAttempt() + 1);
        if (existing.getState() == PodSandboxState.SANDBOX_READY && config == null) {
          // Found after an agent restart: containers are created with the same config again.
          config = sandboxConfig(spec, existing.getMetadata().getAttempt());
          Sandbox adopted = new Sandbox(existing.getId(), config, spec.hostNetwork(), sandboxIp(existing.getId(),
              spec.hostNetwork()));
          sandboxesByPod.put(spec.podUid(), adopted);
        } else {
          // A sandbox that is no longer ready (its pause process died) is replaced, as kubelet does.
          stopAndRemove(existing.getId());
        }
      }
      Sandbox adopted = sandboxesByPod.get(spec.podUid());
      if (adopted != null) return adopted.ip();
      config = sandboxConfig(spec, attempt);
      String id = client.runtime(pullTimeout).runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
          .getPodSandboxId();
      Sandbox created = new Sandbox(id, config, spec.hostNetwork(), sandboxIp(id, spec.hostNetwork()));
      sandboxesByPod.put(spec.podUid(), created);
      return created.ip();
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
  }

  @Override
  public boolean sandboxReady(String podUid) {
    Sandbox known = sandboxesByPod.get(podUid);
    if (known == null) return false;
    try {
      return client.runtime(callTimeout).podSandboxStatus(PodSandboxStatusRequest.newBuilder()
          .setPodSandboxId(known.id()).build()).getStatus().getState() == PodSandboxState.SANDBOX_READY;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) return false;
      log.warn("could not read the sandbox of pod {}: {}", podUid, describe(e));
      return true;
    }
  }

  @Override
  public void removeSandbox(String podUid) {
    sandboxesByPod.remove(podUid);
    try {
      for (PodSandbox sandbox : podSandboxes(podUid)) stopAndRemove(sandbox.getId());
    } catch (StatusRuntimeException e) {
      log.warn("could not remove the sandbox of pod {}: {}", podUid, describe(e));
    }
  }

  @Override
  public void removeAllSandboxes() {
    sandboxesByPod.clear();
    try {
      for (PodSandbox sandbox : client.runtime(callTimeout).listPodSandbox(ListPodSandboxRequest.newBuilder()
          .setFilter(PodSandboxFilter.newBuilder().putLabelSelector(NODE_LABEL, nodeName)).build()).getItemsList()) {
        stopAndRemove(sandbox.getId());
      }
    } catch (StatusRuntimeException e) {
      log.warn("could not remove the sandboxes of node {}: {}", nodeName, describe(e));
    }
  }

  private void stopAndRemove(String id) {
    client.runtime(callTimeout.plusSeconds(30)).stopPodSandbox(StopPodSandboxRequest.newBuilder()
        .setPodSandboxId(id).build());
    client.runtime(callTimeout.plusSeconds(30)).removePodSandbox(RemovePodSandboxRequest.newBuilder()
        .setPodSandboxId(id).build());
  }

  private List<PodSandbox> podSandboxes(String podUid) {
    return client.runtime(callTimeout).listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(
        PodSandboxFilter.newBuilder().putLabelSelector(NODE_LABEL, nodeName).putLabelSelector(POD_UID_LABEL, podUid))
        .build()).getItemsList();
  }

  private String sandboxIp(String id, boolean hostNetwork) {
    if (hostNetwork) return null;
    String ip = client.runtime(callTimeout).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
        .build()).getStatus().getNetwork().getIp();
    return ip.isEmpty() ? null : ip;
  }

  private PodSandboxConfig sandboxConfig(SandboxSpec spec, int attempt) {
    NamespaceOption namespaces = NamespaceOption.newBuilder()
        .setNetwork(spec.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
        .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD).build();
    PodSandboxConfig.Builder config = PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(spec.podName()).setNamespace(spec.podNamespace())
            .setUid(spec.podUid()).setAttempt(attempt))
        .setLogDirectory(spec.logDirectory().toAbsolutePath().toString())
        .putAllLabels(spec.labels())
        .putLabels(NODE_LABEL, nodeName).putLabels(POD_UID_LABEL, spec.podUid())
        .putLabels(POD_NAME_LABEL, spec.podName()).putLabels(POD_NAMESPACE_LABEL, spec.podNamespace())
        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
            LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces)));
    for (HostPort port : spec.hostPorts()) {
      config.addPortMappings(PortMapping.newBuilder().setProtocol(switch (port.protocol()) {
        case "UDP" -> Protocol.UDP;
        case "SCTP" -> Protocol.SCTP;
        default -> Protocol.TCP;
      }).setContainerPort(port.containerPort()).setHostPort(port.hostPort()).setHostIp(port.hostIP()));
    }
    // With the node's network the pod has the node's UTS namespace too, and so its hostname (as kubelet leaves it).
    if (!spec.hostNetwork()) config.setHostname(spec.hostname());
    if (spec.dns() != null) config.setDnsConfig(dnsConfig(spec.dns()));
    return config.build();
  }

  /** A resolv.conf as CRI's DNSConfig: nameserver, search and options lines. */
  static DNSConfig dnsConfig(String resolvConf) {
    DNSConfig.Builder dns = DNSConfig.newBuilder();
    for (String line : resolvConf.split("\n")) {
      String[] words = line.trim().split("\\s+");
      if (words.length < 2) continue;
      List<String> values = Arrays.asList(words).subList(1, words.length);
      switch (words[0]) {
        case "nameserver" -> dns.addServers(words[1]);
        case "search" -> dns.addAllSearches(values);
        case "options" -> dns.addAllOptions(values);
        default -> { }
      }
    }
    return dns.build();
  }

  // --- containers

  @Override
  public ContainerState start(ContainerSpec spec) throws IOException {
    Sandbox sandbox = sandboxesByPod.get(spec.podUid());
    if (sandbox == null) throw new IOException("pod " + spec.podName() + " has no sandbox yet");
    String id;
    try {
      id = client.runtime(callTimeout).createContainer(CreateContainerRequest.newBuilder()
          .setPodSandboxId(sandbox.id()).setConfig(containerConfig(spec, sandbox)).setSandboxConfig(sandbox.config())
          .build()).getContainerId();
    } catch (StatusRuntimeException e) {
      throw new IOException("CreateContainer: " + describe(e), e);
    }
    try {
      client.runtime(callTimeout).startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    } catch (StatusRuntimeException e) {
      // The container exists and shows why it did not start (StartError, exit code 128) in its status.
      log.info("container {} of pod {} did not start: {}", spec.containerName(), spec.podName(), describe(e));
      return state(id).filter(s -> !s.running()).orElse(new ContainerState(id, spec.podUid(), spec.containerName(),
          spec.attempt(), ContainerState.Status.EXITED, 0, Instant.now(), Instant.now(), 128, "StartError",
          describe(e), "containerd://" + id, ""));
    }
    return status(id, true).orElseThrow(() -> new IOException("container " + id + " vanished after its start"));
  }

  private ContainerConfig containerConfig(ContainerSpec spec, Sandbox sandbox) {
    Path logDirectory = Path.of(sandbox.config().getLogDirectory());
    LinuxContainerResources.Builder resources = LinuxContainerResources.newBuilder();
    ContainerSpec.Resources limits = spec.resources();
    if (limits.memoryLimitBytes() != null) resources.setMemoryLimitInBytes(limits.memoryLimitBytes());
    resources.setCpuShares(limits.cpuShares());
    if (limits.cpuLimitMillis() != null) {
      resources.setCpuPeriod(CPU_PERIOD_MICROS).setCpuQuota(Math.max(1000, limits.cpuLimitMillis() * 100));
    }
    LinuxContainerSecurityContext.Builder security = LinuxContainerSecurityContext.newBuilder()
        .setPrivileged(spec.security().privileged()).setReadonlyRootfs(spec.security().readOnlyRootFilesystem())
        .setNamespaceOptions(NamespaceOption.newBuilder()
            .setNetwork(sandbox.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
            .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD));
    if (spec.security().runAsUser() != null) {
      security.setRunAsUser(Int64Value.newBuilder().setValue(spec.security().runAsUser()));
    }
    if (spec.security().runAsGroup() != null) {
      security.setRunAsGroup(Int64Value.newBuilder().setValue(spec.security().runAsGroup()));
    }
    ContainerSpec.Security wanted = spec.security();
    if (!wanted.addCapabilities().isEmpty() || !wanted.dropCapabilities().isEmpty()) {
      security.setCapabilities(Capability.newBuilder().addAllAddCapabilities(wanted.addCapabilities())
          .addAllDropCapabilities(wanted.dropCapabilities()));
    }
    security.setNoNewPrivs(wanted.noNewPrivileges());
    ContainerSpec.Seccomp seccomp = wanted.seccomp();
    security.setSeccomp(seccomp == null
        ? SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Unconfined)
        : seccomp.type().equals("Localhost")
            ? SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
                .setLocalhostRef(seccomp.localhostProfile())
            : SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault));
    ContainerConfig.Builder config = ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(spec.containerName()).setAttempt(spec.attempt()))
        .setImage(ImageSpec.newBuilder().setImage(spec.image()))
        .addAllCommand(spec.command()).addAllArgs(spec.args())
        .setWorkingDir(spec.workingDir())
        .putLabels(NODE_LABEL, nodeName).putLabels(POD_UID_LABEL, spec.podUid())
        .putLabels(POD_NAME_LABEL, spec.podName()).putLabels(POD_NAMESPACE_LABEL, spec.podNamespace())
        .putLabels(CONTAINER_NAME_LABEL, spec.containerName())
        .setLogPath(logDirectory.relativize(spec.logFile().toAbsolutePath()).toString())
        .setStdin(spec.attachable().stdin()).setStdinOnce(spec.attachable().stdinOnce()).setTty(spec.attachable().tty())
        .setLinux(LinuxContainerConfig.newBuilder().setResources(resources).setSecurityContext(security));
    spec.env().forEach((k, v) -> config.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
    for (ContainerSpec.Mount mount : spec.mounts()) {
      config.addMounts(Mount.newBuilder().setContainerPath(mount.containerPath())
          .setHostPath(mount.hostPath().toAbsolutePath().toString()).setReadonly(mount.readOnly()));
    }
    return config.build();
  }

  @Override
  public Optional<ContainerState> state(String containerId) {
    return status(containerId, false);
  }

  private Optional<ContainerState> status(String containerId, boolean withPid) {
    try {
      ContainerStatusResponse response = client.runtime(callTimeout).containerStatus(ContainerStatusRequest
          .newBuilder().setContainerId(containerId).setVerbose(withPid).build());
      return Optional.of(toState(response.getStatus(), withPid ? pidOf(response) : 0));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) return Optional.empty();
      throw e;
    }
  }

  /** containerd's verbose status has the task's pid in its "info" JSON. */
  private static long pidOf(ContainerStatusResponse response) {
    String info = response.getInfoMap().get("info");
    if (info == null) return 0;
    try {
      JsonNode node = Json.MAPPER.readTree(info);
      return node.path("pid").asLong(0);
    } catch (IOException e) {
      return 0;
    }
  }

  private static ContainerState toState(ContainerStatus s, long pid) {
    Instant started = s.getStartedAt() == 0 ? null : nanos(s.getStartedAt());
    Instant finished = s.getFinishedAt() == 0 ? null : nanos(s.getFinishedAt());
    String uri = "containerd://" + s.getId();
    String podUid = s.getLabelsOrDefault(POD_UID_LABEL, "");
    String name = s.getMetadata().getName();
    int attempt = s.getMetadata().getAttempt();
    String imageRef = s.getImageRef();
    return switch (s.getState()) {
      case CONTAINER_RUNNING -> new ContainerState(s.getId(), podUid, name, attempt, ContainerState.Status.RUNNING,
          pid, started, null, null, null, null, uri, imageRef);
      case CONTAINER_EXITED -> new ContainerState(s.getId(), podUid, name, attempt, ContainerState.Status.EXITED, pid,
          started, finished, s.getExitCode(), s.getReason().isEmpty() ? (s.getExitCode() == 0 ? "Completed" : "Error")
              : s.getReason(), s.getMessage(), uri, imageRef);
      // Created but never started, or unknown to the runtime's shim: it is not running, and will not.
      default -> new ContainerState(s.getId(), podUid, name, attempt, ContainerState.Status.EXITED, pid, started,
          finished != null ? finished : Instant.now(), s.getExitCode() == 0 ? 128 : s.getExitCode(), "StartError",
          s.getMessage().isEmpty() ? "the container is " + s.getState() : s.getMessage(), uri, imageRef);
    };
  }

  private static Instant nanos(long epochNanos) {
    return Instant.ofEpochSecond(0, epochNanos);
  }

  @Override
  public void stop(String containerId, Duration grace) {
    try {
      client.runtime(callTimeout.plus(grace)).stopContainer(StopContainerRequest.newBuilder()
          .setContainerId(containerId).setTimeout(Math.max(0, grace.toSeconds())).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        log.warn("could not stop container {}: {}", containerId, describe(e));
      }
    }
  }

  @Override
  public void remove(String containerId) {
    try {
      client.runtime(callTimeout).removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId)
          .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        log.warn("could not remove container {}: {}", containerId, describe(e));
      }
    }
  }

  @Override
  public List<ContainerState> list() {
    List<ContainerState> states = new ArrayList<>();
    try {
      var containers = client.runtime(callTimeout).listContainers(ListContainersRequest.newBuilder().setFilter(
          ContainerFilter.newBuilder().putLabelSelector(NODE_LABEL, nodeName)).build()).getContainersList();
      for (var container : containers) state(container.getId()).ifPresent(states::add);
    } catch (StatusRuntimeException e) {
      log.warn("could not list the containers of node {}: {}", nodeName, describe(e));
    }
    return states;
  }

  @Override
  public ExecSession exec(String containerId, List<String> command, boolean tty) throws IOException {
    String url;
    try {
      url = client.runtime(callTimeout).exec(ExecRequest.newBuilder().setContainerId(containerId).addAllCmd(command)
          .setTty(tty).setStdin(true).setStdout(true).setStderr(!tty).build()).getUrl();
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
    return CriExecSession.open(streams, url, true, tty, callTimeout);
  }

  /** CRI Attach, then the same streaming protocol as exec; {@code tty} must be the container's. */
  @Override
  public ExecSession attach(String containerId, boolean stdin, boolean tty) throws IOException {
    String url;
    try {
      url = client.runtime(callTimeout).attach(AttachRequest.newBuilder().setContainerId(containerId)
          .setStdin(stdin).setTty(tty).setStdout(true).setStderr(!tty).build()).getUrl();
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
    return CriExecSession.open(streams, url, stdin, tty, callTimeout);
  }

  @Override
  public Optional<ContainerStats> stats(String containerId) {
    try {
      var stats = client.runtime(callTimeout).containerStats(ContainerStatsRequest.newBuilder()
          .setContainerId(containerId).build()).getStats();
      if (!stats.hasCpu() && !stats.hasMemory()) return Optional.empty();
      return Optional.of(new ContainerStats(stats.getCpu().getUsageCoreNanoSeconds().getValue(),
          stats.getMemory().getWorkingSetBytes().getValue()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  // --- images

  @Override
  public Optional<Image> status(String image) throws IOException {
    try {
      ImageStatusResponse response = client.images(callTimeout).imageStatus(ImageStatusRequest.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage(image)).build());
      if (!response.hasImage() || response.getImage().getId().isEmpty()) return Optional.empty();
      var found = response.getImage();
      String ref = found.getRepoDigestsCount() > 0 ? found.getRepoDigests(0) : found.getId();
      return Optional.of(new Image(ref, found.getSize()));
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
  }

  @Override
  public Image pull(String image, Credentials credentials) throws IOException {
    PullImageRequest.Builder request = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image));
    if (credentials != null) {
      // No server_address: the credentials already match the image's registry (PullSecrets), and containerd would
      // parse a docker config key such as "127.0.0.1:5000" as a URL and refuse it.
      AuthConfig.Builder auth = AuthConfig.newBuilder();
      if (credentials.username() != null) auth.setUsername(credentials.username());
      if (credentials.password() != null) auth.setPassword(credentials.password());
      if (credentials.auth() != null) auth.setAuth(credentials.auth());
      request.setAuth(auth);
    }
    try {
      client.images(pullTimeout).pullImage(request.build());
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
    return status(image).orElseThrow(() -> new IOException("image " + image + " is missing right after its pull"));
  }

  @Override
  public List<StoredImage> listImages() throws IOException {
    try {
      List<StoredImage> images = new ArrayList<>();
      for (var image : client.images(callTimeout).listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
        List<String> names = new ArrayList<>(image.getRepoTagsList());
        names.addAll(image.getRepoDigestsList());
        images.add(new StoredImage(image.getId(), names, image.getSize(), image.getPinned()));
      }
      return images;
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
  }

  @Override
  public Set<String> imagesInUse() throws IOException {
    try {
      Set<String> used = new HashSet<>();
      for (var container : client.runtime(callTimeout).listContainers(ListContainersRequest.getDefaultInstance())
          .getContainersList()) {
        used.add(container.getImageRef());
        used.add(container.getImage().getImage());
        if (!container.getImageId().isEmpty()) used.add(container.getImageId());
      }
      // Containerd 1.6 does not pin its sandbox image; its configuration names it (kubelet keeps it the same way).
      String config = client.runtime(callTimeout).status(StatusRequest.newBuilder().setVerbose(true).build())
          .getInfoMap().get("config");
      if (config != null) {
        String sandboxImage = Json.MAPPER.readTree(config).path("sandboxImage").asText("");
        if (!sandboxImage.isEmpty()) used.add(sandboxImage);
      }
      used.remove("");
      return used;
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
  }

  @Override
  public void removeImage(String id) throws IOException {
    try {
      client.images(callTimeout).removeImage(RemoveImageRequest.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage(id)).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) throw new IOException(describe(e), e);
    }
  }

  @Override
  public Optional<Path> imageFilesystem() throws IOException {
    try {
      return client.images(callTimeout).imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
          .getImageFilesystemsList().stream().map(fs -> fs.getFsId().getMountpoint()).filter(m -> !m.isEmpty())
          .findFirst().map(Path::of);
    } catch (StatusRuntimeException e) {
      throw new IOException(describe(e), e);
    }
  }

  /** The runtime's own message: gRPC's description without the status code prefix. */
  static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    return description != null ? description : e.getStatus().getCode().toString();
  }

  @Override
  public void close() {
    statusReader.shutdownNow();
    streams.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    client.close();
  }
}
