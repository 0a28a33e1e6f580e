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
  void unknownOptionsAndMissingValuesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--bogus", "1"));
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--count"));
    assertThrows(IllegalArgumentException.class, () -> ApiBenchmark.Options.parse("--count", "many"));
    assertEquals(ApiBenchmark.Options.defaults(), ApiBenchmark.Options.parse());
  }
}
