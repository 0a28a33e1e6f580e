package io.drover.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * What the apiserver does to an object before storing it, in its order: {@link #unknownFields} (typed
 * decoding), {@link #applyDefaults}, then {@link #validate}. Rules and messages follow
 * k8s.io/kubernetes pkg/apis/core/validation, pkg/apis/apps/validation, the v1 defaulters and
 * k8s.io/apimachinery validation, so users see the strings a real cluster prints.
 */
public final class Admission {
  private Admission() {}

  /**
   * Decodes the object against its model type. Throws a 400 BadRequest when a value has the wrong JSON type
   * (e.g. {@code "replicas": "abc"}), a quantity does not parse, or Secret/ConfigMap bytes are not base64.
   *
   * @return paths of fields the type does not know, e.g. {@code spec.template.spec.containers[0].imagee};
   *     the caller refuses them under {@code fieldValidation=Strict} and may warn otherwise
   */
  public static List<String> unknownFields(ResourceType type, ObjectNode object) {
    List<String> unknown = new ArrayList<>();
    Decoding.decode(type, object, unknown);
    return List.copyOf(unknown);
  }

  /** A copy of the object with the Kubernetes defaults filled in; fields the user set are left alone. */
  public static ObjectNode applyDefaults(ResourceType type, ObjectNode object) {
    return Defaults.apply(type, object);
  }

  /**
   * Validates a defaulted object and throws a 422 Invalid listing every problem found.
   *
   * @param oldObject the stored object on update (immutable fields are then checked), null on create. On
   *     update the caller keeps server-owned values first, as the REST layer does: uid and creationTimestamp
   *     from the stored object, and a Service's allocated clusterIP and nodePorts when the update leaves them out
   */
  public static void validate(ResourceType type, ObjectNode object, ObjectNode oldObject) {
    Errors errs = new Errors();
    if (oldObject != null) {
      MetaValidation.objectMetaUpdate(Nodes.get(object, "metadata"), Nodes.get(oldObject, "metadata"), "metadata",
          errs);
    }
    if (type == ResourceRegistry.POD) {
      PodValidation.pod(object, errs);
      if (oldObject != null) PodValidation.podUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.DEPLOYMENT) {
      WorkloadValidation.deployment(object, errs);
      if (oldObject != null) WorkloadValidation.selectorUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.REPLICA_SET) {
      WorkloadValidation.replicaSet(object, errs);
      if (oldObject != null) WorkloadValidation.selectorUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.DAEMON_SET) {
      WorkloadValidation.daemonSet(object, errs);
      if (oldObject != null) WorkloadValidation.selectorUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.STATEFUL_SET) {
      WorkloadValidation.statefulSet(object, errs);
      if (oldObject != null) WorkloadValidation.statefulSetUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.CONTROLLER_REVISION) {
      MetaValidation.objectMeta(Nodes.get(object, "metadata"), true, Formats.NameFormat.DNS_SUBDOMAIN, "metadata",
          errs);
      MetaValidation.nonNegative(object, "revision", "", errs);
      if (oldObject != null && !java.util.Objects.equals(object.get("data"), oldObject.get("data"))) {
        errs.invalid("data", "", MetaValidation.IMMUTABLE);
      }
    } else if (type == ResourceRegistry.PERSISTENT_VOLUME_CLAIM) {
      StorageValidation.persistentVolumeClaim(object, errs);
      if (oldObject != null) StorageValidation.persistentVolumeClaimUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.PERSISTENT_VOLUME) {
      StorageValidation.persistentVolume(object, errs);
      if (oldObject != null) StorageValidation.persistentVolumeUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.ENDPOINTS) {
      EndpointsValidation.endpoints(object, errs);
    } else if (type == ResourceRegistry.ENDPOINT_SLICE) {
      EndpointsValidation.endpointSlice(object, errs);
    } else if (type == ResourceRegistry.STORAGE_CLASS) {
      StorageValidation.storageClass(object, errs);
      if (oldObject != null) StorageValidation.storageClassUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.CRON_JOB) {
      WorkloadValidation.cronJob(object, errs);
    } else if (type == ResourceRegistry.JOB) {
      WorkloadValidation.job(object, errs);
      if (oldObject != null) WorkloadValidation.jobUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.HORIZONTAL_POD_AUTOSCALER) {
      AutoscalingValidation.horizontalPodAutoscaler(object, errs);
    } else if (type == ResourceRegistry.POD_DISRUPTION_BUDGET) {
      WorkloadValidation.podDisruptionBudget(object, errs);
    } else if (type == ResourceRegistry.SERVICE) {
      if (oldObject != null) ServiceValidation.serviceUpdate(object, oldObject, errs);
      ServiceValidation.service(object, errs);
    } else if (type == ResourceRegistry.CONFIG_MAP) {
      if (oldObject != null) CoreValidation.immutableData(object, oldObject, List.of("data", "binaryData"), errs);
      CoreValidation.configMap(object, errs);
    } else if (type == ResourceRegistry.SECRET) {
      if (oldObject != null) CoreValidation.secretUpdate(object, oldObject, errs);
      CoreValidation.secret(object, errs);
    } else if (type == ResourceRegistry.RESOURCE_QUOTA) {
      CoreValidation.resourceQuota(object, errs);
    } else if (type == ResourceRegistry.LIMIT_RANGE) {
      LimitRangeValidation.limitRange(object, errs);
    } else if (type == ResourceRegistry.ROLE || type == ResourceRegistry.CLUSTER_ROLE) {
      RbacValidation.role(object, type.namespaced(), errs);
    } else if (type == ResourceRegistry.ROLE_BINDING || type == ResourceRegistry.CLUSTER_ROLE_BINDING) {
      RbacValidation.binding(object, oldObject, type.namespaced(), errs);
    } else if (type == ResourceRegistry.SERVICE_ACCOUNT) {
      CoreValidation.serviceAccount(object, errs);
    } else if (type == ResourceRegistry.NAMESPACE) {
      CoreValidation.namespace(object, errs);
    } else if (type == ResourceRegistry.NODE) {
      CoreValidation.node(object, errs);
      if (oldObject != null) CoreValidation.nodeUpdate(object, oldObject, errs);
    } else if (type == ResourceRegistry.EVENT) {
      CoreValidation.event(object, errs);
    } else {
      throw new IllegalArgumentException("no validation for " + type.kind());
    }
    if (!errs.isEmpty()) {
      JsonNode metadata = Nodes.get(object, "metadata");
      throw ApiException.invalid(type.kind(), type.group(), Nodes.str(metadata, "name"), errs.causes());
    }
  }
}
