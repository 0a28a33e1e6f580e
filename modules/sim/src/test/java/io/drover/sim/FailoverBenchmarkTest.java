package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.server.LocalPostgres;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class FailoverBenchmarkTest {

  @Test
  void aSmallRunComparesTheJournalsAndLosesNothingWhenTheOldestMemberIsKilled() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.available(),
        "SKIPPED: no PostgreSQL server on this host (apt-get install postgresql; .ci/run installs it)");
    FailoverBenchmark.Result result = FailoverBenchmark.run(FailoverBenchmark.Options.parse(
        "--entities", "60", "--compare-count", "50", "--stable-after", "3", "--clients", "8"));
    assertAll(result.report(),
        () -> assertEquals("h2", result.h2().journal()),
        () -> assertEquals("postgres", result.postgres().journal()),
        () -> assertTrue(result.h2().correct() && result.postgres().correct(), "both API runs correct"),
        () -> assertTrue(result.postgresToH2CreateRatio() > 0),
        () -> assertEquals(60, result.listedAfterKill(), "a survivor lists every object right after the kill"),
        () -> assertEquals(0, result.unwritable(), "every object writable again"),
        () -> assertEquals(0, result.lostObjects()),
        () -> assertTrue(result.failoverSeconds() > 0),
        () -> assertTrue(result.correct()));
  }

  @Test
  void aClusterOfFewerThanThreeIsRefusedAsNoMajoritySurvivesALoss() {
    assertThrows(IllegalArgumentException.class, () -> FailoverBenchmark.Options.parse("--members", "2"));
  }
}
