package io.drover.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.DeleteOptions;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local-path provisioner (as rancher's local-path-provisioner, but run by the node agent that owns the
 * disk): a claim of a class with provisioner {@value #PROVISIONER} that the scheduler placed on this node (the
 * {@code volume.kubernetes.io/selected-node} annotation) gets a directory under the agent's volumes directory, a
 * PersistentVolume with a {@code local} source and node affinity to this node, and is bound to it. When the claim
 * goes, the volume is released; with reclaim policy Delete its directory and object are deleted too.
 *
 * <p>Level-triggered: claim and volume events, and a periodic pass, each run one whole pass over the claims and
 * volumes of this node; writes carry resourceVersions, so a stale pass is refused rather than wrong.
 */
public final class LocalPathProvisioner {
  private static final Logger log = LoggerFactory.getLogger(LocalPathProvisioner.class);
  public static final String PROVISIONER = "drover.io/local-path";
  static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
  static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

  private LocalPathProvisioner() {}

  sealed interface Command {}

  private record Poke() implements Command {}

  private record PassDone() implements Command {}

  public static Behavior<Command> create(ObjectService service, String nodeName, Path volumesDir, Duration resync) {
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Poke(), resync);
      List<UniqueKillSwitch> follows = List.of(
          service.store().follow(o -> o.type() == ResourceRegistry.PERSISTENT_VOLUME_CLAIM
              || o.type() == ResourceRegistry.PERSISTENT_VOLUME, e -> ctx.getSelf().tell(new Poke()), ctx.getSystem()));
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      Pass pass = new Pass(service, nodeName, volumesDir, blocking);
      return idle(ctx, pass, follows);
    }))).onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
  }

  private static Behavior<Command> idle(ActorContext<Command> ctx, Pass pass, List<UniqueKillSwitch> follows) {
    return Behaviors.receive(Command.class)
        .onMessage(Poke.class, p -> {
          ctx.pipeToSelf(pass.run(), (ok, error) -> {
            if (error != null) log.debug("local-path pass: {}", error.toString());
            return new PassDone();
          });
          return busy(ctx, pass, follows, false);
        })
        .onMessage(PassDone.class, d -> Behaviors.same())
        .onSignal(PostStop.class, s -> {
          follows.forEach(UniqueKillSwitch::shutdown);
          return Behaviors.same();
        })
        .build();
  }

  private static Behavior<Command> busy(ActorContext<Command> ctx, Pass pass, List<UniqueKillSwitch> follows,
      boolean again) {
    return Behaviors.receive(Command.class)
        .onMessage(Poke.class, p -> busy(ctx, pass, follows, true))
        .onMessage(PassDone.class, d -> {
          if (again) ctx.getSelf().tell(new Poke());
          return idle(ctx, pass, follows);
        })
        .onSignal(PostStop.class, s -> {
          follows.forEach(UniqueKillSwitch::shutdown);
          return Behaviors.same();
        })
        .build();
  }

  /** One pass: provision what was placed here, release and reclaim what lost its claim. */
  record Pass(ObjectService service, String nodeName, Path volumesDir, Executor blocking) {

    CompletionStage<?> run() {
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (StoredObject claim : service.store().list(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, null).items()) {
        if (placedHereUnbound(claim.object())) writes.add(provision(claim));
      }
      for (StoredObject volume : service.store().list(ResourceRegistry.PERSISTENT_VOLUME, null).items()) {
        if (ours(volume.object())) writes.add(reclaimIfReleased(volume));
      }
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    private boolean placedHereUnbound(ObjectNode claim) {
      if (!Json.text(claim, "spec.volumeName", "").isEmpty()) return false;
      if (claim.path("metadata").has("deletionTimestamp")) return false;
      if (!nodeName.equals(claim.path("metadata").path("annotations").path(SELECTED_NODE).asText(""))) return false;
      String className = Json.text(claim, "spec.storageClassName", "");
      return !className.isEmpty() && storageClass(className)
          .map(c -> PROVISIONER.equals(c.path("provisioner").asText(""))).orElse(false);
    }

    private Optional<ObjectNode> storageClass(String name) {
      return service.store().get(ResourceRegistry.STORAGE_CLASS, "", name).map(StoredObject::object);
    }

    /** A volume this node's provisioner made: its directory is here. */
    private boolean ours(ObjectNode volume) {
      return PROVISIONER.equals(volume.path("metadata").path("annotations").path(PROVISIONED_BY).asText(""))
          && Path.of(Json.text(volume, "spec.local.path", "/")).startsWith(volumesDir);
    }

    static String volumeName(ObjectNode claim) {
      return "pvc-" + Json.text(claim, "metadata.uid", "");
    }

    private CompletableFuture<?> provision(StoredObject claim) {
      ObjectNode object = claim.object();
      String name = volumeName(object);
      Path dir = volumesDir.resolve(name + "_" + claim.namespace() + "_" + claim.name());
      ObjectNode storageClass = storageClass(Json.text(object, "spec.storageClassName", "")).orElseThrow();
      return CompletableFuture.runAsync(() -> {
        try {
          Files.createDirectories(dir);
          // Any user the container runs as may write, as with the upstream provisioner's default.
          Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, blocking).thenCompose(made -> createVolume(name, dir, object, storageClass))
          .thenCompose(volume -> bindClaim(claim, name))
          .exceptionally(error -> {
            log.info("provisioning {} for claim {}/{} on {}: {}", name, claim.namespace(), claim.name(), nodeName,
                error.toString());
            return null;
          });
    }

    private CompletableFuture<?> createVolume(String name, Path dir, ObjectNode claim, ObjectNode storageClass) {
      ObjectNode volume = Json.MAPPER.createObjectNode();
      volume.put("apiVersion", "v1").put("kind", "PersistentVolume");
      ObjectNode meta = volume.putObject("metadata");
      meta.put("name", name).putObject("annotations").put(PROVISIONED_BY, PROVISIONER);
      ObjectNode spec = volume.putObject("spec");
      spec.putObject("capacity").set("storage", claim.at("/spec/resources/requests/storage").deepCopy());
      spec.set("accessModes", claim.path("spec").path("accessModes").deepCopy());
      spec.put("persistentVolumeReclaimPolicy", storageClass.path("reclaimPolicy").asText("Delete"));
      spec.put("storageClassName", Json.text(claim, "spec.storageClassName", ""));
      spec.put("volumeMode", "Filesystem");
      spec.putObject("local").put("path", dir.toAbsolutePath().toString());
      spec.putObject("nodeAffinity").putObject("required").putArray("nodeSelectorTerms").addObject()
          .putArray("matchExpressions").addObject().put("key", "kubernetes.io/hostname").put("operator", "In")
          .putArray("values").add(nodeName);
      spec.putObject("claimRef").put("apiVersion", "v1").put("kind", "PersistentVolumeClaim")
          .put("namespace", Json.text(claim, "metadata.namespace", "")).put("name", Json.text(claim, "metadata.name", ""))
          .put("uid", Json.text(claim, "metadata.uid", ""));
      return service.create(ResourceRegistry.PERSISTENT_VOLUME, null, volume, WriteOptions.DEFAULT)
          .exceptionally(error -> {
            ApiException api = ObjectService.unwrap(error);
            if (api != null && api.code() == 409) return null; // made by an earlier pass
            throw error instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(error);
          })
          .thenCompose(created -> setPhase(name, "Bound"))
          .toCompletableFuture();
    }

    private CompletionStage<?> setPhase(String volumeName, String phase) {
      StoredObject current = service.get(ResourceRegistry.PERSISTENT_VOLUME, "", volumeName);
      if (phase.equals(Json.text(current.object(), "status.phase", ""))) return CompletableFuture.completedFuture(null);
      ObjectNode updated = current.object().deepCopy();
      Json.object(updated, "status").put("phase", phase);
      return service.update(ResourceRegistry.PERSISTENT_VOLUME, null, volumeName, updated, ObjectEntity.Scope.STATUS,
          WriteOptions.DEFAULT);
    }

    /** The claim names its volume, then its status says Bound with the volume's capacity and modes. */
    private CompletionStage<?> bindClaim(StoredObject claim, String volumeName) {
      ObjectNode updated = claim.object().deepCopy();
      Json.object(updated, "spec").put("volumeName", volumeName);
      Json.object(Json.object(updated, "metadata"), "annotations").put("pv.kubernetes.io/bind-completed", "yes")
          .put("pv.kubernetes.io/bound-by-controller", "yes")
          .put("volume.kubernetes.io/storage-provisioner", PROVISIONER);
      return service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, claim.namespace(), claim.name(), updated,
              ObjectEntity.Scope.MAIN, WriteOptions.DEFAULT)
          .thenCompose(bound -> {
            ObjectNode withStatus = bound.object().deepCopy();
            ObjectNode status = Json.object(withStatus, "status");
            status.put("phase", "Bound");
            status.set("accessModes", withStatus.path("spec").path("accessModes").deepCopy());
            status.putObject("capacity").set("storage", withStatus.at("/spec/resources/requests/storage").deepCopy());
            return service.update(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, claim.namespace(), claim.name(),
                withStatus, ObjectEntity.Scope.STATUS, WriteOptions.DEFAULT);
          });
    }

    /**
     * A volume whose claim is gone (or is another claim of the same name) is Released; with reclaim policy Delete
     * its directory is removed and then its object.
     */
    private CompletableFuture<?> reclaimIfReleased(StoredObject volume) {
      ObjectNode object = volume.object();
      JsonNode ref = object.path("spec").path("claimRef");
      Optional<StoredObject> claim = service.store().get(ResourceRegistry.PERSISTENT_VOLUME_CLAIM,
          ref.path("namespace").asText(""), ref.path("name").asText(""));
      boolean claimed = claim.isPresent()
          && claim.get().object().path("metadata").path("uid").asText("").equals(ref.path("uid").asText(""));
      if (claimed || object.path("metadata").has("deletionTimestamp")) return CompletableFuture.completedFuture(null);
      if (!"Delete".equals(Json.text(object, "spec.persistentVolumeReclaimPolicy", ""))) {
        return setPhase(volume.name(), "Released").toCompletableFuture().exceptionally(e -> null);
      }
      Path dir = Path.of(Json.text(object, "spec.local.path", ""));
      return CompletableFuture.runAsync(() -> {
        try {
          deleteRecursively(dir);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, blocking).thenCompose(removed -> service.delete(ResourceRegistry.PERSISTENT_VOLUME, null, volume.name(),
              new DeleteOptions(Json.text(object, "metadata.uid", ""), null, null, null, false)))
          .exceptionally(error -> {
            log.info("reclaiming {} on {}: {}", volume.name(), nodeName, error.toString());
            return null;
          });
    }
  }

  /** Deletes a directory tree without following links out of it. */
  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
