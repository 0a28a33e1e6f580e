package io.drover.control.rbac;

import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The roles and bindings of this member's read side, for the authorizer: an index of the four RBAC kinds as fabric8
 * objects, kept by listing and watching the store (as an informer would) and read without locking. A change costs
 * one object's decoding; the index is rebuilt on the first read after changes. It is as fresh as the store's
 * watchers (a write this member answered counts as soon as its change is delivered, a moment later);
 * {@link #refresh} reads the store directly, and also runs every resync interval.
 */
public final class StorePolicySource implements PolicySource {
  private static final List<ResourceType> KINDS = List.of(ResourceRegistry.ROLE, ResourceRegistry.ROLE_BINDING,
      ResourceRegistry.CLUSTER_ROLE, ResourceRegistry.CLUSTER_ROLE_BINDING);

  private final ObjectStore store;
  /** Per kind, the objects by key; guarded by this. */
  private final Map<ResourceType, Map<String, HasMetadata>> objects = new HashMap<>();
  /** Per kind, the store's resourceVersion at the last refresh: changes up to it are in {@link #objects}. */
  private final Map<ResourceType, Long> refreshedAt = new HashMap<>();
  /** The index of {@link #objects}, or null when they changed since it was built. */
  private volatile PolicyIndex index;

  public StorePolicySource(ObjectStore store) {
    this.store = store;
    for (ResourceType kind : KINDS) {
      objects.put(kind, new HashMap<>());
      refreshedAt.put(kind, 0L);
    }
  }

  /**
   * Reads the store's RBAC objects, then follows their changes (call once the store has replayed the journal). Each
   * (re)subscription lists, then watches from the version it listed at, so no change falls between the two.
   */
  public void start(ActorSystem<?> system, Duration resyncInterval) {
    refresh();
    RestartSource.withBackoff(RestartSettings.create(Duration.ofMillis(50), Duration.ofSeconds(2), 0.2)
                .withMaxRestarts(Integer.MAX_VALUE, Duration.ofMinutes(1)),
            () -> store.watch(refresh(), o -> KINDS.contains(o.type()), false, system))
        .filter(e -> e.type() != WatchEvent.Type.BOOKMARK)
        .runWith(Sink.foreach(this::onChange), system);
    system.scheduler().scheduleWithFixedDelay(resyncInterval, resyncInterval, this::refresh,
        system.executionContext());
  }

  /**
   * Reads every role and binding from the store now, e.g. after creating some that must count at once.
   *
   * @return a resourceVersion the lists are all current at: every later change is newer than all of them
   */
  public long refresh() {
    long oldest = Long.MAX_VALUE;
    for (ResourceType kind : KINDS) {
      ObjectStore.Snapshot snapshot = store.list(kind, null);
      oldest = Math.min(oldest, snapshot.resourceVersion());
      Map<String, HasMetadata> current = new HashMap<>();
      for (StoredObject stored : snapshot.items()) current.put(stored.key(), decode(stored));
      synchronized (this) {
        // Another refresh may have listed later meanwhile; keep the newer list.
        if (snapshot.resourceVersion() < refreshedAt.get(kind)) continue;
        objects.put(kind, current);
        refreshedAt.put(kind, snapshot.resourceVersion());
        index = null;
      }
    }
    return oldest;
  }

  private synchronized void onChange(WatchEvent event) {
    StoredObject stored = event.object();
    if (event.resourceVersion() <= refreshedAt.get(stored.type())) return; // the last refresh has it
    Map<String, HasMetadata> byKey = objects.get(stored.type());
    if (event.type() == WatchEvent.Type.DELETED) {
      byKey.remove(stored.key());
    } else {
      byKey.put(stored.key(), decode(stored));
    }
    index = null;
  }

  private static HasMetadata decode(StoredObject stored) {
    return Json.MAPPER.convertValue(stored.object(), stored.type().modelClass());
  }

  private PolicyIndex index() {
    PolicyIndex current = index;
    if (current != null) return current;
    synchronized (this) {
      if (index == null) {
        index = PolicyIndex.of(values(ResourceRegistry.ROLE, Role.class),
            values(ResourceRegistry.ROLE_BINDING, RoleBinding.class),
            values(ResourceRegistry.CLUSTER_ROLE, ClusterRole.class),
            values(ResourceRegistry.CLUSTER_ROLE_BINDING, ClusterRoleBinding.class));
      }
      return index;
    }
  }

  private <T extends HasMetadata> List<T> values(ResourceType kind, Class<T> type) {
    List<T> values = new ArrayList<>();
    for (HasMetadata object : objects.get(kind).values()) values.add(type.cast(object));
    return values;
  }

  @Override
  public Optional<Role> role(String namespace, String name) {
    return index().role(namespace, name);
  }

  @Override
  public List<RoleBinding> roleBindings(String namespace) {
    return index().roleBindings(namespace);
  }

  @Override
  public Optional<ClusterRole> clusterRole(String name) {
    return index().clusterRole(name);
  }

  @Override
  public List<ClusterRoleBinding> clusterRoleBindings() {
    return index().clusterRoleBindings();
  }
}
