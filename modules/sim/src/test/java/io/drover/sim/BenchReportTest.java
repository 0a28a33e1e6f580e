package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.api.Json;
import io.drover.sim.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  @TempDir
  Path dir;

  @Test
  void reportTurnsAReportJsonIntoAPage() throws Exception {
    Path json = dir.resolve("run.json");
    Path html = dir.resolve("run.html");
    Json.MAPPER.writeValue(json.toFile(), new Report("a run", null, Instant.parse("2026-12-06T10:00:00Z"), null,
        null, List.of(Report.Distribution.ofNanos("create -> bound", new long[] {1_000_000, 3_000_000})),
        List.of(new Report.Check("no lost pod", true, "2 of 2")), null));

    assertEquals(0, Bench.report(new String[] {json.toString(), html.toString()}));
    assertTrue(Files.readString(html).contains("<h1>a run</h1>"));
  }

  @Test
  void reportRefusesBadUsageAndAMissingFile() {
    Path html = dir.resolve("run.html");
    assertEquals(2, Bench.report(new String[] {"only-one.json"}));
    assertEquals(1, Bench.report(new String[] {dir.resolve("missing.json").toString(), html.toString()}));
    assertFalse(Files.exists(html));
  }
}
