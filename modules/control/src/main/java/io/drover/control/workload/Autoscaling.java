package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.control.metrics.PodUsage;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HorizontalPodAutoscaler's arithmetic, as pkg/controller/podautoscaler does it, free of actors and I/O:
 * the replica count one resource metric asks for (replica_calculator.go GetResourceReplicas and
 * GetRawResourceReplicas, with the tolerance and the treatment of missing and unready pods), the stabilization
 * window over recent recommendations, and the scaling policies' rate limits
 * (normalizeDesiredReplicasWithBehaviors).
 */
final class Autoscaling {
  private Autoscaling() {}

  /** What one metric asks for; {@code error} says why it could not be computed (then replicas is -1). */
  record Proposal(int replicas, Long utilization, long rawAverage, String error) {
    static Proposal failed(String error) {
      return new Proposal(-1, null, 0, error);
    }
  }

  /** The knobs of the calculation (the kube-controller-manager's horizontal-pod-autoscaler-* flags). */
  record Tuning(double tolerance, Duration cpuInitializationPeriod, Duration initialReadinessDelay) {}

  /**
   * The replica count for a Resource (or ContainerResource, with {@code container}) metric. The value of a pod is
   * in milli-units for cpu and units (bytes) otherwise. With {@code targetUtilization} the usage is relative to the
   * pods' requests (percent); otherwise {@code targetAverage} is the per-pod average aimed at.
   */
  static Proposal resourceReplicas(int currentReplicas, String resource, String container, Integer targetUtilization,
      BigDecimal targetAverage, List<JsonNode> pods, Map<String, PodUsage> usage, Tuning tuning, Instant now) {
    if (pods.isEmpty()) return Proposal.failed("no pods returned by selector while calculating replica count");
    Map<String, Long> metrics = new HashMap<>();
    for (JsonNode pod : pods) {
      String name = pod.path("metadata").path("name").asText();
      PodUsage u = usage.get(name);
      if (u == null) continue;
      Long value = value(u, resource, container);
      if (value != null) metrics.put(name, value);
    }
    // groupPods: failed and deleted pods are ignored, pending ones unready, and (for cpu) pods that may still be
    // starting up count as unready; pods without a measurement are missing.
    int ready = 0;
    Set<String> unready = new HashSet<>();
    Set<String> missing = new HashSet<>();
    Set<String> ignored = new HashSet<>();
    for (JsonNode pod : pods) {
      String name = pod.path("metadata").path("name").asText();
      String phase = pod.path("status").path("phase").asText("");
      if (pod.path("metadata").has("deletionTimestamp") || phase.equals("Failed")) {
        ignored.add(name);
      } else if (phase.equals("Pending") || phase.isEmpty()) {
        unready.add(name);
      } else if (!metrics.containsKey(name)) {
        missing.add(name);
      } else if (resource.equals("cpu") && cpuUnready(pod, usage.get(name), tuning, now)) {
        unready.add(name);
      } else {
        ready++;
      }
    }
    metrics.keySet().removeAll(ignored);
    metrics.keySet().removeAll(unready);
    if (metrics.isEmpty()) return Proposal.failed("did not receive metrics for targeted pods (pods might be unready)");
    Map<String, Long> requests = new HashMap<>();
    if (targetUtilization != null) {
      for (JsonNode pod : pods) {
        String name = pod.path("metadata").path("name").asText();
        Long request = request(pod, resource, container);
        if (request == null) {
          return Proposal.failed("missing request for " + resource + (container == null ? "" : " in container "
              + container) + " of Pod " + name);
        }
        requests.put(name, request);
      }
    }
    Ratio ratio = ratio(metrics, requests, targetUtilization, targetAverage);
    boolean scaleUpWithUnready = !unready.isEmpty() && ratio.value() > 1.0;
    if (!scaleUpWithUnready && missing.isEmpty()) {
      if (Math.abs(1.0 - ratio.value()) <= tuning.tolerance()) {
        return new Proposal(currentReplicas, ratio.utilization(), ratio.rawAverage(), null);
      }
      return new Proposal((int) Math.ceil(ratio.value() * ready), ratio.utilization(), ratio.rawAverage(), null);
    }
    if (!missing.isEmpty()) {
      for (String name : missing) {
        if (ratio.value() < 1.0) {
          // On a scale down a missing pod counts as using its request (or the target, if that is higher).
          metrics.put(name, targetUtilization != null
              ? requests.get(name) * Math.max(100, targetUtilization) / 100
              : targetAverage.longValue());
        } else if (ratio.value() > 1.0) {
          metrics.put(name, 0L);
        }
      }
    }
    if (scaleUpWithUnready) unready.forEach(name -> metrics.put(name, 0L));
    Ratio recomputed = ratio(metrics, requests, targetUtilization, targetAverage);
    if (Math.abs(1.0 - recomputed.value()) <= tuning.tolerance()
        || (ratio.value() < 1.0 && recomputed.value() > 1.0) || (ratio.value() > 1.0 && recomputed.value() < 1.0)) {
      return new Proposal(currentReplicas, ratio.utilization(), ratio.rawAverage(), null);
    }
    int replicas = (int) Math.ceil(recomputed.value() * metrics.size());
    if ((recomputed.value() < 1.0 && replicas > currentReplicas) || (recomputed.value() > 1.0 && replicas < currentReplicas)) {
      return new Proposal(currentReplicas, ratio.utilization(), ratio.rawAverage(), null);
    }
    return new Proposal(replicas, ratio.utilization(), ratio.rawAverage(), null);
  }

