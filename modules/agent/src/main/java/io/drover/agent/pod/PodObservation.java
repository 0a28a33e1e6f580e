package io.drover.agent.pod;

import java.time.Instant;
import java.util.Map;

/**
 * What the agent observed of one pod at {@code now}: each container by name (init and app; absent ones count as not
 * created), the addresses, and whether the pod's sandbox (directories, volumes, network) is ready.
 */
public record PodObservation(Map<String, ContainerObservation> containers, String podIP, String hostIP,
    boolean sandboxReady, Instant now) {

  public PodObservation {
    containers = Map.copyOf(containers);
  }

  public ContainerObservation container(String name) {
    ContainerObservation observed = containers.get(name);
    return observed != null ? observed : ContainerObservation.notCreated(name);
  }
}
