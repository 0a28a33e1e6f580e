package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.StoredObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Deployment controller's decisions, pure: given a Deployment and the ReplicaSets in its namespace, which
 * ReplicaSets to create, scale, annotate or delete, and the Deployment's new status. The arithmetic follows
 * Kubernetes' deployment controller (rolling.go, recreate.go, progress.go), so kubectl's rollout commands read
 * what they expect.
 */
public final class DeploymentRollout {
  public static final String REVISION = "deployment.kubernetes.io/revision";
  public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
  public static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
  public static final String HASH_LABEL = "pod-template-hash";
  private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private DeploymentRollout() {}

  /** What to do. recheckIn: when to look again even if nothing changes (the progress deadline), or null. */
  public record Plan(List<ObjectNode> create, List<ObjectNode> update, List<StoredObject> delete,
      ObjectNode deploymentAnnotations, ObjectNode status, Duration recheckIn) {}

  /** Surge and unavailability bounds resolved against the replica count (ResolveFenceposts). */
  public record Fenceposts(int maxSurge, int maxUnavailable) {}

  public static Fenceposts fenceposts(JsonNode rollingUpdate, int replicas) {
    int surge = scaled(rollingUpdate.path("maxSurge"), replicas, true, "25%");
    int unavailable = scaled(rollingUpdate.path("maxUnavailable"), replicas, false, "25%");
    if (surge == 0 && unavailable == 0) unavailable = 1; // or no progress could ever be made
    return new Fenceposts(surge, unavailable);
  }

  /** An IntOrString: a number, or a percentage of total rounded up or down. */
  static int scaled(JsonNode value, int total, boolean roundUp, String fallback) {
    String text = value.isMissingNode() || value.isNull() ? fallback : value.asText();
    if (value.isInt()) return value.asInt();
    if (text.endsWith("%")) {
      int percent = Integer.parseInt(text.substring(0, text.length() - 1));
      long scaled = (long) percent * total;
      return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
    }
    return Integer.parseInt(text);
  }

  /** The pod-template-hash of a template: FNV-1a over its canonical JSON, encoded as Kubernetes encodes it. */
  public static String templateHash(JsonNode template) {
    int hash = 0x811c9dc5;
    for (byte b : canonical(template).getBytes(StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    String decimal = Long.toString(Integer.toUnsignedLong(hash));
    StringBuilder encoded = new StringBuilder();
    for (char c : decimal.toCharArray()) encoded.append(SAFE_ALPHABET.charAt(c % SAFE_ALPHABET.length()));
    return encoded.toString();
  }

  private static String canonical(JsonNode node) {
    return Json.write(Json.MAPPER.valueToTree(sorted(node)));
  }

  private static Object sorted(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new TreeMap<>();
      node.properties().forEach(e -> {
        if (!e.getValue().isNull()) map.put(e.getKey(), sorted(e.getValue()));
      });
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(sorted(n)));
      return list;
    }
    return node;
  }

  /**
   * Equal as Kubernetes compares templates: null fields count as absent (kubectl rollout undo sends
   * {@code creationTimestamp: null}, which Go would drop).
   */
  static boolean sameTemplate(JsonNode a, JsonNode b) {
    return canonical(a).equals(canonical(b));
  }

  /** The ReplicaSet's template without the hash label, as the Deployment's template would be. */
  static JsonNode withoutHash(JsonNode template) {
    ObjectNode copy = template.deepCopy();
    if (copy.path("metadata").path("labels") instanceof ObjectNode labels) labels.remove(HASH_LABEL);
    return copy;
  }

