package io.drover.control.scheduler;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Reads Kubernetes resource quantities ("100m", "1.5", "128Mi", "1e3", "2G") the way the scheduler consumes
 * them: {@code MilliValue()} for cpu and {@code Value()} for everything else, both rounded up like
 * k8s.io/apimachinery's resource.Quantity.
 */
final class Quantities {
  private Quantities() {}

  /** The value in thousandths, rounded up (cpu millis). */
  static long milliValue(String quantity) {
    return ceil(parse(quantity).movePointRight(3));
  }

  /** The value, rounded up to a whole number (bytes, pod counts). */
  static long value(String quantity) {
    return ceil(parse(quantity));
  }

  private static long ceil(BigDecimal value) {
    return value.setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** @throws IllegalArgumentException when the text is not a quantity */
  static BigDecimal parse(String quantity) {
    String text = quantity == null ? "" : quantity.trim();
    int end = 0;
    while (end < text.length() && "+-.0123456789".indexOf(text.charAt(end)) >= 0) end++;
    if (end == 0) throw new IllegalArgumentException("quantities must match the regular expression: " + quantity);
    BigDecimal number;
    try {
      number = new BigDecimal(text.substring(0, end));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("quantities must match the regular expression: " + quantity, e);
    }
    String suffix = text.substring(end);
    return switch (suffix) {
      case "" -> number;
      case "Ki" -> number.multiply(BigDecimal.valueOf(1L << 10));
      case "Mi" -> number.multiply(BigDecimal.valueOf(1L << 20));
      case "Gi" -> number.multiply(BigDecimal.valueOf(1L << 30));
      case "Ti" -> number.multiply(BigDecimal.valueOf(1L << 40));
      case "Pi" -> number.multiply(BigDecimal.valueOf(1L << 50));
      case "Ei" -> number.multiply(BigDecimal.valueOf(1L << 60));
      case "n" -> number.movePointLeft(9);
      case "u" -> number.movePointLeft(6);
      case "m" -> number.movePointLeft(3);
      case "k" -> number.movePointRight(3);
      case "M" -> number.movePointRight(6);
      case "G" -> number.movePointRight(9);
      case "T" -> number.movePointRight(12);
      case "P" -> number.movePointRight(15);
      case "E" -> number.movePointRight(18);
      default -> exponent(number, suffix, quantity);
    };
  }

  private static BigDecimal exponent(BigDecimal number, String suffix, String quantity) {
    if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
      try {
        return number.movePointRight(Integer.parseInt(suffix.substring(1)));
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException("unable to parse quantity's suffix: " + quantity);
  }
}
