package io.drover.api.patch;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import java.util.Map;

/**
 * The one table of strategic-merge metadata: the {@code patchStrategy} and {@code patchMergeKey} struct tags of the
 * Kubernetes Go types (k8s.io/api core/v1, apps/v1 and meta/v1 as compiled into kubectl 1.32), keyed by the fabric8
 * model class that mirrors each Go struct and the JSON field name.
 *
 * <p>A field absent from the table has no strategy: its lists are replaced whole and its objects merged. The
 * {@code retainKeys} strategy (PodSpec.volumes, DeploymentSpec.strategy) needs no entry: the {@code $retainKeys}
 * directive the client puts in the patch carries it.
 */
final class PatchStrategies {
  private PatchStrategies() {}

  /** How the list or object at one field is merged: strategy "merge" (lists merged by key) or "replace". */
  record PatchMeta(String strategy, String mergeKey) {
    static final PatchMeta NONE = new PatchMeta(null, null);

    static PatchMeta mergeBy(String mergeKey) {
      return new PatchMeta("merge", mergeKey);
    }

    /** A list of scalars merged as a set ({@code patchStrategy:"merge"} without a merge key). */
    static PatchMeta mergeScalars() {
      return new PatchMeta("merge", null);
    }

    boolean merges() {
      return "merge".equals(strategy);
    }

    boolean replaces() {
      return "replace".equals(strategy);
    }
  }

  private static final Map<String, PatchMeta> CONTAINER = Map.of(
      "ports", PatchMeta.mergeBy("containerPort"),
      "env", PatchMeta.mergeBy("name"),
      "volumeMounts", PatchMeta.mergeBy("mountPath"),
      "volumeDevices", PatchMeta.mergeBy("devicePath"));

  private static final Map<String, PatchMeta> CONDITIONS_BY_TYPE = Map.of("conditions", PatchMeta.mergeBy("type"));

  static final Map<Class<?>, Map<String, PatchMeta>> TABLE = Map.ofEntries(
      Map.entry(ObjectMeta.class, Map.of(
          "finalizers", PatchMeta.mergeScalars(),
          "ownerReferences", PatchMeta.mergeBy("uid"))),
      Map.entry(PodSpec.class, Map.of(
          "containers", PatchMeta.mergeBy("name"),
          "initContainers", PatchMeta.mergeBy("name"),
          "ephemeralContainers", PatchMeta.mergeBy("name"),
          "volumes", PatchMeta.mergeBy("name"),
          "imagePullSecrets", PatchMeta.mergeBy("name"),
          "hostAliases", PatchMeta.mergeBy("ip"),
          "topologySpreadConstraints", PatchMeta.mergeBy("topologyKey"),
          "schedulingGates", PatchMeta.mergeBy("name"),
          "resourceClaims", PatchMeta.mergeBy("name"))),
      Map.entry(Container.class, CONTAINER),
      Map.entry(EphemeralContainer.class, CONTAINER),
      Map.entry(ContainerStatus.class, Map.of(
          "volumeMounts", PatchMeta.mergeBy("mountPath"),
          "allocatedResourcesStatus", PatchMeta.mergeBy("name"))),
      Map.entry(PodStatus.class, Map.of(
          "conditions", PatchMeta.mergeBy("type"),
          "podIPs", PatchMeta.mergeBy("ip"),
          "hostIPs", PatchMeta.mergeBy("ip"),
          "resourceClaimStatuses", PatchMeta.mergeBy("name"))),
      Map.entry(ServiceSpec.class, Map.of("ports", PatchMeta.mergeBy("port"))),
      Map.entry(ServiceStatus.class, CONDITIONS_BY_TYPE),
      Map.entry(NodeSpec.class, Map.of("podCIDRs", PatchMeta.mergeScalars())),
      Map.entry(NodeStatus.class, Map.of(
          "conditions", PatchMeta.mergeBy("type"),
          "addresses", PatchMeta.mergeBy("type"))),
      Map.entry(NamespaceStatus.class, CONDITIONS_BY_TYPE),
      Map.entry(DeploymentStatus.class, CONDITIONS_BY_TYPE),
      Map.entry(ReplicaSetStatus.class, CONDITIONS_BY_TYPE));

  static PatchMeta lookup(Class<?> modelClass, String field) {
    return TABLE.getOrDefault(modelClass, Map.of()).getOrDefault(field, PatchMeta.NONE);
  }
}
