package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.control.store.ObjectEntity;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.FutureConverters;

/**
 * Three members; the third is cut off from the other two by a simulated network partition: Artery's test mode
 * drops every message between them, both ways, on both sides (what Pekko's own multi-node tests do with
 * TestConductor blackhole). The Split Brain Resolver (keep-majority) must end it with one cluster: the minority
 * member downs itself and its actor system stops, the two others remove it and keep serving the API, including
 * the objects whose entities ran on the lost member (they recover from the journal on the survivors).
 *
 * <p>Failure detection and the resolver's stable-after are short here so the test is quick; the measured times
 * from the partition to each outcome are printed.
 */
class SplitBrainTest {
  static final Duration DEADLINE = Duration.ofSeconds(45);
  /** Blackholing needs Artery's test mode; quick failure detection and resolver decisions keep the test short. */
  static final Map<String, Object> PARTITIONABLE = Map.of(
      "pekko.remote.artery.advanced.test-mode", "on",
      "pekko.cluster.split-brain-resolver.stable-after", "3s",
      "pekko.cluster.failure-detector.heartbeat-interval", "500ms",
      "pekko.cluster.failure-detector.acceptable-heartbeat-pause", "2s",
      // Only the control plane: no node agent, so three members stay light.
      "pekko.cluster.roles", List.of("control-plane"));
  static final int CONFIG_MAPS = 30;

  static TestServers.Member memberA;
  static TestServers.Member memberB;
  static TestServers.Member memberC;

  /** A cluster event as one member saw it, with when (System.nanoTime). */
  record Seen(long at, ClusterEvent.ClusterDomainEvent event) {}

  static final Map<String, ConcurrentLinkedQueue<Seen>> EVENTS = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    memberA = TestServers.startMember(PARTITIONABLE);
    memberB = TestServers.joinMember(memberA, PARTITIONABLE);
    memberC = TestServers.joinMember(memberA, PARTITIONABLE);
    for (var entry : Map.of("a", memberA, "b", memberB, "c", memberC).entrySet()) {
      EVENTS.put(entry.getKey(), recordClusterEvents(entry.getValue().server().system()));
    }
    for (TestServers.Member member : List.of(memberA, memberB, memberC)) {
      Polling.await(() -> members(member).values().stream().filter(s -> s == MemberStatus.up()).count() == 3
          ? true : null, DEADLINE, "three members up, as " + address(member) + " sees it");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(memberA, memberB, memberC);
  }

