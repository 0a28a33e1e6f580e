package io.drover.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectEntity.Command;
import io.drover.control.store.ObjectEntity.Event;
import io.drover.control.store.ObjectEntity.Result;
import io.drover.control.store.ObjectEntity.Scope;
import io.drover.control.store.ObjectEntity.State;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ObjectEntityTest {
  static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.serialization-bindings { "io.drover.control.CborSerializable" = jackson-cbor }
      """).withFallback(EventSourcedBehaviorTestKit.config()));
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static EventSourcedBehaviorTestKit<Command, Event, State> entity(String key) {
    return EventSourcedBehaviorTestKit.create(testKit.system(), ObjectEntity.create(key, 100, CLOCK));
  }

  private static ObjectNode object(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectEntity.Done done(CommandResultWithReply<Command, Event, State, Result> result) {
    return assertInstanceOf(ObjectEntity.Done.class, result.reply());
  }

  private static ObjectEntity.Refused refused(CommandResultWithReply<Command, Event, State, Result> result) {
    assertTrue(result.hasNoEvents(), "a refusal persists nothing");
    return assertInstanceOf(ObjectEntity.Refused.class, result.reply());
  }

  @Test
  void createStampsUidCreationTimeAndDropsClientResourceVersion() {
    var kit = entity("core/ConfigMap/default/a");
    var created = kit.<Result>runCommand(r -> new ObjectEntity.Create(
        object("{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"99\"},\"data\":{\"k\":\"v\"}}"), false, r));
    ObjectNode stored = done(created).object();
    assertNotNull(Json.text(stored, "metadata.uid"));
    assertEquals("2026-01-02T03:04:05Z", Json.text(stored, "metadata.creationTimestamp"));
    assertNull(Json.text(stored, "metadata.resourceVersion"));
    assertNull(Json.at(stored, "metadata.generation"), "configmaps do not count generations");
    assertEquals(1, done(created).version());
    assertInstanceOf(ObjectEntity.Created.class, created.event());
  }

  @Test
  void createOfAnExistingObjectIsRefusedWithAlreadyExists() {
    var kit = entity("core/ConfigMap/default/b");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"b\"}}"), false, r));
    var again = kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"b\"}}"), false, r));
    assertEquals(409, refused(again).code());
    assertEquals("AlreadyExists", refused(again).reason());
  }

  @Test
  void staleVersionIsRejectedWithConflict() {
    var kit = entity("core/ConfigMap/default/c");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"c\"}}"), false, r));
    kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"1\"}}"), 1, Scope.MAIN, false, r));
    var stale = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"2\"}}"), 1, Scope.MAIN, false, r));
    assertEquals("Conflict", refused(stale).reason());
    assertEquals("1", Json.text(kit.getState().object(), "data.a"));
  }

  @Test
  void specChangeBumpsGenerationButStatusAndMetadataChangesDoNot() {
    var kit = entity("apps/Deployment/default/web");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":1}}"), false, r));
    assertEquals(1, Json.at(kit.getState().object(), "metadata.generation").asInt());
    done(kit.runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"web\",\"labels\":{\"a\":\"b\"}},\"spec\":{\"replicas\":1}}"), 0, Scope.MAIN, false, r)));
    assertEquals(1, Json.at(kit.getState().object(), "metadata.generation").asInt());
    done(kit.runCommand(r -> new ObjectEntity.Update(object("{\"status\":{\"replicas\":1}}"), 0, Scope.STATUS, false, r)));
    assertEquals(1, Json.at(kit.getState().object(), "metadata.generation").asInt());
    done(kit.runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":3}}"), 0, Scope.MAIN, false, r)));
    assertEquals(2, Json.at(kit.getState().object(), "metadata.generation").asInt());
  }

  @Test
  void mainUpdateCannotChangeStatusAndStatusUpdateCannotChangeSpec() {
    var kit = entity("apps/Deployment/default/split");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"split\"},\"spec\":{\"replicas\":1}}"), false, r));
    kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"spec\":{\"replicas\":9},\"status\":{\"replicas\":1}}"), 0, Scope.STATUS, false, r));
    kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"split\"},\"spec\":{\"replicas\":2},\"status\":{\"replicas\":7}}"), 0, Scope.MAIN, false, r));
    ObjectNode state = kit.getState().object();
    assertEquals(2, Json.at(state, "spec.replicas").asInt());
    assertEquals(1, Json.at(state, "status.replicas").asInt());
  }

  @Test
  void unchangedUpdatePersistsNothingAndKeepsVersion() {
    var kit = entity("core/ConfigMap/default/same");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"same\"},\"data\":{\"a\":\"1\"}}"), false, r));
    var result = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"same\"},\"data\":{\"a\":\"1\"}}"), 1, Scope.MAIN, false, r));
    assertTrue(result.hasNoEvents());
    assertEquals(1, done(result).version());
  }

  @Test
  void finalizersHoldDeletionUntilTheLastIsRemoved() {
    var kit = entity("core/ConfigMap/default/fin");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/x\"]}}"), false, r));
    var deleting = kit.<Result>runCommand(r -> new ObjectEntity.Delete(null, 0, null, false, r));
    assertFalse(done(deleting).deleted());
    assertNotNull(Json.text(kit.getState().object(), "metadata.deletionTimestamp"));
    var addFinalizer = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/x\",\"example.com/y\"]}}"), 0, Scope.MAIN, false, r));
    assertEquals(422, refused(addFinalizer).code());
    var removed = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"fin\",\"finalizers\":[]}}"), 0, Scope.MAIN, false, r));
    assertTrue(done(removed).deleted());
    assertInstanceOf(ObjectEntity.Deleted.class, removed.event());
    assertNull(kit.getState().object());
  }

  @Test
  void namespaceDeletionTerminatesThenFinalizeDeletes() {
    var kit = entity("core/Namespace//team");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"team\"},\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}"), false, r));
    done(kit.runCommand(r -> new ObjectEntity.Delete(null, 0, null, false, r)));
    assertEquals("Terminating", Json.text(kit.getState().object(), "status.phase"));
    var finalized = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"spec\":{\"finalizers\":[]}}"), 0, Scope.FINALIZE, false, r));
    assertTrue(done(finalized).deleted());
  }

  @Test
  void deletePreconditionsAreChecked() {
    var kit = entity("core/ConfigMap/default/pre");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"pre\"}}"), false, r));
    assertEquals("Conflict", refused(kit.runCommand(r -> new ObjectEntity.Delete("not-the-uid", 0, null, false, r))).reason());
    assertEquals("Conflict", refused(kit.runCommand(r -> new ObjectEntity.Delete(null, 7, null, false, r))).reason());
    String uid = Json.text(kit.getState().object(), "metadata.uid");
    assertTrue(done(kit.runCommand(r -> new ObjectEntity.Delete(uid, 1, null, false, r))).deleted());
  }

  @Test
  void dryRunPersistsNothing() {
    var kit = entity("core/ConfigMap/default/dry");
    var result = kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"dry\"}}"), true, r));
    assertTrue(result.hasNoEvents());
    assertNotNull(Json.text(done(result).object(), "metadata.uid"));
    assertNull(kit.getState().object());
  }

  @Test
  void missingObjectAnswersNotFound() {
    var kit = entity("core/ConfigMap/default/none");
    assertEquals(404, refused(kit.runCommand(r -> new ObjectEntity.Update(object("{}"), 0, Scope.MAIN, false, r))).code());
    assertEquals(404, refused(kit.runCommand(r -> new ObjectEntity.Delete(null, 0, null, false, r))).code());
    assertEquals(404, refused(kit.runCommand(ObjectEntity.Get::new)).code());
  }

  @Test
  void recoveryRestoresObjectAndVersion() {
    var kit = entity("core/ConfigMap/default/rec");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"rec\"}}"), false, r));
    kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"metadata\":{\"name\":\"rec\"},\"data\":{\"a\":\"1\"}}"), 1, Scope.MAIN, false, r));
    String uid = Json.text(kit.getState().object(), "metadata.uid");
    kit.restart();
    assertEquals(2, kit.getState().version());
    assertEquals(uid, Json.text(kit.getState().object(), "metadata.uid"));
    assertEquals("1", Json.text(kit.getState().object(), "data.a"));
  }

  @Test
  void registryKnowsEveryKeyPrefix() {
    assertEquals(ResourceRegistry.NAMESPACE, ResourceRegistry.byKey("core/Namespace//x").orElseThrow());
    assertEquals(ResourceRegistry.DEPLOYMENT, ResourceRegistry.byKey("apps/Deployment/ns/x").orElseThrow());
  }

  @Test
  void bindingAssignsAnUnboundPodOnceAndMarksItScheduled() {
    var kit = entity("core/Pod/default/p");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"p\"},\"spec\":{}}"), false, r));
    done(kit.runCommand(r -> new ObjectEntity.Update(object("{\"spec\":{\"nodeName\":\"n1\"}}"), 0, Scope.BIND, false, r)));
    ObjectNode pod = kit.getState().object();
    assertEquals("n1", Json.text(pod, "spec.nodeName"));
    assertEquals("PodScheduled", Json.text(pod.at("/status/conditions/0"), "type"));
    assertEquals("True", Json.text(pod.at("/status/conditions/0"), "status"));
    var again = kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"spec\":{\"nodeName\":\"n2\"}}"), 0, Scope.BIND, false, r));
    assertEquals(409, refused(again).code());
    assertEquals("n1", Json.text(kit.getState().object(), "spec.nodeName"));
  }

  @Test
  void deletingABoundPodWaitsForItsGracePeriodUntilDeletedWithGraceZero() {
    var kit = entity("core/Pod/default/g");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"g\"},\"spec\":{\"terminationGracePeriodSeconds\":20}}"), false, r));
    kit.<Result>runCommand(r -> new ObjectEntity.Update(object("{\"spec\":{\"nodeName\":\"n1\"}}"), 0, Scope.BIND, false, r));
    var graceful = kit.<Result>runCommand(r -> new ObjectEntity.Delete(null, 0, null, false, r));
    assertFalse(done(graceful).deleted());
    assertEquals(20, Json.at(kit.getState().object(), "metadata.deletionGracePeriodSeconds").asInt());
    assertEquals("2026-01-02T03:04:25Z", Json.text(kit.getState().object(), "metadata.deletionTimestamp"));
    var shorter = kit.<Result>runCommand(r -> new ObjectEntity.Delete(null, 0, 5L, false, r));
    assertEquals(5, Json.at(done(shorter).object(), "metadata.deletionGracePeriodSeconds").asInt());
    var longer = kit.<Result>runCommand(r -> new ObjectEntity.Delete(null, 0, 60L, false, r));
    assertTrue(longer.hasNoEvents(), "a longer grace does not extend the deadline");
    assertTrue(done(kit.runCommand(r -> new ObjectEntity.Delete(null, 0, 0L, false, r))).deleted());
  }

  @Test
  void anUnboundPodIsDeletedAtOnce() {
    var kit = entity("core/Pod/default/u");
    kit.<Result>runCommand(r -> new ObjectEntity.Create(object("{\"metadata\":{\"name\":\"u\"},\"spec\":{}}"), false, r));
    assertTrue(done(kit.runCommand(r -> new ObjectEntity.Delete(null, 0, null, false, r))).deleted());
  }
}
