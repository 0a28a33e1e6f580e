package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodValidationTest {

  private static List<ApiException.Cause> podProblems(ObjectNode pod) {
    return problems(ResourceRegistry.POD, pod);
  }

  private static Map<String, Object> container(String name, String image) {
    return Map.of("name", name, "image", image);
  }

  @Test
  void validPodPasses() {
    Manifests.assertValid(ResourceRegistry.POD, Manifests.pod());
  }

  @Test
  void podNeedsAtLeastOneContainer() {
    assertCause(podProblems(with(Manifests.pod(), "spec.containers", List.of())), "spec.containers",
        "FieldValueRequired", "Required value");
  }

  @Test
  void containerNamesAreDnsLabelsUniqueAcrossInitAndAppContainers() {
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.name", "Web")), "spec.containers[0].name",
        "FieldValueInvalid", "Invalid value: \"Web\": a lowercase RFC 1123 label");
    ObjectNode twice = with(Manifests.pod(), "spec.containers",
        List.of(container("web", "nginx"), container("web", "nginx")));
    assertCause(podProblems(twice), "spec.containers[1].name", "FieldValueDuplicate", "Duplicate value: \"web\"");
    ObjectNode init = with(Manifests.pod(), "spec.initContainers", List.of(container("web", "busybox")));
    assertCause(podProblems(init), "spec.initContainers[0].name", "FieldValueDuplicate", "Duplicate value: \"web\"");
  }

  @Test
  void imageIsRequired() {
    assertCause(podProblems(without(Manifests.pod(), "spec.containers.0.image")), "spec.containers[0].image",
        "FieldValueRequired", "Required value");
  }

  @Test
  void podImagesMayNotCarryWhitespace() {
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.image", " nginx")), "spec.containers[0].image",
        "FieldValueInvalid", "must not have leading or trailing whitespace");
  }

  @Test
  void containerPortsAreInRangeWithUniqueNamesAndKnownProtocols() {
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.ports.0.containerPort", 70000)),
        "spec.containers[0].ports[0].containerPort", "FieldValueInvalid",
        "Invalid value: 70000: must be between 1 and 65535, inclusive");
    assertCause(podProblems(without(Manifests.pod(), "spec.containers.0.ports.0.containerPort")),
        "spec.containers[0].ports[0].containerPort", "FieldValueRequired", "Required value");
    ObjectNode sameName = with(Manifests.pod(), "spec.containers.0.ports", List.of(
        Map.of("name", "http", "containerPort", 80), Map.of("name", "http", "containerPort", 81)));
    assertCause(podProblems(sameName), "spec.containers[0].ports[1].name", "FieldValueDuplicate", "\"http\"");
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.ports.0.protocol", "ICMP")),
        "spec.containers[0].ports[0].protocol", "FieldValueNotSupported",
        "Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.ports.0.name", "HTTP")),
        "spec.containers[0].ports[0].name", "FieldValueInvalid", "must contain only alpha-numeric characters");
  }

  @Test
  void hostPortsMayNotCollide() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.ports", List.of(
        Map.of("containerPort", 80, "hostPort", 8080), Map.of("containerPort", 81, "hostPort", 8080)));
    assertCause(podProblems(pod), "spec.containers[0].ports[1].hostPort", "FieldValueDuplicate", "TCP//8080");
  }

  @Test
  void restartPolicyMustBeKnown() {
    assertCause(podProblems(with(Manifests.pod(), "spec.restartPolicy", "Sometimes")), "spec.restartPolicy",
        "FieldValueNotSupported",
        "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
    Manifests.assertValid(ResourceRegistry.POD, with(Manifests.pod(), "spec.restartPolicy", "OnFailure"));
  }

  @Test
  void undefaultedPodIsMissingTheFieldsDefaultingFills() {
    ApiException e = Manifests.rejected(ResourceRegistry.POD, Manifests.pod());
    assertCause(e.causes(), "spec.restartPolicy", "FieldValueRequired", "Required value");
    assertCause(e.causes(), "spec.terminationGracePeriodSeconds", "FieldValueRequired", "Required value");
    assertCause(e.causes(), "spec.containers[0].imagePullPolicy", "FieldValueRequired", "Required value");
  }

  @Test
  void resourceQuantitiesMustFitAndRequestsStayWithinLimits() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.requests.cpu", "500m");
    assertCause(podProblems(pod), "spec.containers[0].resources.requests", "FieldValueInvalid",
        "Invalid value: \"500m\": must be less than or equal to cpu limit of 200m");
    ObjectNode negative = with(Manifests.pod(), "spec.containers.0.resources.limits.memory", "-1Gi");
    assertCause(podProblems(negative), "spec.containers[0].resources.limits[memory]", "FieldValueInvalid",
        "must be greater than or equal to 0");
    ObjectNode unknown = with(Manifests.pod(), "spec.containers.0.resources.limits.gpu", "1");
    assertCause(podProblems(unknown), "spec.containers[0].resources.limits[gpu]", "FieldValueInvalid",
        "must be a standard resource type or fully qualified");
    ObjectNode pods = with(Manifests.pod(), "spec.containers.0.resources.limits.pods", "1");
    assertCause(podProblems(pods), "spec.containers[0].resources.limits[pods]", "FieldValueInvalid",
        "must be a standard resource for containers");
  }

  @Test
  void extendedResourcesAreWholeAndRequestedAsLimited() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.resources.limits", Map.of("example.com/gpu", "1"));
    with(pod, "spec.containers.0.resources.requests", Map.of("example.com/gpu", "1"));
    Manifests.assertValid(ResourceRegistry.POD, pod);
    ObjectNode half = with(Manifests.pod(), "spec.containers.0.resources.limits", Map.of("example.com/gpu", "500m"));
    assertCause(podProblems(half), "spec.containers[0].resources.limits[example.com/gpu]", "FieldValueInvalid",
        "must be an integer");
    ObjectNode noLimit = without(Manifests.pod(), "spec.containers.0.resources.limits");
    with(noLimit, "spec.containers.0.resources.requests", Map.of("example.com/gpu", "1"));
    assertCause(podProblems(noLimit), "spec.containers[0].resources.limits", "FieldValueRequired",
        "Limit must be set for non overcommitable resources");
  }

  @Test
  void envNamesFollowTheKubernetesPattern() {
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.env.0.name", "1ENV")),
        "spec.containers[0].env[0].name", "FieldValueInvalid", "a valid environment variable name");
    assertCause(podProblems(with(Manifests.pod(), "spec.containers.0.env.0.name", "")),
        "spec.containers[0].env[0].name", "FieldValueRequired", "Required value");
    Manifests.assertValid(ResourceRegistry.POD, with(Manifests.pod(), "spec.containers.0.env.0.name", "my.env-name"));
  }

  @Test
  void envValueFromNeedsExactlyOneSource() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.env",
        List.of(Map.of("name", "A", "valueFrom", Map.of())));
    assertCause(podProblems(pod), "spec.containers[0].env[0].valueFrom", "FieldValueInvalid",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
    ObjectNode fieldRef = with(Manifests.pod(), "spec.containers.0.env", List.of(Map.of("name", "NODE",
        "valueFrom", Map.of("fieldRef", Map.of("fieldPath", "spec.nodeName")))));
    Manifests.assertValid(ResourceRegistry.POD, fieldRef);
    ObjectNode badPath = with(Manifests.pod(), "spec.containers.0.env", List.of(Map.of("name", "X",
        "valueFrom", Map.of("fieldRef", Map.of("fieldPath", "spec.bogus")))));
    assertCause(podProblems(badPath), "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
        "FieldValueNotSupported", "Unsupported value: \"spec.bogus\"");
  }

  @Test
  void volumeNamesAreUniqueDnsLabelsWithOneSource() {
    ObjectNode twice = with(Manifests.pod(), "spec.volumes", List.of(
        Map.of("name", "data", "emptyDir", Map.of()), Map.of("name", "data", "emptyDir", Map.of())));
    assertCause(podProblems(twice), "spec.volumes[1].name", "FieldValueDuplicate", "\"data\"");
    ObjectNode badName = with(Manifests.pod(), "spec.volumes.0.name", "Data");
    assertCause(podProblems(badName), "spec.volumes[0].name", "FieldValueInvalid", "a lowercase RFC 1123 label");
    ObjectNode two = with(Manifests.pod(), "spec.volumes.0.hostPath", Map.of("path", "/tmp"));
    assertCause(podProblems(two), "spec.volumes[0].hostPath", "FieldValueForbidden",
        "Forbidden: may not specify more than 1 volume type");
  }

  @Test
  void volumeWithoutSourceIsRequiredOneWhenNotDefaulted() {
    ObjectNode pod = Admission.applyDefaults(ResourceRegistry.POD, Manifests.pod());
    with(pod, "spec.volumes", List.of(Map.of("name", "data")));
    assertCause(Manifests.rejected(ResourceRegistry.POD, pod).causes(), "spec.volumes[0]", "FieldValueRequired",
        "Required value: must specify a volume type");
  }

  @Test
  void volumeSourcesCheckTheirRequiredFields() {
    ObjectNode pod = with(Manifests.pod(), "spec.volumes", List.of(Map.of("name", "data", "secret", Map.of())));
    assertCause(podProblems(pod), "spec.volumes[0].secret.secretName", "FieldValueRequired", "Required value");
  }

  @Test
  void volumeMountsMustReferToAVolume() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.volumeMounts.0.name", "cache");
    assertCause(podProblems(pod), "spec.containers[0].volumeMounts[0].name", "FieldValueNotFound",
        "Not found: \"cache\"");
    ObjectNode noPath = without(Manifests.pod(), "spec.containers.0.volumeMounts.0.mountPath");
    assertCause(podProblems(noPath), "spec.containers[0].volumeMounts[0].mountPath", "FieldValueRequired",
        "Required value");
  }

  @Test
  void probesNeedOneHandlerAndNonNegativeTimings() {
    ObjectNode none = with(Manifests.pod(), "spec.containers.0.livenessProbe", Map.of("periodSeconds", 5));
    assertCause(podProblems(none), "spec.containers[0].livenessProbe", "FieldValueRequired",
        "Required value: must specify a handler type");
    ObjectNode negative = with(Manifests.pod(), "spec.containers.0.readinessProbe.failureThreshold", -1);
    assertCause(podProblems(negative), "spec.containers[0].readinessProbe.failureThreshold", "FieldValueInvalid",
        "Invalid value: -1: must be greater than or equal to 0");
    ObjectNode liveness = with(Manifests.pod(), "spec.containers.0.livenessProbe",
        Map.of("tcpSocket", Map.of("port", 80), "successThreshold", 2));
    assertCause(podProblems(liveness), "spec.containers[0].livenessProbe.successThreshold", "FieldValueInvalid",
        "Invalid value: 2: must be 1");
    ObjectNode twoHandlers = with(Manifests.pod(), "spec.containers.0.readinessProbe.tcpSocket", Map.of("port", 80));
    assertCause(podProblems(twoHandlers), "spec.containers[0].readinessProbe.tcpSocket", "FieldValueForbidden",
        "may not specify more than 1 handler type");
    ObjectNode badPort = with(Manifests.pod(), "spec.containers.0.readinessProbe.httpGet.port", 0);
    assertCause(podProblems(badPort), "spec.containers[0].readinessProbe.httpGet.port", "FieldValueInvalid",
        "must be between 1 and 65535, inclusive");
  }

  @Test
  void initContainersMayNotProbeUnlessTheyAreSidecars() {
    ObjectNode pod = with(Manifests.pod(), "spec.initContainers", List.of(Map.of("name", "init", "image", "busybox",
        "readinessProbe", Map.of("exec", Map.of("command", List.of("true"))))));
    assertCause(podProblems(pod), "spec.initContainers[0].readinessProbe", "FieldValueForbidden",
        "may not be set for init containers without restartPolicy=Always");
    with(pod, "spec.initContainers.0.restartPolicy", "Always");
    Manifests.assertValid(ResourceRegistry.POD, pod);
  }

  @Test
  void tolerationsAreChecked() {
    ObjectNode pod = with(Manifests.pod(), "spec.tolerations", List.of(Map.of("operator", "Equal", "value", "x")));
    assertCause(podProblems(pod), "spec.tolerations[0].operator", "FieldValueInvalid",
        "operator must be Exists when `key` is empty");
    ObjectNode effect = with(Manifests.pod(), "spec.tolerations",
        List.of(Map.of("key", "k", "operator", "Exists", "effect", "Sometimes")));
    assertCause(podProblems(effect), "spec.tolerations[0].effect", "FieldValueNotSupported",
        "supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
  }

  @Test
  void activeDeadlineMustBePositive() {
    assertCause(podProblems(with(Manifests.pod(), "spec.activeDeadlineSeconds", 0)), "spec.activeDeadlineSeconds",
        "FieldValueInvalid", "Invalid value: 0: must be between 1 and 2147483647, inclusive");
  }

  @Test
  void imageAndActiveDeadlineMayChangeOnUpdate() {
    ObjectNode old = with(Manifests.pod(), "spec.activeDeadlineSeconds", 600);
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.image", "nginx:1.28");
    with(pod, "spec.activeDeadlineSeconds", 300);
    with(pod, "spec.tolerations", List.of(Map.of("key", "k", "operator", "Exists")));
    assertEquals(List.of(), problems(ResourceRegistry.POD, pod, old));
  }

  @Test
  void otherPodSpecChangesAreForbidden() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers.0.ports.0.containerPort", 8080);
    ApiException.Cause cause = assertCause(problems(ResourceRegistry.POD, pod, Manifests.pod()), "spec",
        "FieldValueForbidden", "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
            + "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            + "previously negative)");
    assertTrue(cause.message().contains("spec.containers[0].ports[0].containerPort: 80 -> 8080"), cause.message());
  }

  @Test
  void containersCannotBeAddedOnUpdate() {
    ObjectNode pod = with(Manifests.pod(), "spec.containers",
        List.of(Manifests.pod().at("/spec/containers/0"), container("sidecar", "busybox")));
    assertCause(problems(ResourceRegistry.POD, pod, Manifests.pod()), "spec.containers", "FieldValueForbidden",
        "pod updates may not add or remove containers");
  }

  @Test
  void tolerationsCanOnlyBeAdded() {
    ObjectNode old = with(Manifests.pod(), "spec.tolerations", List.of(Map.of("key", "k", "operator", "Exists")));
    ObjectNode pod = with(Manifests.pod(), "spec.tolerations", List.of(Map.of("key", "j", "operator", "Exists")));
    assertCause(problems(ResourceRegistry.POD, pod, old), "spec.tolerations", "FieldValueForbidden",
        "existing toleration can not be modified except its tolerationSeconds");
  }

  @Test
  void activeDeadlineCanOnlyShrink() {
    ObjectNode old = with(Manifests.pod(), "spec.activeDeadlineSeconds", 60);
    ObjectNode pod = with(Manifests.pod(), "spec.activeDeadlineSeconds", 120);
    assertCause(problems(ResourceRegistry.POD, pod, old), "spec.activeDeadlineSeconds", "FieldValueInvalid",
        "must be less than or equal to previous value");
  }

  @Test
  void projectedTokensDefaultToAnHourAndMustLastTenMinutesAndHaveAPath() {
    ObjectNode pod = with(Manifests.pod(), "spec.volumes", List.of(Map.of("name", "data", "projected",
        Map.of("sources", List.of(Map.of("serviceAccountToken", Map.of("path", "token")),
            Map.of("downwardAPI", Map.of("items", List.of(Map.of("path", "ns",
                "fieldRef", Map.of("fieldPath", "metadata.namespace"))))))))));
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.POD, pod);
    assertEquals(3600, defaulted.at("/spec/volumes/0/projected/sources/0/serviceAccountToken/expirationSeconds")
        .asInt());
    assertEquals("v1", defaulted.at("/spec/volumes/0/projected/sources/1/downwardAPI/items/0/fieldRef/apiVersion")
        .asText());
    assertEquals(420, defaulted.at("/spec/volumes/0/projected/defaultMode").asInt());
    Manifests.assertValid(ResourceRegistry.POD, pod);
    ObjectNode short_ = with(pod, "spec.volumes.0.projected.sources.0.serviceAccountToken",
        Map.of("expirationSeconds", 60));
    List<ApiException.Cause> causes = podProblems(short_);
    assertCause(causes, "spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds",
        "FieldValueInvalid", "Invalid value: 60: may not specify a duration less than 10 minutes");
    assertCause(causes, "spec.volumes[0].projected.path", "FieldValueRequired", "Required value");
  }
}
