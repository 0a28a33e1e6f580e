package io.drover.control.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link ServiceAddressEntity} true to the stored Services (Kubernetes' IP and port allocator repair
 * loops): a deleted Service's addresses are released at once; a periodic pass releases what no stored Service
 * holds (a create that failed after allocating) and re-allocates what a stored Service has but the allocator does
 * not (an update refused after allocating). Runs on the member that owns the "service-addresses" key.
 */
public final class ServiceAddressRepair {
  private static final Logger log = LoggerFactory.getLogger(ServiceAddressRepair.class);
  /** An allocation younger than this may belong to a create still on its way. */
  static final Duration GRACE = Duration.ofSeconds(60);

  private ServiceAddressRepair() {}

  public sealed interface Command {}

  private record Changed(WatchEvent event) implements Command {}

  private record Repair() implements Command {}

  private record Found(Map<String, ServiceAddressEntity.Allocation> byOwner) implements Command {}

  public static Behavior<Command> create(ObjectService service, ServiceAddresses addresses,
      Predicate<String> ownedHere, Duration interval) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Repair(), interval);
      service.store().follow(o -> o.type() == ResourceRegistry.SERVICE, e -> ctx.getSelf().tell(new Changed(e)),
          ctx.getSystem());
      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            if (c.event().type() == WatchEvent.Type.DELETED && ownedHere.test("service-addresses")) {
              addresses.release(Json.text(c.event().object().object(), "metadata.uid", ""));
            }
            return Behaviors.same();
          })
          .onMessage(Repair.class, r -> {
            if (!ownedHere.test("service-addresses")) return Behaviors.same();
            ctx.pipeToSelf(sharding.entityRefFor(ServiceAddressEntity.ENTITY_TYPE_KEY, ServiceAddressEntity.ENTITY_ID)
                    .<ServiceAddressEntity.Reply>ask(ServiceAddressEntity.Get::new, Duration.ofSeconds(10)),
                (reply, error) -> reply instanceof ServiceAddressEntity.Allocations a ? new Found(a.byOwner())
                    : new Found(null));
            return Behaviors.same();
          })
          .onMessage(Found.class, found -> {
            if (found.byOwner() != null) repair(service, addresses, found.byOwner());
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void repair(ObjectService service, ServiceAddresses addresses,
      Map<String, ServiceAddressEntity.Allocation> allocations) {
    Map<String, StoredObject> byUid = new HashMap<>();
    for (StoredObject svc : service.store().list(ResourceRegistry.SERVICE, null).items()) {
      byUid.put(Json.text(svc.object(), "metadata.uid", ""), svc);
    }
    Instant now = Instant.now();
    allocations.forEach((uid, allocation) -> {
      if (!byUid.containsKey(uid) && allocation.at().plus(GRACE).isBefore(now)) {
        log.info("releasing service addresses {} {} that no Service holds", allocation.ip(), allocation.nodePorts());
        addresses.release(uid);
      }
    });
    byUid.forEach((uid, svc) -> {
      ServiceAddresses.Needs held = ServiceAddresses.needs(svc.object());
      ServiceAddressEntity.Allocation allocation = allocations.get(uid);
      boolean wantsSome = (held.ip() != null && !held.ip().isEmpty()) || !held.nodePorts().isEmpty();
      boolean same = allocation != null && allocation.ip().equals(held.ip() == null ? "" : held.ip())
          && allocation.nodePorts().equals(held.nodePorts());
      if (wantsSome && !same) {
        addresses.assign(uid, (ObjectNode) svc.object()).whenComplete((ok, error) -> {
          if (error != null) log.warn("service {}/{} holds addresses another holds: {}", svc.namespace(), svc.name(),
              error.getMessage());
        });
      }
    });
  }
}