  public static long revision(JsonNode object) {
    try {
      return Long.parseLong(object.path("metadata").path("annotations").path(REVISION).asText("0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static int specReplicas(JsonNode rs) {
    return rs.path("spec").path("replicas").asInt(1);
  }

  /**
   * Available pods of a ReplicaSet, at most its spec.replicas: right after a scale-down its status still counts
   * the pods it is about to delete, and counting those would let a second scale-down go below minAvailable.
   */
  static int available(JsonNode rs) {
    return Math.min(statusCount(rs, "availableReplicas"), specReplicas(rs));
  }

  static int statusCount(JsonNode rs, String field) {
    return rs.path("status").path(field).asInt(0);
  }

  /**
   * Plans one sync. replicaSets: every ReplicaSet in the Deployment's namespace (owned ones and orphans that may
   * be adopted).
   */
  public static Plan plan(StoredObject deploymentObject, List<StoredObject> replicaSets, Instant now) {
    JsonNode d = deploymentObject.object();
    String uid = Json.text(d, "metadata.uid");
    String name = deploymentObject.name();
    ObjectNode reference = Owners.reference(ResourceRegistry.DEPLOYMENT, d);
    LabelSelector selector;
    try {
      selector = LabelSelector.fromJson(d.path("spec").path("selector"));
    } catch (ApiException e) {
      selector = LabelSelector.nothing();
    }
    boolean deleting = Owners.isDeleting(d);
    List<ObjectNode> create = new ArrayList<>();
    List<ObjectNode> update = new ArrayList<>();
    List<StoredObject> delete = new ArrayList<>();
    // Current view of each owned ReplicaSet, changed in place as the plan scales them.
    List<ObjectNode> owned = new ArrayList<>();
    List<ObjectNode> changed = new ArrayList<>();
    for (StoredObject rs : replicaSets) {
      JsonNode r = rs.object();
      if (Owners.controlledBy(r, uid)) {
        owned.add(r.deepCopy());
      } else if (!deleting && Owners.controllerRef(r).isEmpty() && !Owners.isDeleting(r)
          && Owners.matches(selector, r.path("spec").path("template"))) {
        ObjectNode adopted = Owners.adopted(r, reference);
        owned.add(adopted);
        changed.add(adopted);
      }
    }
    owned.sort(Comparator.comparing((ObjectNode r) -> Json.text(r, "metadata.creationTimestamp") == null ? ""
        : Json.text(r, "metadata.creationTimestamp")).thenComparing(r -> Json.text(r, "metadata.name")));
    int replicas = d.path("spec").path("replicas").asInt(1);
    JsonNode template = d.path("spec").path("template");
    ObjectNode newRs = null;
    List<ObjectNode> olds = new ArrayList<>();
    for (ObjectNode r : owned) {
      if (newRs == null && sameTemplate(withoutHash(r.path("spec").path("template")), template)) newRs = r;
      else olds.add(r);
    }
    long maxOldRevision = olds.stream().mapToLong(DeploymentRollout::revision).max().orElse(0);
    boolean recreate = "Recreate".equals(d.path("spec").path("strategy").path("type").asText());
    Fenceposts bounds = recreate ? new Fenceposts(0, 0)
        : fenceposts(d.path("spec").path("strategy").path("rollingUpdate"), replicas);
    boolean paused = d.path("spec").path("paused").asBoolean(false);
    boolean createdNew = false;
    boolean scaled = false;

    if (!deleting) {
      if (paused) {
        // Paused: no rollout, but a scale of the one active ReplicaSet still applies.
        List<ObjectNode> active = owned.stream().filter(r -> specReplicas(r) > 0).toList();
        ObjectNode only = active.size() == 1 ? active.get(0) : (active.isEmpty() ? newRs : null);
        if (only != null && specReplicas(only) != replicas) {
          scale(only, replicas, bounds, replicas, changed);
          scaled = true;
        }
      } else if (recreate) {
        List<ObjectNode> activeOlds = olds.stream().filter(r -> specReplicas(r) > 0).toList();
        boolean oldPodsLeft = olds.stream().anyMatch(r -> statusCount(r, "replicas") > 0);
        if (!activeOlds.isEmpty()) {
          for (ObjectNode r : activeOlds) scale(r, 0, bounds, replicas, changed);
          scaled = true;
        } else if (!oldPodsLeft) {
          if (newRs == null) {
            newRs = newReplicaSet(d, reference, replicas, maxOldRevision + 1, bounds);
            create.add(newRs);
            createdNew = true;
          } else if (specReplicas(newRs) != replicas) {
            scale(newRs, replicas, bounds, replicas, changed);
            scaled = true;
          }
        }
      } else if (newRs != null && isScalingEvent(owned, replicas)
          && owned.stream().filter(r -> specReplicas(r) > 0).count() > 1) {
        scaled = scaleProportionally(owned, replicas, bounds, changed);
      } else {
        int maxTotal = replicas + bounds.maxSurge();
        int current = owned.stream().mapToInt(DeploymentRollout::specReplicas).sum();
        if (newRs == null) {
          int want = Math.max(0, Math.min(maxTotal - current, replicas));
          newRs = newReplicaSet(d, reference, want, maxOldRevision + 1, bounds);
          create.add(newRs);
          createdNew = true;
        } else if (specReplicas(newRs) > replicas) {
          scale(newRs, replicas, bounds, replicas, changed);
          scaled = true;
        } else if (specReplicas(newRs) < replicas && current < maxTotal) {
          int want = Math.min(specReplicas(newRs) + maxTotal - current, replicas);
          scale(newRs, want, bounds, replicas, changed);
          scaled = true;
        }
        if (!createdNew && !scaled) scaled = scaleDownOld(newRs, olds, owned, replicas, bounds, changed);
      }
      // The new ReplicaSet carries the newest revision (a rollback moves an old revision up), the change cause,
      // and the Deployment's minReadySeconds.
      if (newRs != null && !createdNew) {
        long wanted = revision(newRs) > maxOldRevision ? revision(newRs) : maxOldRevision + 1;
        ObjectNode annotations = Json.object(Json.object(newRs, "metadata"), "annotations");
        boolean touched = false;
        if (revision(newRs) != wanted) {
          annotations.put(REVISION, Long.toString(wanted));
          touched = true;
        }
        String cause = d.path("metadata").path("annotations").path(CHANGE_CAUSE).asText(null);
        if (cause != null && !cause.equals(annotations.path(CHANGE_CAUSE).asText(null))) {
          annotations.put(CHANGE_CAUSE, cause);
          touched = true;
        }
        if (touched && !changed.contains(newRs)) changed.add(newRs);
      }
      int minReady = d.path("spec").path("minReadySeconds").asInt(0);
      for (ObjectNode r : owned) {
        if (r.path("spec").path("minReadySeconds").asInt(0) != minReady) {
          Json.object(r, "spec").put("minReadySeconds", minReady);
          if (!changed.contains(r)) changed.add(r);
        }
      }
      // History: old ReplicaSets scaled to zero beyond revisionHistoryLimit go, oldest revision first.
      int limit = d.path("spec").path("revisionHistoryLimit").asInt(10);
      List<ObjectNode> idle = olds.stream()
          .filter(r -> specReplicas(r) == 0 && statusCount(r, "replicas") == 0 && !Owners.isDeleting(r))
          .sorted(Comparator.comparingLong(DeploymentRollout::revision)).toList();
      for (int i = 0; i < idle.size() - limit; i++) {
        ObjectNode r = idle.get(i);
        changed.remove(r);
        replicaSets.stream().filter(s -> s.name().equals(Json.text(r, "metadata.name"))).findFirst()
            .ifPresent(delete::add);
      }
    }
    update.addAll(changed);

    ObjectNode annotations = null;
    if (newRs != null) {
      String revision = Long.toString(revision(newRs));
      if (!revision.equals(d.path("metadata").path("annotations").path(REVISION).asText(null))) {
        annotations = Json.MAPPER.createObjectNode().put(REVISION, revision);
      }
    }
    StatusResult status = status(d, owned, newRs, createdNew, scaled, bounds, replicas, paused, now);
    return new Plan(create, update, delete, annotations, status.status(), status.recheckIn());
  }

  private static void scale(ObjectNode rs, int to, Fenceposts bounds, int replicas, List<ObjectNode> changed) {
    Json.object(rs, "spec").put("replicas", to);
    ObjectNode annotations = Json.object(Json.object(rs, "metadata"), "annotations");
    annotations.put(DESIRED_REPLICAS, Integer.toString(replicas));
    annotations.put(MAX_REPLICAS, Integer.toString(replicas + bounds.maxSurge()));
    if (!changed.contains(rs)) changed.add(rs);
  }

  /** isScalingEvent: an active ReplicaSet was sized for a different spec.replicas than the Deployment's now. */
  static boolean isScalingEvent(List<ObjectNode> owned, int replicas) {
    for (ObjectNode r : owned) {
      if (specReplicas(r) == 0) continue;
      String desired = r.path("metadata").path("annotations").path(DESIRED_REPLICAS).asText("");
      if (!desired.isEmpty() && !desired.equals(Integer.toString(replicas))) return true;
    }
    return false;
  }

  /**
   * Proportional scaling (sync.go scale()): a Deployment scaled in the middle of a rolling update spreads the
   * change over its active ReplicaSets in proportion to their sizes, so that a rollout keeps its shape instead of
   * the new ReplicaSet taking (or losing) everything. Leftovers from rounding go to the largest ReplicaSet.
   */
  static boolean scaleProportionally(List<ObjectNode> owned, int replicas, Fenceposts bounds,
      List<ObjectNode> changed) {
    List<ObjectNode> active = new ArrayList<>(owned.stream().filter(r -> specReplicas(r) > 0).toList());
    int allowed = replicas + bounds.maxSurge();
    int current = active.stream().mapToInt(DeploymentRollout::specReplicas).sum();
    int toAdd = allowed - current;
    Comparator<ObjectNode> bySize = Comparator.comparingInt(DeploymentRollout::specReplicas);
    Comparator<ObjectNode> byAge = Comparator.comparing((ObjectNode r) ->
        String.valueOf(Json.text(r, "metadata.creationTimestamp")));
    // Largest first; among equals the newer first when growing, the older first when shrinking.
    active.sort(bySize.reversed().thenComparing(toAdd > 0 ? byAge.reversed() : byAge));
    int[] sizes = new int[active.size()];
    int added = 0;
    if (toAdd != 0) {
      for (int i = 0; i < active.size(); i++) {
        ObjectNode r = active.get(i);
        int annotatedMax = r.path("metadata").path("annotations").path(MAX_REPLICAS).asInt(0);
        int fraction = 0;
        if (annotatedMax > 0) {
          double share = (double) specReplicas(r) * allowed / annotatedMax;
          fraction = (int) Math.round(share) - specReplicas(r);
        }
        int left = toAdd - added;
        int proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
        sizes[i] = specReplicas(r) + proportion;
        added += proportion;
      }
    } else {
      for (int i = 0; i < active.size(); i++) sizes[i] = specReplicas(active.get(i));
    }
    if (!active.isEmpty() && added != toAdd) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
    for (int i = 0; i < active.size(); i++) scale(active.get(i), Math.max(0, sizes[i]), bounds, replicas, changed);
    return true;
  }

  /** reconcileOldReplicaSets: scale old ReplicaSets down as far as availability allows. */
  private static boolean scaleDownOld(ObjectNode newRs, List<ObjectNode> olds, List<ObjectNode> all, int replicas,
      Fenceposts bounds, List<ObjectNode> changed) {
    int oldPods = olds.stream().mapToInt(DeploymentRollout::specReplicas).sum();
    if (oldPods == 0) return false;
    int allPods = all.stream().mapToInt(DeploymentRollout::specReplicas).sum();
    int minAvailable = replicas - bounds.maxUnavailable();
    int newUnavailable = specReplicas(newRs) - available(newRs);
    int maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    boolean scaled = false;
    // First the unhealthy pods of old ReplicaSets: they serve nobody.
    int cleaned = 0;
    for (ObjectNode r : olds) {
      if (cleaned >= maxScaledDown) break;
      int unhealthy = specReplicas(r) - available(r);
      if (specReplicas(r) == 0 || unhealthy <= 0) continue;
      int down = Math.min(maxScaledDown - cleaned, unhealthy);
      scale(r, specReplicas(r) - down, bounds, replicas, changed);
      cleaned += down;
      scaled = true;
    }
    // Then available ones, as far as minAvailable allows, oldest first.
    int available = all.stream().mapToInt(DeploymentRollout::available).sum();
    int total = available - minAvailable;
    if (total <= 0) return scaled;
    int done = 0;
    for (ObjectNode r : olds) {
      if (done >= total) break;
      if (specReplicas(r) == 0) continue;
      int down = Math.min(specReplicas(r), total - done);
      scale(r, specReplicas(r) - down, bounds, replicas, changed);
      done += down;
      scaled = true;
    }
    return scaled;
  }

  private static ObjectNode newReplicaSet(JsonNode d, ObjectNode reference, int replicas, long revision,
      Fenceposts bounds) {
    JsonNode template = d.path("spec").path("template");
    String hash = templateHash(template);
    ObjectNode rs = Json.MAPPER.createObjectNode();
    rs.put("apiVersion", "apps/v1").put("kind", "ReplicaSet");
    ObjectNode meta = rs.putObject("metadata");
    meta.put("name", Json.text(d, "metadata.name") + "-" + hash);
    ObjectNode labels = template.path("metadata").path("labels").isObject()
        ? ((ObjectNode) template.path("metadata").path("labels")).deepCopy() : Json.MAPPER.createObjectNode();
    labels.put(HASH_LABEL, hash);
    meta.set("labels", labels);
    ObjectNode annotations = meta.putObject("annotations");
    annotations.put(REVISION, Long.toString(revision));
    annotations.put(DESIRED_REPLICAS, Integer.toString(d.path("spec").path("replicas").asInt(1)));
    annotations.put(MAX_REPLICAS, Integer.toString(d.path("spec").path("replicas").asInt(1) + bounds.maxSurge()));
    String cause = d.path("metadata").path("annotations").path(CHANGE_CAUSE).asText(null);
    if (cause != null) annotations.put(CHANGE_CAUSE, cause);
    meta.putArray("ownerReferences").add(reference);
    ObjectNode spec = rs.putObject("spec");
    spec.put("replicas", replicas);
    spec.put("minReadySeconds", d.path("spec").path("minReadySeconds").asInt(0));
    ObjectNode selector = d.path("spec").path("selector").deepCopy();
    Json.object(selector, "matchLabels").put(HASH_LABEL, hash);
    spec.set("selector", selector);
    ObjectNode podTemplate = template.deepCopy();
    Json.object(podTemplate, "metadata").set("labels", labels.deepCopy());
    spec.set("template", podTemplate);
    return rs;
  }

  record StatusResult(ObjectNode status, Duration recheckIn) {}

  private static StatusResult status(JsonNode d, List<ObjectNode> owned, ObjectNode newRs, boolean createdNew,
      boolean scaled, Fenceposts bounds, int replicas, boolean paused, Instant now) {
    JsonNode previous = d.path("status");
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("observedGeneration", d.path("metadata").path("generation").asLong(1));
    int actual = owned.stream().mapToInt(r -> statusCount(r, "replicas")).sum();
    int updated = newRs == null || createdNew ? 0 : statusCount(newRs, "replicas");
    int ready = owned.stream().mapToInt(r -> statusCount(r, "readyReplicas")).sum();
    int available = owned.stream().mapToInt(DeploymentRollout::available).sum();
    int total = owned.stream().mapToInt(DeploymentRollout::specReplicas).sum();
    status.put("replicas", actual).put("updatedReplicas", updated).put("readyReplicas", ready)
        .put("availableReplicas", available).put("unavailableReplicas", Math.max(0, total - available));
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, JsonNode> old = new TreeMap<>();
    previous.path("conditions").forEach(c -> old.put(c.path("type").asText(), c));

    boolean minimumAvailable = available >= replicas - bounds.maxUnavailable();
    ObjectNode availableCondition = condition(old.get("Available"), "Available",
        minimumAvailable ? "True" : "False",
        minimumAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        minimumAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
        time, false);

    String rsName = newRs == null ? null : Json.text(newRs, "metadata.name");
    boolean complete = newRs != null && !createdNew && updated == replicas && actual == replicas
        && available == replicas && specReplicas(newRs) == replicas
        && owned.stream().filter(r -> r != newRs).allMatch(r -> specReplicas(r) == 0);
    boolean progressed = createdNew || scaled || updated != previous.path("updatedReplicas").asInt(-1)
        || available != previous.path("availableReplicas").asInt(-1)
        || ready != previous.path("readyReplicas").asInt(-1);
    JsonNode oldProgressing = old.get("Progressing");
    ObjectNode progressing;
    Duration recheck = null;
    int deadline = d.path("spec").path("progressDeadlineSeconds").asInt(600);
    if (paused) {
      progressing = condition(oldProgressing, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused",
          time, false);
    } else if (oldProgressing != null && "DeploymentPaused".equals(oldProgressing.path("reason").asText())) {
      progressing = condition(oldProgressing, "Progressing", "Unknown", "DeploymentResumed",
          "Deployment is resumed", time, true);
    } else if (complete) {
      progressing = condition(oldProgressing, "Progressing", "True", "NewReplicaSetAvailable",
          "ReplicaSet \"" + rsName + "\" has successfully progressed.", time,
          oldProgressing == null || !"NewReplicaSetAvailable".equals(oldProgressing.path("reason").asText()));
    } else if (createdNew) {
      progressing = condition(oldProgressing, "Progressing", "True", "NewReplicaSetCreated",
          "Created new replica set \"" + rsName + "\"", time, true);
    } else if (progressed || oldProgressing == null
        || "NewReplicaSetAvailable".equals(oldProgressing.path("reason").asText())) {
      progressing = condition(oldProgressing, "Progressing", "True", "ReplicaSetUpdated",
          "ReplicaSet \"" + rsName + "\" is progressing.", time, true);
    } else if (!"ProgressDeadlineExceeded".equals(oldProgressing.path("reason").asText())) {
      Instant last = parse(oldProgressing.path("lastUpdateTime").asText(""), now);
      Instant due = last.plusSeconds(deadline);
      if (!now.isBefore(due)) {
        progressing = condition(oldProgressing, "Progressing", "False", "ProgressDeadlineExceeded",
            "ReplicaSet \"" + rsName + "\" has timed out progressing.", time, true);
      } else {
        progressing = (ObjectNode) oldProgressing.deepCopy();
        recheck = Duration.between(now, due).plusMillis(500);
      }
    } else {
      progressing = (ObjectNode) oldProgressing.deepCopy();
    }
    if (recheck == null && !complete && !paused
        && "True".equals(progressing.path("status").asText())) {
      Instant last = parse(progressing.path("lastUpdateTime").asText(""), now);
      recheck = Duration.between(now, last.plusSeconds(deadline)).plusMillis(500);
      if (recheck.isNegative()) recheck = Duration.ofMillis(500);
    }
    status.putArray("conditions").add(availableCondition).add(progressing);
    return new StatusResult(status, recheck);
  }

  /** A condition; lastTransitionTime kept while the status is unchanged, lastUpdateTime moved when touched. */
  private static ObjectNode condition(JsonNode old, String type, String status, String reason, String message,
      String now, boolean touched) {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("type", type).put("status", status);
    boolean same = old != null && status.equals(old.path("status").asText());
    boolean unchanged = same && reason.equals(old.path("reason").asText()) && message.equals(old.path("message").asText());
    c.put("lastUpdateTime", unchanged && !touched ? old.path("lastUpdateTime").asText(now) : now);
    c.put("lastTransitionTime", same ? old.path("lastTransitionTime").asText(now) : now);
    c.put("reason", reason).put("message", message);
    return c;
  }

  private static Instant parse(String time, Instant fallback) {
    try {
      return Instant.parse(time);
    } catch (RuntimeException e) {
      return fallback;
    }
  }
}
