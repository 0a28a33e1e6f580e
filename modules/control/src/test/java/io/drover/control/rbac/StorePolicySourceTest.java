package io.drover.control.rbac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoreEvents;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The authorizer over a read side: what the store holds at start, then its changes as they come. */
class StorePolicySourceTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final Duration NO_RESYNC = Duration.ofHours(1);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static ObjectNode json(String yaml) {
    try {
      return (ObjectNode) Json.YAML.readTree(yaml);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static final ObjectNode READER = json("""
      metadata: {name: pod-reader}
      rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
      """);
  static final ObjectNode JANE_READS_IN_DEV = json("""
      metadata: {name: jane-reads, namespace: dev}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
      subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}]
      """);

  static boolean janeMayGetPods(RbacAuthorizer authorizer) {
    return authorizer.authorize(Attributes.resource("jane", List.of(), "get", "", "pods", "", "dev", "p")).allowed();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  @Test
  void theStoresObjectsCountFromTheStartAndTheirChangesSoonAfter() throws Exception {
    ObjectStore store = new ObjectStore(100, 100);
    StoreEvents.put(store, ResourceRegistry.CLUSTER_ROLE, READER, 1, 1);
    StoreEvents.put(store, ResourceRegistry.ROLE_BINDING, JANE_READS_IN_DEV, 1, 2);
    StorePolicySource source = new StorePolicySource(store);
    RbacAuthorizer authorizer = new RbacAuthorizer(source);
    assertFalse(janeMayGetPods(authorizer), "nothing is read before start");

    source.start(testKit.system(), NO_RESYNC);
    assertEquals("RBAC: allowed by RoleBinding \"jane-reads/dev\" of ClusterRole \"pod-reader\" to User \"jane\"",
        authorizer.authorize(Attributes.resource("jane", List.of(), "get", "", "pods", "", "dev", "p")).reason());

    StoreEvents.delete(store, ResourceRegistry.ROLE_BINDING, JANE_READS_IN_DEV, 2, 3);
    await(() -> !janeMayGetPods(authorizer), "the deleted binding to stop counting");

    ObjectNode writer = READER.deepCopy();
    writer.putArray("rules").addObject().putPOJO("apiGroups", List.of("")).putPOJO("resources", List.of("pods"))
        .putPOJO("verbs", List.of("get", "delete"));
    StoreEvents.put(store, ResourceRegistry.CLUSTER_ROLE, writer, 2, 4);
    StoreEvents.put(store, ResourceRegistry.ROLE_BINDING, JANE_READS_IN_DEV, 1, 5);
    await(() -> authorizer.authorize(Attributes.resource("jane", List.of(), "delete", "", "pods", "", "dev", "p"))
        .allowed(), "the changed role and the new binding to count");
  }

  @Test
  void aRefreshReadsTheStoreAtOnce() {
    ObjectStore store = new ObjectStore(100, 100);
    StorePolicySource source = new StorePolicySource(store);
    RbacAuthorizer authorizer = new RbacAuthorizer(source);
    source.start(testKit.system(), NO_RESYNC);
    StoreEvents.put(store, ResourceRegistry.CLUSTER_ROLE, READER, 1, 1);
    StoreEvents.put(store, ResourceRegistry.ROLE_BINDING, JANE_READS_IN_DEV, 1, 2);
    assertEquals(2, source.refresh(), "the lists are current at the last change");
    assertTrue(janeMayGetPods(authorizer));
  }
}
