package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a StatefulSet's controller does next, as a pure function of the StatefulSet, the pods, claims and
 * ControllerRevisions in its namespace (Kubernetes' defaultStatefulSetControl, for the features Drover has).
 *
 * <p>Pods are named {@code <set>-<ordinal>}; each gets the claims of the volumeClaimTemplates for its ordinal
 * ({@code <template>-<set>-<ordinal>}, created first and kept when the pod goes). With OrderedReady management a pod
 * is created only once every lower ordinal is Running and Ready, and removed on scale-down one at a time from the
 * highest ordinal; Parallel does all at once. A RollingUpdate replaces pods from the highest ordinal down to the
 * partition, one at a time, each after the one above is Ready again. Revisions are ControllerRevisions named
 * {@code <set>-<hash>} whose data is the template as a strategic merge patch, so kubectl rollout history and undo
 * work on them.
 */
public final class StatefulSetControl {
  private StatefulSetControl() {}

  public static final String REVISION_LABEL = "controller-revision-hash";
  public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

  /**
   * One round of writes.
   *
   * @param updateRevisions revisions whose number changes (an older template that becomes the update revision)
   * @param adopt orphan pods with a member's name that the selector matches, with the reference added
   */
  public record Plan(List<ObjectNode> createClaims, List<ObjectNode> createPods, List<StoredObject> deletePods,
      List<StoredObject> deleteClaims, List<ObjectNode> createRevisions, List<ObjectNode> updateRevisions,
      List<StoredObject> deleteRevisions, List<ObjectNode> adopt, ObjectNode status, Duration recheckIn) {}

  public static Plan plan(StoredObject setObject, List<StoredObject> pods, List<StoredObject> claims,
      List<StoredObject> revisions, Instant now) {
    ObjectNode set = setObject.object();
    String name = setObject.name();
    String uid = Json.text(set, "metadata.uid", "");
    JsonNode spec = set.path("spec");
    int replicas = spec.path("replicas").asInt(1);
    int start = spec.path("ordinals").path("start").asInt(0);
    boolean parallel = "Parallel".equals(spec.path("podManagementPolicy").asText());
    boolean rollingUpdate = !"OnDelete".equals(spec.path("updateStrategy").path("type").asText());
    int partition = rollingUpdate ? spec.path("updateStrategy").path("rollingUpdate").path("partition").asInt(0) : 0;
    int minReadySeconds = spec.path("minReadySeconds").asInt(0);
    ObjectNode reference = Owners.reference(ResourceRegistry.STATEFUL_SET, set);
    LabelSelector selector = selector(set);

    Plan plan = new Plan(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
        new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), null, null);

    // Revisions: the template's, and the one the pods below the partition keep.
    ControllerRevisions.Changes revisionChanges = ControllerRevisions.forTemplate(ResourceRegistry.STATEFUL_SET, set,
        revisions);
    List<StoredObject> owned = revisionChanges.owned();
    String updateRevision = revisionChanges.updateRevision();
    plan.createRevisions().addAll(revisionChanges.create());
    plan.updateRevisions().addAll(revisionChanges.update());
    String statusCurrent = set.path("status").path("currentRevision").asText("");
    String currentRevision = owned.stream().anyMatch(r -> r.name().equals(statusCurrent)) ? statusCurrent
        : updateRevision;
    JsonNode currentTemplate = owned.stream().filter(r -> r.name().equals(currentRevision)).findFirst()
        .map(r -> ControllerRevisions.templateOf(r.object())).orElse(spec.path("template"));

    // The set's pods by ordinal; orphans with a member's name are adopted.
    Map<Integer, StoredObject> members = new HashMap<>();
    for (StoredObject pod : pods) {
      JsonNode object = pod.object();
      Integer ordinal = ordinal(name, pod.name());
      if (ordinal == null) continue;
      if (Owners.controlledBy(object, uid)) {
        members.put(ordinal, pod);
      } else if (Owners.controllerRef(object).isEmpty() && !Owners.isDeleting(object)
          && selector != null && Owners.matches(selector, object)) {
        plan.adopt().add(Owners.adopted(object, reference));
        members.put(ordinal, pod);
      }
    }
    Set<String> claimNames = new HashSet<>();
    claims.forEach(c -> claimNames.add(c.name()));

    Instant recheck = null;
    boolean blocked = false;
    // Replicas in ascending order: create what is missing, replace what failed.
    for (int ordinal = start; ordinal < start + replicas && !blocked; ordinal++) {
      StoredObject member = members.get(ordinal);
      if (member == null) {
        boolean current = rollingUpdate && ordinal - start < partition && !currentRevision.equals(updateRevision);
        plan.createClaims().addAll(missingClaims(set, reference, ordinal, claimNames));
        plan.createPods().add(pod(set, reference, ordinal, current ? currentTemplate : spec.path("template"),
            current ? currentRevision : updateRevision));
        blocked = !parallel;
        continue;
      }
      JsonNode pod = member.object();
      String phase = pod.path("status").path("phase").asText("");
      if ((phase.equals("Failed") || phase.equals("Succeeded")) && !Owners.isDeleting(pod)) {
        plan.deletePods().add(member);
        blocked = !parallel;
        continue;
      }
      plan.createClaims().addAll(missingClaims(set, reference, ordinal, claimNames));
      if (Owners.isDeleting(pod)) {
        blocked = !parallel;
        continue;
      }
      if (!parallel && !Owners.isAvailable(pod, minReadySeconds, now)) {
        blocked = true;
        Optional<Duration> wait = Owners.untilAvailable(pod, minReadySeconds, now);
        if (wait.isPresent()) recheck = now.plus(wait.get());
      }
    }
    // Condemned pods (ordinals beyond the replicas), highest first.
    List<Integer> condemned = members.keySet().stream().filter(o -> o < start || o >= start + replicas)
        .sorted(Comparator.reverseOrder()).toList();
    for (int ordinal : condemned) {
      if (blocked) break;
      StoredObject member = members.get(ordinal);
      if (Owners.isDeleting(member.object())) {
        blocked = !parallel;
        continue;
      }
      plan.deletePods().add(member);
      blocked = !parallel;
    }
    // Rolling update: from the highest ordinal down to the partition, one pod at a time.
    if (!blocked && rollingUpdate) {
      for (int ordinal = start + replicas - 1; ordinal >= start + partition; ordinal--) {
        StoredObject member = members.get(ordinal);
        if (member == null) break;
        JsonNode pod = member.object();
        if (!revisionOf(pod).equals(updateRevision) && !Owners.isDeleting(pod)) {
          plan.deletePods().add(member);
          break;
        }
        if (!Owners.isAvailable(pod, minReadySeconds, now)) break;
      }
    }
    // whenScaled: Delete: the claims of ordinals beyond the replicas go once their pod is gone.
    if ("Delete".equals(spec.path("persistentVolumeClaimRetentionPolicy").path("whenScaled").asText())) {
      for (StoredObject claim : claims) {
        Integer ordinal = claimOrdinal(set, claim.name());
        if (ordinal != null && (ordinal < start || ordinal >= start + replicas) && !members.containsKey(ordinal)
            && !Owners.isDeleting(claim.object())) {
          plan.deleteClaims().add(claim);
        }
      }
    }

    ObjectNode status = status(set, members, currentRevision, updateRevision, minReadySeconds, now, start, replicas);
    deleteOldRevisions(set, owned, members, status, plan);
    return new Plan(plan.createClaims(), plan.createPods(), plan.deletePods(), plan.deleteClaims(),
        plan.createRevisions(), plan.updateRevisions(), plan.deleteRevisions(), plan.adopt(), status,
        recheck == null ? null : Duration.between(now, recheck).plusMillis(100));
  }

  private static ObjectNode status(ObjectNode set, Map<Integer, StoredObject> members, String currentRevision,
      String updateRevision, int minReadySeconds, Instant now, int start, int replicas) {
    int count = 0;
    int ready = 0;
    int available = 0;
    int current = 0;
    int updated = 0;
    for (StoredObject member : members.values()) {
      JsonNode pod = member.object();
      if (Owners.isDeleting(pod)) continue;
      count++;
      if (Owners.isReady(pod) && "Running".equals(pod.path("status").path("phase").asText())) {
        ready++;
        if (Owners.isAvailable(pod, minReadySeconds, now)) available++;
      }
      if (revisionOf(pod).equals(currentRevision)) current++;
      if (revisionOf(pod).equals(updateRevision)) updated++;
    }
    // The update is complete when every replica runs the update revision and is ready: it becomes current.
    String currentName = currentRevision;
    if (updated == replicas && ready == replicas && count == replicas) {
      currentName = updateRevision;
      current = updated;
    }
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("observedGeneration", set.path("metadata").path("generation").asLong(1));
    status.put("replicas", count).put("readyReplicas", ready).put("currentReplicas", current)
        .put("updatedReplicas", updated).put("availableReplicas", available)
        .put("currentRevision", currentName).put("updateRevision", updateRevision).put("collisionCount", 0);
    return status;
  }

  /** Keeps the current and update revisions, those live pods use, and revisionHistoryLimit others (newest). */
  private static void deleteOldRevisions(ObjectNode set, List<StoredObject> owned, Map<Integer, StoredObject> members,
      ObjectNode status, Plan plan) {
    Set<String> live = new HashSet<>(List.of(status.path("currentRevision").asText(),
        status.path("updateRevision").asText()));
    members.values().forEach(p -> live.add(revisionOf(p.object())));
    plan.deleteRevisions().addAll(ControllerRevisions.beyondHistory(owned, live,
        set.path("spec").path("revisionHistoryLimit").asInt(10)));
  }

  /** The pod of an ordinal: the template, the identity labels, hostname and subdomain, and the claims' volumes. */
  static ObjectNode pod(ObjectNode set, ObjectNode reference, int ordinal, JsonNode template, String revision) {
    String setName = Json.text(set, "metadata.name", "");
    String podName = setName + "-" + ordinal;
    ObjectNode pod = PodOwnerController.podFromTemplate(template, reference, "", podName);
    ObjectNode meta = Json.object(pod, "metadata");
    meta.remove("generateName");
    Json.object(meta, "labels").put(REVISION_LABEL, revision).put(POD_NAME_LABEL, podName)
        .put(POD_INDEX_LABEL, Integer.toString(ordinal));
    ObjectNode spec = Json.object(pod, "spec");
    spec.put("hostname", podName);
    String service = set.path("spec").path("serviceName").asText("");
    if (!service.isEmpty()) spec.put("subdomain", service);
    List<JsonNode> claimTemplates = new ArrayList<>();
    set.path("spec").path("volumeClaimTemplates").forEach(claimTemplates::add);
    if (!claimTemplates.isEmpty()) {
      ArrayNode volumes = Json.MAPPER.createArrayNode();
      Set<String> claimed = new HashSet<>();
      for (JsonNode claim : claimTemplates) {
        String claimName = claim.path("metadata").path("name").asText();
        claimed.add(claimName);
        volumes.addObject().put("name", claimName).putObject("persistentVolumeClaim")
            .put("claimName", claimName(claimName, setName, ordinal));
      }
      for (JsonNode volume : spec.path("volumes")) {
        if (!claimed.contains(volume.path("name").asText())) volumes.add(volume);
      }
      spec.set("volumes", volumes);
    }
    return pod;
  }

  static String claimName(String template, String setName, int ordinal) {
    return template + "-" + setName + "-" + ordinal;
  }

  private static List<ObjectNode> missingClaims(ObjectNode set, ObjectNode reference, int ordinal,
      Set<String> existing) {
    List<ObjectNode> missing = new ArrayList<>();
    String setName = Json.text(set, "metadata.name", "");
    boolean deleteWithSet = "Delete".equals(
        set.path("spec").path("persistentVolumeClaimRetentionPolicy").path("whenDeleted").asText());
    for (JsonNode template : set.path("spec").path("volumeClaimTemplates")) {
      String name = claimName(template.path("metadata").path("name").asText(), setName, ordinal);
      if (existing.contains(name)) continue;
      ObjectNode claim = Json.MAPPER.createObjectNode();
      claim.put("apiVersion", "v1").put("kind", "PersistentVolumeClaim");
      ObjectNode meta = claim.putObject("metadata");
      meta.put("name", name).put("namespace", Json.text(set, "metadata.namespace", ""));
      ObjectNode labels = meta.putObject("labels");
      template.path("metadata").path("labels").properties().forEach(e -> labels.set(e.getKey(), e.getValue()));
      set.path("spec").path("selector").path("matchLabels").properties()
          .forEach(e -> labels.set(e.getKey(), e.getValue()));
      if (template.path("metadata").has("annotations")) {
        meta.set("annotations", template.path("metadata").get("annotations").deepCopy());
      }
      if (deleteWithSet) meta.putArray("ownerReferences").add(reference.deepCopy());
      claim.set("spec", template.path("spec").deepCopy());
      missing.add(claim);
    }
    return missing;
  }

  /** The ordinal of a claim made from one of the set's templates, or null. */
  private static Integer claimOrdinal(ObjectNode set, String claim) {
    String setName = Json.text(set, "metadata.name", "");
    for (JsonNode template : set.path("spec").path("volumeClaimTemplates")) {
      String prefix = template.path("metadata").path("name").asText() + "-";
      if (claim.startsWith(prefix)) {
        Integer ordinal = ordinal(setName, claim.substring(prefix.length()));
        if (ordinal != null) return ordinal;
      }
    }
    return null;
  }

  /** The ordinal in "<set>-<n>", or null when the name is not a member's. */
  static Integer ordinal(String setName, String podName) {
    if (!podName.startsWith(setName + "-")) return null;
    String suffix = podName.substring(setName.length() + 1);
    if (suffix.isEmpty() || suffix.length() > 9 || !suffix.chars().allMatch(Character::isDigit)) return null;
    if (suffix.length() > 1 && suffix.startsWith("0")) return null;
    return Integer.parseInt(suffix);
  }

  static String revisionOf(JsonNode pod) {
    return pod.path("metadata").path("labels").path(REVISION_LABEL).asText("");
  }

  private static LabelSelector selector(ObjectNode set) {
    try {
      return LabelSelector.fromJson(set.path("spec").path("selector"));
    } catch (ApiException e) {
      return null;
    }
  }
}
