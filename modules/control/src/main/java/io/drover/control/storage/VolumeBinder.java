package io.drover.control.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of Kubernetes' PersistentVolume controller that static volumes need: a new volume becomes Available; a
 * Pending claim of an Immediate class (or of no class, {@code storageClassName: ""}) is bound to the smallest
 * Available volume of its class that has its access modes, enough capacity and matches its selector (or to the
 * volume it names); a volume whose claim is gone becomes Released. Volumes of the local-path provisioner are its
 * node agent's business (see the agent's LocalPathProvisioner) and are left alone. Runs on the member that owns the
 * "volume-binder" key, so one binder decides at a time; its writes carry resourceVersions.
 */
public final class VolumeBinder {
  private static final Logger log = LoggerFactory.getLogger(VolumeBinder.class);
  static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

  private VolumeBinder() {}

  public sealed interface Command {}

  private record Look() implements Command {}

  private record Done() implements Command {}

  /** One binding: the claim to the volume. */
  record Binding(StoredObject claim, StoredObject volume) {}

  /** What one pass decides: volumes whose phase changes, and bindings. */
  record Plan(List<StoredObject> available, List<StoredObject> released, List<Binding> bindings) {}

  public static Behavior<Command> create(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Look(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.PERSISTENT_VOLUME_CLAIM
          || o.type() == ResourceRegistry.PERSISTENT_VOLUME, e -> ctx.getSelf().tell(new Look()), ctx.getSystem());
      boolean[] busy = {false};
      boolean[] again = {false};
      return Behaviors.receive(Command.class)
          .onMessage(Look.class, look -> {
            if (!ownedHere.test("volume-binder")) return Behaviors.same();
            if (busy[0]) {
              again[0] = true;
              return Behaviors.same();
            }
            busy[0] = true;
            ctx.pipeToSelf(apply(service, plan(
                service.store().list(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, null).items(),
                service.store().list(ResourceRegistry.PERSISTENT_VOLUME, null).items(),
                service.store().list(ResourceRegistry.STORAGE_CLASS, null).items())), (ok, error) -> new Done());
            return Behaviors.same();
          })
          .onMessage(Done.class, done -> {
            busy[0] = false;
            if (again[0]) {
              again[0] = false;
              ctx.getSelf().tell(new Look());
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  static Plan plan(List<StoredObject> claims, List<StoredObject> volumes, List<StoredObject> classes) {
    List<StoredObject> available = new ArrayList<>();
    List<StoredObject> released = new ArrayList<>();
    List<Binding> bindings = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    List<StoredObject> free = new ArrayList<>();
    for (StoredObject volume : volumes) {
      ObjectNode v = volume.object();
      if (v.path("metadata").path("annotations").has(PROVISIONED_BY) || isDeleting(v)) continue;
      JsonNode ref = v.path("spec").path("claimRef");
      String phase = Json.text(v, "status.phase", "");
      if (ref.isMissingNode() || ref.isNull()) {
        if (!phase.equals("Available")) available.add(volume);
        free.add(volume);
        continue;
      }
      Optional<StoredObject> claim = claims.stream().filter(c -> c.namespace().equals(ref.path("namespace").asText())
          && c.name().equals(ref.path("name").asText())).findFirst();
      boolean sameClaim = claim.isPresent() && (ref.path("uid").asText("").isEmpty()
          || ref.path("uid").asText().equals(Json.text(claim.get().object(), "metadata.uid", "")));
      if (!sameClaim && phase.equals("Bound")) released.add(volume);
      if (!sameClaim && !phase.equals("Bound") && !phase.equals("Released")) free.add(volume); // pre-bound, claim to come
    }
    free.sort(Comparator.comparing(v -> capacity(v.object())));
    for (StoredObject claim : claims) {
      ObjectNode c = claim.object();
      if (isDeleting(c) || "Bound".equals(Json.text(c, "status.phase", ""))) continue;
      String className = Json.text(c, "spec.storageClassName", "");
      boolean waits = !className.isEmpty() && classes.stream().filter(s -> s.name().equals(className)).findFirst()
          .map(s -> !"Immediate".equals(Json.text(s.object(), "volumeBindingMode", "Immediate"))).orElse(false);
      String named = Json.text(c, "spec.volumeName", "");
      if (waits && named.isEmpty()) continue; // WaitForFirstConsumer: its provisioner binds it
      for (StoredObject volume : free) {
        if (taken.contains(volume.name())) continue;
        if (!named.isEmpty() ? volume.name().equals(named) : fits(claim, volume.object(), className)) {
          JsonNode ref = volume.object().path("spec").path("claimRef");
          boolean reservedForOther = !ref.isMissingNode() && !ref.isNull()
              && !(ref.path("namespace").asText().equals(claim.namespace())
                  && ref.path("name").asText().equals(claim.name()));
          if (reservedForOther) continue;
          bindings.add(new Binding(claim, volume));
          taken.add(volume.name());
          break;
        }
      }
    }
    return new Plan(available, released, bindings);
  }

  private static boolean fits(StoredObject claim, ObjectNode volume, String className) {
    ObjectNode c = claim.object();
    if (!Json.text(volume, "spec.storageClassName", "").equals(className)) return false;
    JsonNode ref = volume.path("spec").path("claimRef");
    if (!ref.isMissingNode() && !ref.isNull()) {
      if (!ref.path("namespace").asText().equals(claim.namespace()) || !ref.path("name").asText().equals(claim.name())) {
        return false;
      }
    }
    Set<String> modes = new HashSet<>();
    volume.path("spec").path("accessModes").forEach(m -> modes.add(m.asText()));
    for (JsonNode mode : c.path("spec").path("accessModes")) {
      if (!modes.contains(mode.asText())) return false;
    }
    BigDecimal wanted = quantity(c.at("/spec/resources/requests/storage"));
    if (wanted == null || capacity(volume).compareTo(wanted) < 0) return false;
    JsonNode selector = c.path("spec").path("selector");
    if (!selector.isMissingNode() && !selector.isNull()) {
      try {
        if (!LabelSelector.fromJson(selector).matches(io.drover.control.workload.Owners.labels(volume))) return false;
      } catch (ApiException e) {
        return false;
      }
    }
    return true;
  }

  private static CompletionStage<?> apply(ObjectService service, Plan plan) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (StoredObject volume : plan.available()) writes.add(quietly(phase(service, volume, "Available")));
    for (StoredObject volume : plan.released()) writes.add(quietly(phase(service, volume, "Released")));
    for (Binding binding : plan.bindings()) writes.add(quietly(bind(service, binding)));
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** The volume names the claim and is Bound; then the claim names the volume and is Bound with its capacity. */
  private static CompletionStage<?> bind(ObjectService service, Binding binding) {
    ObjectNode volume = binding.volume().object().deepCopy();
    ObjectNode claim = binding.claim().object();
    Json.object(volume, "spec").putObject("claimRef").put("apiVersion", "v1").put("kind", "PersistentVolumeClaim")
        .put("namespace", binding.claim().namespace()).put("name", binding.claim().name())
        .put("uid", Json.text(claim, "metadata.uid", ""));
    return service.update(ResourceRegistry.PERSISTENT_VOLUME, null, binding.volume().name(), volume,
            ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)
        .thenCompose(bound -> phase(service, bound.object(), binding.volume().name(), "Bound"))
        .thenCompose(v -> {
          ObjectNode updated = claim.deepCopy();
          Json.object(updated, "spec").put("volumeName", binding.volume().name());
          Json.object(Json.object(updated, "metadata"), "annotations").put("pv.kubernetes.io/bind-completed", "yes");
          return service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, binding.claim().namespace(),
              binding.claim().name(), updated, ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT);
        })
        .thenCompose(bound -> {
          ObjectNode updated = bound.object().deepCopy();
          ObjectNode status = Json.object(updated, "status");
          status.put("phase", "Bound");
          status.set("accessModes", volume.path("spec").path("accessModes").deepCopy());
          status.set("capacity", volume.path("spec").path("capacity").deepCopy());
          return service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, binding.claim().namespace(),
              binding.claim().name(), updated, ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT);
        });
  }

  private static CompletionStage<?> phase(ObjectService service, StoredObject volume, String phase) {
    return phase(service, volume.object(), volume.name(), phase);
  }

  private static CompletionStage<?> phase(ObjectService service, ObjectNode volume, String name, String phase) {
    ObjectNode updated = volume.deepCopy();
    Json.object(updated, "status").put("phase", phase);
    return service.update(ResourceRegistry.PERSISTENT_VOLUME, null, name, updated, ObjectEntity.Scope.STATUS,
        WriteOptions.DEFAULT);
  }

  private static CompletableFuture<?> quietly(CompletionStage<?> write) {
    return write.toCompletableFuture().exceptionally(error -> {
      log.debug("volume binder: {}", error.toString()); // the next pass repairs it
      return null;
    });
  }

  private static boolean isDeleting(JsonNode object) {
    return object.path("metadata").has("deletionTimestamp");
  }

  private static BigDecimal capacity(JsonNode volume) {
    BigDecimal amount = quantity(volume.at("/spec/capacity/storage"));
    return amount == null ? BigDecimal.ZERO : amount;
  }

  private static BigDecimal quantity(JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) return null;
    try {
      return Quantity.getAmountInBytes(new Quantity(value.asText()));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
