package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.validation.Formats.NameFormat;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** HorizontalPodAutoscalers (autoscaling/v2): pkg/apis/autoscaling/validation, with its messages and its order. */
final class AutoscalingValidation {
  private AutoscalingValidation() {}

  static final int MAX_PERIOD_SECONDS = 1800;
  static final int MAX_STABILIZATION_WINDOW_SECONDS = 3600;
  private static final List<String> SOURCE_TYPES =
      List.of("ContainerResource", "External", "Object", "Pods", "Resource");
  /** The member of a MetricSpec that carries each source type. */
  private static final Map<String, String> SOURCE_FIELDS = Map.of("Object", "object", "Pods", "pods",
      "Resource", "resource", "External", "external", "ContainerResource", "containerResource");

  static void horizontalPodAutoscaler(JsonNode hpa, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(hpa, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(hpa, "spec");
    Long min = Nodes.num(spec, "minReplicas");
    long max = Nodes.numOr(spec, "maxReplicas", 0);
    // Scaling to zero needs the HPAScaleToZero feature gate, off by default: minReplicas is at least 1.
    if (min != null && min < 1) errs.invalid("spec.minReplicas", min, "must be greater than or equal to 1");
    if (max < 1) errs.invalid("spec.maxReplicas", max, "must be greater than 0");
    if (min != null && max < min) errs.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`");
    // As Kubernetes: the metrics are checked only when the reference is valid, the behavior only when both are.
    Errors reference = new Errors();
    crossVersionObjectReference(Nodes.get(spec, "scaleTargetRef"), "spec.scaleTargetRef", reference);
    if (!reference.isEmpty()) {
      errs.addAll(reference);
      return;
    }
    Errors metrics = new Errors();
    List<JsonNode> specs = Nodes.list(spec, "metrics");
    for (int i = 0; i < specs.size(); i++) metricSpec(specs.get(i), index("spec.metrics", i), metrics);
    if (!metrics.isEmpty()) {
      errs.addAll(metrics);
      return;
    }
    JsonNode behavior = Nodes.get(spec, "behavior");
    if (behavior.isObject()) {
      scalingRules(Nodes.get(behavior, "scaleUp"), "spec.behavior.scaleUp", errs);
      scalingRules(Nodes.get(behavior, "scaleDown"), "spec.behavior.scaleDown", errs);
    }
  }

  private static void crossVersionObjectReference(JsonNode ref, String path, Errors errs) {
    for (String field : List.of("kind", "name")) {
      String value = Nodes.str(ref, field);
      if (value.isEmpty()) {
        errs.required(child(path, field), "");
      } else {
        errs.invalidEach(child(path, field), value, Formats.pathSegmentName(value, false));
      }
    }
  }

  private static void metricSpec(JsonNode metric, String path, Errors errs) {
    String type = Nodes.str(metric, "type");
    if (type.isEmpty()) errs.required(child(path, "type"), "must specify a metric source type");
    if (!SOURCE_TYPES.contains(type)) errs.notSupported(child(path, "type"), type, SOURCE_TYPES);
    Set<String> present = new LinkedHashSet<>();
    for (String field : List.of("object", "pods", "resource", "external", "containerResource")) {
      JsonNode source = Nodes.get(metric, field);
      if (!source.isObject()) continue;
      present.add(field);
      if (present.size() > 1) continue;
      String at = child(path, field);
      switch (field) {
        case "resource" -> resourceSource(source, at, false, errs);
        case "containerResource" -> resourceSource(source, at, true, errs);
        case "object" -> {
          crossVersionObjectReference(Nodes.get(source, "describedObject"), child(at, "describedObject"), errs);
          metricIdentifier(source, at, errs);
          metricTarget(Nodes.get(source, "target"), child(at, "target"), errs);
          JsonNode target = Nodes.get(source, "target");
          if (!Nodes.has(target, "value") && !Nodes.has(target, "averageValue")) {
            errs.required(child(child(at, "target"), "averageValue"), "must set either a target value or averageValue");
          }
        }
        case "pods" -> {
          metricIdentifier(source, at, errs);
          metricTarget(Nodes.get(source, "target"), child(at, "target"), errs);
          if (!Nodes.has(Nodes.get(source, "target"), "averageValue")) {
            errs.required(child(child(at, "target"), "averageValue"), "must specify a positive target averageValue");
          }
        }
        default -> {
          metricIdentifier(source, at, errs);
          metricTarget(Nodes.get(source, "target"), child(at, "target"), errs);
          JsonNode target = Nodes.get(source, "target");
          if (!Nodes.has(target, "value") && !Nodes.has(target, "averageValue")) {
            errs.required(child(child(at, "target"), "averageValue"), "must set either a target value for metric or a per-pod target");
          }
          if (Nodes.has(target, "value") && Nodes.has(target, "averageValue")) {
            errs.forbidden(child(child(at, "target"), "value"), "may not set both a target value for metric and a per-pod target");
          }
        }
      }
    }
    String expected = SOURCE_FIELDS.get(type);
    if (expected != null && !present.contains(expected)) {
      errs.required(child(path, expected), "must populate information for the given metric source");
    }
    if (expected == null && !type.isEmpty()) {
      errs.notSupported(child(path, "type"), type, SOURCE_TYPES);
    }
    if (present.size() != 1) {
      present.remove(expected);
      for (String field : present) errs.forbidden(child(path, field), "must populate the given metric source only");
    }
  }

  private static void metricIdentifier(JsonNode source, String path, Errors errs) {
    String name = Nodes.str(Nodes.get(source, "metric"), "name");
    if (name.isEmpty()) {
      errs.required(child(child(path, "metric"), "name"), "must specify a metric name");
    } else {
      errs.invalidEach(child(child(path, "metric"), "name"), name, Formats.pathSegmentName(name, false));
    }
  }

  private static void resourceSource(JsonNode source, String path, boolean container, Errors errs) {
    String name = Nodes.str(source, "name");
    if (name.isEmpty()) {
      errs.required(child(path, "name"), "must specify a resource name");
    } else {
      Resources.containerResourceName(name, child(path, "name"), errs);
    }
    if (container) {
      String containerName = Nodes.str(source, "container");
      if (containerName.isEmpty()) {
        errs.required(child(path, "container"), "must specify a container");
      } else {
        errs.invalidEach(child(path, "container"), containerName, Formats.dns1123Label(containerName));
      }
    }
    JsonNode target = Nodes.get(source, "target");
    metricTarget(target, child(path, "target"), errs);
    if (!Nodes.has(target, "averageValue") && !Nodes.has(target, "averageUtilization")) {
      errs.required(child(child(path, "target"), "averageUtilization"),
          "must set either a target raw value or a target utilization");
    }
    if (Nodes.has(target, "averageValue") && Nodes.has(target, "averageUtilization")) {
      errs.forbidden(child(child(path, "target"), "averageValue"),
          "may not set both a target raw value and a target utilization");
    }
  }

  private static void metricTarget(JsonNode target, String path, Errors errs) {
    String type = Nodes.str(target, "type");
    if (type.isEmpty()) errs.required(child(path, "type"), "must specify a metric target type");
    if (!List.of("Utilization", "Value", "AverageValue").contains(type)) {
      errs.invalid(child(path, "type"), type, "must be either Utilization, Value, or AverageValue");
    }
    for (String field : List.of("value", "averageValue")) {
      JsonNode quantity = Nodes.get(target, field);
      if (!Nodes.has(target, field)) continue;
      BigDecimal amount = Resources.amount(quantity);
      if (amount != null && amount.signum() != 1) errs.invalid(child(path, field), quantity.asText(), "must be positive");
    }
    Long utilization = Nodes.num(target, "averageUtilization");
    if (utilization != null && utilization < 1) {
      errs.invalid(child(path, "averageUtilization"), utilization, "must be greater than 0");
    }
  }

  private static void scalingRules(JsonNode rules, String path, Errors errs) {
    if (!rules.isObject()) return;
    Long window = Nodes.num(rules, "stabilizationWindowSeconds");
    if (window != null && window < 0) {
      errs.invalid(child(path, "stabilizationWindowSeconds"), window, "must be greater than or equal to zero");
    }
    if (window != null && window > MAX_STABILIZATION_WINDOW_SECONDS) {
      errs.invalid(child(path, "stabilizationWindowSeconds"), window,
          "must be less than or equal to " + MAX_STABILIZATION_WINDOW_SECONDS);
    }
    if (Nodes.has(rules, "selectPolicy")) {
      String select = Nodes.str(rules, "selectPolicy");
      if (!List.of("Disabled", "Max", "Min").contains(select)) {
        errs.notSupported(child(path, "selectPolicy"), select, List.of("Disabled", "Max", "Min"));
      }
    }
    List<JsonNode> policies = Nodes.list(rules, "policies");
    if (policies.isEmpty()) errs.required(child(path, "policies"), "must specify at least one Policy");
    for (int i = 0; i < policies.size(); i++) {
      JsonNode policy = policies.get(i);
      String at = index(child(path, "policies"), i);
      String type = Nodes.str(policy, "type");
      if (!type.equals("Pods") && !type.equals("Percent")) {
        errs.notSupported(child(at, "type"), type, List.of("Percent", "Pods"));
      }
      long value = Nodes.numOr(policy, "value", 0);
      if (value <= 0) errs.invalid(child(at, "value"), value, "must be greater than zero");
      long period = Nodes.numOr(policy, "periodSeconds", 0);
      if (period <= 0) errs.invalid(child(at, "periodSeconds"), period, "must be greater than zero");
      if (period > MAX_PERIOD_SECONDS) {
        errs.invalid(child(at, "periodSeconds"), period, "must be less than or equal to " + MAX_PERIOD_SECONDS);
      }
    }
  }
}
