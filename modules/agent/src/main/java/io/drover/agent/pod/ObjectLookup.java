package io.drover.agent.pod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Reads a namespaced object the pod refers to (kind "ConfigMap" or "Secret"), as the API stores it. */
@FunctionalInterface
public interface ObjectLookup {
  Optional<ObjectNode> find(String kind, String namespace, String name);
}
