package io.drover.api;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every kind Drover serves. Discovery, OpenAPI, routing and storage all read this one list. */
public final class ResourceRegistry {
  private ResourceRegistry() {}

  public static final ResourceType NAMESPACE = new ResourceType("", "v1", "Namespace", "namespaces", "namespace",
      false, List.of("ns"), List.of(), List.of("status", "finalize"), Namespace.class);
  public static final ResourceType NODE = new ResourceType("", "v1", "Node", "nodes", "node",
      false, List.of("no"), List.of(), List.of("status"), Node.class);
  public static final ResourceType CONFIG_MAP = new ResourceType("", "v1", "ConfigMap", "configmaps", "configmap",
      true, List.of("cm"), List.of(), List.of(), ConfigMap.class);
  public static final ResourceType SECRET = new ResourceType("", "v1", "Secret", "secrets", "secret",
      true, List.of(), List.of(), List.of(), Secret.class);
  public static final ResourceType POD = new ResourceType("", "v1", "Pod", "pods", "pod",
      true, List.of("po"), List.of("all"), List.of("status", "binding", "eviction", "log", "exec", "attach", "portforward"),
      Pod.class);
  public static final ResourceType EVENT = new ResourceType("", "v1", "Event", "events", "event",
      true, List.of("ev"), List.of(), List.of(), Event.class);
  public static final ResourceType SERVICE = new ResourceType("", "v1", "Service", "services", "service",
      true, List.of("svc"), List.of("all"), List.of("status"), Service.class);
  public static final ResourceType DEPLOYMENT = new ResourceType("apps", "v1", "Deployment", "deployments",
      "deployment", true, List.of("deploy"), List.of("all"), List.of("status", "scale"), Deployment.class);
  public static final ResourceType REPLICA_SET = new ResourceType("apps", "v1", "ReplicaSet", "replicasets",
      "replicaset", true, List.of("rs"), List.of("all"), List.of("status", "scale"), ReplicaSet.class);
  public static final ResourceType DAEMON_SET = new ResourceType("apps", "v1", "DaemonSet", "daemonsets",
      "daemonset", true, List.of("ds"), List.of("all"), List.of("status"), DaemonSet.class);
  public static final ResourceType JOB = new ResourceType("batch", "v1", "Job", "jobs", "job", true, List.of(),
      List.of("all"), List.of("status"), Job.class);
  public static final ResourceType CRON_JOB = new ResourceType("batch", "v1", "CronJob", "cronjobs", "cronjob", true,
      List.of("cj"), List.of("all"), List.of("status"), CronJob.class);
  public static final ResourceType POD_DISRUPTION_BUDGET = new ResourceType("policy", "v1", "PodDisruptionBudget",
      "poddisruptionbudgets", "poddisruptionbudget", true, List.of("pdb"), List.of(), List.of("status"),
      PodDisruptionBudget.class);
  public static final ResourceType STATEFUL_SET = new ResourceType("apps", "v1", "StatefulSet", "statefulsets",
      "statefulset", true, List.of("sts"), List.of("all"), List.of("status", "scale"), StatefulSet.class);
  public static final ResourceType CONTROLLER_REVISION = new ResourceType("apps", "v1", "ControllerRevision",
      "controllerrevisions", "controllerrevision", true, List.of(), List.of(), List.of(), ControllerRevision.class);
  public static final ResourceType PERSISTENT_VOLUME = new ResourceType("", "v1", "PersistentVolume",
      "persistentvolumes", "persistentvolume", false, List.of("pv"), List.of(), List.of("status"),
      PersistentVolume.class);
  public static final ResourceType PERSISTENT_VOLUME_CLAIM = new ResourceType("", "v1", "PersistentVolumeClaim",
      "persistentvolumeclaims", "persistentvolumeclaim", true, List.of("pvc"), List.of(), List.of("status"),
      PersistentVolumeClaim.class);
  public static final ResourceType ENDPOINTS = new ResourceType("", "v1", "Endpoints", "endpoints", "endpoints",
      true, List.of("ep"), List.of(), List.of(), Endpoints.class);
  public static final ResourceType ENDPOINT_SLICE = new ResourceType("discovery.k8s.io", "v1", "EndpointSlice",
      "endpointslices", "endpointslice", true, List.of(), List.of(), List.of(), EndpointSlice.class);
  public static final ResourceType STORAGE_CLASS = new ResourceType("storage.k8s.io", "v1", "StorageClass",
      "storageclasses", "storageclass", false, List.of("sc"), List.of(), List.of(), StorageClass.class);
  public static final ResourceType HORIZONTAL_POD_AUTOSCALER = new ResourceType("autoscaling", "v2",
      "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", true, List.of("hpa"),
      List.of("all"), List.of("status"), HorizontalPodAutoscaler.class);

