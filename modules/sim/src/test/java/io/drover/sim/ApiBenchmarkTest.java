package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApiBenchmarkTest {

  @Test
  void everyCreateIsAcknowledgedAndEveryWatcherSeesEachObjectOnceInOrder() throws Exception {
    ApiBenchmark.Result result = ApiBenchmark.run(
        ApiBenchmark.Options.parse("--count", "200", "--clients", "4", "--watchers", "2", "--warmup", "20"));

    assertAll(
        () -> assertEquals(0, result.createFailures(), "creates not answered 201: " + result.firstCreateFailure()),
        () -> assertEquals(0, result.missing(), "missing"),
        () -> assertEquals(0, result.duplicates(), "duplicates"),
        () -> assertEquals(0, result.outOfOrder(), "out of order"),
        () -> assertEquals(0, result.watchErrors(), "watch errors"),
        () -> assertEquals(400, result.eventsDelivered(), "ADDED events over both watchers"),
        () -> assertTrue(result.correct()));
  }

  @Test
  void percentileIsTheNearestRankOfSortedValues() {
    long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, ApiBenchmark.percentile(sorted, 50));
    assertEquals(9, ApiBenchmark.percentile(sorted, 90));
    assertEquals(10, ApiBenchmark.percentile(sorted, 99));
    assertEquals(10, ApiBenchmark.percentile(sorted, 100));
    assertEquals(1, ApiBenchmark.percentile(sorted, 1));
    assertEquals(0, ApiBenchmark.percentile(new long[0], 50));
  }

  @Test
  void unknownOptionsAndMissingValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--bogus", "1"));
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--count"));
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--count", "many"));
    assertEquals(ApiBenchmark.Options.defaults(), ApiBenchmark.Options.parse());
  }
}
