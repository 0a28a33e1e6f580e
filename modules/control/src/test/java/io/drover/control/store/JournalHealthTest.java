package io.drover.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JournalHealthTest {
  static final Executor DIRECT = Runnable::run;

  static Config journal(String url) {
    return ConfigFactory.parseString("""
        url = "%s", user = "sa", password = "", driver = "org.h2.Driver"
        """.formatted(url));
  }

  static JournalHealth.Result await(JournalHealth health) throws Exception {
    return health.check().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aDatabaseThatAnswersIsHealthyWithItsLatency() throws Exception {
    JournalHealth.Result result = await(new JournalHealth(journal("jdbc:h2:mem:journal-health"),
        Duration.ofSeconds(3), DIRECT));
    assertTrue(result.healthy(), String.valueOf(result.error()));
    assertTrue(result.latency().toNanos() > 0);
    assertNull(result.error());
  }

  @Test
  void aDatabaseThatCannotBeOpenedIsUnhealthyAndSaysWhy() throws Exception {
    Path dir = Files.createTempDirectory("journal-health");
    try {
      String url = "jdbc:h2:file:" + dir.resolve("absent/drover") + ";IFEXISTS=TRUE";
      JournalHealth.Result result = await(new JournalHealth(journal(url), Duration.ofSeconds(3), DIRECT));
      assertFalse(result.healthy());
      assertTrue(result.error().contains("not found"), result.error());
    } finally {
      Files.delete(dir);
    }
  }

  @Test
  void aDatabaseThatDoesNotAnswerInTimeIsUnhealthyAndLaterChecksJoinTheHangingOne() throws Exception {
    List<Runnable> submitted = new ArrayList<>();
    JournalHealth health = new JournalHealth(journal("jdbc:h2:mem:never-asked"), Duration.ofMillis(200),
        submitted::add); // the query never runs: a database that hangs
    JournalHealth.Result first = await(health);
    assertFalse(first.healthy());
    assertTrue(first.error().contains("did not answer within 200 ms"), first.error());
    assertFalse(await(health).healthy());
    assertEquals(1, submitted.size(), "a second query while the first hangs");
  }
}
