package io.drover.api.discovery;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceType;

/** A kind as discovery and OpenAPI name it; {@code group} is "" for the core group. */
public record GroupVersionKind(String group, String version, String kind) {

  public static GroupVersionKind of(ResourceType type) {
    return new GroupVersionKind(type.group(), type.version(), type.kind());
  }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code {"group":..,"version":..,"kind":..}}, the shape of responseKind and x-kubernetes-group-version-kind. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("group", group);
    node.put("version", version);
    node.put("kind", kind);
    return node;
  }
}
