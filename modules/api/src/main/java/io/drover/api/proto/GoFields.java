package io.drover.api.proto;

import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the Go types say about a field that the proto descriptors do not. Kubernetes writes protobuf with
 * gogo-generated code, which emits every non-pointer field (so kubectl sends {@code generateName: ""},
 * {@code hostPort: 0}, {@code stdin: false}) while its JSON omits them ({@code omitempty}). A present scalar
 * holding its zero value is therefore left out of the JSON, except for the Go pointer fields listed here,
 * where zero is a real value ({@code replicas: 0}, {@code runAsUser: 0}, {@code automountServiceAccountToken:
 * false}). Embedded structs are a proto field but are inlined in JSON.
 */
final class GoFields {
  private GoFields() {}

  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final String CORE = "k8s.io.api.core.v1.";
  private static final String APPS = "k8s.io.api.apps.v1.";
  private static final String BATCH = "k8s.io.api.batch.v1.";

  /** Go embedded structs ({@code json:",inline"}): their fields appear in the parent object. */
  private static final Set<String> INLINE = Set.of(
      CORE + "Volume.volumeSource",
      CORE + "Probe.handler",
      CORE + "EphemeralContainer.ephemeralContainerCommon",
      CORE + "PersistentVolumeSpec.persistentVolumeSource",
      CORE + "ConfigMapEnvSource.localObjectReference",
      CORE + "ConfigMapKeySelector.localObjectReference",
      CORE + "ConfigMapProjection.localObjectReference",
      CORE + "ConfigMapVolumeSource.localObjectReference",
      CORE + "SecretEnvSource.localObjectReference",
      CORE + "SecretKeySelector.localObjectReference",
      CORE + "SecretProjection.localObjectReference");

