package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;
import static io.drover.api.validation.Errors.key;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import io.drover.api.Json;
import io.drover.api.validation.Formats.NameFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * ValidateLimitRange (pkg/apis/core/validation): each item's type is Pod, Container, PersistentVolumeClaim (or a
 * qualified name) and appears once; resource names suit the type; a Pod item has no default or defaultRequest; a
 * PersistentVolumeClaim item bounds storage; and per resource min <= defaultRequest <= default <= max,
 * maxLimitRequestRatio >= 1 and at most max/min. Bad values print as Go prints a Quantity given by value.
 * Resources are checked in name order (Go ranges over a map).
 */
final class LimitRangeValidation {
  private LimitRangeValidation() {}

  private static final Set<String> STANDARD_TYPES = Set.of("Pod", "Container", "PersistentVolumeClaim");

  static void limitRange(JsonNode limitRange, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(limitRange, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    Set<String> types = new HashSet<>();
    List<JsonNode> items = Nodes.list(Nodes.get(limitRange, "spec"), "limits");
    for (int i = 0; i < items.size(); i++) {
      item(items.get(i), index("spec.limits", i), types, errs);
    }
  }

  private static void item(JsonNode limit, String path, Set<String> types, Errors errs) {
    String type = Nodes.str(limit, "type");
    typeName(type, child(path, "type"), errs);
    if (!types.add(type)) errs.duplicate(child(path, "type"), type);

    Set<String> keys = new TreeSet<>();
    Map<String, KubeQuantity> max = quantities(limit, "max", type, path, keys, errs);
    Map<String, KubeQuantity> min = quantities(limit, "min", type, path, keys, errs);
    Map<String, KubeQuantity> defaults = Map.of();
    Map<String, KubeQuantity> defaultRequests = Map.of();
    if (type.equals("Pod")) {
      if (!Json.isEmpty(limit.get("default"))) {
        errs.forbidden(child(path, "default"), "may not be specified when `type` is 'Pod'");
      }
      if (!Json.isEmpty(limit.get("defaultRequest"))) {
        errs.forbidden(child(path, "defaultRequest"), "may not be specified when `type` is 'Pod'");
      }
    } else {
      defaults = quantities(limit, "default", type, path, keys, errs);
      defaultRequests = quantities(limit, "defaultRequest", type, path, keys, errs);
    }
    if (type.equals("PersistentVolumeClaim") && !min.containsKey("storage") && !max.containsKey("storage")) {
      errs.required(child(path, "limits"), "either minimum or maximum storage value is required, but neither was "
          + "provided");
    }
    Map<String, KubeQuantity> ratios = quantities(limit, "maxLimitRequestRatio", type, path, keys, errs);

    for (String k : keys) {
      KubeQuantity minQ = min.get(k);
      KubeQuantity maxQ = max.get(k);
      KubeQuantity defaultQ = defaults.get(k);
      KubeQuantity defaultRequestQ = defaultRequests.get(k);
      KubeQuantity ratio = ratios.get(k);
      String defaultRequestPath = key(child(path, "defaultRequest"), k);
      if (minQ != null && maxQ != null && minQ.compareTo(maxQ) > 0) {
        errs.invalid(key(child(path, "min"), k), minQ, "min value " + minQ + " is greater than max value " + maxQ);
      }
      if (defaultRequestQ != null && minQ != null && minQ.compareTo(defaultRequestQ) > 0) {
        errs.invalid(defaultRequestPath, defaultRequestQ, "min value " + minQ
            + " is greater than default request value " + defaultRequestQ);
      }
      if (defaultRequestQ != null && maxQ != null && defaultRequestQ.compareTo(maxQ) > 0) {
        errs.invalid(defaultRequestPath, defaultRequestQ, "default request value " + defaultRequestQ
            + " is greater than max value " + maxQ);
      }
      if (defaultRequestQ != null && defaultQ != null && defaultRequestQ.compareTo(defaultQ) > 0) {
        errs.invalid(defaultRequestPath, defaultRequestQ, "default request value " + defaultRequestQ
            + " is greater than default limit value " + defaultQ);
      }
      // Go reports the min and the max as the bad values of default here.
      if (defaultQ != null && minQ != null && minQ.compareTo(defaultQ) > 0) {
        errs.invalid(key(child(path, "default"), k), minQ, "min value " + minQ + " is greater than default value "
            + defaultQ);
      }
      if (defaultQ != null && maxQ != null && defaultQ.compareTo(maxQ) > 0) {
        errs.invalid(key(child(path, "default"), k), maxQ, "default value " + defaultQ + " is greater than max value "
            + maxQ);
      }
      String ratioPath = key(child(path, "maxLimitRequestRatio"), k);
      if (ratio != null && ratio.amount().compareTo(BigDecimal.ONE) < 0) {
        errs.invalid(ratioPath, ratio, "ratio " + ratio + " is less than 1");
      }
      if (ratio != null && minQ != null && maxQ != null) {
        double ratioValue = ratio.value();
        long minValue = minQ.value();
        long maxValue = maxQ.value();
        if (ratio.value() < KubeQuantity.MAX_MILLI_VALUE && minValue < KubeQuantity.MAX_MILLI_VALUE
            && maxValue < KubeQuantity.MAX_MILLI_VALUE) {
          ratioValue = ratio.milliValue() / 1000.0;
          minValue = minQ.milliValue();
          maxValue = maxQ.milliValue();
        }
        double maxRatio = (double) maxValue / (double) minValue;
        if (ratioValue > maxRatio) {
          errs.invalid(ratioPath, ratio, "ratio " + ratio + " is greater than max/min = "
              + String.format(Locale.ROOT, "%f", maxRatio));
        }
      }
      if (!Resources.overcommitAllowed(k) && defaultQ != null && defaultRequestQ != null
          && defaultQ.compareTo(defaultRequestQ) != 0) {
        errs.invalid(defaultRequestPath, defaultRequestQ, "default value " + defaultQ
            + " must equal to defaultRequest value " + defaultRequestQ + " in " + k);
      }
    }
  }

  /** validateLimitRangeTypeName. */
  private static void typeName(String type, String path, Errors errs) {
    int before = errs.size();
    errs.invalidEach(path, type, Formats.qualifiedName(type));
    if (errs.size() > before) return;
    if (!type.contains("/") && !STANDARD_TYPES.contains(type)) {
      errs.invalid(path, type, "must be a standard limit type or fully qualified");
    }
  }

  /** One map of the item with its resource names checked (validateLimitRangeResourceName) and added to keys. */
  private static Map<String, KubeQuantity> quantities(JsonNode limit, String field, String type, String path,
      Set<String> keys, Errors errs) {
    Map<String, KubeQuantity> found = new LinkedHashMap<>();
    JsonNode map = Nodes.get(limit, field);
    if (!map.isObject()) return found;
    map.fields().forEachRemaining(e -> {
      String at = key(child(path, field), e.getKey());
      if (type.equals("Pod") || type.equals("Container")) {
        Resources.containerResourceName(e.getKey(), at, errs);
      } else {
        Resources.resourceName(e.getKey(), at, errs);
      }
      keys.add(e.getKey());
      KubeQuantity quantity = KubeQuantity.parse(e.getValue().asText());
      if (quantity != null) found.put(e.getKey(), quantity);
    });
    return found;
  }
}
