package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import java.util.List;

/**
 * What start() persists about a container (container.json), so that any later runtime on the same state directory
 * (a restarted agent) can report, exec into, stop and remove it.
 *
 * @param namespaces whether the container got its own namespaces (exec then enters them)
 * @param cgroupDirs the container's cgroup directories, one per hierarchy (empty without cgroups)
 */
record ContainerRecord(ContainerSpec spec, boolean namespaces, List<String> cgroupDirs) {}
