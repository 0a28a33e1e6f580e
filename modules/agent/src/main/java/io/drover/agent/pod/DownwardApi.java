package io.drover.agent.pod;

import io.drover.api.validation.Formats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.fabric8.kubernetes.api.model.Quantity;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Values the downward API exposes (kubelet's podFieldSelectorRuntimeValue and ExtractContainerResourceValue). */
public final class DownwardApi {
  private DownwardApi() {}

  /** What the node offers; stands in for a container limit that is not set, as kubelet does. */
  public record Allocatable(long cpuMillis, long memoryBytes, long ephemeralStorageBytes) {
    /** This host's processors and physical memory, and its root file system for ephemeral storage. */
    public static Allocatable ofHost() {
      long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
          ? os.getTotalMemorySize() : Runtime.getRuntime().maxMemory();
      long disk = new java.io.File("/").getTotalSpace();
      return new Allocatable(Runtime.getRuntime().availableProcessors() * 1000L, memory, disk);
    }
  }

  /** The value of a fieldRef.fieldPath; podIP and hostIP are the agent's, the pod's status may not have them yet. */
  public static String fieldValue(ObjectNode pod, String fieldPath, String podIP, String hostIP)
      throws PodConfigException {
    String subscript = subscript(fieldPath);
    if (subscript != null) {
      String map = fieldPath.substring(0, fieldPath.indexOf("['"));
      if (map.equals("metadata.labels") || map.equals("metadata.annotations")) {
        JsonNode entries = Json.at(pod, map);
        JsonNode entry = entries == null ? null : entries.get(subscript);
        return entry == null || entry.isNull() ? "" : entry.asText();
      }
    }
    return switch (fieldPath) {
      case "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName" ->
          orEmpty(Json.text(pod, fieldPath));
      case "metadata.labels", "metadata.annotations" -> formatMap(Json.at(pod, fieldPath));
      case "status.podIP", "status.podIPs" -> orEmpty(podIP);
      case "status.hostIP", "status.hostIPs" -> orEmpty(hostIP);
      default -> throw new PodConfigException(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR,
          "unsupported fieldPath: " + fieldPath);
    };
  }

  /**
   * The value of a resourceFieldRef ({resource, containerName?, divisor?}) for defaultContainer, rounded up to whole
   * divisors. An unset limit is the node's allocatable; an unset request is the limit given, else 0.
   */
  public static String resourceValue(ObjectNode pod, ObjectNode defaultContainer, JsonNode ref, Allocatable node)
      throws PodConfigException {
    String resource = Json.text(ref, "resource");
    String containerName = Json.text(ref, "containerName");
    JsonNode container = containerName == null || containerName.isEmpty() ? defaultContainer
        : findContainer(pod, containerName);
    if (container == null) {
      throw new PodConfigException(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR,
          "cannot find container named \"" + containerName + "\"");
    }
    String divisorText = Json.text(ref, "divisor");
    BigDecimal divisor = divisorText == null || divisorText.isEmpty() ? BigDecimal.ONE : amount(divisorText);
    if (divisor.signum() == 0) divisor = BigDecimal.ONE;
    String[] parts = resource == null ? new String[0] : resource.split("\\.", 2);
    if (parts.length != 2 || !(parts[0].equals("limits") || parts[0].equals("requests"))) {
      throw unsupported(resource);
    }
    BigDecimal limit = quantity(container, "limits", parts[1]);
    BigDecimal value = parts[0].equals("limits") ? limit : quantity(container, "requests", parts[1]);
    if (value == null && parts[0].equals("requests")) value = limit == null ? BigDecimal.ZERO : limit;
    return switch (parts[1]) {
      case "cpu" -> {
        BigDecimal millis = value != null ? value.movePointRight(3) : BigDecimal.valueOf(node.cpuMillis());
        yield ceilDivide(millis.setScale(0, RoundingMode.CEILING),
            divisor.movePointRight(3).setScale(0, RoundingMode.CEILING));
      }
      case "memory", "ephemeral-storage" -> {
        long fallback = parts[1].equals("memory") ? node.memoryBytes() : node.ephemeralStorageBytes();
        BigDecimal bytes = value != null ? value : BigDecimal.valueOf(fallback);
        yield ceilDivide(bytes.setScale(0, RoundingMode.CEILING), divisor.setScale(0, RoundingMode.CEILING));
      }
      default -> throw unsupported(resource);
    };
  }

  /** Kubelet's FormatMap: {@code key="value"} lines sorted by key, Go-quoted, without a trailing newline. */
  public static String formatMap(JsonNode map) {
    if (map == null || !map.isObject()) return "";
    Map<String, String> sorted = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      sorted.put(e.getKey(), e.getValue().asText());
    }
    List<String> lines = new ArrayList<>();
    sorted.forEach((k, v) -> lines.add(k + "=" + Formats.quote(v)));
    return String.join("\n", lines);
  }

  static ObjectNode findContainer(ObjectNode pod, String name) {
    for (String list : List.of("containers", "initContainers")) {
      JsonNode containers = Json.at(pod, "spec." + list);
      if (containers == null) continue;
      for (JsonNode c : containers) {
        if (name.equals(c.path("name").asText()) && c instanceof ObjectNode o) return o;
      }
    }
    return null;
  }

  static BigDecimal amount(String quantity) {
    return new Quantity(quantity).getNumericalAmount();
  }

  private static BigDecimal quantity(JsonNode container, String kind, String resource) {
    JsonNode q = container.path("resources").path(kind).get(resource);
    return q == null || q.isNull() ? null : amount(q.asText());
  }

  private static String ceilDivide(BigDecimal value, BigDecimal divisor) {
    return value.divide(divisor, 0, RoundingMode.CEILING).toPlainString();
  }

  /** The key in {@code metadata.labels['key']}, or null when the path has no subscript. */
  private static String subscript(String fieldPath) {
    int open = fieldPath.indexOf("['");
    if (open < 0 || !fieldPath.endsWith("']")) return null;
    return fieldPath.substring(open + 2, fieldPath.length() - 2);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static PodConfigException unsupported(String resource) {
    return new PodConfigException(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR,
        "unsupported container resource : " + resource);
  }
}