  /** Go pointer scalars (*int32, *int64, *bool, *string) by message: zero values are kept. */
  private static final Map<String, Set<String>> POINTERS = Map.ofEntries(
      Map.entry(META + "ObjectMeta", Set.of("deletionGracePeriodSeconds")),
      Map.entry(META + "OwnerReference", Set.of("controller", "blockOwnerDeletion")),
      Map.entry(META + "ListMeta", Set.of("remainingItemCount")),
      Map.entry(META + "DeleteOptions", Set.of("gracePeriodSeconds", "orphanDependents", "propagationPolicy")),
      Map.entry(META + "Preconditions", Set.of("uid", "resourceVersion")),
      Map.entry(META + "ListOptions", Set.of("timeoutSeconds", "sendInitialEvents")),
      Map.entry(META + "PatchOptions", Set.of("force")),
      Map.entry(CORE + "ConfigMap", Set.of("immutable")),
      Map.entry(CORE + "Secret", Set.of("immutable")),
      Map.entry(CORE + "PodSpec", Set.of("terminationGracePeriodSeconds", "activeDeadlineSeconds",
          "automountServiceAccountToken", "shareProcessNamespace", "priority", "enableServiceLinks",
          "setHostnameAsFQDN", "hostUsers", "preemptionPolicy", "runtimeClassName")),
      Map.entry(CORE + "PodSecurityContext", Set.of("runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup",
          "fsGroupChangePolicy")),
      Map.entry(CORE + "SecurityContext", Set.of("privileged", "runAsUser", "runAsGroup", "runAsNonRoot",
          "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount")),
      Map.entry(CORE + "WindowsSecurityContextOptions", Set.of("gmsaCredentialSpecName", "gmsaCredentialSpec",
          "runAsUserName", "hostProcess")),
      Map.entry(CORE + "SeccompProfile", Set.of("localhostProfile")),
      Map.entry(CORE + "AppArmorProfile", Set.of("localhostProfile")),
      Map.entry(CORE + "Container", Set.of("restartPolicy")),
      Map.entry(CORE + "EphemeralContainerCommon", Set.of("restartPolicy")),
      Map.entry(CORE + "Probe", Set.of("terminationGracePeriodSeconds")),
      Map.entry(CORE + "GRPCAction", Set.of("service")),
      Map.entry(CORE + "VolumeMount", Set.of("mountPropagation", "recursiveReadOnly")),
      Map.entry(CORE + "Toleration", Set.of("tolerationSeconds")),
      Map.entry(CORE + "TopologySpreadConstraint", Set.of("minDomains", "nodeAffinityPolicy", "nodeTaintsPolicy")),
      Map.entry(CORE + "PodDNSConfigOption", Set.of("value")),
      Map.entry(CORE + "SecretVolumeSource", Set.of("defaultMode", "optional")),
      Map.entry(CORE + "ConfigMapVolumeSource", Set.of("defaultMode", "optional")),
      Map.entry(CORE + "ProjectedVolumeSource", Set.of("defaultMode")),
      Map.entry(CORE + "DownwardAPIVolumeSource", Set.of("defaultMode")),
      Map.entry(CORE + "DownwardAPIVolumeFile", Set.of("mode")),
      Map.entry(CORE + "KeyToPath", Set.of("mode")),
      Map.entry(CORE + "ConfigMapProjection", Set.of("optional")),
      Map.entry(CORE + "SecretProjection", Set.of("optional")),
      Map.entry(CORE + "ServiceAccountTokenProjection", Set.of("expirationSeconds")),
      Map.entry(CORE + "ClusterTrustBundleProjection", Set.of("name", "signerName", "optional")),
      Map.entry(CORE + "ConfigMapKeySelector", Set.of("optional")),
      Map.entry(CORE + "SecretKeySelector", Set.of("optional")),
      Map.entry(CORE + "ConfigMapEnvSource", Set.of("optional")),
      Map.entry(CORE + "SecretEnvSource", Set.of("optional")),
      Map.entry(CORE + "CSIVolumeSource", Set.of("readOnly", "fsType")),
      Map.entry(CORE + "AzureDiskVolumeSource", Set.of("cachingMode", "fsType", "readOnly", "kind")),
      Map.entry(CORE + "FCVolumeSource", Set.of("lun")),
      Map.entry(CORE + "HostPathVolumeSource", Set.of("type")),
      Map.entry(CORE + "ISCSIVolumeSource", Set.of("initiatorName")),
      Map.entry(CORE + "PersistentVolumeClaimSpec", Set.of("storageClassName", "volumeMode",
          "volumeAttributesClassName")),
      Map.entry(CORE + "ServiceSpec", Set.of("ipFamilyPolicy", "allocateLoadBalancerNodePorts",
          "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution")),
      Map.entry(CORE + "ServicePort", Set.of("appProtocol")),
      Map.entry(CORE + "ClientIPConfig", Set.of("timeoutSeconds")),
      Map.entry(CORE + "LoadBalancerIngress", Set.of("ipMode")),
      Map.entry(CORE + "PortStatus", Set.of("error")),
      Map.entry(CORE + "EndpointAddress", Set.of("nodeName")),
      Map.entry(CORE + "EndpointPort", Set.of("appProtocol")),
      Map.entry(CORE + "ContainerStatus", Set.of("started")),
      Map.entry(CORE + "NodeRuntimeHandlerFeatures", Set.of("recursiveReadOnlyMounts")),
      Map.entry(APPS + "DeploymentSpec", Set.of("replicas", "revisionHistoryLimit", "progressDeadlineSeconds")),
      Map.entry(APPS + "DeploymentStatus", Set.of("collisionCount")),
      Map.entry(APPS + "ReplicaSetSpec", Set.of("replicas")),
      Map.entry(APPS + "StatefulSetSpec", Set.of("replicas", "revisionHistoryLimit")),
      Map.entry(APPS + "RollingUpdateStatefulSetStrategy", Set.of("partition")),
      Map.entry(APPS + "StatefulSetStatus", Set.of("collisionCount")),
      Map.entry(APPS + "DaemonSetSpec", Set.of("revisionHistoryLimit")),
      Map.entry(APPS + "DaemonSetStatus", Set.of("collisionCount")),
      Map.entry(BATCH + "JobSpec", Set.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
          "backoffLimitPerIndex", "maxFailedIndexes", "manualSelector", "ttlSecondsAfterFinished",
          "completionMode", "suspend", "podReplacementPolicy", "managedBy")),
      Map.entry(BATCH + "JobStatus", Set.of("ready", "terminating", "failedIndexes")),
      Map.entry(BATCH + "PodFailurePolicyOnExitCodesRequirement", Set.of("containerName")),
      Map.entry(BATCH + "SuccessPolicyRule", Set.of("succeededIndexes", "succeededCount")),
      Map.entry(BATCH + "CronJobSpec", Set.of("timeZone", "startingDeadlineSeconds", "suspend",
          "successfulJobsHistoryLimit", "failedJobsHistoryLimit")),
      Map.entry("k8s.io.api.policy.v1.PodDisruptionBudgetSpec", Set.of("unhealthyPodEvictionPolicy")),
      Map.entry("k8s.io.api.authentication.v1.TokenRequestSpec", Set.of("expirationSeconds")),
      Map.entry("k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec", Set.of("minReplicas",
          "targetCPUUtilizationPercentage")),
      Map.entry("k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus", Set.of("observedGeneration",
          "currentCPUUtilizationPercentage")),
      Map.entry("k8s.io.api.storage.v1.StorageClass", Set.of("reclaimPolicy", "allowVolumeExpansion",
          "volumeBindingMode")),
      Map.entry("k8s.io.api.discovery.v1.EndpointConditions", Set.of("ready", "serving", "terminating")),
      Map.entry("k8s.io.api.discovery.v1.Endpoint", Set.of("hostname", "nodeName", "zone")),
      Map.entry("k8s.io.api.discovery.v1.EndpointPort", Set.of("name", "protocol", "port", "appProtocol")),
      Map.entry("k8s.io.api.coordination.v1.LeaseSpec", Set.of("holderIdentity", "leaseDurationSeconds",
          "leaseTransitions", "strategy", "preferredHolder")));

  /** Proto fields named apart from their JSON key (the generator kept Go's initialism: {@code uID} is {@code uid}). */
  private static final Map<String, String> RENAMED = Map.of(
      "k8s.io.api.authentication.v1.BoundObjectReference.uID", "uid");

  /** The JSON key of a field. */
  static String jsonName(FieldDescriptor field) {
    return RENAMED.getOrDefault(field.getFullName(), field.getName());
  }

  static boolean isInline(FieldDescriptor field) {
    return INLINE.contains(field.getFullName());
  }

  /** Whether a present zero value of this scalar field is a real value (a Go pointer) rather than "unset". */
  static boolean keepsZero(FieldDescriptor field) {
    Set<String> fields = POINTERS.get(field.getContainingType().getFullName());
    return fields != null && fields.contains(field.getName());
  }

  /** Every listed field as "message.field", for checking the tables against the descriptors. */
  static Set<String> listedFields() {
    Set<String> all = new HashSet<>(INLINE);
    all.addAll(RENAMED.keySet());
    POINTERS.forEach((message, fields) -> fields.forEach(f -> all.add(message + "." + f)));
    return all;
  }
}
