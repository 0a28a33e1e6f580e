package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;

/** The pod's QoS class (v1qos.GetPodQOS) for cpu and memory, used when the API server has not set it. */
final class QosClass {
  private QosClass() {}

  static String of(JsonNode spec) {
    boolean any = false;
    boolean guaranteed = true;
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode c : spec.path(list)) {
        for (String resource : List.of("cpu", "memory")) {
          BigDecimal limit = amount(c.path("resources").path("limits").get(resource));
          BigDecimal request = amount(c.path("resources").path("requests").get(resource));
          if (request == null) request = limit; // API defaulting copies limits into unset requests
          if (limit != null || (request != null && request.signum() > 0)) any = true;
          if (limit == null || request == null || request.compareTo(limit) != 0) guaranteed = false;
        }
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  private static BigDecimal amount(JsonNode quantity) {
    return quantity == null || quantity.isNull() ? null : DownwardApi.amount(quantity.asText());
  }
}
