package io.drover.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodLogsTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static Path write(Path podDir, String container, int attempt, String content) throws Exception {
    Path dir = Files.createDirectories(podDir.resolve(container));
    return Files.writeString(dir.resolve(attempt + ".log"), content);
  }

  static final String LOG = """
      2026-01-01T00:00:00.000000001Z stdout F one
      2026-01-01T00:05:00.000000002Z stderr F two
      2026-01-01T00:09:00.000000003Z stdout P thr
      2026-01-01T00:09:00.000000004Z stdout F ee
      """;

  static String read(Path file, PodLogs.Options options) throws Exception {
    return PodLogs.read(file, options, () -> false, Duration.ofMillis(10), NOW)
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), testKit.system())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String();
  }

  @Test
  void renderedLogJoinsPartialLinesAndHonoursTailSinceTimestampsAndLimit(@TempDir Path podDir) throws Exception {
    Path file = write(podDir, "app", 0, LOG);
    assertEquals("one\ntwo\nthree\n", read(file, new PodLogs.Options(false, false, null, null, false, null)));
    assertEquals("ee\n", read(file, new PodLogs.Options(false, false, 1L, null, false, null)));
    assertEquals("two\nthree\n", read(file, new PodLogs.Options(false, false, null, 360L, false, null)));
    assertTrue(read(file, new PodLogs.Options(false, false, null, null, true, null))
        .startsWith("2026-01-01T00:00:00.000000001Z one\n"));
    assertEquals("one\ntw", read(file, new PodLogs.Options(false, false, null, null, false, 6L)));
  }

  @Test
  void appendedLinesAreWrittenAsTheShimWritesThemAndReadBack(@TempDir Path podDir) throws Exception {
    Path file = write(podDir, "app", 0, "");
    PodLogs.append(file, Instant.parse("2026-01-01T00:00:00Z"), "stdout", "sim: started sleep 60");
    PodLogs.append(file, Instant.parse("2026-01-01T00:09:30.5Z"), "stderr", "two\nlines");
    assertEquals("""
        2026-01-01T00:00:00.000000000Z stdout F sim: started sleep 60
        2026-01-01T00:09:30.500000000Z stderr F two
        2026-01-01T00:09:30.500000000Z stderr F lines
        """, Files.readString(file));
    assertEquals("sim: started sleep 60\ntwo\nlines\n",
        read(file, new PodLogs.Options(false, false, null, null, false, null)));
    assertEquals("two\nlines\n", read(file, new PodLogs.Options(false, false, null, 60L, false, null)));
  }

  @Test
  void previousIsTheRunBeforeTheCurrentOne(@TempDir Path podDir) throws Exception {
    write(podDir, "app", 0, "2026-01-01T00:00:00Z stdout F first run\n");
    write(podDir, "app", 1, "2026-01-01T00:00:01Z stdout F second run\n");
    assertEquals("1.log", PodLogs.logFile(podDir, "app", false).orElseThrow().getFileName().toString());
    assertEquals("0.log", PodLogs.logFile(podDir, "app", true).orElseThrow().getFileName().toString());
    assertTrue(PodLogs.logFile(podDir, "other", false).isEmpty());
  }

  @Test
  void followDeliversLinesWrittenLaterAndEndsWhenTheRunEnds(@TempDir Path podDir) throws Exception {
    Path file = write(podDir, "app", 0, "2026-01-01T00:00:00Z stdout F early\n");
    AtomicBoolean running = new AtomicBoolean(true);
    var result = PodLogs.read(file, new PodLogs.Options(false, true, null, null, false, null), running::get,
            Duration.ofMillis(10), NOW)
        .runWith(Sink.fold("", (acc, b) -> acc + b.utf8String()), testKit.system()).toCompletableFuture();
    Files.writeString(file, "2026-01-01T00:00:01Z stdout F late\n", java.nio.file.StandardOpenOption.APPEND);
    running.set(false);
    assertEquals("early\nlate\n", result.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aLogPastItsSizeLimitIsRotatedKeepingTheNewestCopies(@TempDir Path podDir) throws Exception {
    Path file = write(podDir, "app", 0, "2026-01-01T00:00:00Z stdout F " + "x".repeat(100) + "\n");
    assertTrue(!PodLogs.rotateIfLarger(file, 1000, 2), "small logs stay");
    for (int round = 1; round <= 3; round++) {
      Files.writeString(file, "2026-01-01T00:00:0" + round + "Z stdout F round " + round + " " + "y".repeat(2000) + "\n",
          java.nio.file.StandardOpenOption.APPEND);
      assertTrue(PodLogs.rotateIfLarger(file, 1000, 2));
      assertEquals(0, Files.size(file));
    }
    assertTrue(Files.readString(file.resolveSibling("0.log.1")).contains("round 3"));
    assertTrue(Files.readString(file.resolveSibling("0.log.2")).contains("round 2"));
    assertTrue(!Files.exists(file.resolveSibling("0.log.3")), "only keep copies are kept");
    assertEquals("0.log", PodLogs.logFile(podDir, "app", false).orElseThrow().getFileName().toString());
  }
}
