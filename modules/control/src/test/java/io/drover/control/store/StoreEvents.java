package io.drover.control.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceType;

/** Feeds a read side journal events directly, for tests of what follows it in other packages. */
public final class StoreEvents {
  private StoreEvents() {}

  /** The object is created (entity version 1) or changed, as the journal event at {@code ordering}. */
  public static void put(ObjectStore store, ResourceType type, ObjectNode object, long entityVersion, long ordering) {
    store.apply(pid(type, object), entityVersion, ordering,
        entityVersion == 1 ? new ObjectEntity.Created(object) : new ObjectEntity.Updated(object));
  }

  public static void delete(ObjectStore store, ResourceType type, ObjectNode object, long entityVersion,
      long ordering) {
    store.apply(pid(type, object), entityVersion, ordering, new ObjectEntity.Deleted(object));
  }

  private static String pid(ResourceType type, ObjectNode object) {
    String namespace = Json.text(object, "metadata.namespace");
    return ObjectEntity.persistenceId(type.objectKey(namespace == null ? "" : namespace,
        Json.text(object, "metadata.name"))).id();
  }
}
