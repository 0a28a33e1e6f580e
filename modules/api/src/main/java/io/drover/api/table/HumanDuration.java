package io.drover.api.table;

import java.time.Duration;
import java.time.Instant;

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration: ages as kubectl prints them ("5s", "3m20s", "2d3h", "2y"). */
public final class HumanDuration {
  private HumanDuration() {}

  /** About two or three significant figures; up to a second in the future reads "0s", more is "<invalid>". */
  public static String format(Duration d) {
    // Go converts to whole units by truncating toward zero.
    long seconds = d.getSeconds() < 0 && d.getNano() > 0 ? d.getSeconds() + 1 : d.getSeconds();
    if (seconds < -1) return "<invalid>";
    if (seconds < 0) return "0s";
    if (seconds < 60 * 2) return seconds + "s";
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    }
    if (minutes < 60 * 3) return minutes + "m";
    long hours = seconds / 3600;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    }
    if (hours < 48) return hours + "h";
    if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    }
    if (hours < 24 * 365 * 2) return hours / 24 + "d";
    if (hours < 24 * 365 * 8) {
      long days = hours / 24 % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return hours / 24 / 365 + "y";
  }

  /** The age of a timestamp at {@code now}; "<unknown>" when there is no timestamp (translateTimestampSince). */
  public static String since(Instant timestamp, Instant now) {
    return timestamp == null ? "<unknown>" : format(Duration.between(timestamp, now));
  }
}
