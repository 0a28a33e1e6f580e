package io.drover.control.network;

import io.drover.control.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The single writer of the cluster's Service addresses: which Service (by uid) holds which cluster IP of the
 * service range and which NodePorts of the node-port range. One entity ({@link #ENTITY_ID}) owns both ranges, so a
 * cluster IP or NodePort is never given twice, whichever member serves the create; it is persisted, so it survives
 * any member's death. An allocation request names the whole of what a Service needs and replaces what it held.
 */
public final class ServiceAddressEntity extends EventSourcedBehaviorWithEnforcedReplies<
    ServiceAddressEntity.Command, ServiceAddressEntity.Event, ServiceAddressEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ServiceAddresses");
  public static final String ENTITY_ID = "cluster";

  /** What a Service holds: its cluster IP ("" for none) and NodePorts, and since when (for the repair's grace). */
  public record Allocation(String ip, List<Integer> nodePorts, Instant at) implements CborSerializable {}

  // --- commands ---

  public sealed interface Command extends CborSerializable {}

  /**
   * @param ip "" for any free one, a specific address, or null for none (headless, ExternalName)
   * @param nodePorts one entry per NodePort the Service needs: 0 for any free one (its earlier ones first)
   */
  public record Allocate(String owner, String ip, List<Integer> nodePorts, ActorRef<Reply> replyTo)
      implements Command {}

  public record Release(String owner, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  // --- replies ---

  public sealed interface Reply extends CborSerializable {}

  public record Allocated(Allocation allocation) implements Reply {}

  /** @param index the NodePort's position in the request, or -1 for the cluster IP */
  public record Refused(int index, String value, String message) implements Reply {}

  public record Allocations(Map<String, Allocation> byOwner) implements Reply {}

  // --- events ---

  public sealed interface Event extends CborSerializable {}

  public record AddressesAllocated(String owner, Allocation allocation) implements Event {}

  public record AddressesReleased(String owner) implements Event {}

  // --- state ---

  public record State(Map<String, Allocation> byOwner) implements CborSerializable {
    static final State EMPTY = new State(Map.of());

    String ipOwner(String ip) {
      for (Map.Entry<String, Allocation> e : byOwner.entrySet()) {
        if (e.getValue().ip().equals(ip)) return e.getKey();
      }
      return null;
    }

    String portOwner(int port) {
      for (Map.Entry<String, Allocation> e : byOwner.entrySet()) {
        if (e.getValue().nodePorts().contains(port)) return e.getKey();
      }
      return null;
    }

    State apply(Event event) {
      Map<String, Allocation> next = new TreeMap<>(byOwner);
      if (event instanceof AddressesAllocated a) next.put(a.owner(), a.allocation());
      else if (event instanceof AddressesReleased r) next.remove(r.owner());
      return new State(Collections.unmodifiableMap(next));
    }
  }

  // --- set-up ---

  public static void init(ActorSystem<?> system, ServiceRanges ranges) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ranges))
        .withRole("control-plane"));
  }

  public static Behavior<Command> create(ServiceRanges ranges) {
    return new ServiceAddressEntity(ranges);
  }

  private final ServiceRanges ranges;

  private ServiceAddressEntity(ServiceRanges ranges) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), ENTITY_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.ranges = ranges;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Allocate.class, this::onAllocate)
        .onCommand(Release.class, (state, cmd) -> state.byOwner().containsKey(cmd.owner())
            ? Effect().persist(new AddressesReleased(cmd.owner()))
                .thenReply(cmd.replyTo(), s -> new Allocations(s.byOwner()))
            : Effect().reply(cmd.replyTo(), new Allocations(state.byOwner())))
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Allocations(state.byOwner())))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  private ReplyEffect<Event, State> onAllocate(State state, Allocate cmd) {
    Allocation held = state.byOwner().get(cmd.owner());
    // The cluster IP.
    String ip = "";
    if (cmd.ip() != null) {
      if (!cmd.ip().isEmpty()) {
        if (!ranges.containsIp(cmd.ip())) {
          return Effect().reply(cmd.replyTo(), new Refused(-1, cmd.ip(), "failed to allocate IP " + cmd.ip()
              + ": the provided IP (" + cmd.ip() + ") is not in the valid range. The range of valid IPs is "
              + ranges.cidr()));
        }
        String owner = state.ipOwner(cmd.ip());
        if (owner != null && !owner.equals(cmd.owner())) {
          return Effect().reply(cmd.replyTo(), new Refused(-1, cmd.ip(), "failed to allocate IP " + cmd.ip()
              + ": provided IP is already allocated"));
        }
        ip = cmd.ip();
      } else if (held != null && !held.ip().isEmpty()) {
        ip = held.ip();
      } else {
        ip = freeIp(state);
        if (ip == null) {
          return Effect().reply(cmd.replyTo(), new Refused(-1, "", "failed to allocate a serviceIP: range is full"));
        }
      }
    }
    // The NodePorts: requested ones must be free and in range; the others reuse earlier ones, then free ones.
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < cmd.nodePorts().size(); i++) {
      int wanted = cmd.nodePorts().get(i);
      if (wanted == 0) continue;
      if (!ranges.containsPort(wanted)) {
        return Effect().reply(cmd.replyTo(), new Refused(i, Integer.toString(wanted),
            "provided port is not in the valid range. The range of valid ports is " + ranges.portRange()));
      }
      String owner = state.portOwner(wanted);
      if ((owner != null && !owner.equals(cmd.owner())) || ports.contains(wanted)) {
        return Effect().reply(cmd.replyTo(), new Refused(i, Integer.toString(wanted),
            "provided port is already allocated"));
      }
      ports.add(wanted);
    }
    List<Integer> result = new ArrayList<>();
    List<Integer> reusable = new ArrayList<>(held == null ? List.of() : held.nodePorts());
    reusable.removeAll(ports);
    for (int i = 0; i < cmd.nodePorts().size(); i++) {
      int wanted = cmd.nodePorts().get(i);
      if (wanted != 0) {
        result.add(wanted);
        continue;
      }
      Integer port = reusable.isEmpty() ? freePort(state, cmd.owner(), ports) : reusable.remove(0);
      if (port == null) {
        return Effect().reply(cmd.replyTo(), new Refused(i, "", "failed to allocate a nodePort: range is full"));
      }
      ports.add(port);
      result.add(port);
    }
    Allocation allocation = new Allocation(ip, List.copyOf(result), held != null && held.ip().equals(ip)
        && held.nodePorts().equals(result) ? held.at() : Instant.now());
    if (allocation.equals(held)) return Effect().reply(cmd.replyTo(), new Allocated(held));
    return Effect().persist(new AddressesAllocated(cmd.owner(), allocation))
        .thenReply(cmd.replyTo(), s -> new Allocated(allocation));
  }

  /** A free address, from a random start (so that members racing in tests do not all pick the first). */
  private String freeIp(State state) {
    Set<String> taken = new java.util.HashSet<>();
    state.byOwner().values().forEach(a -> taken.add(a.ip()));
    long size = ranges.ipCount();
    long start = ThreadLocalRandom.current().nextLong(size);
    for (long i = 0; i < size; i++) {
      String candidate = ranges.ipAt((start + i) % size);
      if (candidate != null && !taken.contains(candidate)) return candidate;
    }
    return null;
  }

  private Integer freePort(State state, String owner, List<Integer> alsoTaken) {
    int size = ranges.lastPort() - ranges.firstPort() + 1;
    int start = ThreadLocalRandom.current().nextInt(size);
    for (int i = 0; i < size; i++) {
      int candidate = ranges.firstPort() + (start + i) % size;
      if (!alsoTaken.contains(candidate) && state.portOwner(candidate) == null) return candidate;
    }
    return null;
  }
}
