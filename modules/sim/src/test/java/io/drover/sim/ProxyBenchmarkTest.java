package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProxyBenchmarkTest {

  @Test
  void requestsAndATransferGoThroughTheProxyWithoutFailures() throws Exception {
    ProxyBenchmark.Result result = ProxyBenchmark.run(ProxyBenchmark.Options.parse(
        "--requests", "300", "--clients", "4", "--megabytes", "16", "--deadline", "60"));
    assertAll(result.report(),
        () -> assertEquals(0, result.direct().failures(), result.direct().firstFailure()),
        () -> assertEquals(0, result.proxied().failures(), result.proxied().firstFailure()),
        () -> assertTrue(result.proxied().megabytesPerSecond() > 0, "the whole transfer came through"),
        () -> assertTrue(result.proxied().requestsPerSecond() > 0),
        () -> assertTrue(result.correct()));
  }
}
