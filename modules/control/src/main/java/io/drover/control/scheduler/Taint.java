package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A node taint ({@code spec.taints[]}). Effects: NoSchedule, PreferNoSchedule, NoExecute. */
public record Taint(String key, String value, String effect) {
  public static final String NO_SCHEDULE = "NoSchedule";
  public static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";
  public static final String NO_EXECUTE = "NoExecute";

  public static List<Taint> listOf(JsonNode taints) {
    List<Taint> result = new ArrayList<>();
    if (taints != null) {
      for (JsonNode taint : taints) {
        result.add(new Taint(taint.path("key").asText(""), taint.path("value").asText(""),
            taint.path("effect").asText("")));
      }
    }
    return List.copyOf(result);
  }
}
