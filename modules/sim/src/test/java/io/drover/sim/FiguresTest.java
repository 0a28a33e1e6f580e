package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FiguresTest {

  @Test
  void percentileIsTheNearestRankOfSortedValues() {
    long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, Figures.percentile(sorted, 50));
    assertEquals(9, Figures.percentile(sorted, 90));
    assertEquals(10, Figures.percentile(sorted, 99));
    assertEquals(10, Figures.percentile(sorted, 100));
    assertEquals(1, Figures.percentile(sorted, 1));
    assertEquals(0, Figures.percentile(new long[0], 50));
  }

  @Test
  void percentileOfDoublesUsesTheSameNearestRank() {
    double[] sorted = {0.5, 1.5, 2.5, 3.5};
    assertEquals(1.5, Figures.percentile(sorted, 50));
    assertEquals(3.5, Figures.percentile(sorted, 90));
    assertEquals(0.5, Figures.percentile(sorted, 1));
    assertEquals(0.0, Figures.percentile(new double[0], 99));
  }

  @Test
  void spreadSortsUnorderedNanosAndReportsMilliseconds() {
    Figures.Spread spread = Figures.Spread.of(new long[] {3_000_000, 1_000_000, 2_000_000, 4_000_000});
    assertEquals(new Figures.Spread(2.0, 4.0, 4.0, 4.0), spread);
  }

  @Test
  void rateIsCountPerSecondAndZeroWithoutElapsedTime() {
    assertEquals(50.0, Figures.rate(100, 2_000_000_000L));
    assertEquals(0.0, Figures.rate(100, 0));
  }
}
