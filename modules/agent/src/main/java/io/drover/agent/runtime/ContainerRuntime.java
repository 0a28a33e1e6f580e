package io.drover.agent.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the node agent needs from a container runtime: start, observe, stop and remove containers, run commands
 * in them, and read their resource usage. Implementations: {@code process} (host processes, the default),
 * {@code sim} (virtual containers, no processes), {@code cri} (OCI images through containerd or CRI-O). Methods may block (processes,
 * files, cgroups): the agent calls them on its blocking dispatcher, never inside an actor's message handling.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** The runtime's name as configured ({@code drover.agent.runtime}) and reported in node info. */
  String name();

  /** What the Node shows as status.nodeInfo.containerRuntimeVersion ({@code <runtime>://<version>}). */
  default String version() {
    return name() + "://drover";
  }

  /** Whether the host lets this runtime isolate containers (namespaces, cgroups), with a reason when not. */
  Isolation isolation();

  /**
   * Starts one container and returns with its state once it has started (RUNNING, or EXITED if it failed to start
   * or has already ended). It returns without waiting for the container to end; starting itself may take a while
   * (a shim launching, the sim runtime's modelled pull and start).
   */
  ContainerState start(ContainerSpec spec) throws IOException;

  /** The container's current state; empty when the runtime does not know the id. */
  Optional<ContainerState> state(String containerId);

  /**
   * Stops a container: SIGTERM to its process group, SIGKILL after {@code grace}. Returns once it has exited.
   */
  void stop(String containerId, Duration grace);

  /** Forgets an exited container and releases what it held (cgroup, namespace holders). Logs stay. */
  void remove(String containerId);

  /**
   * Every container this runtime started that still exists, including ones started before an agent restart
   * (the agent re-adopts or removes them).
   */
  List<ContainerState> list();

  /**
   * Runs a command inside a running container (its namespaces, environment and working directory).
   *
   * @throws ExecUnavailableException when this runtime cannot run commands in the container at all
   */
  ExecSession exec(String containerId, List<String> command, boolean tty) throws IOException;

  /**
   * Attaches to a running container's own stdio (kubectl attach, kubectl run -i): its output from now on, on stdout
   * and stderr (stdout alone with a terminal), and, when {@code stdin}, input to the container's stdin. The
   * session's output ends, and its exit code completes with 0, when the container ends; closing the session
   * leaves the container running. Stdin reaches the container only when its spec keeps stdin open.
   *
   * @throws ExecUnavailableException when this runtime cannot attach to the container at all
   */
  default ExecSession attach(String containerId, boolean stdin, boolean tty) throws IOException {
    throw new ExecUnavailableException("the " + name() + " runtime cannot attach to containers");
  }

  /** CPU and memory usage of a running container. */
  Optional<ContainerStats> stats(String containerId);

  /**
   * Whether containers run from their images: the image's entrypoint and cmd apply when a container has no command,
   * and the agent pulls images (through {@link #images()}) before it starts a container. False: the runtime runs the
   * container's command on the host, and a container without command cannot start.
   */
  default boolean runsImages() {
    return images().isPresent();
  }

  /** Whether containers are processes that can listen on ports (port-forward); the sim runtime's are not. */
  default boolean runsProcesses() {
    return true;
  }

  /** The runtime's images, when it runs images. */
  default java.util.Optional<ImageStore> images() {
    return java.util.Optional.empty();
  }

  /** The runtime's pod sandboxes, when it creates them (and with them the pod network) itself. */
  default java.util.Optional<PodSandboxes> sandboxes() {
    return java.util.Optional.empty();
  }

  @Override
  default void close() {}
}