  @Test
  void theMemberCutOffFromTheMajorityDownsItselfAndTheMajorityRemovesItAndKeepsServing() throws Exception {
    // Objects whose entities spread over the three members' shards; one of them runs on member c.
    String configMaps = IntStream.range(0, CONFIG_MAPS).mapToObj(i -> """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: sb-%d}
        data: {k: v%d}
        """.formatted(i, i)).collect(Collectors.joining("---\n"));
    memberA.kubectl().runWithInput(configMaps, "apply", "-f", "-").assertOk();
    String onC = Polling.await(() -> configMapEntitiesOn(memberC).stream().findFirst().orElse(null), DEADLINE,
        "a ConfigMap entity running on member c");
    String name = onC.substring(onC.lastIndexOf('/') + 1);
    String uid = memberA.kubectl().run("get", "configmap", name, "-o", "jsonpath={.metadata.uid}").assertOk()
        .stdout();

    Address a = address(memberA);
    Address b = address(memberB);
    Address c = address(memberC);
    ActorSystem<Void> minority = memberC.server().system();
    AtomicLong minorityTerminatedAt = new AtomicLong();
    minority.getWhenTerminated().thenRun(() -> minorityTerminatedAt.set(System.nanoTime()));

    long partitionedAt = System.nanoTime();
    blackhole(memberA, c);
    blackhole(memberB, c);
    blackhole(memberC, a);
    blackhole(memberC, b);

    // The minority downs itself and its actor system stops (pekko.cluster.run-coordinated-shutdown-when-down).
    minority.getWhenTerminated().toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    MemberStatus lastStatus = Cluster.get(minority).selfMember().status();
    assertTrue(lastStatus == MemberStatus.down() || lastStatus == MemberStatus.removed(), lastStatus.toString());
    assertTrue(Main.downed(minority), "member c stopped because it was downed (bin/drover up exits 1)");

    // The majority removes it, and no member of the majority was downed.
    for (TestServers.Member survivor : List.of(memberA, memberB)) {
      Polling.await(() -> members(survivor).equals(Map.of(a, MemberStatus.up(), b, MemberStatus.up())) ? true : null,
          DEADLINE, "members a and b up and c removed, as " + address(survivor) + " sees it");
      assertEquals(MemberStatus.up(), Cluster.get(survivor.server().system()).selfMember().status());
      assertFalse(survivor.server().system().getWhenTerminated().toCompletableFuture().isDone());
    }
    for (String side : List.of("a", "b")) {
      for (Seen seen : EVENTS.get(side)) {
        if (seen.event() instanceof ClusterEvent.MemberDowned downed) {
          assertEquals(c, downed.member().address(), "only member c is downed, as " + side + " saw it");
        }
      }
    }
    long removedAt = firstAfter(partitionedAt, "a", ClusterEvent.MemberRemoved.class, c);

    // The API through the majority: a create, and an update and get of the object whose entity ran on member c.
    Kubectl viaB = memberB.kubectl();
    Polling.await(() -> viaB.runWithInput("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: after-partition}
        data: {k: created}
        """, "apply", "-f", "-").exitCode() == 0 ? true : null, DEADLINE, "a create through member b");
    Polling.await(() -> viaB.run("label", "configmap", name, "partition=survived", "--overwrite").exitCode() == 0
        ? true : null, DEADLINE, "an update of " + name + " through member b");
    long updatedAt = System.nanoTime();
    Polling.await(() -> memberA.kubectl().run("get", "configmap", "after-partition", name, "-o",
        "jsonpath={range .items[*]}{.metadata.name}={.data.k},{.metadata.labels.partition};{end}").stdout()
        .equals("after-partition=created,;" + name + "=v" + name.substring(3) + ",survived;") ? true : null,
        DEADLINE, "both ConfigMaps through member a");
    assertEquals(uid, viaB.run("get", "configmap", name, "-o", "jsonpath={.metadata.uid}").assertOk().stdout(),
        "the same object, recovered from the journal, not a new one");
    assertTrue(configMapEntitiesOn(memberA).contains(onC) || configMapEntitiesOn(memberB).contains(onC),
        onC + " runs on a survivor");

    long unreachableAt = firstAfter(partitionedAt, "a", ClusterEvent.UnreachableMember.class, c);
    long downedAt = firstAfter(partitionedAt, "a", ClusterEvent.MemberDowned.class, c);
    long selfDownedAt = firstAfter(partitionedAt, "c", ClusterEvent.MemberDowned.class, c);
    var config = memberA.server().system().settings().config();
    System.out.printf("split brain (acceptable-heartbeat-pause %s, stable-after %s), times after the partition: "
            + "majority sees c unreachable %d ms, downs it %d ms, removes it %d ms; "
            + "minority downs itself %d ms, its actor system terminated %d ms; "
            + "an object whose entity ran on c updated through b %d ms%n",
        config.getString("pekko.cluster.failure-detector.acceptable-heartbeat-pause"),
        config.getString("pekko.cluster.split-brain-resolver.stable-after"),
        ms(unreachableAt - partitionedAt), ms(downedAt - partitionedAt), ms(removedAt - partitionedAt),
        ms(selfDownedAt - partitionedAt), ms(minorityTerminatedAt.get() - partitionedAt),
        ms(updatedAt - partitionedAt));
  }

  /**
   * Scala's Direction.Both, an object nested in an object: javac cannot name its class (it looks for
   * ThrottlerTransportAdapter$Direction$$Both$), so it is looked up by its binary name.
   */
  static final ThrottlerTransportAdapter.Direction BOTH_DIRECTIONS = bothDirections();

  static ThrottlerTransportAdapter.Direction bothDirections() {
    try {
      return (ThrottlerTransportAdapter.Direction) Class.forName(
          "org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Direction$Both$").getField("MODULE$").get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Drops every message between this member and {@code other}, both ways, in this member's Artery transport. */
  static void blackhole(TestServers.Member member, Address other) throws Exception {
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(member.server().system());
    Object done = FutureConverters.asJava(((RemoteActorRefProvider) classic.provider()).transport().managementCommand(
        new ThrottlerTransportAdapter.SetThrottle(other, BOTH_DIRECTIONS, ThrottlerTransportAdapter.Blackhole$.MODULE$))).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Boolean.TRUE, done, "Artery's test mode accepted the blackhole");
  }

  static Address address(TestServers.Member member) {
    return Cluster.get(member.server().system()).selfMember().address();
  }

  /** The members this member knows, with their status; an unreachable member counts as null. */
  static Map<Address, MemberStatus> members(TestServers.Member member) {
    var state = Cluster.get(member.server().system()).state();
    Set<Member> unreachable = state.getUnreachable();
    Map<Address, MemberStatus> members = new HashMap<>();
    state.getMembers().forEach(m -> members.put(m.address(), unreachable.contains(m) ? null : m.status()));
    return members;
  }

  /** Entity ids of this test's ConfigMaps whose entities run on the member. */
  static List<String> configMapEntitiesOn(TestServers.Member member) {
    ActorSystem<Void> system = member.server().system();
    try {
      ShardRegion.CurrentShardRegionState state = AskPattern.<ClusterShardingQuery,
          ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(system).shardState(),
              replyTo -> new GetShardRegionState(ObjectEntity.ENTITY_TYPE_KEY, replyTo), Duration.ofSeconds(5),
              system.scheduler()).toCompletableFuture().get();
      return state.getShards().stream().flatMap(shard -> shard.getEntityIds().stream())
          .filter(id -> id.matches(".*/ConfigMap/default/sb-\\d+")).sorted().toList();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Records every cluster event the member sees, with when it saw it. */
  static ConcurrentLinkedQueue<Seen> recordClusterEvents(ActorSystem<Void> system) {
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    system.systemActorOf(Behaviors.<ClusterEvent.ClusterDomainEvent>setup(context -> {
      Cluster.get(system).subscriptions().tell(
          Subscribe.create(context.getSelf(), ClusterEvent.ClusterDomainEvent.class));
      return Behaviors.receiveMessage(event -> {
        seen.add(new Seen(System.nanoTime(), event));
        return Behaviors.same();
      });
    }), "split-brain-test-events", Props.empty());
    return seen;
  }

  /** When the member first saw an event of this type about {@code about} after {@code after}. */
  static long firstAfter(long after, String member, Class<? extends ClusterEvent.ClusterDomainEvent> type,
      Address about) {
    return EVENTS.get(member).stream()
        .filter(s -> s.at() >= after && type.isInstance(s.event()) && about.equals(subject(s.event())))
        .mapToLong(Seen::at).findFirst()
        .orElseThrow(() -> new AssertionError(member + " saw no " + type.getSimpleName() + " of " + about));
  }

  static Address subject(ClusterEvent.ClusterDomainEvent event) {
    if (event instanceof ClusterEvent.MemberEvent memberEvent) return memberEvent.member().address();
    if (event instanceof ClusterEvent.ReachabilityEvent reachability) return reachability.member().address();
    return null;
  }

  static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
