package io.drover.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HumanDurationTest {

  @ParameterizedTest(name = "{0}s -> {1}")
  @CsvSource({
      "0, 0s", "-1, 0s", "-2, <invalid>", "5, 5s", "119, 119s", "120, 2m", "200, 3m20s", "599, 9m59s",
      "600, 10m", "10799, 179m", "10800, 3h", "11100, 3h5m", "28740, 7h59m", "28800, 8h", "172799, 47h",
      "172800, 2d", "183600, 2d3h", "691200, 8d", "3888000, 45d", "63071999, 729d", "63072000, 2y",
      "63936000, 2y10d", "252288000, 8y", "283824000, 9y"})
  void formatsLikeApimachinery(long seconds, String expected) {
    assertEquals(expected, HumanDuration.format(Duration.ofSeconds(seconds)));
  }

  @Test
  void fractionsOfASecondAreTruncatedTowardZero() {
    assertEquals("0s", HumanDuration.format(Duration.ofMillis(-1500)));
    assertEquals("1s", HumanDuration.format(Duration.ofMillis(1999)));
    assertEquals("<invalid>", HumanDuration.format(Duration.ofMillis(-2000)));
  }

  @Test
  void sinceAMissingTimestampIsUnknown() {
    assertEquals("<unknown>", HumanDuration.since(null, Instant.EPOCH));
    assertEquals("3m", HumanDuration.since(Instant.EPOCH, Instant.EPOCH.plusSeconds(180)));
  }
}
