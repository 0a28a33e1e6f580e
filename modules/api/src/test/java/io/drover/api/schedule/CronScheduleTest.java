package io.drover.api.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  static final Instant NOW = Instant.parse("2026-03-04T10:17:30Z");

  @Test
  void lastAndNextTimesOfFiveFieldSchedulesAndMacros() {
    CronSchedule every5 = CronSchedule.parse("*/5 * * * *", null);
    assertEquals(Instant.parse("2026-03-04T10:15:00Z"), every5.lastAtOrBefore(NOW).orElseThrow());
    assertEquals(Instant.parse("2026-03-04T10:20:00Z"), every5.nextAfter(NOW).orElseThrow());
    CronSchedule hourly = CronSchedule.parse("@hourly", "");
    assertEquals(Instant.parse("2026-03-04T10:00:00Z"), hourly.lastAtOrBefore(NOW).orElseThrow());
    CronSchedule minute = CronSchedule.parse("* * * * *", null);
    assertEquals(Instant.parse("2026-03-04T10:17:00Z"), minute.lastAtOrBefore(NOW).orElseThrow(),
        "the current minute counts once it started");
  }

  @Test
  void aTimeZoneShiftsTheSchedule() {
    CronSchedule daily = CronSchedule.parse("0 9 * * *", "Europe/Berlin"); // 09:00 CET = 08:00 UTC in March
    assertEquals(Instant.parse("2026-03-04T08:00:00Z"), daily.lastAtOrBefore(NOW).orElseThrow());
  }

  @Test
  void badSchedulesAndZonesAreRefusedWithAReason() {
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> CronSchedule.parse("61 * * * *", null));
    assertTrue(range.getMessage().contains("61"), range.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * *", null));
    assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("* * * * *", "Mars/Olympus"));
  }
}
