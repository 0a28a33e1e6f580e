package io.drover.control.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recount's decision: when a recorded amount above what the namespace holds may be lowered. */
class QuotaRecountTest {
  static final Duration RESYNC = Duration.ofSeconds(5);
  static final long SECOND = 1_000_000_000L;

  static JsonNode used(String cpu) {
    return Json.MAPPER.createObjectNode().put("requests.cpu", cpu);
  }

  static Map<String, BigDecimal> measured(String cpu) {
    return Map.of("requests.cpu", new BigDecimal(cpu));
  }

  @Test
  void backToBackRecountsKeepAReservationWhoseCreateIsNotStoredYet() {
    // Pod a is admitted (100m recorded) but not yet stored; a quota change and the timer recount a moment apart.
    ResourceQuotas.Recounted first = ResourceQuotas.recounted(measured("0"), used("100m"), null, RESYNC, 0);
    assertEquals("100m", first.used().path("requests.cpu").asText());
    ResourceQuotas.Recounted second = ResourceQuotas.recounted(measured("0"), used("100m"), first.last(), RESYNC,
        SECOND / 100);
    assertEquals("100m", second.used().path("requests.cpu").asText(), "10 ms later: not given away");
    assertEquals(first.last(), second.last(), "the earlier recount stays the one to compare with");
  }

  @Test
  void aRecordedAmountTwoRecountsAResyncApartFoundTooHighIsLowered() {
    ResourceQuotas.Recounted first = ResourceQuotas.recounted(measured("0"), used("100m"), null, RESYNC, 0);
    ResourceQuotas.Recounted later = ResourceQuotas.recounted(measured("0"), used("100m"), first.last(), RESYNC,
        5 * SECOND);
    assertEquals("0", later.used().path("requests.cpu").asText(), "the create never came: its room is given back");
  }

  @Test
  void aReservationInBetweenKeepsTheAmount() {
    ResourceQuotas.Recounted first = ResourceQuotas.recounted(measured("0"), used("100m"), null, RESYNC, 0);
    ResourceQuotas.Recounted later = ResourceQuotas.recounted(measured("0.1"), used("200m"), first.last(), RESYNC,
        6 * SECOND);
    assertEquals("200m", later.used().path("requests.cpu").asText());
  }

  @Test
  void moreThanRecordedIsTakenAtOnce() {
    ResourceQuotas.Recounted recount = ResourceQuotas.recounted(measured("0.3"), used("100m"), null, RESYNC, 0);
    assertEquals("300m", recount.used().path("requests.cpu").asText());
  }
}
