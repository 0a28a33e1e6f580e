package io.drover.control.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' PVC protection: every claim is created with the {@value #FINALIZER} finalizer (see ObjectService),
 * and a deleted claim keeps it, Terminating, while a pod that is not finished still uses it, so the volume is not
 * released (and with reclaim policy Delete, wiped) under a running container. This controller removes the finalizer
 * once no such pod is left. Each control-plane member handles the claims it owns by key hash.
 */
public final class ClaimProtection {
  private static final Logger log = LoggerFactory.getLogger(ClaimProtection.class);
  public static final String FINALIZER = "kubernetes.io/pvc-protection";

  private ClaimProtection() {}

  public sealed interface Command {}

  private record Look() implements Command {}

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Look(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.PERSISTENT_VOLUME_CLAIM
          || o.type() == ResourceRegistry.POD, e -> {
            boolean relevant = e.object().type() == ResourceRegistry.PERSISTENT_VOLUME_CLAIM
                || !VolumeClaims.of(e.object().object()).isEmpty();
            if (relevant) ctx.getSelf().tell(new Look());
          }, ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(Look.class, look -> {
            release(service, ownedHere);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void release(ObjectService service, Predicate<String> ownedHere) {
    for (StoredObject claim : service.store().list(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, null).items()) {
      ObjectNode object = claim.object();
      if (!object.path("metadata").has("deletionTimestamp") || !hasFinalizer(object) || !ownedHere.test(claim.key())) {
        continue;
      }
      if (inUse(service, claim)) continue;
      ObjectNode updated = object.deepCopy();
      ArrayNode kept = Json.MAPPER.createArrayNode();
      for (JsonNode f : object.path("metadata").path("finalizers")) {
        if (!FINALIZER.equals(f.asText())) kept.add(f);
      }
      Json.object(updated, "metadata").set("finalizers", kept);
      service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, claim.namespace(), claim.name(), updated,
              ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)
          .exceptionally(error -> {
            log.debug("pvc protection {}: {}", claim.key(), error.toString()); // the next look repairs it
            return null;
          });
    }
  }

  private static boolean hasFinalizer(JsonNode claim) {
    for (JsonNode f : claim.path("metadata").path("finalizers")) {
      if (FINALIZER.equals(f.asText())) return true;
    }
    return false;
  }

  /** A pod of the claim's namespace that names it and has not finished (a terminating one may still run). */
  private static boolean inUse(ObjectService service, StoredObject claim) {
    for (StoredObject pod : service.store().list(ResourceRegistry.POD, claim.namespace()).items()) {
      String phase = Json.text(pod.object(), "status.phase", "");
      if (phase.equals("Succeeded") || phase.equals("Failed")) continue;
      if (VolumeClaims.of(pod.object()).contains(claim.name())) return true;
    }
    return false;
  }

  /** The claim names a pod's volumes refer to. */
  static final class VolumeClaims {
    private VolumeClaims() {}

    static Set<String> of(JsonNode pod) {
      Set<String> names = new HashSet<>();
      for (JsonNode volume : pod.path("spec").path("volumes")) {
        String name = volume.path("persistentVolumeClaim").path("claimName").asText("");
        if (!name.isEmpty()) names.add(name);
      }
      return names;
    }
  }
}
