package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import io.drover.api.select.LabelSelector;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Pure helpers the workload controllers share: controller references, labels, and pod readiness. */
public final class Owners {
  private Owners() {}

  /** The ownerReference with controller: true, if any. */
  public static Optional<JsonNode> controllerRef(JsonNode object) {
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false)) return Optional.of(ref);
    }
    return Optional.empty();
  }

  public static boolean controlledBy(JsonNode object, String ownerUid) {
    return controllerRef(object).map(r -> ownerUid.equals(r.path("uid").asText())).orElse(false);
  }

  /** The controller reference an owner puts on what it creates (blockOwnerDeletion for foreground deletion). */
  public static ObjectNode reference(ResourceType ownerType, JsonNode owner) {
    ObjectNode ref = Json.MAPPER.createObjectNode();
    ref.put("apiVersion", ownerType.apiVersion()).put("kind", ownerType.kind())
        .put("name", Json.text(owner, "metadata.name")).put("uid", Json.text(owner, "metadata.uid"))
        .put("controller", true).put("blockOwnerDeletion", true);
    return ref;
  }

  /** A copy of the object with the controller reference added (adoption). */
  public static ObjectNode adopted(JsonNode object, ObjectNode reference) {
    ObjectNode copy = (ObjectNode) object.deepCopy();
    ArrayNode refs = Json.object(copy, "metadata").withArrayProperty("ownerReferences");
    refs.add(reference);
    return copy;
  }

  /** A copy of the object without references to the owner (release). */
  public static ObjectNode released(JsonNode object, String ownerUid) {
    ObjectNode copy = (ObjectNode) object.deepCopy();
    ArrayNode kept = Json.MAPPER.createArrayNode();
    for (JsonNode ref : copy.path("metadata").path("ownerReferences")) {
      if (!ownerUid.equals(ref.path("uid").asText())) kept.add(ref);
    }
    ObjectNode meta = Json.object(copy, "metadata");
    if (kept.isEmpty()) meta.remove("ownerReferences");
    else meta.set("ownerReferences", kept);
    return copy;
  }

  public static Map<String, String> labels(JsonNode object) {
    Map<String, String> labels = new HashMap<>();
    object.path("metadata").path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  public static boolean matches(LabelSelector selector, JsonNode object) {
    return selector.matches(labels(object));
  }

  public static boolean isDeleting(JsonNode object) {
    return Json.text(object, "metadata.deletionTimestamp") != null;
  }

  // --- pods ---

  /** Counts toward replicas: not deleting and not finished (FilterActivePods). */
  public static boolean isActive(JsonNode pod) {
    String phase = pod.path("status").path("phase").asText("");
    return !isDeleting(pod) && !phase.equals("Succeeded") && !phase.equals("Failed");
  }

  /** When the pod's Ready condition last became True, or empty when it is not Ready. */
  public static Optional<Instant> readySince(JsonNode pod) {
    for (JsonNode condition : pod.path("status").path("conditions")) {
      if ("Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
        String since = condition.path("lastTransitionTime").asText("");
        try {
          return Optional.of(since.isEmpty() ? Instant.EPOCH : Instant.parse(since));
        } catch (RuntimeException e) {
          return Optional.of(Instant.EPOCH);
        }
      }
    }
    return Optional.empty();
  }

  public static boolean isReady(JsonNode pod) {
    return readySince(pod).isPresent();
  }

  /** Ready for at least minReadySeconds (Kubernetes' IsPodAvailable). */
  public static boolean isAvailable(JsonNode pod, int minReadySeconds, Instant now) {
    Optional<Instant> since = readySince(pod);
    if (since.isEmpty()) return false;
    return minReadySeconds == 0 || !since.get().plusSeconds(minReadySeconds).isAfter(now);
  }

  /** How long until a ready pod becomes available, or empty when it already is or is not ready. */
  public static Optional<Duration> untilAvailable(JsonNode pod, int minReadySeconds, Instant now) {
    Optional<Instant> since = readySince(pod);
    if (since.isEmpty() || minReadySeconds == 0) return Optional.empty();
    Instant at = since.get().plusSeconds(minReadySeconds);
    return at.isAfter(now) ? Optional.of(Duration.between(now, at)) : Optional.empty();
  }

  /**
   * The order in which a ReplicaSet gives up pods on scale-down, least valuable first (Kubernetes' ActivePods):
   * unscheduled before scheduled, Pending before Unknown before Running, not ready before ready, ready for less
   * time before longer, more restarts before fewer, newer before older.
   */
  public static final Comparator<JsonNode> LEAST_VALUABLE_FIRST = Comparator
      .<JsonNode>comparingInt(p -> p.path("spec").path("nodeName").asText("").isEmpty() ? 0 : 1)
      .thenComparingInt(p -> switch (p.path("status").path("phase").asText("")) {
        case "Pending" -> 0;
        case "Unknown" -> 1;
        case "Running" -> 2;
        default -> 0;
      })
      .thenComparingInt(p -> isReady(p) ? 1 : 0)
      .thenComparing(p -> readySince(p).orElse(Instant.MAX), Comparator.reverseOrder())
      .thenComparing(p -> -restarts(p))
      .thenComparing(p -> Json.text(p, "metadata.creationTimestamp") == null ? ""
          : Json.text(p, "metadata.creationTimestamp"), Comparator.reverseOrder());

  private static int restarts(JsonNode pod) {
    int max = 0;
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      max = Math.max(max, status.path("restartCount").asInt());
    }
    return max;
  }
}
