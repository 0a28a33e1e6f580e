package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * kube-scheduler's VolumeBinding plugin for the volumes Drover has: a pod's PersistentVolumeClaims must exist;
 * a claim bound to a volume with node affinity (a local volume) pins the pod to the nodes it names; an unbound
 * claim of a WaitForFirstConsumer class may go anywhere (the chosen node then provisions it, see
 * {@link #claimsToProvision}); an unbound claim of an Immediate class waits until something binds it.
 */
public final class VolumeBinding implements FilterPlugin {
  public static final String NAME = "VolumeBinding";
  public static final String CONFLICT = "node(s) had volume node affinity conflict";
  public static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

  /** Reads claims, volumes and classes (the scheduler's listers). */
  public interface Lookup {
    Optional<JsonNode> claim(String namespace, String name);

    Optional<JsonNode> volume(String name);

    Optional<JsonNode> storageClass(String name);

    Lookup NONE = new Lookup() {
      @Override
      public Optional<JsonNode> claim(String namespace, String name) {
        return Optional.empty();
      }

      @Override
      public Optional<JsonNode> volume(String name) {
        return Optional.empty();
      }

      @Override
      public Optional<JsonNode> storageClass(String name) {
        return Optional.empty();
      }
    };
  }

  /** Where the pod's volumes let it run: the node-affinity terms of each bound volume (all must match). */
  private record Constraints(List<List<NodeSelectorTerm>> volumeTerms, String selectedNode) {}

  private static final CycleState.Key<Constraints> KEY = new CycleState.Key<>(NAME);

  private final Lookup lookup;

  public VolumeBinding(Lookup lookup) {
    this.lookup = lookup;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PreFilterResult preFilter(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    List<String> claimNames = claimNames(pod.pod());
    if (claimNames.isEmpty()) return PreFilterResult.SKIP;
    List<List<NodeSelectorTerm>> terms = new ArrayList<>();
    String selectedNode = null;
    for (String claimName : claimNames) {
      Optional<JsonNode> found = lookup.claim(pod.namespace(), claimName);
      if (found.isEmpty()) {
        return PreFilterResult.reject(Status.unresolvable("persistentvolumeclaim \"" + claimName + "\" not found"));
      }
      JsonNode claim = found.get();
      if (claim.path("metadata").has("deletionTimestamp")) {
        return PreFilterResult.reject(
            Status.unresolvable("persistentvolumeclaim \"" + claimName + "\" is being deleted"));
      }
      String volumeName = claim.path("spec").path("volumeName").asText("");
      if (!volumeName.isEmpty()) {
        Optional<JsonNode> volume = lookup.volume(volumeName);
        if (volume.isEmpty()) {
          return PreFilterResult.reject(Status.unresolvable(
              "pvc(s) bound to non-existent pv(s)"));
        }
        JsonNode required = volume.get().path("spec").path("nodeAffinity").path("required");
        if (!required.isMissingNode()) terms.add(NodeSelectorTerm.listOf(required.path("nodeSelectorTerms")));
        continue;
      }
      if (!waitsForFirstConsumer(claim)) {
        return PreFilterResult.reject(Status.unresolvable("pod has unbound immediate PersistentVolumeClaims"));
      }
      String selected = claim.path("metadata").path("annotations").path(SELECTED_NODE).asText("");
      if (!selected.isEmpty()) selectedNode = selected; // chosen before: its volume is being made there
    }
    state.write(KEY, new Constraints(terms, selectedNode));
    return PreFilterResult.ALL;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    Constraints constraints = state.read(KEY);
    if (constraints.selectedNode() != null && !constraints.selectedNode().equals(node.name())) {
      return Status.unresolvable(CONFLICT);
    }
    for (List<NodeSelectorTerm> terms : constraints.volumeTerms()) {
      if (terms.stream().noneMatch(t -> t.matches(node))) return Status.unresolvable(CONFLICT);
    }
    return Status.SUCCESS;
  }

  /** The unbound WaitForFirstConsumer claims of a pod that the node it goes to must provision. */
  public static List<JsonNode> claimsToProvision(JsonNode pod, Lookup lookup) {
    List<JsonNode> claims = new ArrayList<>();
    String namespace = pod.path("metadata").path("namespace").asText("default");
    for (String claimName : claimNames(pod)) {
      lookup.claim(namespace, claimName)
          .filter(c -> c.path("spec").path("volumeName").asText("").isEmpty())
          .filter(c -> c.path("metadata").path("annotations").path(SELECTED_NODE).asText("").isEmpty())
          .ifPresent(claims::add);
    }
    return claims;
  }

  private boolean waitsForFirstConsumer(JsonNode claim) {
    String className = claim.path("spec").path("storageClassName").asText("");
    return !className.isEmpty() && lookup.storageClass(className)
        .map(c -> c.path("volumeBindingMode").asText("").equals("WaitForFirstConsumer")).orElse(false);
  }

  static List<String> claimNames(JsonNode pod) {
    List<String> names = new ArrayList<>();
    for (JsonNode volume : pod.path("spec").path("volumes")) {
      String claim = volume.path("persistentVolumeClaim").path("claimName").asText("");
      if (!claim.isEmpty() && !names.contains(claim)) names.add(claim);
    }
    return names;
  }
}
