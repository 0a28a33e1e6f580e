package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.ToLongFunction;

/**
 * The compute resources a pod asks for, aggregated with the rules of k8s.io/component-helpers resource.PodRequests:
 * app containers (and restartable "sidecar" init containers) run together, so they add up; an ordinary init
 * container runs alone next to the sidecars started before it, so the pod needs the maximum of the two; pod
 * overhead is added on top.
 */
public record Requests(long cpuMillis, long memoryBytes, long ephemeralStorageBytes) {
  public static final Requests ZERO = new Requests(0, 0, 0);

  /** The scheduler's stand-ins for a container without a cpu or memory request (schedutil.DefaultMilliCPURequest...). */
  static final long DEFAULT_CPU_MILLIS = 100;
  static final long DEFAULT_MEMORY_BYTES = 200L * 1024 * 1024;

  /** Requests for filtering: a missing request counts as 0. Limits stand in for absent requests (API defaulting). */
  public static Requests of(JsonNode podSpec) {
    return aggregate(podSpec, false);
  }

  /**
   * Requests for scoring (NonZeroRequested): a container without a cpu or memory request counts as 100m cpu and
   * 200Mi memory, so that many request-less pods do not all land on the emptiest-looking node.
   */
  public static Requests nonZeroOf(JsonNode podSpec) {
    return aggregate(podSpec, true);
  }

  public Requests plus(Requests other) {
    return new Requests(cpuMillis + other.cpuMillis, memoryBytes + other.memoryBytes,
        ephemeralStorageBytes + other.ephemeralStorageBytes);
  }

  public Requests minus(Requests other) {
    return new Requests(cpuMillis - other.cpuMillis, memoryBytes - other.memoryBytes,
        ephemeralStorageBytes - other.ephemeralStorageBytes);
  }

  public Requests max(Requests other) {
    return new Requests(Math.max(cpuMillis, other.cpuMillis), Math.max(memoryBytes, other.memoryBytes),
        Math.max(ephemeralStorageBytes, other.ephemeralStorageBytes));
  }

  public boolean isZero() {
    return cpuMillis == 0 && memoryBytes == 0 && ephemeralStorageBytes == 0;
  }

  /** cpu, memory and ephemeral-storage of a ResourceList object ({@code {"cpu": "100m", ...}}); absent = 0. */
  public static Requests ofResourceList(JsonNode list) {
    return new Requests(
        quantity(list, "cpu", Quantities::milliValue),
        quantity(list, "memory", Quantities::value),
        quantity(list, "ephemeral-storage", Quantities::value));
  }

  private static Requests aggregate(JsonNode spec, boolean nonZero) {
    if (spec == null) return ZERO;
    Requests sum = ZERO;
    for (JsonNode container : spec.path("containers")) {
      sum = sum.plus(container(container, nonZero));
    }
    Requests sidecars = ZERO;
    Requests initMax = ZERO;
    for (JsonNode container : spec.path("initContainers")) {
      Requests requests = container(container, nonZero);
      if ("Always".equals(container.path("restartPolicy").asText())) {
        sum = sum.plus(requests);
        sidecars = sidecars.plus(requests);
        initMax = initMax.max(sidecars);
      } else {
        initMax = initMax.max(requests.plus(sidecars));
      }
    }
    return sum.max(initMax).plus(ofResourceList(spec.path("overhead")));
  }

  private static Requests container(JsonNode container, boolean nonZero) {
    JsonNode requests = container.path("resources").path("requests");
    JsonNode limits = container.path("resources").path("limits");
    long cpu = request(requests, limits, "cpu", Quantities::milliValue, nonZero ? DEFAULT_CPU_MILLIS : 0);
    long memory = request(requests, limits, "memory", Quantities::value, nonZero ? DEFAULT_MEMORY_BYTES : 0);
    long storage = request(requests, limits, "ephemeral-storage", Quantities::value, 0);
    return new Requests(cpu, memory, storage);
  }

  private static long request(JsonNode requests, JsonNode limits, String name, ToLongFunction<String> read,
      long missing) {
    if (requests.hasNonNull(name)) return read.applyAsLong(requests.get(name).asText());
    if (limits.hasNonNull(name)) return read.applyAsLong(limits.get(name).asText());
    return missing;
  }

  private static long quantity(JsonNode list, String name, ToLongFunction<String> read) {
    JsonNode value = list == null ? null : list.get(name);
    return value == null || value.isNull() ? 0 : read.applyAsLong(value.asText());
  }
}
