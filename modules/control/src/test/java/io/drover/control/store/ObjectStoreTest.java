package io.drover.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ObjectStoreTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static ObjectNode configMap(String name, String tier) {
    ObjectNode object = Json.MAPPER.createObjectNode();
    ObjectNode meta = object.putObject("metadata").put("name", name).put("namespace", "default");
    meta.putObject("labels").put("tier", tier);
    return object;
  }

  static String pid(String name) {
    return ObjectEntity.persistenceId(ResourceRegistry.CONFIG_MAP.objectKey("default", name)).id();
  }

  List<WatchEvent> collect(ObjectStore store, Long from, java.util.function.Predicate<StoredObject> filter, int n)
      throws Exception {
    return store.watch(from, filter, false, testKit.system()).take(n)
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void resourceVersionIsTheJournalOrderingAndListsAreSortedByName() {
    ObjectStore store = new ObjectStore(100, 100);
    store.apply(pid("b"), 1, 7, new ObjectEntity.Created(configMap("b", "x")));
    store.apply(pid("a"), 1, 9, new ObjectEntity.Created(configMap("a", "x")));
    ObjectStore.Snapshot list = store.list(ResourceRegistry.CONFIG_MAP, "default");
    assertEquals(List.of("a", "b"), list.items().stream().map(StoredObject::name).toList());
    assertEquals(9, list.resourceVersion());
    assertEquals("7", Json.text(store.get(ResourceRegistry.CONFIG_MAP, "default", "b").orElseThrow().object(),
        "metadata.resourceVersion"));
    assertTrue(store.list(ResourceRegistry.CONFIG_MAP, "other").items().isEmpty());
  }

  @Test
  void watchFromAVersionDeliversEveryLaterChangeOnceInOrderThenLiveChanges() throws Exception {
    ObjectStore store = new ObjectStore(100, 100);
    store.apply(pid("a"), 1, 1, new ObjectEntity.Created(configMap("a", "x")));
    store.apply(pid("a"), 2, 2, new ObjectEntity.Updated(configMap("a", "y")));
    store.apply(pid("b"), 1, 3, new ObjectEntity.Created(configMap("b", "x")));
    CompletableFuture<List<WatchEvent>> events = store.watch(1L, o -> true, false, testKit.system()).take(4)
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture();
    store.apply(pid("a"), 3, 4, new ObjectEntity.Deleted(configMap("a", "y")));
    store.apply(pid("a"), 3, 4, new ObjectEntity.Deleted(configMap("a", "y"))); // a repeated event is ignored
    store.apply(pid("c"), 1, 5, new ObjectEntity.Created(configMap("c", "x")));
    List<WatchEvent> got = events.get(10, TimeUnit.SECONDS);
    assertEquals(List.of(2L, 3L, 4L, 5L), got.stream().map(WatchEvent::resourceVersion).toList());
    assertEquals(List.of(WatchEvent.Type.MODIFIED, WatchEvent.Type.ADDED, WatchEvent.Type.DELETED,
        WatchEvent.Type.ADDED), got.stream().map(WatchEvent::type).toList());
  }

  @Test
  void watchWithoutAVersionStartsWithTheCurrentObjects() throws Exception {
    ObjectStore store = new ObjectStore(100, 100);
    store.apply(pid("a"), 1, 1, new ObjectEntity.Created(configMap("a", "x")));
    store.apply(pid("a"), 2, 2, new ObjectEntity.Updated(configMap("a", "y")));
    List<WatchEvent> got = collect(store, null, o -> true, 1);
    assertEquals(WatchEvent.Type.ADDED, got.get(0).type());
    assertEquals(2, got.get(0).resourceVersion());
  }

  @Test
  void anObjectLeavingASelectionIsDeletedAndEnteringIsAdded() throws Exception {
    ObjectStore store = new ObjectStore(100, 100);
    store.apply(pid("a"), 1, 1, new ObjectEntity.Created(configMap("a", "front")));
    store.apply(pid("a"), 2, 2, new ObjectEntity.Updated(configMap("a", "back")));
    store.apply(pid("a"), 3, 3, new ObjectEntity.Updated(configMap("a", "front")));
    List<WatchEvent> got = collect(store, 1L,
        o -> "front".equals(Json.text(o.object(), "metadata.labels.tier")), 2);
    assertEquals(List.of(WatchEvent.Type.DELETED, WatchEvent.Type.ADDED), got.stream().map(WatchEvent::type).toList());
  }

  @Test
  void aVersionOlderThanTheWindowIsGone() {
    ObjectStore store = new ObjectStore(2, 100);
    for (int i = 1; i <= 5; i++) {
      store.apply(pid("a"), i, i, i == 1 ? new ObjectEntity.Created(configMap("a", "x"))
          : new ObjectEntity.Updated(configMap("a", "x" + i)));
    }
    ApiException gone = assertThrows(ApiException.class, () -> store.watch(2L, o -> true, false, testKit.system()));
    assertEquals(410, gone.code());
    store.watch(3L, o -> true, false, testKit.system()); // changes after 3 are retained
  }

  @Test
  void aWriterWaitingForItsVersionSeesTheObjectThatVersionProduced() throws Exception {
    ObjectStore store = new ObjectStore(100, 100);
    String key = ResourceRegistry.CONFIG_MAP.objectKey("default", "a");
    var waiting = store.awaitEntityVersion(key, 2).toCompletableFuture();
    store.apply(pid("a"), 1, 10, new ObjectEntity.Created(configMap("a", "x")));
    assertFalse(waiting.isDone());
    store.apply(pid("a"), 2, 11, new ObjectEntity.Updated(configMap("a", "y")));
    assertEquals(11, waiting.get(5, TimeUnit.SECONDS).resourceVersion());
    assertTrue(store.awaitPosition(11).toCompletableFuture().isDone());
    assertFalse(store.awaitPosition(12).toCompletableFuture().isDone());
  }

  @Test
  void aWriterAskingAfterItsDeleteWasAppliedStillGetsTheDeletionsResourceVersion() throws Exception {
    // The DELETE answer is the object with the deletion's resourceVersion, also when the read side was quicker than
    // the writer's wait (CI saw the answer without one).
    ObjectStore store = new ObjectStore(100, 100);
    String key = ResourceRegistry.CONFIG_MAP.objectKey("default", "a");
    store.apply(pid("a"), 1, 10, new ObjectEntity.Created(configMap("a", "x")));
    store.apply(pid("a"), 2, 11, new ObjectEntity.Deleted(configMap("a", "x")));
    StoredObject answered = store.awaitEntityVersion(key, 2).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals("11", Json.text(answered.object(), "metadata.resourceVersion"));
    assertTrue(store.get(ResourceRegistry.CONFIG_MAP, "default", "a").isEmpty(), "gone from the store itself");
    store.apply(pid("a"), 3, 12, new ObjectEntity.Created(configMap("a", "z")));
    assertEquals(12, store.awaitEntityVersion(key, 3).toCompletableFuture().get(5, TimeUnit.SECONDS)
        .resourceVersion(), "created again: the live object, not the old deletion");
  }

  @Test
  void aSlowWatcherIsClosedInsteadOfBufferingWithoutBound() throws Exception {
    ObjectStore store = new ObjectStore(100, 2);
    var stream = store.watch(0L, o -> true, false, testKit.system());
    for (int i = 1; i <= 200; i++) {
      store.apply(pid("n" + i), 1, i, new ObjectEntity.Created(configMap("n" + i, "x")));
    }
    // Nobody reads: after the buffer (plus the stream's small internal buffer) fills, the watch ends.
    List<WatchEvent> got = stream.runWith(Sink.seq(), testKit.system()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertTrue(got.size() < 200, "the stream ends after what fit; the client re-watches from its last version");
    assertEquals(1, got.get(0).resourceVersion());
  }
}
