package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LimitRange: SetDefaults_LimitRangeItem and ValidateLimitRange, with kube-apiserver's messages. */
class LimitRangeValidationTest {

  private static ObjectNode limitRange(String limits) {
    return yaml("""
        apiVersion: v1
        kind: LimitRange
        metadata: {name: limits, namespace: default}
        spec:
          limits:
        """ + limits.indent(2));
  }

  private static List<ApiException.Cause> problems(ObjectNode limitRange) {
    return Manifests.problems(ResourceRegistry.LIMIT_RANGE, limitRange);
  }

  @Test
  void aValidLimitRangePasses() {
    Manifests.assertValid(ResourceRegistry.LIMIT_RANGE, Manifests.limitRange());
  }

  @Test
  void aContainerItemDefaultsItsLimitToMaxAndItsRequestToTheLimitElseMin() {
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.LIMIT_RANGE, limitRange("""
        - type: Container
          max: {cpu: "1"}
          min: {cpu: 100m, memory: 10Mi}
        - type: Pod
          max: {cpu: "2"}
        """));
    ObjectNode container = (ObjectNode) defaulted.path("spec").path("limits").get(0);
    assertEquals("{\"cpu\":\"1\"}", container.get("default").toString());
    assertEquals("{\"cpu\":\"1\",\"memory\":\"10Mi\"}", container.get("defaultRequest").toString());
    ObjectNode pod = (ObjectNode) defaulted.path("spec").path("limits").get(1);
    assertEquals(false, pod.has("default") || pod.has("defaultRequest"));
  }

  @Test
  void minAboveMaxIsInvalidWithTheQuantitiesAsGoPrintsThem() {
    List<ApiException.Cause> causes = problems(limitRange("""
        - type: Container
          min: {cpu: "2"}
          max: {cpu: "1"}
        """));
    String two = "resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{"
        + "Dec:(*inf.Dec)(nil)}, s:\"2\", Format:\"DecimalSI\"}";
    assertCause(causes, "spec.limits[0].min[cpu]", "FieldValueInvalid",
        "Invalid value: " + two + ": min value 2 is greater than max value 1");
    // The defaulted request (the max) is below the min too; Go reports the min as the bad value of default.
    assertCause(causes, "spec.limits[0].defaultRequest[cpu]", "FieldValueInvalid",
        "min value 2 is greater than default request value 1");
    assertCause(causes, "spec.limits[0].default[cpu]", "FieldValueInvalid",
        "Invalid value: " + two + ": min value 2 is greater than default value 1");
    assertEquals(3, causes.size(), Manifests.describe(causes));
  }

  @Test
  void defaultsMustLieBetweenMinAndMax() {
    List<ApiException.Cause> causes = problems(limitRange("""
        - type: Container
          min: {memory: 64Mi}
          max: {memory: 1Gi}
          default: {cpu: 500m, memory: 2Gi}
          defaultRequest: {cpu: 600m, memory: 32Mi}
        """));
    assertCause(causes, "spec.limits[0].defaultRequest[cpu]", "FieldValueInvalid",
        "default request value 600m is greater than default limit value 500m");
    assertCause(causes, "spec.limits[0].defaultRequest[memory]", "FieldValueInvalid",
        "min value 64Mi is greater than default request value 32Mi");
    assertCause(causes, "spec.limits[0].default[memory]", "FieldValueInvalid",
        "default value 2Gi is greater than max value 1Gi");
  }

  @Test
  void theRatioIsAtLeastOneAndAtMostMaxOverMin() {
    assertCause(problems(limitRange("""
        - type: Container
          maxLimitRequestRatio: {cpu: 500m}
        """)), "spec.limits[0].maxLimitRequestRatio[cpu]", "FieldValueInvalid", "ratio 500m is less than 1");
    assertCause(problems(limitRange("""
        - type: Container
          min: {cpu: 50m}
          max: {cpu: "1"}
          maxLimitRequestRatio: {cpu: "30"}
        """)), "spec.limits[0].maxLimitRequestRatio[cpu]", "FieldValueInvalid",
        "ratio 30 is greater than max/min = 20.000000");
  }

  @Test
  void typesAreStandardAndAppearOnce() {
    List<ApiException.Cause> causes = problems(limitRange("""
        - type: Container
          max: {cpu: "1"}
        - type: Container
          max: {cpu: "2"}
        - type: Node
          max: {cpu: "1"}
        - max: {cpu: "1"}
        """));
    assertCause(causes, "spec.limits[1].type", "FieldValueDuplicate", "Duplicate value: \"Container\"");
    assertCause(causes, "spec.limits[2].type", "FieldValueInvalid",
        "Invalid value: \"Node\": must be a standard limit type or fully qualified");
    assertCause(causes, "spec.limits[3].type", "FieldValueInvalid", "Invalid value: \"\": name part must be "
        + "non-empty");
    Manifests.assertValid(ResourceRegistry.LIMIT_RANGE, limitRange("""
        - type: example.com/Accelerator
          max: {example.com/gpu: "1"}
        """));
  }

  @Test
  void aPodItemHasNoDefaults() {
    List<ApiException.Cause> causes = problems(limitRange("""
        - type: Pod
          max: {cpu: "2"}
          default: {cpu: "1"}
          defaultRequest: {cpu: "1"}
        """));
    assertCause(causes, "spec.limits[0].default", "FieldValueForbidden",
        "Forbidden: may not be specified when `type` is 'Pod'");
    assertCause(causes, "spec.limits[0].defaultRequest", "FieldValueForbidden",
        "Forbidden: may not be specified when `type` is 'Pod'");
  }

  @Test
  void aClaimItemBoundsStorage() {
    assertCause(problems(limitRange("""
        - type: PersistentVolumeClaim
          max: {cpu: "1"}
        """)), "spec.limits[0].limits", "FieldValueRequired",
        "Required value: either minimum or maximum storage value is required, but neither was provided");
    assertCause(problems(limitRange("""
        - type: PersistentVolumeClaim
          max: {storage: 1Gi, bogus: "1"}
        """)), "spec.limits[0].max[bogus]", "FieldValueInvalid",
        "Invalid value: \"bogus\": must be a standard resource type or fully qualified");
  }

  @Test
  void resourceNamesSuitTheType() {
    assertCause(problems(limitRange("""
        - type: Container
          max: {storage: 1Gi}
        """)), "spec.limits[0].max[storage]", "FieldValueInvalid",
        "Invalid value: \"storage\": must be a standard resource for containers");
  }

  @Test
  void resourcesThatCannotOvercommitNeedEqualDefaults() {
    assertCause(problems(limitRange("""
        - type: Container
          default: {hugepages-2Mi: 4Mi}
          defaultRequest: {hugepages-2Mi: 2Mi}
        """)), "spec.limits[0].defaultRequest[hugepages-2Mi]", "FieldValueInvalid",
        "default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi");
  }
}
