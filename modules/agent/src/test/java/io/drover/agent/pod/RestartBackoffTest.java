package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.exited;
import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.runtime.ContainerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void restartPolicyDecidesWhetherAnExitedContainerRestarts() {
    ContainerState ok = exited("app", 0, T0, T0.plusSeconds(1), 0);
    ContainerState failed = exited("app", 0, T0, T0.plusSeconds(1), 2);
    assertTrue(RestartBackoff.shouldRestart("Always", ok));
    assertFalse(RestartBackoff.shouldRestart("OnFailure", ok));
    assertTrue(RestartBackoff.shouldRestart("OnFailure", failed));
    assertFalse(RestartBackoff.shouldRestart("Never", failed));
    assertTrue(RestartBackoff.shouldRestart("Never", null), "a container never started starts");
    assertFalse(RestartBackoff.shouldRestart("Always", TestPods.running("app", 0, T0)));
    assertInstanceOf(RestartBackoff.DoNotRestart.class, RestartBackoff.defaults().decide("Never", failed, T0));
  }

  @Test
  void firstRestartIsImmediateThenDelaysDoubleUpToFiveMinutes() {
    RestartBackoff backoff = RestartBackoff.defaults();
    Instant now = T0;
    List<Long> waits = new ArrayList<>();
    for (int attempt = 0; attempt < 8; attempt++) {
      ContainerState crashed = exited("app", attempt, now, now.plusSeconds(1), 1);
      now = now.plusSeconds(1);
      RestartBackoff.Decision decision = backoff.decide("Always", crashed, now);
      if (decision instanceof RestartBackoff.Wait wait) {
        waits.add(Duration.between(now, wait.until()).toSeconds());
        assertInstanceOf(RestartBackoff.StartNow.class, backoff.decide("Always", crashed, wait.until()));
        now = wait.until();
      } else {
        waits.add(0L);
      }
      backoff = backoff.next(crashed.finishedAt(), now);
    }
    assertEquals(List.of(0L, 10L, 20L, 40L, 80L, 160L, 300L, 300L), waits);
  }

  @Test
  void backoffResetsAfterRunningLongerThanTwiceTheMaximum() {
    RestartBackoff backoff = RestartBackoff.defaults().next(T0, T0).next(T0, T0).next(T0, T0);
    assertEquals(Duration.ofSeconds(40), backoff.current());
    Instant finished = T0.plus(Duration.ofMinutes(11));
    ContainerState ranLong = exited("app", 3, T0, finished, 1);
    assertInstanceOf(RestartBackoff.StartNow.class, backoff.decide("Always", ranLong, finished));
    assertEquals(Duration.ofSeconds(10), backoff.next(finished, finished).current());
  }

  @Test
  void initialAndMaximumAreConfigurable() {
    RestartBackoff backoff = RestartBackoff.of(Duration.ofSeconds(1), Duration.ofSeconds(3));
    backoff = backoff.next(T0, T0).next(T0, T0).next(T0, T0).next(T0, T0);
    assertEquals(Duration.ofSeconds(3), backoff.current());
  }

  @Test
  void crashLoopMessageMatchesKubelet() {
    var pod = yaml("{metadata: {name: web-1, namespace: default, uid: abc}}");
    assertEquals("back-off 2m40s restarting failed container=app pod=web-1_default(abc)",
        RestartBackoff.crashLoopMessage(Duration.ofSeconds(160), "app", pod));
    assertEquals("5m0s", RestartBackoff.goDuration(Duration.ofMinutes(5)));
  }
}
