package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A pod toleration ({@code spec.tolerations[]}); an empty operator means Equal. */
public record Toleration(String key, String operator, String value, String effect) {

  /** v1.Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists every key. */
  public boolean tolerates(Taint taint) {
    if (!effect.isEmpty() && !effect.equals(taint.effect())) return false;
    if (!key.isEmpty() && !key.equals(taint.key())) return false;
    return switch (operator) {
      case "", "Equal" -> value.equals(taint.value());
      case "Exists" -> true;
      default -> false;
    };
  }

  public static boolean anyTolerates(List<Toleration> tolerations, Taint taint) {
    for (Toleration toleration : tolerations) {
      if (toleration.tolerates(taint)) return true;
    }
    return false;
  }

  public static List<Toleration> listOf(JsonNode tolerations) {
    List<Toleration> result = new ArrayList<>();
    if (tolerations != null) {
      for (JsonNode t : tolerations) {
        result.add(new Toleration(t.path("key").asText(""), t.path("operator").asText(""),
            t.path("value").asText(""), t.path("effect").asText("")));
      }
    }
    return List.copyOf(result);
  }
}
