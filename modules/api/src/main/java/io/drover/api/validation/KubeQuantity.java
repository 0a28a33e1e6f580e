package io.drover.api.validation;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A quantity as k8s.io/apimachinery's {@code resource.Quantity} holds one, for messages that print quantities the
 * way kube-apiserver does: parsed as {@code ParseQuantity} parses (its int64 fast path keeps the given string when
 * that is already canonical, "500m", "1Gi"), printed as {@code String()} prints ("1000m" as "1", "1.5" as "1500m",
 * "1024Mi" as "1Gi"), and rendered as Go's {@code %#v} renders the struct, which is how a field error shows a
 * Quantity it was given by value ({@code Quantity.String} has a pointer receiver, so the value is no Stringer).
 * Immutable; {@link #plus} is {@code Quantity.Add} on a copy.
 */
final class KubeQuantity implements Comparable<KubeQuantity> {
  /** resource.Format. */
  enum Format { DecimalExponent, BinarySI, DecimalSI }

  /** resource.MaxMilliValue: the largest value whose milli-value fits an int64. */
  static final long MAX_MILLI_VALUE = Long.MAX_VALUE / 1000;

  /** The zero Quantity{} that a missing request or limit compares as. */
  static final KubeQuantity ZERO = new KubeQuantity(BigDecimal.ZERO, Format.DecimalSI, "", 0L, 0);

  private static final Map<String, Integer> DECIMAL_SUFFIXES = Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3,
      "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY_SUFFIXES = Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40,
      "Pi", 50, "Ei", 60);
  private static final BigDecimal MAX_ALLOWED = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final BigDecimal MIN_LONG = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal NANO = BigDecimal.ONE.movePointLeft(9);
  private static final BigDecimal LARGEST = BigDecimal.ONE.scaleByPowerOfTen(40);

  private final BigDecimal amount;
  private final Format format;
  /** Go's cached string {@code s}: "" when String() computes the canonical form. */
  private final String cached;
  /** The int64Amount {value, scale} of the fast path; null when Go holds the amount as an inf.Dec. */
  private final Long int64Value;
  private final int int64Scale;

  private KubeQuantity(BigDecimal amount, Format format, String cached, Long int64Value, int int64Scale) {
    this.amount = amount;
    this.format = format;
    this.cached = cached;
    this.int64Value = int64Value;
    this.int64Scale = int64Scale;
  }

  /** ParseQuantity; null when Go would refuse the string. */
  static KubeQuantity parse(String str) {
    if (str == null || str.isEmpty()) return null;
    if (str.equals("0")) return new KubeQuantity(BigDecimal.ZERO, Format.DecimalSI, "0", 0L, 0);
    int end = str.length();
    int pos = 0;
    boolean positive = true;
    if (str.charAt(0) == '-' || str.charAt(0) == '+') {
      positive = str.charAt(0) == '+';
      pos++;
    }
    while (pos < end && str.charAt(pos) == '0') pos++;
    String num;
    String denom = "";
    String suffix;
    if (pos >= end) {
      num = "0";
      suffix = "";
    } else {
      int start = pos;
      while (pos < end && isDigit(str.charAt(pos))) pos++;
      num = pos == start ? "0" : str.substring(start, pos);
      if (pos < end && str.charAt(pos) == '.') {
        int denomStart = ++pos;
        while (pos < end && isDigit(str.charAt(pos))) pos++;
        denom = str.substring(denomStart, pos);
      }
      suffix = str.substring(pos);
    }
    int base;
    int exponent;
    Format format;
    if (DECIMAL_SUFFIXES.containsKey(suffix)) {
      base = 10;
      exponent = DECIMAL_SUFFIXES.get(suffix);
      format = Format.DecimalSI;
    } else if (BINARY_SUFFIXES.containsKey(suffix)) {
      base = 2;
      exponent = BINARY_SUFFIXES.get(suffix);
      format = Format.BinarySI;
    } else if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')
        && suffix.substring(1).matches("[-+]?[0-9]+")) {
      base = 10;
      try {
        exponent = Integer.parseInt(suffix.substring(1));
      } catch (NumberFormatException e) {
        return null;
      }
      format = Format.DecimalExponent;
    } else {
      return null;
    }

    // The fast path: an int64 mantissa at a scale no finer than nano.
    int precision;
    int scale = 0;
    long mantissa = 1;
    if (format == Format.BinarySI) {
      if (denom.isEmpty()) {
        mantissa = 1L << exponent;
        precision = 15 - num.length() - (int) ((float) exponent * 3 / 10) - 1;
      } else {
        precision = -1;
      }
    } else {
      scale = exponent;
      precision = 18 - (num.length() + denom.length());
    }
    if (precision >= 0) {
      scale -= denom.length();
      if (scale >= -9) {
        String shifted = num + denom;
        long value = Long.parseLong(shifted);
        Long product = value <= Long.MAX_VALUE / mantissa ? value * mantissa : null;
        if (product != null) {
          long result = positive ? product : -product;
          boolean canonical = format == Format.BinarySI
              ? exponent % 10 == 0 && (value & 0x07) != 0
              : scale % 3 == 0 && !shifted.endsWith("000") && shifted.charAt(0) != '0';
          return new KubeQuantity(bounded(BigDecimal.valueOf(result, -scale)), format, canonical ? str : "", result,
              scale);
        }
      }
    }

    // The slow path (inf.Dec): rounded up to nano, binary capped at the int64 maximum.
    BigDecimal amount;
    try {
      amount = new BigDecimal(num + (denom.isEmpty() ? "" : "." + denom));
      amount = base == 10 ? amount.scaleByPowerOfTen(exponent)
          : amount.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(exponent)));
    } catch (ArithmeticException scaleOverflow) {
      return null;
    }
    if (amount.signum() != 0 && amount.scale() > 9) {
      // Below a nano it is one nano; rounded directly, a scale of a billion would take a billion-digit division.
      amount = magnitude(amount) <= -9 ? NANO : amount.setScale(9, RoundingMode.UP);
    }
    amount = bounded(amount);
    if (format == Format.BinarySI && amount.compareTo(MAX_ALLOWED) > 0) amount = MAX_ALLOWED;
    if (format == Format.BinarySI && amount.signum() > 0 && amount.compareTo(BigDecimal.ONE) < 0) {
      format = Format.DecimalSI;
    }
    return new KubeQuantity(positive ? amount : amount.negate(), format, "", null, 0);
  }

  /**
   * Amounts beyond 10^40 (far past any int64) are held as 10^40, so that sums and integer values stay cheap
   * whatever exponent a client writes ("1e999999999"); the string printed is still the one given when canonical.
   */
  private static BigDecimal bounded(BigDecimal amount) {
    if (magnitude(amount) <= 40) return amount;
    return amount.signum() > 0 ? LARGEST : LARGEST.negate();
  }

  /** The number of digits before the decimal point (negative for leading zeros after it). */
  private static int magnitude(BigDecimal amount) {
    return amount.precision() - amount.scale();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  BigDecimal amount() {
    return amount;
  }

  boolean isZero() {
    return amount.signum() == 0;
  }

  /** Quantity.Value: the amount rounded up to an integer (past the int64 range, its end). */
  long value() {
    return saturated(amount);
  }

  /** Quantity.MilliValue: the amount in thousandths, rounded up (past the int64 range, its end). */
  long milliValue() {
    return saturated(amount.movePointRight(3));
  }

  private static long saturated(BigDecimal amount) {
    BigDecimal integer = amount.setScale(0, RoundingMode.CEILING);
    if (integer.compareTo(MAX_ALLOWED) > 0) return Long.MAX_VALUE;
    if (integer.compareTo(MIN_LONG) < 0) return Long.MIN_VALUE;
    return integer.longValueExact();
  }

  /** Quantity.Add on a copy: the sum keeps this quantity's format (the other's when this is zero). */
  KubeQuantity plus(KubeQuantity other) {
    return new KubeQuantity(amount.add(other.amount), isZero() ? other.format : format, "", null, 0);
  }

  @Override
  public int compareTo(KubeQuantity other) {
    return amount.compareTo(other.amount);
  }

  /** Quantity.String: the string it was parsed from when that was canonical, else the canonical form. */
  @Override
  public String toString() {
    return cached.isEmpty() ? canonical() : cached;
  }

  /** Quantity.CanonicalizeBytes. */
  String canonical() {
    if (isZero()) return "0";
    Format shown = format;
    if (shown == Format.BinarySI) {
      boolean small = amount.compareTo(BigDecimal.valueOf(-1024)) > 0 && amount.compareTo(BigDecimal.valueOf(1024)) < 0;
      if (small || amount.stripTrailingZeros().scale() > 0) shown = Format.DecimalSI;
    }
    if (shown == Format.BinarySI) {
      BigInteger value = amount.toBigIntegerExact();
      BigInteger unit = BigInteger.valueOf(1024);
      int exponent = 0;
      while (value.abs().compareTo(unit) >= 0 && value.mod(unit).signum() == 0) {
        value = value.divide(unit);
        exponent += 10;
      }
      return value + suffix(BINARY_SUFFIXES, exponent);
    }
    BigDecimal stripped = amount.stripTrailingZeros();
    BigInteger mantissa = stripped.unscaledValue();
    int exponent = -stripped.scale();
    int off = Math.floorMod(exponent, 3);
    mantissa = mantissa.multiply(BigInteger.TEN.pow(off));
    exponent -= off;
    if (shown == Format.DecimalExponent) return mantissa + (exponent == 0 ? "" : "e" + exponent);
    return mantissa + suffix(DECIMAL_SUFFIXES, exponent);
  }

  /** The suffix of an exponent; none past the table, as Go's suffixer answers. */
  private static String suffix(Map<String, Integer> suffixes, int exponent) {
    for (Map.Entry<String, Integer> e : suffixes.entrySet()) {
      if (e.getValue() == exponent) return e.getKey();
    }
    return "";
  }

  /**
   * Go's {@code %#v} of the struct, as a field error prints a Quantity bad value. An amount Go holds as an inf.Dec
   * prints a pointer there, which no client can rely on; a fixed one stands in for it.
   */
  String goSyntax() {
    String i = int64Value == null ? "resource.int64Amount{value:0, scale:0}"
        : "resource.int64Amount{value:" + int64Value + ", scale:" + int64Scale + "}";
    String d = int64Value == null ? "(*inf.Dec)(0xc000010000)" : "(*inf.Dec)(nil)";
    return "resource.Quantity{i:" + i + ", d:resource.infDecAmount{Dec:" + d + "}, s:\"" + cached + "\", Format:\""
        + format + "\"}";
  }
}
