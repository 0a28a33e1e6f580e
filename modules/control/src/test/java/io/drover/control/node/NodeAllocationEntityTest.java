package io.drover.control.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.drover.control.node.NodeAllocationEntity.Accepted;
import io.drover.control.node.NodeAllocationEntity.Capacity;
import io.drover.control.node.NodeAllocationEntity.Command;
import io.drover.control.node.NodeAllocationEntity.Event;
import io.drover.control.node.NodeAllocationEntity.Refused;
import io.drover.control.node.NodeAllocationEntity.Reply;
import io.drover.control.node.NodeAllocationEntity.Reservation;
import io.drover.control.node.NodeAllocationEntity.State;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class NodeAllocationEntityTest {
  static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.serialization-bindings { "io.drover.control.CborSerializable" = jackson-cbor }
      """).withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static EventSourcedBehaviorTestKit<Command, Event, State> node(String name) {
    EventSourcedBehaviorTestKit<Command, Event, State> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(), NodeAllocationEntity.create(name));
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.SetCapacity(new Capacity(1000, 1024, 3), r));
    return kit;
  }

  static Reservation pod(String key, long cpu, long memory, String... ports) {
    return new Reservation(key, cpu, memory, List.of(ports));
  }

  @Test
  void reservationsAreAcceptedUntilTheNodeIsFullThenRefusedWithTheReason() {
    var kit = node("n1");
    assertInstanceOf(Accepted.class, kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("a", 600, 100), r)).reply());
    var cpu = kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("b", 500, 100), r));
    assertEquals("Insufficient cpu", assertInstanceOf(Refused.class, cpu.reply()).reason());
    assertTrue(cpu.hasNoEvents());
    var memory = kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("c", 100, 2000), r));
    assertEquals("Insufficient memory", assertInstanceOf(Refused.class, memory.reply()).reason());
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("d", 0, 0), r));
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("e", 0, 0), r));
    var slots = kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("f", 0, 0), r));
    assertEquals("Too many pods", assertInstanceOf(Refused.class, slots.reply()).reason());
  }

  @Test
  void aReleaseFreesTheRoomAndARetriedReservationIsIdempotent() {
    var kit = node("n2");
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("a", 900, 0), r));
    var again = kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("a", 900, 0), r));
    assertInstanceOf(Accepted.class, again.reply());
    assertTrue(again.hasNoEvents());
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Release("a", r));
    assertInstanceOf(Accepted.class, kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("b", 900, 0), r)).reply());
  }

  @Test
  void hostPortsClashOnTheSameProtocolAndAddress() {
    var kit = node("n3");
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("a", 0, 0, "TCP/0.0.0.0/8080"), r));
    assertInstanceOf(Refused.class, kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("b", 0, 0, "TCP/127.0.0.1/8080"), r)).reply());
    assertInstanceOf(Accepted.class, kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("c", 0, 0, "UDP/0.0.0.0/8080"), r)).reply());
  }

  @Test
  void retainDropsReservationsOfPodsThatNoLongerExistAndSurvivesRecovery() {
    var kit = node("n4");
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("keep", 100, 0), r));
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("gone", 100, 0), r));
    kit.<Reply>runCommand(r -> new NodeAllocationEntity.Retain(Set.of("keep"), r));
    kit.restart();
    assertEquals(Set.of("keep"), kit.getState().reservations().keySet());
    assertEquals(1000, kit.getState().capacity().cpuMillis());
  }

  @Test
  void aNodeWithoutReportedCapacityRefuses() {
    var kit = EventSourcedBehaviorTestKit.<Command, Event, State>create(testKit.system(),
        NodeAllocationEntity.create("unknown"));
    assertInstanceOf(Refused.class, kit.<Reply>runCommand(r -> new NodeAllocationEntity.Reserve(pod("a", 0, 0), r)).reply());
  }
}
