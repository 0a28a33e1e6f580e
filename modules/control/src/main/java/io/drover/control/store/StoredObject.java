package io.drover.control.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceType;

/**
 * One object as the read side holds it. {@code object} carries metadata.resourceVersion = {@code resourceVersion},
 * the journal ordering of the event that produced it; {@code entityVersion} is that event's sequence number.
 * Never mutate {@code object}: copy it first.
 */
public record StoredObject(ResourceType type, String namespace, String name, ObjectNode object,
    long resourceVersion, long entityVersion) {

  public String key() {
    return type.objectKey(namespace, name);
  }
}
