package io.drover.agent.pod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads an object the pod refers to (kind "ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim", or
 * "PersistentVolume" with namespace ignored), as the API stores it.
 */
@FunctionalInterface
public interface ObjectLookup {
  Optional<ObjectNode> find(String kind, String namespace, String name);

  /** Every object of a kind in a namespace ("Service" for the service environment variables). */
  default java.util.List<ObjectNode> list(String kind, String namespace) {
    return java.util.List.of();
  }
}
