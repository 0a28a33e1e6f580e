package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PodBenchmarkTest {

  @Test
  void everyPodRunsThenGoesAwayWithItsProcessesAndNothingOutlivesTheMember() throws Exception {
    PodBenchmark.Result result = PodBenchmark.run(PodBenchmark.Options.parse("--count", "3", "--clients", "2"));

    assertAll(result.report(),
        () -> assertEquals(0, result.createFailures(), "creates not answered 201: " + result.firstCreateFailure()),
        () -> assertEquals(0, result.notRunning(), "pods not Running"),
        () -> assertEquals(0, result.deleteFailures(), "deletes failed: " + result.firstDeleteFailure()),
        () -> assertEquals(0, result.notGone(), "pods not gone"),
        () -> assertTrue(result.processes() >= 3, "a process per pod at least: " + result.processes()),
        () -> assertEquals(0, result.processesNotExited(), "processes alive after the deletes"),
        () -> assertEquals(0, result.processesLeft(), "processes left after close"),
        () -> assertEquals(0, result.watchErrors(), "watch errors: " + result.firstWatchError()),
        () -> assertTrue(result.correct()));
  }

  @Test
  void optionsHaveTheirDefaultsAndRejectNonsense() {
    assertEquals(PodBenchmark.Options.defaults(), PodBenchmark.Options.parse());
    assertEquals(100, PodBenchmark.Options.defaults().count());
    assertEquals(120, PodBenchmark.Options.defaults().deadline().toSeconds());
    assertThrows(IllegalArgumentException.class, () -> PodBenchmark.Options.parse("--count", "0"));
    assertThrows(IllegalArgumentException.class, () -> PodBenchmark.Options.parse("--nodes", "3"));
  }
}
