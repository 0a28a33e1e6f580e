package io.drover.agent.runtime.process;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for something outside the JVM (a process, a file) with a deadline, checking it every few milliseconds. */
public final class Polling {
  private static final long PAUSE_MILLIS = 20;

  private Polling() {}

  /** Whether {@code condition} became true within {@code timeout}; checked at least once. */
  public static boolean until(BooleanSupplier condition, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= end) return false;
      try {
        Thread.sleep(PAUSE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return condition.getAsBoolean();
      }
    }
    return true;
  }
}