  public static final ResourceType RESOURCE_QUOTA = new ResourceType("", "v1", "ResourceQuota", "resourcequotas",
      "resourcequota", true, List.of("quota"), List.of(), List.of("status"),
      io.fabric8.kubernetes.api.model.ResourceQuota.class);
  public static final ResourceType LIMIT_RANGE = new ResourceType("", "v1", "LimitRange", "limitranges", "limitrange",
      true, List.of("limits"), List.of(), List.of(), io.fabric8.kubernetes.api.model.LimitRange.class);

  /** rbac.authorization.k8s.io: who may do what (kube-apiserver serves them without short names). */
  public static final String RBAC_GROUP = "rbac.authorization.k8s.io";
  public static final ResourceType ROLE = new ResourceType(RBAC_GROUP, "v1", "Role", "roles", "role", true,
      List.of(), List.of(), List.of(), Role.class);
  public static final ResourceType ROLE_BINDING = new ResourceType(RBAC_GROUP, "v1", "RoleBinding", "rolebindings",
      "rolebinding", true, List.of(), List.of(), List.of(), RoleBinding.class);
  public static final ResourceType CLUSTER_ROLE = new ResourceType(RBAC_GROUP, "v1", "ClusterRole", "clusterroles",
      "clusterrole", false, List.of(), List.of(), List.of(), ClusterRole.class);
  public static final ResourceType CLUSTER_ROLE_BINDING = new ResourceType(RBAC_GROUP, "v1", "ClusterRoleBinding",
      "clusterrolebindings", "clusterrolebinding", false, List.of(), List.of(), List.of(), ClusterRoleBinding.class);

  public static final ResourceType SERVICE_ACCOUNT = new ResourceType("", "v1", "ServiceAccount", "serviceaccounts",
      "serviceaccount", true, List.of("sa"), List.of(), List.of("token"), io.fabric8.kubernetes.api.model.ServiceAccount.class);

  public static final List<ResourceType> ALL = List.of(NAMESPACE, NODE, CONFIG_MAP, SECRET, POD, EVENT, SERVICE,
      ENDPOINTS, PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM, DEPLOYMENT, REPLICA_SET, STATEFUL_SET, DAEMON_SET,
      CONTROLLER_REVISION, JOB, CRON_JOB, POD_DISRUPTION_BUDGET, HORIZONTAL_POD_AUTOSCALER, ENDPOINT_SLICE,
      STORAGE_CLASS, RESOURCE_QUOTA, LIMIT_RANGE, CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING,
      SERVICE_ACCOUNT);

  /** metrics.k8s.io: resource usage measured by the node agents, computed on each read and never stored. */
  public static final ResourceType NODE_METRICS = new ResourceType("metrics.k8s.io", "v1beta1", "NodeMetrics",
      "nodes", "", false, List.of(), List.of(), List.of(), NodeMetrics.class);
  public static final ResourceType POD_METRICS = new ResourceType("metrics.k8s.io", "v1beta1", "PodMetrics",
      "pods", "", true, List.of(), List.of(), List.of(), PodMetrics.class);

  /** Kinds served read-only (get and list) and not stored: in discovery, but not in {@link #ALL}. */
  public static final List<ResourceType> READ_ONLY = List.of(NODE_METRICS, POD_METRICS);

  /** Group name to its versions' resources, core group first, in a stable order. */
  public static Map<String, List<ResourceType>> byGroup() {
    Map<String, List<ResourceType>> groups = new LinkedHashMap<>();
    groups.put("", new ArrayList<>());
    for (ResourceType type : ALL) {
      groups.computeIfAbsent(type.group(), g -> new ArrayList<>()).add(type);
    }
    return groups;
  }

  public static Optional<ResourceType> byPlural(String group, String version, String plural) {
    return ALL.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  /** By apiVersion ("v1", "apps/v1") and kind, as written in a manifest. */
  public static Optional<ResourceType> byKind(String apiVersion, String kind) {
    return ALL.stream().filter(t -> t.apiVersion().equals(apiVersion) && t.kind().equals(kind)).findFirst();
  }

  public static Optional<ResourceType> byKey(String objectKey) {
    String[] parts = objectKey.split("/", 4);
    String group = parts[0].equals("core") ? "" : parts[0];
    return ALL.stream().filter(t -> t.group().equals(group) && t.kind().equals(parts[1])).findFirst();
  }
}
