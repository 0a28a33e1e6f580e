package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.validation.Formats.NameFormat;
import java.util.List;
import java.util.Objects;

/** Deployments and ReplicaSets: pkg/apis/apps/validation plus the selector immutability of the apps/v1 strategies. */
final class WorkloadValidation {
  private WorkloadValidation() {}

  static void deployment(JsonNode deployment, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(deployment, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(deployment, "spec");
    MetaValidation.nonNegative(spec, "replicas", "spec", errs);
    selectorAndTemplate(spec, errs);
    strategy(Nodes.get(spec, "strategy"), "spec.strategy", errs);
    MetaValidation.nonNegative(spec, "minReadySeconds", "spec", errs);
    MetaValidation.nonNegative(spec, "revisionHistoryLimit", "spec", errs);
    Long deadline = Nodes.num(spec, "progressDeadlineSeconds");
    if (deadline != null) {
      MetaValidation.nonNegative(spec, "progressDeadlineSeconds", "spec", errs);
      if (deadline <= Nodes.numOr(spec, "minReadySeconds", 0)) {
        errs.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds");
      }
    }
  }

  static void replicaSet(JsonNode replicaSet, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(replicaSet, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(replicaSet, "spec");
    MetaValidation.nonNegative(spec, "replicas", "spec", errs);
    MetaValidation.nonNegative(spec, "minReadySeconds", "spec", errs);
    selectorAndTemplate(spec, errs);
  }

  static void daemonSet(JsonNode daemonSet, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(daemonSet, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(daemonSet, "spec");
    selectorAndTemplate(spec, errs);
    MetaValidation.nonNegative(spec, "minReadySeconds", "spec", errs);
    JsonNode strategy = Nodes.get(spec, "updateStrategy");
    String type = Nodes.str(strategy, "type");
    if (type.equals("RollingUpdate")) {
      JsonNode maxUnavailable = Nodes.get(Nodes.get(strategy, "rollingUpdate"), "maxUnavailable");
      JsonNode maxSurge = Nodes.get(Nodes.get(strategy, "rollingUpdate"), "maxSurge");
      positiveIntOrPercent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
      positiveIntOrPercent(maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge", errs);
      if (intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0) {
        errs.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", maxUnavailable,
            "cannot be 0 when maxSurge is 0");
      }
    } else if (!type.equals("OnDelete")) {
      errs.notSupported("spec.updateStrategy.type", type, List.of("OnDelete", "RollingUpdate"));
    }
  }

  /**
   * ValidateStatefulSet. The template is checked with the claim templates' volumes added, as the controller adds
   * them to every pod, so a mount of a claim template is not "not found".
   */
  static void statefulSet(JsonNode statefulSet, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(statefulSet, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(statefulSet, "spec");
    String policy = Nodes.str(spec, "podManagementPolicy");
    if (!List.of("OrderedReady", "Parallel").contains(policy)) {
      errs.notSupported("spec.podManagementPolicy", policy, List.of("OrderedReady", "Parallel"));
    }
    JsonNode strategy = Nodes.get(spec, "updateStrategy");
    String type = Nodes.str(strategy, "type");
    if (type.equals("RollingUpdate")) {
      JsonNode rollingUpdate = Nodes.get(strategy, "rollingUpdate");
      MetaValidation.nonNegative(rollingUpdate, "partition", "spec.updateStrategy.rollingUpdate", errs);
      JsonNode maxUnavailable = Nodes.get(rollingUpdate, "maxUnavailable");
      if (!maxUnavailable.isMissingNode()) {
        positiveIntOrPercent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
        if (intOrPercentValue(maxUnavailable) == 0) {
          errs.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", maxUnavailable,
              "must be greater than 0");
        }
      }
    } else if (type.equals("OnDelete")) {
      if (Nodes.has(strategy, "rollingUpdate")) {
        errs.invalid("spec.updateStrategy.rollingUpdate", Nodes.get(strategy, "rollingUpdate"),
            "only allowed for updateStrategy 'RollingUpdate'");
      }
    } else {
      errs.notSupported("spec.updateStrategy.type", type, List.of("OnDelete", "RollingUpdate"));
    }
    JsonNode retention = Nodes.get(spec, "persistentVolumeClaimRetentionPolicy");
    for (String when : List.of("whenDeleted", "whenScaled")) {
      String value = Nodes.str(retention, when);
      if (!List.of("Retain", "Delete").contains(value)) {
        errs.notSupported("spec.persistentVolumeClaimRetentionPolicy." + when, value, List.of("Delete", "Retain"));
      }
    }
    MetaValidation.nonNegative(spec, "replicas", "spec", errs);
    MetaValidation.nonNegative(spec, "minReadySeconds", "spec", errs);
    MetaValidation.nonNegative(spec, "revisionHistoryLimit", "spec", errs);
    MetaValidation.nonNegative(Nodes.get(spec, "ordinals"), "start", "spec.ordinals", errs);
    List<JsonNode> claims = Nodes.list(spec, "volumeClaimTemplates");
    java.util.Set<String> claimNames = new java.util.HashSet<>();
    com.fasterxml.jackson.databind.node.ObjectNode checked = spec.deepCopy();
    com.fasterxml.jackson.databind.node.ObjectNode podSpec =
        io.drover.api.Json.object(io.drover.api.Json.object(checked, "template"), "spec");
    com.fasterxml.jackson.databind.node.ArrayNode volumes = podSpec.has("volumes") && podSpec.get("volumes").isArray()
        ? (com.fasterxml.jackson.databind.node.ArrayNode) podSpec.get("volumes") : podSpec.putArray("volumes");
    for (int i = 0; i < claims.size(); i++) {
      String at = index("spec.volumeClaimTemplates", i);
      JsonNode claim = claims.get(i);
      String claimName = Nodes.str(Nodes.get(claim, "metadata"), "name");
      if (claimName.isEmpty()) {
        errs.required(child(at, "metadata.name"), "name or generateName is required");
      } else {
        errs.invalidEach(child(at, "metadata.name"), claimName, Formats.dns1123Subdomain(claimName));
        if (!claimNames.add(claimName)) errs.duplicate(child(at, "metadata.name"), claimName);
      }
      StorageValidation.claimSpec(Nodes.get(claim, "spec"), child(at, "spec"), errs);
      boolean declared = false;
      for (JsonNode volume : volumes) declared |= Nodes.str(volume, "name").equals(claimName);
      if (!declared && !claimName.isEmpty()) {
        volumes.addObject().put("name", claimName).putObject("persistentVolumeClaim").put("claimName", claimName);
      }
    }
    selectorAndTemplate(checked, errs);
  }

  /** ValidateStatefulSetUpdate: only some of the spec may change. */
  static void statefulSetUpdate(JsonNode statefulSet, JsonNode old, Errors errs) {
    com.fasterxml.jackson.databind.node.ObjectNode spec = Nodes.get(statefulSet, "spec").deepCopy();
    com.fasterxml.jackson.databind.node.ObjectNode oldSpec = Nodes.get(old, "spec").deepCopy();
    for (String mutable : STATEFUL_SET_MUTABLE) {
      spec.remove(mutable);
      oldSpec.remove(mutable);
    }
    if (!Objects.equals(spec, oldSpec)) {
      errs.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
          + "'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
          + "'minReadySeconds' are forbidden");
    }
  }

  private static final List<String> STATEFUL_SET_MUTABLE = List.of("replicas", "ordinals", "template",
      "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds");

  /** ValidateCronJob: a schedule that parses, a known time zone and concurrency policy, a valid job template. */
  static void cronJob(JsonNode cronJob, Errors errs) {
    // Job names get an 11-character suffix: the CronJob's name may have at most 52 characters.
    MetaValidation.objectMeta(Nodes.get(cronJob, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    String name = Nodes.str(Nodes.get(cronJob, "metadata"), "name");
    if (name.length() > 52) errs.invalid("metadata.name", name, "must be no more than 52 characters");
    JsonNode spec = Nodes.get(cronJob, "spec");
    String schedule = Nodes.str(spec, "schedule");
    if (schedule.isEmpty()) {
      errs.required("spec.schedule", "");
    } else {
      try {
        io.drover.api.schedule.CronSchedule.parse(schedule, Nodes.str(spec, "timeZone"));
      } catch (IllegalArgumentException e) {
        errs.invalid(schedule.startsWith("TZ=") || schedule.startsWith("CRON_TZ=") ? "spec.schedule"
            : Nodes.has(spec, "timeZone") && e.getMessage().startsWith("unknown time zone") ? "spec.timeZone"
            : "spec.schedule", schedule, e.getMessage());
      }
    }
    String policy = Nodes.str(spec, "concurrencyPolicy");
    if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
      errs.notSupported("spec.concurrencyPolicy", policy, List.of("Allow", "Forbid", "Replace"));
    }
    for (String field : List.of("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")) {
      MetaValidation.nonNegative(spec, field, "spec", errs);
    }
    JsonNode jobSpec = Nodes.get(Nodes.get(spec, "jobTemplate"), "spec");
    PodValidation.template(Nodes.get(jobSpec, "template"), "spec.jobTemplate.spec.template", errs);
    String restartPolicy = Nodes.str(Nodes.get(Nodes.get(jobSpec, "template"), "spec"), "restartPolicy");
    if (!restartPolicy.equals("OnFailure") && !restartPolicy.equals("Never")) {
      errs.notSupported("spec.jobTemplate.spec.template.spec.restartPolicy", restartPolicy,
          List.of("OnFailure", "Never"));
    }
  }

  /** pkg/apis/batch/validation ValidateJob: counts, restart policy, and a selector that matches the template. */
  static void job(JsonNode job, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(job, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(job, "spec");
    for (String field : List.of("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished")) {
      MetaValidation.nonNegative(spec, field, "spec", errs);
    }
    Long deadline = Nodes.num(spec, "activeDeadlineSeconds");
    if (deadline != null && deadline <= 0) {
      errs.invalid("spec.activeDeadlineSeconds", deadline, "must be greater than 0");
    }
    String mode = Nodes.str(spec, "completionMode");
    if (!mode.equals("NonIndexed")) {
      errs.notSupported("spec.completionMode", mode, List.of("NonIndexed"));
    }
    JsonNode selector = Nodes.get(spec, "selector");
    JsonNode template = Nodes.get(spec, "template");
    if (selector.isMissingNode()) {
      errs.required("spec.selector", "");
    } else {
      int before = errs.size();
      MetaValidation.labelSelector(selector, "spec.selector", errs);
      if (errs.size() == before && !MetaValidation.matches(selector, PodValidation.templateLabels(template))) {
        errs.invalid("spec.template.metadata.labels", Nodes.get(Nodes.get(template, "metadata"), "labels"),
            "`selector` does not match template `labels`");
      }
    }
    PodValidation.template(template, "spec.template", errs);
    String restartPolicy = Nodes.str(Nodes.get(template, "spec"), "restartPolicy");
    if (!restartPolicy.equals("OnFailure") && !restartPolicy.equals("Never")) {
      errs.notSupported("spec.template.spec.restartPolicy", restartPolicy, List.of("OnFailure", "Never"));
    }
  }

  /** ValidatePodDisruptionBudgetSpec: one of minAvailable and maxUnavailable, each a count or a percentage. */
  static void podDisruptionBudget(JsonNode pdb, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(pdb, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(pdb, "spec");
    JsonNode minAvailable = Nodes.get(spec, "minAvailable");
    JsonNode maxUnavailable = Nodes.get(spec, "maxUnavailable");
    if (!minAvailable.isMissingNode() && !maxUnavailable.isMissingNode()) {
      errs.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set");
    }
    if (!minAvailable.isMissingNode()) positiveIntOrPercent(minAvailable, "spec.minAvailable", errs);
    if (!maxUnavailable.isMissingNode()) positiveIntOrPercent(maxUnavailable, "spec.maxUnavailable", errs);
    JsonNode selector = Nodes.get(spec, "selector");
    if (!selector.isMissingNode()) MetaValidation.labelSelector(selector, "spec.selector", errs);
  }

  /** A Job's selector, template and completions are fixed once it exists (the template while it is not suspended). */
  static void jobUpdate(JsonNode job, JsonNode old, Errors errs) {
    JsonNode spec = Nodes.get(job, "spec");
    JsonNode oldSpec = Nodes.get(old, "spec");
    for (String field : List.of("selector", "template", "completions", "completionMode")) {
      if (!Objects.equals(Nodes.get(spec, field), Nodes.get(oldSpec, field))) {
        errs.invalid("spec." + field, Nodes.get(spec, field), MetaValidation.IMMUTABLE);
      }
    }
  }

  /** apps/v1 forbids changing the selector of a Deployment or ReplicaSet. */
  static void selectorUpdate(JsonNode object, JsonNode old, Errors errs) {
    JsonNode selector = Nodes.get(Nodes.get(object, "spec"), "selector");
    if (!Objects.equals(selector, Nodes.get(Nodes.get(old, "spec"), "selector"))) {
      errs.invalid("spec.selector", selector, MetaValidation.IMMUTABLE);
    }
  }

  private static void selectorAndTemplate(JsonNode spec, Errors errs) {
    JsonNode selector = Nodes.get(spec, "selector");
    boolean usable = true;
    if (selector.isMissingNode()) {
      errs.required("spec.selector", "");
    } else {
      int before = errs.size();
      MetaValidation.labelSelector(selector, "spec.selector", errs);
      usable = errs.size() == before;
      if (Nodes.strings(selector, "matchLabels").isEmpty() && Nodes.list(selector, "matchExpressions").isEmpty()) {
        // Go says "deployment" for ReplicaSets too.
        errs.invalid("spec.selector", selector, "empty selector is invalid for deployment");
      }
    }
    JsonNode template = Nodes.get(spec, "template");
    if (!usable) {
      errs.invalid("spec.selector", selector, "invalid label selector");
    } else {
      boolean empty = !selector.isMissingNode() && Nodes.strings(selector, "matchLabels").isEmpty()
          && Nodes.list(selector, "matchExpressions").isEmpty();
      // A missing selector matches nothing; an empty one matches everything.
      boolean matches = !selector.isMissingNode() && MetaValidation.matches(selector, PodValidation.templateLabels(template));
      if (!empty && !matches) {
        errs.invalid("spec.template.metadata.labels", Nodes.get(Nodes.get(template, "metadata"), "labels"),
            "`selector` does not match template `labels`");
      }
    }
    PodValidation.template(template, "spec.template", errs);
    JsonNode podSpec = Nodes.get(template, "spec");
    String restartPolicy = Nodes.str(podSpec, "restartPolicy");
    if (!restartPolicy.equals("Always")) {
      errs.notSupported("spec.template.spec.restartPolicy", restartPolicy, List.of("Always"));
    }
    if (Nodes.has(podSpec, "activeDeadlineSeconds")) {
      errs.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported");
    }
  }

  private static void strategy(JsonNode strategy, String path, Errors errs) {
    String type = Nodes.str(strategy, "type");
    JsonNode rollingUpdate = Nodes.get(strategy, "rollingUpdate");
    switch (type) {
      case "Recreate" -> {
        if (!rollingUpdate.isMissingNode()) {
          errs.forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'");
        }
      }
      case "RollingUpdate" -> {
        if (rollingUpdate.isMissingNode()) {
          errs.required(child(path, "rollingUpdate"), "this should be defaulted and never be nil");
        } else {
          rollingUpdate(rollingUpdate, child(path, "rollingUpdate"), errs);
        }
      }
      default -> errs.notSupported(path, strategy.isMissingNode() ? null : strategy, List.of("Recreate", "RollingUpdate"));
    }
  }

  private static void rollingUpdate(JsonNode rollingUpdate, String path, Errors errs) {
    JsonNode maxUnavailable = Nodes.get(rollingUpdate, "maxUnavailable");
    JsonNode maxSurge = Nodes.get(rollingUpdate, "maxSurge");
    positiveIntOrPercent(maxUnavailable, child(path, "maxUnavailable"), errs);
    positiveIntOrPercent(maxSurge, child(path, "maxSurge"), errs);
    if (intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0) {
      errs.invalid(child(path, "maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0");
    }
    if (maxUnavailable.isTextual() && Formats.percent(maxUnavailable.asText()).isEmpty()
        && intOrPercentValue(maxUnavailable) > 100) {
      errs.invalid(child(path, "maxUnavailable"), maxUnavailable, "must not be greater than 100%");
    }
  }

  private static void positiveIntOrPercent(JsonNode value, String path, Errors errs) {
    if (value.isTextual()) {
      errs.invalidEach(path, value, Formats.percent(value.asText()));
    } else if (value.isNumber() && value.asLong() < 0) {
      errs.invalid(path, value, MetaValidation.NEGATIVE);
    }
  }

  /** getIntOrPercentValue: "25%" is 25, a malformed string counts as 0 like Go's IntValue(). */
  private static long intOrPercentValue(JsonNode value) {
    if (value.isNumber()) return value.asLong();
    if (!value.isTextual()) return 0;
    String text = value.asText();
    String digits = text.endsWith("%") ? text.substring(0, text.length() - 1) : text;
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
