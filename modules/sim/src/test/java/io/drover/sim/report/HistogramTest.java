package io.drover.sim.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.sim.report.Report.Distribution;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HistogramTest {

  @Test
  void valuesSpanningDecadesGetTenLogBucketsPerDecade() {
    Histogram h = Histogram.of(new double[] {1, 1.2, 9.9, 10, 99, 100, 999, 1000});

    assertTrue(h.logBuckets());
    assertEquals(31, h.counts().length, "1 to 1000 in 30 buckets, and one from 1000");
    assertEquals(List.of("1", "1.26", "1.58"), h.edges().subList(0, 3));
    assertEquals("1000", h.edges().get(30));
    assertEquals(2, h.counts()[0], "1 and 1.2");
    assertEquals(1, h.counts()[9], "9.9");
    assertEquals(1, h.counts()[10], "10 starts the next decade");
    assertEquals(1, h.counts()[30], "1000 in its own bucket");
    assertEquals(8, Arrays.stream(h.counts()).sum());
  }

  @Test
  void manyDecadesGetFewerBucketsPerDecade() {
    Histogram h = Histogram.of(new double[] {0.001, 1, 1e6});

    assertTrue(h.counts().length <= Histogram.MAX_BUCKETS, "" + h.counts().length);
    assertEquals(3, Arrays.stream(h.counts()).sum());
  }

  @Test
  void narrowOrNonPositiveValuesGetRoundLinearBuckets() {
    Histogram h = Histogram.of(new double[] {2.2, 2.5, 3.0, 5.8});

    assertFalse(h.logBuckets());
    assertEquals("2.2", h.edges().get(0));
    assertEquals("2.4", h.edges().get(1), "width 0.2 = (5.8 - 2.2) / 30 rounded up to 1, 2 or 5");
    assertEquals(4, Arrays.stream(h.counts()).sum());
    assertEquals(1, h.counts()[h.counts().length - 1], "the max falls into the last bucket");

    Histogram withZero = Histogram.of(new double[] {0, 1, 100});
    assertFalse(withZero.logBuckets(), "no logarithm of 0");
    assertEquals(3, Arrays.stream(withZero.counts()).sum());

    Histogram same = Histogram.of(new double[] {7, 7, 7});
    assertEquals(1, same.counts().length);
    assertEquals(3, same.counts()[0]);
  }

  @Test
  void cdfEndsAtTheMaxAndIsSampledAtEvenRanks() {
    double[] values = IntStream.rangeClosed(1, 2000).asDoubleStream().toArray();
    List<double[]> cdf = Histogram.cdf(values, 500);

    assertEquals(500, cdf.size());
    assertArrayEquals(new double[] {4, 0.2}, cdf.get(0));
    assertArrayEquals(new double[] {2000, 100}, cdf.get(499));
    assertEquals(3, Histogram.cdf(new double[] {1, 2, 3}, 500).size());
  }

  @Test
  void roundingAndPrinting() {
    assertEquals(0.2, Histogram.roundUp(0.12), 1e-12);
    assertEquals(1.0, Histogram.roundUp(1.0), 1e-12);
    assertEquals(50.0, Histogram.roundUp(33), 1e-12);
    assertEquals("1.26", Histogram.significant(Math.pow(10, 0.1)));
    assertEquals("12300", Histogram.significant(12345.6));
    assertEquals("0.0125", Histogram.significant(0.012512));
    assertEquals("0", Histogram.significant(0));
  }

  @Test
  void distributionsRejectValuesThatAreNotFinite() {
    assertThrows(IllegalArgumentException.class, () -> new Distribution("x", "ms", new double[] {1, Double.NaN}));
    assertThrows(IllegalArgumentException.class,
        () -> new Distribution("x", "ms", new double[] {Double.NEGATIVE_INFINITY, 1}));
    assertEquals(1.5, Distribution.ofNanos("x", new long[] {1_500_000}).p50());
  }
}
