package io.drover.control.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.drover.control.network.ServiceAddressEntity.Allocate;
import io.drover.control.network.ServiceAddressEntity.Allocated;
import io.drover.control.network.ServiceAddressEntity.Command;
import io.drover.control.network.ServiceAddressEntity.Event;
import io.drover.control.network.ServiceAddressEntity.Refused;
import io.drover.control.network.ServiceAddressEntity.Reply;
import io.drover.control.network.ServiceAddressEntity.State;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Cluster IPs and NodePorts are never handed out twice, and a taken or out-of-range request says so. */
class ServiceAddressEntityTest {
  static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.serialization-bindings { "io.drover.control.CborSerializable" = jackson-cbor }
      """).withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static EventSourcedBehaviorTestKit<Command, Event, State> allocator(String cidr, int first, int last) {
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        ServiceAddressEntity.create(ServiceRanges.of(cidr, first, last)));
  }

  static Reply allocate(EventSourcedBehaviorTestKit<Command, Event, State> kit, String owner, String ip,
      List<Integer> ports) {
    return kit.<Reply>runCommand(r -> new Allocate(owner, ip, ports, r)).reply();
  }

  @Test
  void everyAddressOfASmallRangeGoesOnceThenTheRangeIsFull() {
    var kit = allocator("127.96.0.0/29", 30000, 30002); // 8 addresses: 5 to hand out
    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      Allocated a = assertInstanceOf(Allocated.class, allocate(kit, "svc-" + i, "", List.of()));
      assertTrue(ips.add(a.allocation().ip()), "given twice: " + a.allocation().ip());
      assertTrue(ServiceRanges.of("127.96.0.0/29", 1, 2).containsIp(a.allocation().ip()));
    }
    assertEquals(Set.of("127.96.0.2", "127.96.0.3", "127.96.0.4", "127.96.0.5", "127.96.0.6"), ips);
    Refused full = assertInstanceOf(Refused.class, allocate(kit, "svc-5", "", List.of()));
    assertTrue(full.message().contains("range is full"), full.message());
    kit.<Reply>runCommand(r -> new ServiceAddressEntity.Release("svc-0", r));
    assertInstanceOf(Allocated.class, allocate(kit, "svc-5", "", List.of()));
  }

  @Test
  void requestedAddressesAndPortsMustBeFreeAndInRange() {
    var kit = allocator("127.96.0.0/16", 30000, 32767);
    Allocated a = assertInstanceOf(Allocated.class, allocate(kit, "a", "127.96.1.1", List.of(30080, 0)));
    assertEquals("127.96.1.1", a.allocation().ip());
    assertEquals(30080, a.allocation().nodePorts().get(0));
    assertNotEquals(30080, a.allocation().nodePorts().get(1));
    Refused ip = assertInstanceOf(Refused.class, allocate(kit, "b", "127.96.1.1", List.of()));
    assertEquals(-1, ip.index());
    assertEquals("failed to allocate IP 127.96.1.1: provided IP is already allocated", ip.message());
    Refused port = assertInstanceOf(Refused.class, allocate(kit, "b", "", List.of(31000, 30080)));
    assertEquals(1, port.index());
    assertEquals("provided port is already allocated", port.message());
    Refused outside = assertInstanceOf(Refused.class, allocate(kit, "b", "10.0.0.1", List.of()));
    assertTrue(outside.message().contains("is not in the valid range. The range of valid IPs is 127.96.0.0/16"));
    Refused lowPort = assertInstanceOf(Refused.class, allocate(kit, "b", "", List.of(8080)));
    assertTrue(lowPort.message().contains("valid range. The range of valid ports is 30000-32767"));
  }

  @Test
  void anUpdateKeepsWhatTheServiceHeldAndTheStateSurvivesARestart() {
    var kit = allocator("127.96.0.0/16", 30000, 32767);
    Allocated first = assertInstanceOf(Allocated.class, allocate(kit, "a", "", List.of(0)));
    Allocated again = assertInstanceOf(Allocated.class, allocate(kit, "a", "", List.of(0, 0)));
    assertEquals(first.allocation().ip(), again.allocation().ip());
    assertEquals(first.allocation().nodePorts().get(0), again.allocation().nodePorts().get(0));
    Allocated clusterIpOnly = assertInstanceOf(Allocated.class, allocate(kit, "a", "", List.of()));
    assertEquals(List.of(), clusterIpOnly.allocation().nodePorts(), "NodePort to ClusterIP gives its ports back");
    kit.restart();
    Refused taken = assertInstanceOf(Refused.class, allocate(kit, "b", first.allocation().ip(), List.of()));
    assertTrue(taken.message().contains("already allocated"));
  }
}
