package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoscalingValidationTest {
  private static List<ApiException.Cause> hpaProblems(ObjectNode hpa) {
    return problems(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, hpa);
  }

  @Test
  void validAutoscalerPasses() {
    Manifests.assertValid(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, Manifests.horizontalPodAutoscaler());
  }

  @Test
  void replicaBoundsAreCheckedAsKubernetesDoes() {
    ObjectNode inverted = with(with(Manifests.horizontalPodAutoscaler(), "spec.minReplicas", 4), "spec.maxReplicas", 2);
    assertCause(hpaProblems(inverted), "spec.maxReplicas", "FieldValueInvalid",
        "Invalid value: 2: must be greater than or equal to `minReplicas`");
    assertCause(hpaProblems(with(Manifests.horizontalPodAutoscaler(), "spec.minReplicas", 0)), "spec.minReplicas",
        "FieldValueInvalid", "Invalid value: 0: must be greater than or equal to 1");
    assertCause(hpaProblems(without(Manifests.horizontalPodAutoscaler(), "spec.maxReplicas")), "spec.maxReplicas",
        "FieldValueInvalid", "Invalid value: 0: must be greater than 0");
  }

  @Test
  void scaleTargetRefNeedsKindAndName() {
    List<ApiException.Cause> causes = hpaProblems(without(Manifests.horizontalPodAutoscaler(), "spec.scaleTargetRef"));
    assertCause(causes, "spec.scaleTargetRef.kind", "FieldValueRequired", "Required value");
    assertCause(causes, "spec.scaleTargetRef.name", "FieldValueRequired", "Required value");
  }

  @Test
  void metricsNeedASourceAndATarget() {
    ObjectNode noTarget = with(Manifests.horizontalPodAutoscaler(), "spec.metrics",
        List.of(Map.of("type", "Resource", "resource", Map.of("name", "cpu"))));
    List<ApiException.Cause> causes = hpaProblems(noTarget);
    assertCause(causes, "spec.metrics[0].resource.target.type", "FieldValueRequired",
        "must specify a metric target type");
    assertCause(causes, "spec.metrics[0].resource.target.averageUtilization", "FieldValueRequired",
        "must set either a target raw value or a target utilization");
    ObjectNode noSource = with(Manifests.horizontalPodAutoscaler(), "spec.metrics", List.of(Map.of("type", "Resource")));
    assertCause(hpaProblems(noSource), "spec.metrics[0].resource", "FieldValueRequired",
        "must populate information for the given metric source");
    ObjectNode badType = with(Manifests.horizontalPodAutoscaler(), "spec.metrics.0.type", "Cpu");
    assertCause(hpaProblems(badType), "spec.metrics[0].type", "FieldValueNotSupported", "Unsupported value: \"Cpu\"");
    ObjectNode zero = with(Manifests.horizontalPodAutoscaler(), "spec.metrics.0.resource.target.averageUtilization", 0);
    assertCause(hpaProblems(zero), "spec.metrics[0].resource.target.averageUtilization", "FieldValueInvalid",
        "must be greater than 0");
  }

  @Test
  void behaviorPoliciesAreChecked() {
    ObjectNode hpa = with(Manifests.horizontalPodAutoscaler(), "spec.behavior", Map.of("scaleDown",
        Map.of("stabilizationWindowSeconds", -1, "policies", List.of(Map.of("type", "Pods", "value", 0,
            "periodSeconds", 1801)))));
    List<ApiException.Cause> causes = hpaProblems(hpa);
    assertCause(causes, "spec.behavior.scaleDown.stabilizationWindowSeconds", "FieldValueInvalid",
        "must be greater than or equal to zero");
    assertCause(causes, "spec.behavior.scaleDown.policies[0].value", "FieldValueInvalid", "must be greater than zero");
    assertCause(causes, "spec.behavior.scaleDown.policies[0].periodSeconds", "FieldValueInvalid",
        "must be less than or equal to 1800");
  }

  @Test
  void defaultsAreMinReplicasOneAndEightyPercentCpu() {
    ObjectNode bare = without(without(Manifests.horizontalPodAutoscaler(), "spec.minReplicas"), "spec.metrics");
    ObjectNode defaulted = Admission.applyDefaults(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, bare);
    assertEquals(1, defaulted.at("/spec/minReplicas").asInt());
    assertEquals(Json.MAPPER.valueToTree(List.of(Map.of("type", "Resource", "resource", Map.of("name", "cpu",
        "target", Map.of("type", "Utilization", "averageUtilization", 80))))), defaulted.at("/spec/metrics"));
    ObjectNode withBehavior = with(Manifests.horizontalPodAutoscaler(), "spec.behavior.scaleDown.stabilizationWindowSeconds", 5);
    ObjectNode rules = Admission.applyDefaults(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, withBehavior);
    assertEquals(5, rules.at("/spec/behavior/scaleDown/stabilizationWindowSeconds").asInt());
    assertEquals("Percent", rules.at("/spec/behavior/scaleDown/policies/0/type").asText());
    assertEquals(0, rules.at("/spec/behavior/scaleUp/stabilizationWindowSeconds").asInt());
    assertEquals(2, rules.at("/spec/behavior/scaleUp/policies").size());
  }
}
