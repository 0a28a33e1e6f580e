package io.drover.api.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * A CronJob's schedule: the standard five cron fields (minute hour day-of-month month day-of-week) or one of the
 * macros Kubernetes accepts (@yearly, @monthly, @weekly, @daily, @hourly, ...), in a time zone (UTC when none is
 * given). Parsing and the next/last times come from cron-utils.
 */
public final class CronSchedule {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final Map<String, String> MACROS = Map.of(
      "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
      "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

  private final ExecutionTime times;
  private final ZoneId zone;

  private CronSchedule(ExecutionTime times, ZoneId zone) {
    this.times = times;
    this.zone = zone;
  }

  /** @throws IllegalArgumentException with a message for the user when the schedule or zone is not valid */
  public static CronSchedule parse(String schedule, String timeZone) {
    if (schedule == null || schedule.isBlank()) throw new IllegalArgumentException("empty schedule");
    String expression = MACROS.getOrDefault(schedule.trim(), schedule.trim());
    ZoneId zone;
    try {
      zone = timeZone == null || timeZone.isEmpty() ? ZoneId.of("UTC") : ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone " + timeZone);
    }
    try {
      return new CronSchedule(ExecutionTime.forCron(PARSER.parse(expression)), zone);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** The latest scheduled time at or before {@code now}. */
  public Optional<Instant> lastAtOrBefore(Instant now) {
    ZonedDateTime at = now.atZone(zone);
    if (times.isMatch(at.withSecond(0).withNano(0)) && !at.withSecond(0).withNano(0).isAfter(at)) {
      return Optional.of(at.withSecond(0).withNano(0).toInstant());
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** The first scheduled time after {@code now}. */
  public Optional<Instant> nextAfter(Instant now) {
    return times.nextExecution(now.atZone(zone)).map(ZonedDateTime::toInstant);
  }
}
