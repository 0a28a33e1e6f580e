package io.drover.sim.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * How the values of a distribution fall into buckets, for a bar chart. Values spanning more than {@link #LOG_RATIO}
 * (and all positive) get logarithmic buckets, 10, 5, 2 or 1 per decade (at most {@link #MAX_BUCKETS}); others get
 * about 30 linear buckets of a round width (1, 2 or 5 times a power of ten).
 *
 * @param logBuckets whether bucket widths grow by a constant factor
 * @param edges the buckets' bounds as printed, one more than the buckets: bucket i holds edges[i] <= v < edges[i+1]
 * @param counts how many values fall into each bucket
 */
record Histogram(boolean logBuckets, List<String> edges, long[] counts) {
  static final double LOG_RATIO = 20;
  static final int MAX_BUCKETS = 40;
  private static final int LINEAR_BUCKETS = 30;
  private static final double EPSILON = 1e-9;

  static Histogram of(double[] sorted) {
    if (sorted.length == 0) return new Histogram(false, List.of(), new long[0]);
    double min = sorted[0];
    double max = sorted[sorted.length - 1];
    return min > 0 && max / min > LOG_RATIO ? logarithmic(sorted, min, max) : linear(sorted, min, max);
  }

  private static Histogram logarithmic(double[] sorted, double min, double max) {
    int perDecade = 10;
    while (perDecade > 1 && logIndex(max, perDecade) - logIndex(min, perDecade) + 1 > MAX_BUCKETS) {
      perDecade = perDecade == 10 ? 5 : perDecade == 5 ? 2 : 1;
    }
    int first = logIndex(min, perDecade);
    long[] counts = new long[logIndex(max, perDecade) - first + 1];
    for (double v : sorted) {
      counts[logIndex(v, perDecade) - first]++;
    }
    List<String> edges = new ArrayList<>();
    for (int i = 0; i <= counts.length; i++) {
      edges.add(significant(Math.pow(10, (double) (first + i) / perDecade)));
    }
    return new Histogram(true, edges, counts);
  }

  private static int logIndex(double v, int perDecade) {
    return (int) Math.floor(Math.log10(v) * perDecade + EPSILON);
  }

  private static Histogram linear(double[] sorted, double min, double max) {
    double width = max > min ? roundUp((max - min) / LINEAR_BUCKETS) : roundUp(Math.max(Math.abs(min), 1) / 10);
    double start = Math.floor(min / width + EPSILON) * width;
    long[] counts = new long[(int) Math.floor((max - start) / width + EPSILON) + 1];
    for (double v : sorted) {
      counts[Math.min(counts.length - 1, (int) Math.floor((v - start) / width + EPSILON))]++;
    }
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(width)));
    List<String> edges = new ArrayList<>();
    for (int i = 0; i <= counts.length; i++) {
      edges.add(BigDecimal.valueOf(start + i * width).setScale(decimals, RoundingMode.HALF_EVEN)
          .toPlainString());
    }
    return new Histogram(false, edges, counts);
  }

  /** The smallest of 1, 2, 5 times a power of ten that is at least x (> 0). */
  static double roundUp(double x) {
    double power = Math.pow(10, Math.floor(Math.log10(x)));
    double f = x / power;
    return (f <= 1 + EPSILON ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
  }

  /** A value rounded to three significant digits, without exponent or trailing zeros: 1.26, 1000, 0.0125. */
  static String significant(double v) {
    if (v == 0) return "0";
    BigDecimal rounded = new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros();
    return rounded.scale() < 0 ? rounded.setScale(0).toPlainString() : rounded.toPlainString();
  }

  /**
   * Points (value, percent of values at or below it) of the empirical CDF, at most {@code maxPoints} of them taken
   * at evenly spaced ranks; the last is always (max, 100).
   */
  static List<double[]> cdf(double[] sorted, int maxPoints) {
    int n = sorted.length;
    int points = Math.min(n, maxPoints);
    List<double[]> cdf = new ArrayList<>(points);
    for (int j = 1; j <= points; j++) {
      int rank = (int) ((j * (long) n + points - 1) / points);
      cdf.add(new double[] {sorted[rank - 1], 100.0 * rank / n});
    }
    return cdf;
  }
}
