package io.drover.sim.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.util.StdConverter;
import io.drover.sim.Figures;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one simulation run, as a scenario fills them in: written as JSON with {@code Json.MAPPER} and
 * shown as a page by {@link HtmlReport}. Null lists and maps are taken as empty; settings keep their order.
 *
 * @param title what ran, e.g. "10000 pods on 500 nodes"
 * @param description a sentence or two on what the scenario does and checks (plain text, line breaks kept)
 * @param startedAt when the run started (ISO-8601 in JSON)
 * @param summary headline figures, one table row each
 * @param series values over time, e.g. pods bound per second; charted together per unit
 * @param distributions measured values such as latencies, shown as histogram and CDF with percentiles
 * @param invariants what must hold for the run to be correct
 * @param settings the scenario's parameters and environment (nodes, pods, JVM, commit, ...)
 */
public record Report(String title, String description,
    @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(converter = InstantParser.class)
    Instant startedAt,
    List<Figure> summary, List<Series> series, List<Distribution> distributions, List<Check> invariants,
    Map<String, String> settings) {

  public Report {
    summary = listOf(summary);
    series = listOf(series);
    distributions = listOf(distributions);
    invariants = listOf(invariants);
    settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  /** Whether every invariant holds (true when there are none). */
  public boolean correct() {
    return invariants.stream().allMatch(Check::ok);
  }

  /** One headline figure, e.g. ("pods bound per second", "1250.5", "1/s"); the value is shown as given. */
  public record Figure(String name, String value, String unit) {}

  /** A value over the run's time, e.g. "journal events per second"; series of one unit share a chart. */
  public record Series(String name, String unit, List<Point> points) {
    public Series {
      points = listOf(points);
    }

    /**
     * Events per second in consecutive buckets of {@code bucketSeconds} from 0 to the last event, each point at
     * its bucket's end: for instance the seconds since the start at which each pod was bound.
     */
    public static Series perSecond(String name, double[] eventSeconds, double bucketSeconds) {
      if (!(bucketSeconds > 0)) throw new IllegalArgumentException("bucketSeconds must be positive");
      double last = Arrays.stream(eventSeconds).max().orElse(0);
      int[] counts = new int[(int) Math.floor(Math.max(0, last) / bucketSeconds) + 1];
      for (double at : eventSeconds) {
        counts[(int) Math.floor(Math.max(0, at) / bucketSeconds)]++;
      }
      Point[] points = new Point[counts.length];
      for (int i = 0; i < counts.length; i++) {
        points[i] = new Point((i + 1) * bucketSeconds, counts[i] / bucketSeconds);
      }
      return new Series(name, "1/s", List.of(points));
    }
  }

  /** A value at some seconds since the start of the run. */
  public record Point(double seconds, double value) {}

  /**
   * Measured values of one kind, e.g. create -> bound latencies in "ms". The values are kept sorted (a sorted copy
   * of those given; their order carries no meaning) and must be finite. Percentiles are nearest-rank, as
   * {@link Figures#percentile(double[], double)}, and appear in the JSON beside the values; they are 0 when there
   * are no values.
   */
  public record Distribution(String name, String unit, double[] values) {
    public Distribution {
      values = values == null ? new double[0] : values.clone();
      Arrays.sort(values);
      if (values.length > 0 && !(Double.isFinite(values[0]) && Double.isFinite(values[values.length - 1]))) {
        throw new IllegalArgumentException("values of " + name + " must be finite");
      }
    }

    /** Nanosecond durations as milliseconds. */
    public static Distribution ofNanos(String name, long[] nanos) {
      return new Distribution(name, "ms", Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray());
    }

    /** The nearest-rank percentile, 0 < p <= 100. */
    public double percentile(double p) {
      return Figures.percentile(values, p);
    }

    @JsonProperty("count")
    public int count() {
      return values.length;
    }

    @JsonProperty("p50")
    public double p50() {
      return percentile(50);
    }

    @JsonProperty("p90")
    public double p90() {
      return percentile(90);
    }

    @JsonProperty("p99")
    public double p99() {
      return percentile(99);
    }

    @JsonProperty("max")
    public double max() {
      return percentile(100);
    }
  }

  /** An invariant of the run and whether it held, e.g. ("no overcommitted node", false, "node-7: cpu 4100m/4"). */
  public record Check(String name, boolean ok, String detail) {}

  /** Reads {@code startedAt} back from its ISO-8601 text without registering Jackson's java.time module. */
  static final class InstantParser extends StdConverter<String, Instant> {
    @Override
    public Instant convert(String text) {
      return Instant.parse(text);
    }
  }

  private static <T> List<T> listOf(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }
}