  private record Ratio(double value, Long utilization, long rawAverage) {}

  /** GetResourceUtilizationRatio (percent of the summed requests) or the raw average over the target. */
  private static Ratio ratio(Map<String, Long> metrics, Map<String, Long> requests, Integer targetUtilization,
      BigDecimal targetAverage) {
    long total = metrics.values().stream().mapToLong(Long::longValue).sum();
    long rawAverage = total / metrics.size();
    if (targetUtilization == null) {
      return new Ratio(total / (targetAverage.doubleValue() * metrics.size()), null, rawAverage);
    }
    long requested = 0;
    for (String name : metrics.keySet()) requested += requests.getOrDefault(name, 0L);
    if (requested == 0) return new Ratio(0, 0L, rawAverage);
    long utilization = total * 100 / requested;
    return new Ratio((double) utilization / targetUtilization, utilization, rawAverage);
  }

  /**
   * Whether a running pod's cpu sample may come from its start-up: within the initialization period, a pod is
   * unready when not Ready or when the sample began before it turned Ready; later only if it never became Ready
   * within the initial readiness delay.
   */
  static boolean cpuUnready(JsonNode pod, PodUsage usage, Tuning tuning, Instant now) {
    JsonNode ready = null;
    for (JsonNode c : pod.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) ready = c;
    }
    Instant start = instant(pod.path("status").path("startTime").asText(""));
    Instant transition = ready == null ? null : instant(ready.path("lastTransitionTime").asText(""));
    if (ready == null || start == null || transition == null) return true;
    boolean readyNow = ready.path("status").asText().equals("True");
    if (start.plus(tuning.cpuInitializationPeriod()).isAfter(now)) {
      return !readyNow || usage.timestamp().isBefore(transition.plusMillis(usage.windowMillis()));
    }
    return !readyNow && start.plus(tuning.initialReadinessDelay()).isAfter(transition);
  }

  /** A pod's measured value: cpu in millicores, anything else in units. Null when not measured. */
  static Long value(PodUsage usage, String resource, String container) {
    List<PodUsage.ContainerUsage> containers = usage.containers().stream()
        .filter(c -> container == null || c.name().equals(container)).toList();
    if (containers.isEmpty()) return null;
    return switch (resource) {
      case "cpu" -> containers.stream().mapToLong(PodUsage.ContainerUsage::cpuNanoCores).sum() / 1_000_000;
      case "memory" -> containers.stream().mapToLong(PodUsage.ContainerUsage::memoryBytes).sum();
      default -> null;
    };
  }

  /** The sum of the containers' requests (cpu in millicores), or null when one of them requests none. */
  static Long request(JsonNode pod, String resource, String container) {
    long sum = 0;
    boolean any = false;
    for (JsonNode c : pod.path("spec").path("containers")) {
      if (container != null && !container.equals(c.path("name").asText())) continue;
      JsonNode quantity = c.path("resources").path("requests").path(resource);
      if (quantity.isMissingNode() || quantity.isNull()) return null;
      BigDecimal amount = Quantity.getAmountInBytes(new Quantity(quantity.asText()));
      sum += resource.equals("cpu") ? amount.movePointRight(3).setScale(0, java.math.RoundingMode.CEILING).longValue()
          : amount.setScale(0, java.math.RoundingMode.CEILING).longValue();
      any = true;
    }
    return any ? sum : null;
  }

  private static Instant instant(String text) {
    try {
      return text.isEmpty() ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  // --- behavior: stabilization and rate limits ---

  record Policy(String type, int value, int periodSeconds) {}

  /** HPAScalingRules with defaults filled in (select policy Max, Min or Disabled). */
  record Rules(int stabilizationWindowSeconds, String selectPolicy, List<Policy> policies) {}

  record Recommendation(Instant at, int replicas) {}

  /** A change the controller made to the target: positive up, negative down. */
  record ScaleEvent(Instant at, int change) {}

  /** The result of normalizing: the replicas to set, and the AbleToScale and ScalingLimited reasons. */
  record Normalized(int replicas, String ableReason, String ableMessage, boolean limited, String limitReason,
      String limitMessage) {}

  /** The rules of spec.behavior.scaleUp/scaleDown, or Kubernetes' defaults for what is not given. */
  static Rules rules(JsonNode rules, boolean up, int defaultDownWindowSeconds) {
    int window = rules.path("stabilizationWindowSeconds").isNumber()
        ? rules.path("stabilizationWindowSeconds").asInt() : up ? 0 : defaultDownWindowSeconds;
    String select = rules.path("selectPolicy").asText("Max");
    List<Policy> policies = new ArrayList<>();
    if (rules.path("policies").isArray()) {
      for (JsonNode p : rules.path("policies")) {
        policies.add(new Policy(p.path("type").asText(), p.path("value").asInt(), p.path("periodSeconds").asInt()));
      }
    } else if (up) {
      policies.add(new Policy("Pods", 4, 15));
      policies.add(new Policy("Percent", 100, 15));
    } else {
      policies.add(new Policy("Percent", 100, 15));
    }
    return new Rules(window, select, policies);
  }

  /**
   * normalizeDesiredReplicasWithBehaviors: stabilizes the metrics' recommendation over the windows (the lowest
   * recent one for scaling up, the highest recent one for scaling down), then applies the policies' rate limits
   * and min/max. {@code recommendations} are the earlier unstabilized recommendations; the caller records this one.
   */
  static Normalized normalize(int current, int desired, int min, int max, Rules up, Rules down,
      List<Recommendation> recommendations, List<ScaleEvent> events, Instant now) {
    Instant upCutoff = now.minusSeconds(up.stabilizationWindowSeconds());
    Instant downCutoff = now.minusSeconds(down.stabilizationWindowSeconds());
    int upRecommendation = desired;
    int downRecommendation = desired;
    for (Recommendation r : recommendations) {
      if (r.at().isAfter(upCutoff)) upRecommendation = Math.min(r.replicas(), upRecommendation);
      if (r.at().isAfter(downCutoff)) downRecommendation = Math.max(r.replicas(), downRecommendation);
    }
    int stabilized = Math.min(Math.max(current, upRecommendation), downRecommendation);
    String ableReason;
    String ableMessage;
    if (stabilized != desired) {
      ableReason = desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
      ableMessage = desired >= current
          ? "recent recommendations were lower than current one, applying the lowest recent recommendation"
          : "recent recommendations were higher than current one, applying the highest recent recommendation";
    } else {
      ableReason = "ReadyForNewScale";
      ableMessage = "recommended size matches current size";
    }
    String reason = "DesiredWithinRange";
    String message = "the desired count is within the acceptable range";
    int replicas = stabilized;
    if (stabilized > current) {
      int limit = Math.max(scaleUpLimit(current, events, up, now), current);
      int allowed = max;
      if (allowed > limit) {
        allowed = limit;
        reason = "ScaleUpLimit";
        message = "the desired replica count is increasing faster than the maximum scale rate";
      } else {
        reason = "TooManyReplicas";
        message = "the desired replica count is more than the maximum replica count";
      }
      if (stabilized > allowed) {
        replicas = allowed;
      } else {
        reason = "DesiredWithinRange";
        message = "the desired count is within the acceptable range";
      }
    } else if (stabilized < current) {
      int limit = Math.min(scaleDownLimit(current, events, down, now), current);
      int allowed = min;
      if (allowed < limit) {
        allowed = limit;
        reason = "ScaleDownLimit";
        message = "the desired replica count is decreasing faster than the maximum scale rate";
      } else {
        reason = "TooFewReplicas";
        message = "the desired replica count is less than the minimum replica count";
      }
      if (stabilized < allowed) {
        replicas = allowed;
      } else {
        reason = "DesiredWithinRange";
        message = "the desired count is within the acceptable range";
      }
    }
    return new Normalized(replicas, ableReason, ableMessage, replicas != stabilized, reason, message);
  }

  private static int changeInPeriod(int periodSeconds, List<ScaleEvent> events, boolean up, Instant now) {
    Instant cutoff = now.minusSeconds(periodSeconds);
    int sum = 0;
    for (ScaleEvent e : events) {
      if (e.at().isAfter(cutoff) && (up ? e.change() > 0 : e.change() < 0)) sum += Math.abs(e.change());
    }
    return sum;
  }

  /** calculateScaleUpLimitWithScalingRules. */
  static int scaleUpLimit(int current, List<ScaleEvent> events, Rules rules, Instant now) {
    if (rules.selectPolicy().equals("Disabled")) return current;
    boolean min = rules.selectPolicy().equals("Min");
    int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
    for (Policy p : rules.policies()) {
      int start = current - changeInPeriod(p.periodSeconds(), events, true, now)
          + changeInPeriod(p.periodSeconds(), events, false, now);
      int proposed = p.type().equals("Pods") ? start + p.value() : (int) Math.ceil(start * (1 + p.value() / 100.0));
      result = min ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  /** calculateScaleDownLimitWithBehaviors. */
  static int scaleDownLimit(int current, List<ScaleEvent> events, Rules rules, Instant now) {
    if (rules.selectPolicy().equals("Disabled")) return current;
    boolean min = rules.selectPolicy().equals("Min");
    int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
    for (Policy p : rules.policies()) {
      int start = current - changeInPeriod(p.periodSeconds(), events, true, now)
          + changeInPeriod(p.periodSeconds(), events, false, now);
      int proposed = p.type().equals("Pods") ? start - p.value() : (int) (start * (1 - p.value() / 100.0));
      result = min ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }
}
