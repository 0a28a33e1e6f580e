package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.validation.Formats.NameFormat;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * PersistentVolumes, PersistentVolumeClaims and StorageClasses: the rules of pkg/apis/core/validation and
 * pkg/apis/storage/validation that matter to Drover's volumes, with their messages.
 */
final class StorageValidation {
  private StorageValidation() {}

  static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
      "ReadWriteOncePod");
  static final List<String> RECLAIM_POLICIES = List.of("Delete", "Recycle", "Retain");
  static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");
  /** The volume sources a PersistentVolume may have; Drover's node agents mount hostPath and local. */
  private static final List<String> PV_SOURCES = List.of("hostPath", "local", "nfs", "iscsi", "csi", "fc",
      "rbd", "cephfs", "cinder", "glusterfs", "flexVolume", "azureFile", "azureDisk", "gcePersistentDisk",
      "awsElasticBlockStore", "vsphereVolume", "quobyte", "portworxVolume", "scaleIO", "storageos",
      "photonPersistentDisk", "flocker");

  static void persistentVolumeClaim(JsonNode claim, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(claim, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    claimSpec(Nodes.get(claim, "spec"), "spec", errs);
  }

  /** ValidatePersistentVolumeClaimSpec, also for a StatefulSet's volumeClaimTemplates. */
  static void claimSpec(JsonNode spec, String path, Errors errs) {
    accessModes(Nodes.get(spec, "accessModes"), child(path, "accessModes"), errs);
    JsonNode storage = Nodes.get(Nodes.get(Nodes.get(spec, "resources"), "requests"), "storage");
    if (storage.isMissingNode()) {
      errs.required(child(path, "resources[storage]"), "");
    } else {
      BigDecimal amount = Resources.amount(storage);
      if (amount != null && amount.signum() <= 0) {
        errs.invalid(child(path, "resources[storage]"), storage.asText(), "must be greater than zero");
      }
    }
    String mode = Nodes.str(spec, "volumeMode");
    if (!mode.isEmpty() && !List.of("Block", "Filesystem").contains(mode)) {
      errs.notSupported(child(path, "volumeMode"), mode, List.of("Block", "Filesystem"));
    }
    JsonNode selector = Nodes.get(spec, "selector");
    if (!selector.isMissingNode()) MetaValidation.labelSelector(selector, child(path, "selector"), errs);
  }

  /**
   * ValidatePersistentVolumeClaimUpdate: the spec is immutable once created, except resources.requests, and
   * growing a claim needs a class that can expand volumes (local-path volumes have no size to grow).
   */
  static void persistentVolumeClaimUpdate(JsonNode claim, JsonNode old, Errors errs) {
    ObjectNode spec = Nodes.get(claim, "spec").deepCopy();
    ObjectNode oldSpec = Nodes.get(old, "spec").deepCopy();
    // A bind fills volumeName once; later the field is fixed.
    if (Nodes.str(oldSpec, "volumeName").isEmpty()) {
      oldSpec.remove("volumeName");
      spec.remove("volumeName");
    }
    JsonNode requests = Nodes.get(Nodes.get(spec, "resources"), "requests");
    JsonNode oldRequests = Nodes.get(Nodes.get(oldSpec, "resources"), "requests");
    ((ObjectNode) spec).remove("resources");
    oldSpec.remove("resources");
    if (!Objects.equals(spec, oldSpec)) {
      errs.forbidden("spec", "spec is immutable after creation except resources.requests and "
          + "volumeAttributesClassName for bound claims\n" + PodValidation.Diff.describe(oldSpec, spec));
    } else if (!Objects.equals(requests, oldRequests)) {
      errs.forbidden("spec.resources.requests.storage", "only dynamically provisioned pvc can be resized and "
          + "the storageclass that provisions the pvc must support resize");
    }
  }

  static void persistentVolume(JsonNode volume, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(volume, "metadata"), false, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(volume, "spec");
    accessModes(Nodes.get(spec, "accessModes"), "spec.accessModes", errs);
    JsonNode capacity = Nodes.get(spec, "capacity");
    if (capacity.isMissingNode() || capacity.isEmpty()) {
      errs.required("spec.capacity", "");
    } else {
      capacity.fieldNames().forEachRemaining(name -> {
        if (!name.equals("storage")) errs.notSupported("spec.capacity", name, List.of("storage"));
      });
      BigDecimal amount = Resources.amount(capacity.get("storage"));
      if (capacity.has("storage") && amount != null && amount.signum() <= 0) {
        errs.invalid("spec.capacity[storage]", capacity.get("storage").asText(), "must be greater than zero");
      }
    }
    String policy = Nodes.str(spec, "persistentVolumeReclaimPolicy");
    if (!policy.isEmpty() && !RECLAIM_POLICIES.contains(policy)) {
      errs.notSupported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES);
    }
    int sources = 0;
    for (String source : PV_SOURCES) {
      if (!Nodes.has(spec, source)) continue;
      if (++sources > 1) errs.forbidden(child("spec", source), "may not specify more than 1 volume type");
    }
    if (sources == 0) errs.required("spec", "must specify a volume type");
    if (Nodes.has(spec, "hostPath")) {
      String path = Nodes.str(Nodes.get(spec, "hostPath"), "path");
      if (path.isEmpty()) errs.required("spec.hostPath.path", "");
      if (List.of(path.split("/")).contains("..")) {
        errs.invalid("spec.hostPath.path", path, "must not contain '..'");
      }
    }
    if (Nodes.has(spec, "local")) {
      String path = Nodes.str(Nodes.get(spec, "local"), "path");
      if (path.isEmpty()) errs.required("spec.local.path", "");
      if (List.of(path.split("/")).contains("..")) errs.invalid("spec.local.path", path, "must not contain '..'");
      if (!Nodes.has(spec, "nodeAffinity")) errs.required("spec.nodeAffinity", "Local volume requires node affinity");
    }
    JsonNode required = Nodes.get(Nodes.get(spec, "nodeAffinity"), "required");
    if (Nodes.has(spec, "nodeAffinity") && Nodes.list(required, "nodeSelectorTerms").isEmpty()) {
      errs.required("spec.nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector term");
    }
  }

  /** ValidatePersistentVolumeUpdate: the volume source and node affinity are fixed once set. */
  static void persistentVolumeUpdate(JsonNode volume, JsonNode old, Errors errs) {
    JsonNode spec = Nodes.get(volume, "spec");
    JsonNode oldSpec = Nodes.get(old, "spec");
    for (String source : PV_SOURCES) {
      if (!Objects.equals(Nodes.get(spec, source), Nodes.get(oldSpec, source))) {
        errs.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation");
        break;
      }
    }
    if (Nodes.has(oldSpec, "nodeAffinity")
        && !Objects.equals(Nodes.get(spec, "nodeAffinity"), Nodes.get(oldSpec, "nodeAffinity"))) {
      errs.invalid("spec.nodeAffinity", Nodes.get(spec, "nodeAffinity"), MetaValidation.IMMUTABLE);
    }
  }

  static void storageClass(JsonNode storageClass, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(storageClass, "metadata"), false, NameFormat.DNS_SUBDOMAIN, "metadata",
        errs);
    String provisioner = Nodes.str(storageClass, "provisioner");
    if (provisioner.isEmpty()) {
      errs.required("provisioner", "");
    } else if (provisioner.length() > 63 + 253) {
      errs.tooLong("provisioner", 63 + 253);
    }
    String policy = Nodes.str(storageClass, "reclaimPolicy");
    if (!policy.isEmpty() && !List.of("Delete", "Retain").contains(policy)) {
      errs.notSupported("reclaimPolicy", policy, List.of("Delete", "Retain"));
    }
    String binding = Nodes.str(storageClass, "volumeBindingMode");
    if (!binding.isEmpty() && !BINDING_MODES.contains(binding)) {
      errs.notSupported("volumeBindingMode", binding, BINDING_MODES);
    }
  }

  static void storageClassUpdate(JsonNode storageClass, JsonNode old, Errors errs) {
    if (!Objects.equals(Nodes.get(storageClass, "parameters"), Nodes.get(old, "parameters"))) {
      errs.forbidden("parameters", "updates to parameters are forbidden.");
    }
    if (!Nodes.str(storageClass, "provisioner").equals(Nodes.str(old, "provisioner"))) {
      errs.forbidden("provisioner", "updates to provisioner are forbidden.");
    }
    if (!Nodes.str(storageClass, "reclaimPolicy").equals(Nodes.str(old, "reclaimPolicy"))) {
      errs.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.");
    }
    if (!Nodes.str(storageClass, "volumeBindingMode").equals(Nodes.str(old, "volumeBindingMode"))) {
      errs.forbidden("volumeBindingMode", "updates to volumeBindingMode are forbidden.");
    }
  }

  private static void accessModes(JsonNode modes, String path, Errors errs) {
    if (!modes.isArray() || modes.isEmpty()) {
      errs.required(path, "at least 1 access mode is required");
      return;
    }
    for (int i = 0; i < modes.size(); i++) {
      String mode = modes.get(i).asText();
      if (!ACCESS_MODES.contains(mode)) errs.notSupported(path, mode, ACCESS_MODES);
      if (mode.equals("ReadWriteOncePod") && modes.size() > 1) {
        errs.forbidden(index(path, i), "may not use ReadWriteOncePod with other access modes");
      }
    }
  }
}
