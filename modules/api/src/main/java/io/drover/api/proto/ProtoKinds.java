package io.drover.api.proto;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Autoscaling;
import io.kubernetes.client.proto.V1Batch;
import io.kubernetes.client.proto.V1Policy;
import io.kubernetes.client.proto.V1Rbac;
import io.kubernetes.client.proto.V1Storage;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The one table from apiVersion + kind to the protobuf message that carries it on the wire. */
public final class ProtoKinds {
  private ProtoKinds() {}

  private static final Map<String, Message> BY_TYPE = build();

  private static Map<String, Message> build() {
    Map<String, Message> types = new LinkedHashMap<>();
    put(types, "v1", "Namespace", V1.Namespace.getDefaultInstance());
    put(types, "v1", "Node", V1.Node.getDefaultInstance());
    put(types, "v1", "ConfigMap", V1.ConfigMap.getDefaultInstance());
    put(types, "v1", "Secret", V1.Secret.getDefaultInstance());
    put(types, "v1", "Pod", V1.Pod.getDefaultInstance());
    put(types, "v1", "Event", V1.Event.getDefaultInstance());
    put(types, "v1", "Service", V1.Service.getDefaultInstance());
    put(types, "v1", "Endpoints", V1.Endpoints.getDefaultInstance());
    put(types, "v1", "PersistentVolume", V1.PersistentVolume.getDefaultInstance());
    put(types, "v1", "PersistentVolumeClaim", V1.PersistentVolumeClaim.getDefaultInstance());
    put(types, "v1", "ResourceQuota", V1.ResourceQuota.getDefaultInstance());
    put(types, "v1", "LimitRange", V1.LimitRange.getDefaultInstance());
    put(types, "v1", "ServiceAccount", V1.ServiceAccount.getDefaultInstance());
    put(types, "apps/v1", "Deployment", V1Apps.Deployment.getDefaultInstance());
    put(types, "apps/v1", "ReplicaSet", V1Apps.ReplicaSet.getDefaultInstance());
    put(types, "apps/v1", "StatefulSet", V1Apps.StatefulSet.getDefaultInstance());
    put(types, "apps/v1", "DaemonSet", V1Apps.DaemonSet.getDefaultInstance());
    put(types, "apps/v1", "ControllerRevision", V1Apps.ControllerRevision.getDefaultInstance());
    put(types, "rbac.authorization.k8s.io/v1", "Role", V1Rbac.Role.getDefaultInstance());
    put(types, "rbac.authorization.k8s.io/v1", "RoleBinding", V1Rbac.RoleBinding.getDefaultInstance());
    put(types, "rbac.authorization.k8s.io/v1", "ClusterRole", V1Rbac.ClusterRole.getDefaultInstance());
    put(types, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", V1Rbac.ClusterRoleBinding.getDefaultInstance());
    put(types, "storage.k8s.io/v1", "StorageClass", V1Storage.StorageClass.getDefaultInstance());
    put(types, "batch/v1", "Job", V1Batch.Job.getDefaultInstance());
    put(types, "batch/v1", "CronJob", V1Batch.CronJob.getDefaultInstance());
    put(types, "policy/v1", "Eviction", V1Policy.Eviction.getDefaultInstance());
    put(types, "policy/v1", "PodDisruptionBudget", V1Policy.PodDisruptionBudget.getDefaultInstance());
    put(types, "autoscaling/v1", "Scale", V1Autoscaling.Scale.getDefaultInstance());
    put(types, "autoscaling/v1", "HorizontalPodAutoscaler", V1Autoscaling.HorizontalPodAutoscaler.getDefaultInstance());
    // autoscaling/v2 has the same messages and field numbers as v2beta2, which the generated classes carry.
    put(types, "autoscaling/v2", "HorizontalPodAutoscaler",
        io.kubernetes.client.proto.V2beta2Autoscaling.HorizontalPodAutoscaler.getDefaultInstance());
    put(types, "authorization.k8s.io/v1", "SelfSubjectAccessReview",
        V1Authorization.SelfSubjectAccessReview.getDefaultInstance());
    put(types, "authorization.k8s.io/v1", "SelfSubjectRulesReview",
        V1Authorization.SelfSubjectRulesReview.getDefaultInstance());
    put(types, "authentication.k8s.io/v1", "SelfSubjectReview",
        V1Authentication.SelfSubjectReview.getDefaultInstance());
    put(types, "authentication.k8s.io/v1", "TokenRequest", V1Authentication.TokenRequest.getDefaultInstance());
    put(types, "discovery.k8s.io/v1", "EndpointSlice",
        DynamicMessage.getDefaultInstance(DiscoveryV1.FILE.findMessageTypeByName("EndpointSlice")));
    put(types, "coordination.k8s.io/v1", "Lease",
        DynamicMessage.getDefaultInstance(CoordinationV1.FILE.findMessageTypeByName("Lease")));

    // DeleteOptions is registered in every group version (client-go encodes it with the version of the
    // client that deletes, e.g. "v1" for pods) and in meta.k8s.io/v1.
    Set<String> versions = new LinkedHashSet<>();
    for (String key : types.keySet()) versions.add(key.substring(0, key.indexOf(' ')));
    versions.add("meta.k8s.io/v1");
    for (String version : versions) put(types, version, "DeleteOptions", Meta.DeleteOptions.getDefaultInstance());
    return Map.copyOf(types);
  }

  private static void put(Map<String, Message> types, String apiVersion, String kind, Message prototype) {
    types.put(apiVersion + " " + kind, prototype);
  }

  /** The empty message for apiVersion ("v1", "apps/v1") and kind, whose builder and parser handle that type. */
  public static Optional<Message> prototype(String apiVersion, String kind) {
    return Optional.ofNullable(BY_TYPE.get(apiVersion + " " + kind));
  }

  public static boolean supports(String apiVersion, String kind) {
    return BY_TYPE.containsKey(apiVersion + " " + kind);
  }
}
