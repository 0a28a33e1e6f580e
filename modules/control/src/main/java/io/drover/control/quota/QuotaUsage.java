package io.drover.control.quota;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an object counts against a ResourceQuota, as Kubernetes' quota evaluators count it: {@code count/<resource>}
 * for every kind, the classic names (pods, services, configmaps, secrets, persistentvolumeclaims, resourcequotas,
 * services.nodeports), and for pods their compute: requests.cpu (also "cpu"), requests.memory ("memory"),
 * limits.cpu and limits.memory, summed over the containers and at least the largest init container. A pod that has
 * finished (Succeeded, Failed) counts nothing. Amounts are BigDecimals of base units (cores, bytes).
 */
public final class QuotaUsage {
  private QuotaUsage() {}

  /** The usage of one object, by quota resource name. */
  public static Map<String, BigDecimal> of(ResourceType type, JsonNode object) {
    Map<String, BigDecimal> usage = new HashMap<>();
    if (type == ResourceRegistry.POD) {
      String phase = object.path("status").path("phase").asText("");
      if (phase.equals("Succeeded") || phase.equals("Failed")) return usage;
    }
    usage.put("count/" + type.plural() + (type.group().isEmpty() ? "" : "." + type.group()), BigDecimal.ONE);
    if (type == ResourceRegistry.POD) {
      usage.put("pods", BigDecimal.ONE);
      for (String resource : List.of("cpu", "memory")) {
        BigDecimal requests = podAmount(object.path("spec"), "requests", resource);
        BigDecimal limits = podAmount(object.path("spec"), "limits", resource);
        usage.put("requests." + resource, requests);
        usage.put(resource, requests);
        usage.put("limits." + resource, limits);
      }
    } else if (type == ResourceRegistry.SERVICE) {
      usage.put("services", BigDecimal.ONE);
      String serviceType = object.path("spec").path("type").asText("ClusterIP");
      if (serviceType.equals("NodePort") || serviceType.equals("LoadBalancer")) {
        usage.put("services.nodeports", BigDecimal.valueOf(object.path("spec").path("ports").size()));
      }
      if (serviceType.equals("LoadBalancer")) usage.put("services.loadbalancers", BigDecimal.ONE);
    } else if (type == ResourceRegistry.CONFIG_MAP) {
      usage.put("configmaps", BigDecimal.ONE);
    } else if (type == ResourceRegistry.SECRET) {
      usage.put("secrets", BigDecimal.ONE);
    } else if (type == ResourceRegistry.PERSISTENT_VOLUME_CLAIM) {
      usage.put("persistentvolumeclaims", BigDecimal.ONE);
      usage.put("requests.storage", amount(object.path("spec").path("resources").path("requests").path("storage")));
    } else if (type == ResourceRegistry.RESOURCE_QUOTA) {
      usage.put("resourcequotas", BigDecimal.ONE);
    }
    return usage;
  }

  /** Sum over app containers, at least the largest init container (the pod's effective request or limit). */
  private static BigDecimal podAmount(JsonNode spec, String kind, String resource) {
    BigDecimal sum = BigDecimal.ZERO;
    for (JsonNode c : spec.path("containers")) sum = sum.add(amount(c.path("resources").path(kind).path(resource)));
    BigDecimal init = BigDecimal.ZERO;
    for (JsonNode c : spec.path("initContainers")) init = init.max(amount(c.path("resources").path(kind).path(resource)));
    return sum.max(init);
  }

  static BigDecimal amount(JsonNode quantity) {
    if (quantity == null || quantity.isMissingNode() || quantity.isNull()) return BigDecimal.ZERO;
    return Quantity.getAmountInBytes(new Quantity(quantity.asText()));
  }

  /** The containers of a pod that lack a request or limit the quota constrains ("limits.cpu" -> names). */
  public static Map<String, List<String>> unspecified(JsonNode pod, Iterable<String> hard) {
    Map<String, List<String>> missing = new TreeMap<>();
    for (String name : hard) {
      String[] parts = switch (name) {
        case "cpu", "requests.cpu" -> new String[] {"requests", "cpu"};
        case "memory", "requests.memory" -> new String[] {"requests", "memory"};
        case "limits.cpu" -> new String[] {"limits", "cpu"};
        case "limits.memory" -> new String[] {"limits", "memory"};
        default -> null;
      };
      if (parts == null) continue;
      for (String list : List.of("initContainers", "containers")) {
        for (JsonNode c : pod.path("spec").path(list)) {
          if (!c.path("resources").path(parts[0]).has(parts[1])) {
            missing.computeIfAbsent(parts[0] + "." + parts[1], k -> new java.util.ArrayList<>())
                .add(c.path("name").asText());
          }
        }
      }
    }
    return missing;
  }

  /** An amount as Kubernetes prints it: cpu in cores or millicores, bytes with a binary suffix when exact. */
  public static String format(String resource, BigDecimal amount) {
    if (resource.endsWith("cpu") || resource.equals("cpu")) {
      BigDecimal stripped = amount.stripTrailingZeros();
      if (stripped.scale() <= 0) return stripped.toPlainString();
      return amount.movePointRight(3).setScale(0, RoundingMode.CEILING).toPlainString() + "m";
    }
    if (resource.endsWith("memory") || resource.endsWith("storage") || resource.equals("memory")) {
      String[] suffixes = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
      for (int i = 0; i < suffixes.length; i++) {
        BigDecimal unit = BigDecimal.valueOf(1024).pow(6 - i);
        if (amount.signum() > 0 && amount.remainder(unit).signum() == 0) {
          return amount.divide(unit).toPlainString() + suffixes[i];
        }
      }
    }
    return amount.stripTrailingZeros().toPlainString();
  }
}
