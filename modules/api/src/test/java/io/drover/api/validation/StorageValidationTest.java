package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** StatefulSets, claims, volumes and classes are checked with Kubernetes' messages. */
class StorageValidationTest {

  @Test
  void validObjectsPass() {
    Manifests.assertValid(ResourceRegistry.STATEFUL_SET, Manifests.statefulSet());
    Manifests.assertValid(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, Manifests.persistentVolumeClaim());
    Manifests.assertValid(ResourceRegistry.PERSISTENT_VOLUME, Manifests.persistentVolume());
    Manifests.assertValid(ResourceRegistry.STORAGE_CLASS, Manifests.storageClass());
  }

  @Test
  void statefulSetDefaultsAsKubernetes() {
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.STATEFUL_SET, Manifests.statefulSet());
    assertEquals("OrderedReady", defaulted.at("/spec/podManagementPolicy").asText());
    assertEquals("RollingUpdate", defaulted.at("/spec/updateStrategy/type").asText());
    assertEquals(0, defaulted.at("/spec/updateStrategy/rollingUpdate/partition").asInt(-1));
    assertEquals("Retain", defaulted.at("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").asText());
    assertEquals("Filesystem", defaulted.at("/spec/volumeClaimTemplates/0/spec/volumeMode").asText());
  }

  @Test
  void statefulSetRefusesBadPolicyStrategyAndClaims() {
    ObjectNode sts = with(Manifests.statefulSet(), "spec.podManagementPolicy", "Sometimes");
    with(sts, "spec.updateStrategy", Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("partition", -1)));
    without(sts, "spec.volumeClaimTemplates.0.spec.accessModes");
    List<io.drover.api.ApiException.Cause> causes = problems(ResourceRegistry.STATEFUL_SET, sts);
    assertCause(causes, "spec.podManagementPolicy", "FieldValueNotSupported", "supported values: \"OrderedReady\"");
    assertCause(causes, "spec.updateStrategy.rollingUpdate.partition", "FieldValueInvalid", "greater than or equal to 0");
    assertCause(causes, "spec.volumeClaimTemplates[0].spec.accessModes", "FieldValueRequired",
        "at least 1 access mode is required");
  }

  @Test
  void mountOfAnUnknownVolumeIsStillRefused() {
    ObjectNode sts = with(Manifests.statefulSet(), "spec.template.spec.containers.0.volumeMounts.0.name", "nope");
    assertCause(problems(ResourceRegistry.STATEFUL_SET, sts), "spec.template.spec.containers[0].volumeMounts[0].name",
        "FieldValueNotFound", "nope");
  }

  @Test
  void statefulSetUpdatesAreLimitedToSomeFields() {
    ObjectNode old = Manifests.statefulSet();
    ObjectNode scaled = with(Manifests.statefulSet(), "spec.replicas", 5);
    assertTrue(problems(ResourceRegistry.STATEFUL_SET, scaled, old).isEmpty());
    ObjectNode renamed = with(Manifests.statefulSet(), "spec.serviceName", "other");
    assertCause(problems(ResourceRegistry.STATEFUL_SET, renamed, old), "spec", "FieldValueForbidden",
        "updates to statefulset spec for fields other than 'replicas'");
  }

  @Test
  void claimNeedsAccessModesAndStorageAndIsImmutable() {
    ObjectNode claim = without(Manifests.persistentVolumeClaim(), "spec.resources");
    with(claim, "spec.accessModes", List.of("ReadWriteSometimes"));
    List<io.drover.api.ApiException.Cause> causes = problems(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, claim);
    assertCause(causes, "spec.resources[storage]", "FieldValueRequired", "Required value");
    assertCause(causes, "spec.accessModes", "FieldValueNotSupported", "\"ReadWriteOnce\"");
    ObjectNode changed = with(Manifests.persistentVolumeClaim(), "spec.accessModes", List.of("ReadWriteMany"));
    assertCause(problems(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, changed, Manifests.persistentVolumeClaim()),
        "spec", "FieldValueForbidden", "spec is immutable after creation");
    ObjectNode bigger = with(Manifests.persistentVolumeClaim(), "spec.resources.requests.storage", "2Gi");
    assertCause(problems(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, bigger, Manifests.persistentVolumeClaim()),
        "spec.resources.requests.storage", "FieldValueForbidden", "must support resize");
    ObjectNode bound = with(Manifests.persistentVolumeClaim(), "spec.volumeName", "pvc-1");
    assertTrue(problems(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, bound, Manifests.persistentVolumeClaim()).isEmpty(),
        "binding fills volumeName once");
  }

  @Test
  void volumeNeedsOneSourceCapacityAndLocalNodeAffinity() {
    ObjectNode none = without(without(Manifests.persistentVolume(), "spec.local"), "spec.capacity");
    List<io.drover.api.ApiException.Cause> causes = problems(ResourceRegistry.PERSISTENT_VOLUME, none);
    assertCause(causes, "spec", "FieldValueRequired", "must specify a volume type");
    assertCause(causes, "spec.capacity", "FieldValueRequired", "Required value");
    ObjectNode two = with(Manifests.persistentVolume(), "spec.hostPath", Map.of("path", "/tmp/x"));
    assertCause(problems(ResourceRegistry.PERSISTENT_VOLUME, two), "spec.local", "FieldValueForbidden",
        "may not specify more than 1 volume type");
    ObjectNode loose = without(Manifests.persistentVolume(), "spec.nodeAffinity");
    assertCause(problems(ResourceRegistry.PERSISTENT_VOLUME, loose), "spec.nodeAffinity", "FieldValueRequired",
        "Local volume requires node affinity");
  }

  @Test
  void storageClassNeedsProvisionerAndKeepsParameters() {
    ObjectNode noProvisioner = without(Manifests.storageClass(), "provisioner");
    with(noProvisioner, "volumeBindingMode", "Later");
    List<io.drover.api.ApiException.Cause> causes = problems(ResourceRegistry.STORAGE_CLASS, noProvisioner);
    assertCause(causes, "provisioner", "FieldValueRequired", "Required value");
    assertCause(causes, "volumeBindingMode", "FieldValueNotSupported", "\"WaitForFirstConsumer\"");
    ObjectNode changed = with(Manifests.storageClass(), "parameters", Map.of("a", "b"));
    assertCause(problems(ResourceRegistry.STORAGE_CLASS, changed, Manifests.storageClass()), "parameters",
        "FieldValueForbidden", "updates to parameters are forbidden");
  }

  @Test
  void aDaemonSetMaySurgeInsteadOfBeingUnavailableButNotNeither() {
    ObjectNode surge = with(Manifests.daemonSet(), "spec.updateStrategy",
        Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 1, "maxUnavailable", 0)));
    Manifests.assertValid(ResourceRegistry.DAEMON_SET, surge);
    ObjectNode neither = with(Manifests.daemonSet(), "spec.updateStrategy",
        Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 0, "maxUnavailable", 0)));
    assertCause(problems(ResourceRegistry.DAEMON_SET, neither), "spec.updateStrategy.rollingUpdate.maxUnavailable",
        "FieldValueInvalid", "cannot be 0 when maxSurge is 0");
  }

  @Test
  void endpointsAndSlicesNeedAddressesAndPortsInRange() {
    Manifests.assertValid(ResourceRegistry.ENDPOINTS, Manifests.endpoints());
    Manifests.assertValid(ResourceRegistry.ENDPOINT_SLICE, Manifests.endpointSlice());
    ObjectNode bad = with(Manifests.endpoints(), "subsets.0.addresses.0.ip", "10.1.0.300");
    with(bad, "subsets.0.ports.0.port", 70000);
    List<io.drover.api.ApiException.Cause> causes = problems(ResourceRegistry.ENDPOINTS, bad);
    assertCause(causes, "subsets[0].addresses[0].ip", "FieldValueInvalid", "must be a valid IP address");
    assertCause(causes, "subsets[0].ports[0].port", "FieldValueInvalid", "must be between 1 and 65535, inclusive");
    ObjectNode slice = with(Manifests.endpointSlice(), "addressType", "IPv5");
    with(slice, "endpoints.0.addresses", List.of());
    List<io.drover.api.ApiException.Cause> sliceCauses = problems(ResourceRegistry.ENDPOINT_SLICE, slice);
    assertCause(sliceCauses, "addressType", "FieldValueNotSupported", "\"IPv4\"");
    assertCause(sliceCauses, "endpoints[0].addresses", "FieldValueRequired", "must contain at least 1 address");
  }
}
