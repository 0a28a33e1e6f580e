package io.drover.control.node;

import io.drover.control.CborSerializable;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * The single writer of one node's allocation: which pods hold how much of its allocatable cpu, memory, pod slots
 * and host ports. Schedulers propose; this entity accepts a reservation only if it fits, so any number of
 * schedulers placing pods at once can never overcommit a node (optimistic, shared-state scheduling as in Omega).
 * Keyed by node name.
 */
public final class NodeAllocationEntity extends EventSourcedBehaviorWithEnforcedReplies<
    NodeAllocationEntity.Command, NodeAllocationEntity.Event, NodeAllocationEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "NodeAllocation");

  /** What the node offers (its allocatable), as the node agent reports it. */
  public record Capacity(long cpuMillis, long memoryBytes, long pods) implements CborSerializable {}

  /** What one pod holds. hostPorts as "protocol/hostIP/port", e.g. "TCP/0.0.0.0/8080". */
  public record Reservation(String podKey, long cpuMillis, long memoryBytes, List<String> hostPorts)
      implements CborSerializable {}

  // --- commands ---

  public sealed interface Command extends CborSerializable {}

  public record SetCapacity(Capacity capacity, ActorRef<Reply> replyTo) implements Command {}

  public record Reserve(Reservation reservation, ActorRef<Reply> replyTo) implements Command {}

  public record Release(String podKey, ActorRef<Reply> replyTo) implements Command {}

  /** Drops reservations of pods not in {@code podKeys}: repairs releases that were lost. */
  public record Retain(Set<String> podKeys, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  // --- replies ---

  public sealed interface Reply extends CborSerializable {}

  public record Accepted(State state) implements Reply {}

  /** The reservation does not fit; reason in the scheduler's words ("Insufficient cpu"). */
  public record Refused(String reason) implements Reply {}

  // --- events ---

  public sealed interface Event extends CborSerializable {}

  public record CapacitySet(Capacity capacity) implements Event {}

  public record Reserved(Reservation reservation) implements Event {}

  public record Released(String podKey) implements Event {}

  // --- state ---

  /** capacity null until the node's agent has reported it; reservations by pod key. */
  public record State(Capacity capacity, Map<String, Reservation> reservations) implements CborSerializable {
    static final State EMPTY = new State(null, Map.of());

    public long cpuMillis() {
      return reservations.values().stream().mapToLong(Reservation::cpuMillis).sum();
    }

    public long memoryBytes() {
      return reservations.values().stream().mapToLong(Reservation::memoryBytes).sum();
    }

    /** Why the reservation does not fit, or null when it does. */
    String misfit(Reservation wanted) {
      if (capacity == null) return "node(s) had not reported their capacity";
      if (reservations.size() + 1 > capacity.pods()) return "Too many pods";
      if (cpuMillis() + wanted.cpuMillis() > capacity.cpuMillis()) return "Insufficient cpu";
      if (memoryBytes() + wanted.memoryBytes() > capacity.memoryBytes()) return "Insufficient memory";
      for (Reservation held : reservations.values()) {
        for (String port : wanted.hostPorts()) {
          if (held.hostPorts().stream().anyMatch(h -> portsClash(h, port))) {
            return "node(s) didn't have free ports for the requested pod ports";
          }
        }
      }
      return null;
    }

    State apply(Event event) {
      if (event instanceof CapacitySet set) {
        return new State(set.capacity(), reservations);
      }
      Map<String, Reservation> next = new TreeMap<>(reservations);
      if (event instanceof Reserved reserved) {
        next.put(reserved.reservation().podKey(), reserved.reservation());
      } else if (event instanceof Released released) {
        next.remove(released.podKey());
      }
      return new State(capacity, Collections.unmodifiableMap(next));
    }
  }

  /** Same protocol and port, and either host IP is the wildcard or both are the same. */
  static boolean portsClash(String a, String b) {
    String[] x = a.split("/", 3);
    String[] y = b.split("/", 3);
    if (!x[0].equals(y[0]) || !x[2].equals(y[2])) return false;
    return x[1].equals(y[1]) || x[1].equals("0.0.0.0") || y[1].equals("0.0.0.0");
  }

  // --- set-up ---

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId()))
        .withRole("control-plane"));
  }

  public static Behavior<Command> create(String nodeName) {
    return new NodeAllocationEntity(nodeName);
  }

  private NodeAllocationEntity(String nodeName) {
    super(PersistenceId.of(ENTITY_TYPE_KEY.name(), nodeName),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
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
        .onCommand(SetCapacity.class, this::onSetCapacity)
        .onCommand(Reserve.class, this::onReserve)
        .onCommand(Release.class, (state, cmd) -> state.reservations().containsKey(cmd.podKey())
            ? Effect().persist(new Released(cmd.podKey())).thenReply(cmd.replyTo(), Accepted::new)
            : Effect().reply(cmd.replyTo(), new Accepted(state)))
        .onCommand(Retain.class, this::onRetain)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Accepted(state)))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  private ReplyEffect<Event, State> onSetCapacity(State state, SetCapacity cmd) {
    if (cmd.capacity().equals(state.capacity())) {
      return Effect().reply(cmd.replyTo(), new Accepted(state));
    }
    return Effect().persist(new CapacitySet(cmd.capacity())).thenReply(cmd.replyTo(), Accepted::new);
  }

  private ReplyEffect<Event, State> onReserve(State state, Reserve cmd) {
    Reservation wanted = cmd.reservation();
    if (wanted.equals(state.reservations().get(wanted.podKey()))) {
      return Effect().reply(cmd.replyTo(), new Accepted(state)); // a retried reservation
    }
    String misfit = state.misfit(wanted);
    if (misfit != null) {
      return Effect().reply(cmd.replyTo(), new Refused(misfit));
    }
    return Effect().persist(new Reserved(wanted)).thenReply(cmd.replyTo(), Accepted::new);
  }

  private ReplyEffect<Event, State> onRetain(State state, Retain cmd) {
    List<Event> releases = state.reservations().keySet().stream()
        .filter(key -> !cmd.podKeys().contains(key))
        .<Event>map(Released::new)
        .toList();
    if (releases.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Accepted(state));
    }
    return Effect().persist(releases).thenReply(cmd.replyTo(), Accepted::new);
  }
}
