package io.drover.agent.pod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerState;
import io.drover.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Pods and objects for tests, written as YAML. */
final class TestPods {
  private TestPods() {}

  static ObjectNode yaml(String yaml) {
    try {
      return (ObjectNode) Json.YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode container(ObjectNode pod, String name) {
    return DownwardApi.findContainer(pod, name);
  }

  /** A lookup over "Kind/name" keys in namespace "default". */
  static ObjectLookup lookup(Map<String, ObjectNode> objects) {
    return (kind, namespace, name) -> namespace.equals("default")
        ? Optional.ofNullable(objects.get(kind + "/" + name)) : Optional.empty();
  }

  static ContainerState running(String name, int attempt, Instant startedAt) {
    return new ContainerState("uid1_" + name + "_" + attempt, "uid1", name, attempt, ContainerState.Status.RUNNING,
        100, startedAt, null, null, null, null);
  }

  static ContainerState exited(String name, int attempt, Instant startedAt, Instant finishedAt, int exitCode) {
    return new ContainerState("uid1_" + name + "_" + attempt, "uid1", name, attempt, ContainerState.Status.EXITED,
        100, startedAt, finishedAt, exitCode, exitCode == 0 ? "Completed" : "Error", null);
  }
}
