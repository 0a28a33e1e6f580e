package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static io.drover.api.validation.Manifests.without;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkloadValidationTest {

  private static List<ApiException.Cause> deploymentProblems(ObjectNode deployment) {
    return problems(ResourceRegistry.DEPLOYMENT, deployment);
  }

  @Test
  void validDeploymentAndReplicaSetPass() {
    Manifests.assertValid(ResourceRegistry.DEPLOYMENT, Manifests.deployment());
    Manifests.assertValid(ResourceRegistry.REPLICA_SET, Manifests.replicaSet());
  }

  @Test
  void deploymentErrorsNameTheAppsGroup() {
    ObjectNode deployment = Admission.applyDefaults(ResourceRegistry.DEPLOYMENT,
        with(Manifests.deployment(), "spec.replicas", -1));
    ApiException e = Manifests.rejected(ResourceRegistry.DEPLOYMENT, deployment);
    assertEquals("apps", e.toStatus().at("/details/group").asText());
    assertEquals("Deployment", e.toStatus().at("/details/kind").asText());
    assertEquals("web", e.toStatus().at("/details/name").asText());
  }

  @Test
  void selectorIsRequiredAndMayNotBeEmpty() {
    List<ApiException.Cause> missing = deploymentProblems(without(Manifests.deployment(), "spec.selector"));
    assertCause(missing, "spec.selector", "FieldValueRequired", "Required value");
    assertCause(missing, "spec.template.metadata.labels", "FieldValueInvalid",
        "`selector` does not match template `labels`");
    assertCause(deploymentProblems(with(Manifests.deployment(), "spec.selector", Map.of())), "spec.selector",
        "FieldValueInvalid", "Invalid value: {}: empty selector is invalid for deployment");
  }

  @Test
  void templateLabelsMustMatchTheSelector() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.template.metadata.labels", Map.of("app", "api"));
    assertCause(deploymentProblems(deployment), "spec.template.metadata.labels", "FieldValueInvalid",
        "Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`");
    ObjectNode replicaSet = with(Manifests.replicaSet(), "spec.template.metadata.labels", Map.of("app", "web"));
    assertCause(problems(ResourceRegistry.REPLICA_SET, replicaSet), "spec.template.metadata.labels",
        "FieldValueInvalid", "`selector` does not match template `labels`");
  }

  @Test
  void matchExpressionsSelectorsAreMatchedAndChecked() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.selector", Map.of("matchExpressions",
        List.of(Map.of("key", "app", "operator", "In", "values", List.of("web", "api")))));
    Manifests.assertValid(ResourceRegistry.DEPLOYMENT, deployment);
    ObjectNode bad = with(Manifests.deployment(), "spec.selector", Map.of("matchExpressions",
        List.of(Map.of("key", "app", "operator", "In"))));
    List<ApiException.Cause> causes = deploymentProblems(bad);
    assertCause(causes, "spec.selector.matchExpressions[0].values", "FieldValueRequired",
        "must be specified when `operator` is 'In' or 'NotIn'");
    assertCause(causes, "spec.selector", "FieldValueInvalid", "invalid label selector");
  }

  @Test
  void replicasMustNotBeNegative() {
    assertCause(deploymentProblems(with(Manifests.deployment(), "spec.replicas", -1)), "spec.replicas",
        "FieldValueInvalid", "Invalid value: -1: must be greater than or equal to 0");
    assertCause(problems(ResourceRegistry.REPLICA_SET, with(Manifests.replicaSet(), "spec.replicas", -3)),
        "spec.replicas", "FieldValueInvalid", "must be greater than or equal to 0");
    Manifests.assertValid(ResourceRegistry.DEPLOYMENT, with(Manifests.deployment(), "spec.replicas", 0));
  }

  @Test
  void templateRestartPolicyMustBeAlways() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.template.spec.restartPolicy", "OnFailure");
    assertCause(deploymentProblems(deployment), "spec.template.spec.restartPolicy", "FieldValueNotSupported",
        "Unsupported value: \"OnFailure\": supported values: \"Always\"");
  }

  @Test
  void templatePodSpecIsValidatedAtItsPath() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.template.spec.containers.0.name", "Web");
    assertCause(deploymentProblems(deployment), "spec.template.spec.containers[0].name", "FieldValueInvalid",
        "a lowercase RFC 1123 label");
    ObjectNode noImage = without(Manifests.deployment(), "spec.template.spec.containers.0.image");
    assertCause(deploymentProblems(noImage), "spec.template.spec.containers[0].image", "FieldValueRequired",
        "Required value");
  }

  @Test
  void templateActiveDeadlineIsForbidden() {
    ObjectNode replicaSet = with(Manifests.replicaSet(), "spec.template.spec.activeDeadlineSeconds", 30);
    assertCause(problems(ResourceRegistry.REPLICA_SET, replicaSet), "spec.template.spec.activeDeadlineSeconds",
        "FieldValueForbidden", "activeDeadlineSeconds in ReplicaSet is not Supported");
  }

  @Test
  void strategyTypeMustBeKnown() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.strategy", Map.of("type", "BlueGreen"));
    assertCause(deploymentProblems(deployment), "spec.strategy", "FieldValueNotSupported",
        "supported values: \"Recreate\", \"RollingUpdate\"");
    ObjectNode recreate = with(Manifests.deployment(), "spec.strategy",
        Map.of("type", "Recreate", "rollingUpdate", Map.of("maxSurge", 1)));
    assertCause(deploymentProblems(recreate), "spec.strategy.rollingUpdate", "FieldValueForbidden",
        "may not be specified when strategy `type` is 'Recreate'");
  }

  @Test
  void maxSurgeAndMaxUnavailableMayNotBothBeZero() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.strategy", Map.of("type", "RollingUpdate",
        "rollingUpdate", Map.of("maxSurge", 0, "maxUnavailable", "0%")));
    assertCause(deploymentProblems(deployment), "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
        "Invalid value: \"0%\": may not be 0 when `maxSurge` is 0");
  }

  @Test
  void percentagesMustBeWellFormedAndMaxUnavailableAtMostAHundred() {
    ObjectNode malformed = with(Manifests.deployment(), "spec.strategy", Map.of("type", "RollingUpdate",
        "rollingUpdate", Map.of("maxSurge", "25 percent", "maxUnavailable", 1)));
    assertCause(deploymentProblems(malformed), "spec.strategy.rollingUpdate.maxSurge", "FieldValueInvalid",
        "a valid percent string must be a numeric string followed by an ending '%'");
    ObjectNode tooMuch = with(Manifests.deployment(), "spec.strategy", Map.of("type", "RollingUpdate",
        "rollingUpdate", Map.of("maxSurge", 1, "maxUnavailable", "110%")));
    assertCause(deploymentProblems(tooMuch), "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
        "must not be greater than 100%");
    ObjectNode negative = with(Manifests.deployment(), "spec.strategy", Map.of("type", "RollingUpdate",
        "rollingUpdate", Map.of("maxSurge", -1, "maxUnavailable", 1)));
    assertCause(deploymentProblems(negative), "spec.strategy.rollingUpdate.maxSurge", "FieldValueInvalid",
        "must be greater than or equal to 0");
  }

  @Test
  void historyAndTimingFieldsAreNonNegative() {
    assertCause(deploymentProblems(with(Manifests.deployment(), "spec.revisionHistoryLimit", -1)),
        "spec.revisionHistoryLimit", "FieldValueInvalid", "must be greater than or equal to 0");
    assertCause(deploymentProblems(with(Manifests.deployment(), "spec.minReadySeconds", -5)),
        "spec.minReadySeconds", "FieldValueInvalid", "must be greater than or equal to 0");
  }

  @Test
  void progressDeadlineMustExceedMinReadySeconds() {
    ObjectNode deployment = with(Manifests.deployment(), "spec.minReadySeconds", 600);
    assertCause(deploymentProblems(deployment), "spec.progressDeadlineSeconds", "FieldValueInvalid",
        "Invalid value: 600: must be greater than minReadySeconds");
  }

  @Test
  void selectorIsImmutable() {
    ObjectNode old = Manifests.deployment();
    ObjectNode changed = with(Manifests.deployment(), "spec.selector.matchLabels", Map.of("app", "api"));
    with(changed, "spec.template.metadata.labels", Map.of("app", "api"));
    assertCause(problems(ResourceRegistry.DEPLOYMENT, changed, old), "spec.selector", "FieldValueInvalid",
        "Invalid value: {\"matchLabels\":{\"app\":\"api\"}}: field is immutable");
    ObjectNode scaled = with(Manifests.replicaSet(), "spec.replicas", 5);
    assertEquals(List.of(), problems(ResourceRegistry.REPLICA_SET, scaled, Manifests.replicaSet()));
    ObjectNode relabelled = with(Manifests.replicaSet(), "spec.selector.matchLabels.app", "other");
    with(relabelled, "spec.template.metadata.labels.app", "other");
    assertCause(problems(ResourceRegistry.REPLICA_SET, relabelled, Manifests.replicaSet()), "spec.selector",
        "FieldValueInvalid", "field is immutable");
  }
}
