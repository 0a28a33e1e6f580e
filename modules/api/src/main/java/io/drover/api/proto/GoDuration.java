package io.drover.api.proto;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's time.Duration text ("1h0m0s", "1.5s", "300ms"), which is how meta/v1 Duration appears in JSON. */
final class GoDuration {
  private GoDuration() {}

  private static final long MICRO = 1_000L;
  private static final long MILLI = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;

  private static final Map<String, Long> UNITS = Map.of("ns", 1L, "us", MICRO, "µs", MICRO, "μs", MICRO,
      "ms", MILLI, "s", SECOND, "m", MINUTE, "h", HOUR);
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

  /** As Go's Duration.String(). */
  static String format(long nanos) {
    if (nanos == 0) return "0s";
    String sign = nanos < 0 ? "-" : "";
    long u = Math.abs(nanos);
    if (u < MICRO) return sign + u + "ns";
    if (u < MILLI) return sign + decimal(u, 3) + "µs";
    if (u < SECOND) return sign + decimal(u, 6) + "ms";
    StringBuilder text = new StringBuilder(sign);
    long hours = u / HOUR;
    long minutes = u % HOUR / MINUTE;
    if (hours > 0) text.append(hours).append('h');
    if (hours > 0 || minutes > 0) text.append(minutes).append('m');
    return text.append(decimal(u % MINUTE, 9)).append('s').toString();
  }

  /** As Go's time.ParseDuration; null when the text is not a duration. */
  static Long parse(String text) {
    String s = text;
    boolean negative = false;
    if (s.startsWith("-") || s.startsWith("+")) {
      negative = s.startsWith("-");
      s = s.substring(1);
    }
    if (s.equals("0")) return 0L;
    if (s.isEmpty()) return null;
    Matcher m = PART.matcher(s);
    BigDecimal total = BigDecimal.ZERO;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) return null;
      total = total.add(new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1))
          .multiply(BigDecimal.valueOf(UNITS.get(m.group(2)))));
      at = m.end();
    }
    long nanos = total.longValue();
    return negative ? -nanos : nanos;
  }

  /** {@code value / 10^digits} with the fraction's trailing zeros dropped, e.g. 1500000 with 6 gives "1.5". */
  private static String decimal(long value, int digits) {
    long scale = (long) Math.pow(10, digits);
    String fraction = String.format("%0" + digits + "d", value % scale).replaceAll("0+$", "");
    return (value / scale) + (fraction.isEmpty() ? "" : "." + fraction);
  }
}
