package io.drover.server;

import java.time.Duration;
import java.util.function.Supplier;

/** Waiting for a condition with a deadline, instead of sleeping a fixed time. */
final class Polling {
  private Polling() {}

  static <T> T await(Supplier<T> attempt, Duration deadline, String what) {
    long end = System.nanoTime() + deadline.toNanos();
    Throwable last = null;
    while (System.nanoTime() < end) {
      try {
        T value = attempt.get();
        if (value != null && !Boolean.FALSE.equals(value)) return value;
      } catch (RuntimeException | AssertionError e) {
        last = e;
      }
      pause();
    }
    throw new AssertionError("timed out waiting for " + what, last);
  }

  /** A short pause between two polls. */
  static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
