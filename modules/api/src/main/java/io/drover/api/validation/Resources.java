package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.key;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

/** Resource names and quantities: validateResourceRequirements and ValidateResourceQuantityValue. */
final class Resources {
  private Resources() {}

  private static final Set<String> CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");
  private static final Set<String> STANDARD_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage",
      "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
      "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
      "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
      "services.loadbalancers");
  private static final Set<String> INTEGER_RESOURCES = Set.of("pods", "services", "replicationcontrollers",
      "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports",
      "services.loadbalancers");

  /** The amount of a quantity (cores, bytes, units), or null when it does not parse. */
  static BigDecimal amount(JsonNode quantity) {
    if (quantity == null || !(quantity.isTextual() || quantity.isNumber())) return null;
    try {
      return Quantity.getAmountInBytes(new Quantity(quantity.asText()));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Container resources: names, quantities, and requests within limits. */
  static void requirements(JsonNode resources, String path, Errors errs) {
    String limitsPath = child(path, "limits");
    String requestsPath = child(path, "requests");
    Map<String, String> limits = Nodes.strings(resources, "limits");
    JsonNode limitNodes = Nodes.get(resources, "limits");
    JsonNode requestNodes = Nodes.get(resources, "requests");
    for (String name : limits.keySet()) {
      String at = key(limitsPath, name);
      containerResourceName(name, at, errs);
      quantityValue(name, limitNodes.get(name), at, errs);
    }
    for (Map.Entry<String, String> request : Nodes.strings(resources, "requests").entrySet()) {
      String name = request.getKey();
      String at = key(requestsPath, name);
      containerResourceName(name, at, errs);
      quantityValue(name, requestNodes.get(name), at, errs);
      BigDecimal requested = amount(requestNodes.get(name));
      if (limits.containsKey(name)) {
        BigDecimal limit = amount(limitNodes.get(name));
        if (requested == null || limit == null) continue;
        if (requested.compareTo(limit) != 0 && !overcommitAllowed(name)) {
          errs.invalid(requestsPath, request.getValue(),
              "must be equal to " + name + " limit of " + limits.get(name));
        } else if (requested.compareTo(limit) > 0) {
          errs.invalid(requestsPath, request.getValue(),
              "must be less than or equal to " + name + " limit of " + limits.get(name));
        }
      } else if (!overcommitAllowed(name)) {
        errs.required(limitsPath, "Limit must be set for non overcommitable resources");
      }
    }
  }

  /** validateContainerResourceName: a standard container resource, hugepages, or an extended resource. */
  static void containerResourceName(String name, String path, Errors errs) {
    int before = errs.size();
    errs.invalidEach(path, name, Formats.qualifiedName(name));
    if (errs.size() > before) return;
    if (!name.contains("/")) {
      if (!STANDARD_RESOURCES.contains(name) && !isHugePages(name)) {
        errs.invalid(path, name, "must be a standard resource type or fully qualified");
      } else if (!CONTAINER_RESOURCES.contains(name) && !isHugePages(name)) {
        errs.invalid(path, name, "must be a standard resource for containers");
      }
    } else if (!isNative(name) && name.startsWith("requests.")) {
      errs.invalid(path, name, "doesn't follow extended resource name standard");
    }
  }

  /** validateResourceName: a standard resource (hugepages too) or a qualified name with a domain. */
  static void resourceName(String name, String path, Errors errs) {
    int before = errs.size();
    errs.invalidEach(path, name, Formats.qualifiedName(name));
    if (errs.size() > before) return;
    if (!name.contains("/") && !STANDARD_RESOURCES.contains(name) && !name.startsWith("hugepages-")
        && !name.startsWith("requests.hugepages-")) {
      errs.invalid(path, name, "must be a standard resource type or fully qualified");
    }
  }

  /** ValidateResourceQuantityValue; quantities that do not parse were refused when decoding. */
  static void quantityValue(String resource, JsonNode quantity, String path, Errors errs) {
    BigDecimal amount = amount(quantity);
    if (amount == null) return;
    if (amount.signum() < 0) errs.invalid(path, quantity.asText(), MetaValidation.NEGATIVE);
    if (isInteger(resource) && amount.stripTrailingZeros().scale() > 0) {
      errs.invalid(path, quantity.asText(), "must be an integer");
    }
  }

  private static boolean isHugePages(String name) {
    return name.startsWith("hugepages-");
  }

  /** Native resources have no domain or live under kubernetes.io. */
  private static boolean isNative(String name) {
    return !name.contains("/") || name.contains("kubernetes.io/");
  }

  static boolean overcommitAllowed(String name) {
    return isNative(name) && !isHugePages(name);
  }

  private static boolean isInteger(String name) {
    return INTEGER_RESOURCES.contains(name) || !isNative(name);
  }
}
