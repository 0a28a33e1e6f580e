package io.drover.control.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.drover.api.Json;
import io.drover.control.node.NodeAllocationEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several schedulers placing pods at once, each from its own stale view of the nodes, never overcommit a node:
 * the node allocation entities accept only what fits, and a refused placement moves on to the next node.
 */
class ConcurrentSchedulersTest {
  static ActorTestKit testKit;
  static final int NODES = 3;
  static final long NODE_CPU_MILLIS = 1000;
  static final long POD_CPU_MILLIS = 100;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.cluster.roles = ["control-plane"]
        pekko.actor.serialization-bindings { "io.drover.control.CborSerializable" = jackson-cbor }
        """).withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config()));
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    NodeAllocationEntity.init(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static ObjectNode node(String name) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.putObject("metadata").put("name", name);
    ObjectNode status = node.putObject("status");
    status.putObject("allocatable").put("cpu", "1").put("memory", "8Gi").put("pods", "110");
    status.set("capacity", status.get("allocatable").deepCopy());
    return node;
  }

  static ObjectNode pod(String name) {
    ObjectNode pod = Json.MAPPER.createObjectNode();
    pod.putObject("metadata").put("name", name).put("namespace", "default").put("uid", name);
    pod.putObject("spec").putArray("containers").addObject().put("name", "c")
        .putObject("resources").putObject("requests").put("cpu", POD_CPU_MILLIS + "m");
    return pod;
  }

  @Test
  void schedulersWithStaleViewsRacingForScarceNodesNeverOvercommitAny() throws Exception {
    ClusterSharding sharding = ClusterSharding.get(testKit.system());
    List<NodeInfo> staleView = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      String name = "node-" + i;
      staleView.add(new NodeInfo(node(name), List.of()));
      sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, name)
          .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.SetCapacity(
              new NodeAllocationEntity.Capacity(NODE_CPU_MILLIS, 8L << 30, 110), r), Duration.ofSeconds(10))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    int schedulers = 4;
    int podsEach = 30; // 120 pods for 30 slots
    AtomicInteger placed = new AtomicInteger();
    Map<String, String> placement = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int s = 0; s < schedulers; s++) {
      int scheduler = s;
      runs.add(CompletableFuture.runAsync(() -> {
        for (int p = 0; p < podsEach; p++) {
          String name = "pod-" + scheduler + "-" + p;
          // Every scheduler ranks from the same never-updated view: all see every node as empty.
          ScheduleResult ranked = Scheduler.schedule(pod(name), staleView, Profile.defaults());
          String node = place(sharding, name, ranked.rankedNodes()).toCompletableFuture().join();
          if (node != null) {
            placed.incrementAndGet();
            placement.put(name, node);
          }
        }
      }));
    }
    CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    long slots = NODES * (NODE_CPU_MILLIS / POD_CPU_MILLIS);
    assertEquals(slots, placed.get(), "every slot is used, and no more");
    for (int i = 0; i < NODES; i++) {
      NodeAllocationEntity.State state = ((NodeAllocationEntity.Accepted) sharding
          .entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, "node-" + i)
          .<NodeAllocationEntity.Reply>ask(NodeAllocationEntity.Get::new, Duration.ofSeconds(10))
          .toCompletableFuture().get(20, TimeUnit.SECONDS)).state();
      assertTrue(state.cpuMillis() <= NODE_CPU_MILLIS, "node-" + i + " holds " + state.cpuMillis() + "m");
      String node = "node-" + i;
      assertEquals(placement.values().stream().filter(node::equals).count(), state.reservations().size());
    }
  }

  /** Reserve on the best node; on a refusal try the next; null when every node refused. */
  static CompletionStage<String> place(ClusterSharding sharding, String pod, List<String> ranked) {
    if (ranked.isEmpty()) return CompletableFuture.completedFuture(null);
    String node = ranked.get(0);
    return sharding.entityRefFor(NodeAllocationEntity.ENTITY_TYPE_KEY, node)
        .<NodeAllocationEntity.Reply>ask(r -> new NodeAllocationEntity.Reserve(
            new NodeAllocationEntity.Reservation("default/" + pod, POD_CPU_MILLIS, 0, List.of()), r),
            Duration.ofSeconds(10))
        .thenCompose(reply -> reply instanceof NodeAllocationEntity.Accepted
            ? CompletableFuture.completedFuture(node)
            : place(sharding, pod, ranked.subList(1, ranked.size())));
  }
}
