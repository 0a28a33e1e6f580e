package io.drover.api.validation;

import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DecodingTest {

  @Test
  void validObjectsOfEveryKindHaveNoUnknownFields() {
    Map<ResourceType, Supplier<ObjectNode>> valid = Map.of(
        ResourceRegistry.NAMESPACE, Manifests::namespace, ResourceRegistry.NODE, Manifests::node,
        ResourceRegistry.CONFIG_MAP, Manifests::configMap, ResourceRegistry.SECRET, Manifests::secret,
        ResourceRegistry.POD, Manifests::pod, ResourceRegistry.EVENT, Manifests::event,
        ResourceRegistry.SERVICE, Manifests::service, ResourceRegistry.DEPLOYMENT, Manifests::deployment,
        ResourceRegistry.REPLICA_SET, Manifests::replicaSet);
    valid.forEach((type, object) ->
        assertEquals(List.of(), Admission.unknownFields(type, object.get()), type.kind()));
  }

  @Test
  void misspelledTopLevelSpecFieldIsReportedWithItsPath() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.replicass", 3);
    assertEquals(List.of("spec.replicass"), Admission.unknownFields(ResourceRegistry.DEPLOYMENT, deployment));
  }

  @Test
  void misspelledFieldInsideAListCarriesTheIndex() {
    ObjectNode deployment = Manifests.deployment();
    with(deployment, "spec.template.spec.containers.0.imagee", "nginx");
    assertEquals(List.of("spec.template.spec.containers[0].imagee"),
        Admission.unknownFields(ResourceRegistry.DEPLOYMENT, deployment));
  }

  @Test
  void everyUnknownFieldIsListed() {
    ObjectNode pod = Manifests.pod();
    with(pod, "metadata.nam", "x");
    with(pod, "spec.containers.0.ports.0.containerPorts", 80);
    with(pod, "bogus", true);
    assertEquals(List.of("metadata.nam", "spec.containers[0].ports[0].containerPorts", "bogus"),
        Admission.unknownFields(ResourceRegistry.POD, pod));
  }

  @Test
  void mapValuesAndFreeFormFieldsAreNotUnknown() {
    ObjectNode pod = Manifests.pod();
    with(pod, "metadata.labels.anything", "goes");
    with(pod, "metadata.managedFields", List.of(Map.of("manager", "kubectl", "operation", "Apply",
        "fieldsType", "FieldsV1", "fieldsV1", Map.of("f:spec", Map.of("f:containers", Map.of())))));
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.POD, pod));
  }

  @Test
  void stringForAnIntegerFieldIsABadRequestNamingTheField() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.replicas", "abc");
    ApiException e = assertThrows(ApiException.class,
        () -> Admission.unknownFields(ResourceRegistry.DEPLOYMENT, deployment));
    assertEquals(400, e.code());
    assertEquals("BadRequest", e.reason());
    assertEquals("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string "
        + "into Go struct field DeploymentSpec.spec.replicas of type int32", e.getMessage());
  }

  @Test
  void nestedTypeErrorNamesTheDeclaringStructAndPathWithoutIndices() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.image", 42);
    ApiException e = assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.POD, pod));
    assertTrue(e.getMessage().endsWith("json: cannot unmarshal number into Go struct field "
        + "Container.spec.containers.image of type string"), e.getMessage());
  }

  @Test
  void fractionForAnIntegerFieldIsRefused() {
    ObjectNode pod = with(Manifests.pod(), "spec.terminationGracePeriodSeconds", 1.5);
    ApiException e = assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.POD, pod));
    assertTrue(e.getMessage().contains("cannot unmarshal number 1.5 into Go struct field "
        + "PodSpec.spec.terminationGracePeriodSeconds of type int64"), e.getMessage());
  }

  @Test
  void objectWhereAListBelongsIsRefused() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers", Map.of("name", "web"));
    ApiException e = assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.POD, pod));
    assertTrue(e.getMessage().contains("cannot unmarshal object into Go struct field PodSpec.spec.containers "
        + "of type []v1.Container"), e.getMessage());
  }

  @Test
  void targetPortAcceptsNumberOrNameButNotBoolean() {
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.SERVICE,
        with(Manifests.service(), "spec.ports.0.targetPort", "http")));
    assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.SERVICE,
        with(Manifests.service(), "spec.ports.0.targetPort", true)));
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void quantitiesTooLargeOrTooSmallForArithmeticAreBadRequests() {
    for (String absurd : List.of("1e99999999", "1e999999999", "1e-99999999", "1" + "0".repeat(40), "9".repeat(65))) {
      ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.limits.cpu", absurd);
      ApiException e = assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.POD, pod),
          absurd);
      assertEquals(400, e.code(), absurd);
    }
    for (String fine : List.of("1Ei", "16Ei", "1n", "100m", "0", "1e18", "0.000000001")) {
      ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.limits.memory", fine);
      Admission.unknownFields(ResourceRegistry.POD, pod);
    }
  }

  @Test
  void malformedQuantityIsABadRequest() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.limits.cpu", "two");
    ApiException e = assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.POD, pod));
    assertEquals(400, e.code());
    assertTrue(e.getMessage().endsWith("quantities must match the regular expression "
        + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"), e.getMessage());
  }

  @Test
  void numericQuantityIsAccepted() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.limits.cpu", 2);
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.POD, pod));
  }

  @Test
  void secretDataThatIsNotBase64IsABadRequest() {
    ObjectNode secret = with(Manifests.secret(), "data.password", "not base64!");
    ApiException e = assertThrows(ApiException.class,
        () -> Admission.unknownFields(ResourceRegistry.SECRET, secret));
    assertEquals("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3",
        e.getMessage());
  }

  @Test
  void base64WithoutPaddingIsRefusedLikeGo() {
    ObjectNode secret = with(Manifests.secret(), "data.password", "c2VjcmV0MQ");
    ApiException e = assertThrows(ApiException.class,
        () -> Admission.unknownFields(ResourceRegistry.SECRET, secret));
    assertTrue(e.getMessage().endsWith("illegal base64 data at input byte 8"), e.getMessage());
  }

  @Test
  void configMapBinaryDataMustBeBase64() {
    ObjectNode configMap = with(Manifests.configMap(), "binaryData.blob", "%%%");
    assertThrows(ApiException.class, () -> Admission.unknownFields(ResourceRegistry.CONFIG_MAP, configMap));
  }

  @Test
  void nullValuesAreTreatedAsAbsent() {
    ObjectNode deployment = yaml("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default, labels: null}
        spec: {replicas: null}
        """);
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.DEPLOYMENT, deployment));
  }

  @Test
  void timestampsAndStatusFieldsDecode() {
    ObjectNode event = with(Manifests.event(), "eventTime", "2025-01-01T00:00:00.000000Z");
    with(event, "firstTimestamp", "2025-01-01T00:00:00Z");
    with(event, "series", Map.of("count", 2, "lastObservedTime", "2025-01-01T00:00:01.000000Z"));
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.EVENT, event));
    ObjectNode pod = with(Manifests.pod(), "status", Map.of("phase", "Running", "startTime", "2025-01-01T00:00:00Z",
        "conditions", List.of(Map.of("type", "Ready", "status", "True",
            "lastTransitionTime", "2025-01-01T00:00:00Z")),
        "containerStatuses", List.of(Map.of("name", "web", "ready", true, "restartCount", 0, "image", "nginx",
            "imageID", "", "state", Map.of("running", Map.of("startedAt", "2025-01-01T00:00:00Z"))))));
    with(pod, "metadata.creationTimestamp", "2025-01-01T00:00:00Z");
    assertEquals(List.of(), Admission.unknownFields(ResourceRegistry.POD, pod));
  }
}
