package io.drover.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Starts Drover members for tests: in this JVM on a free loopback port, with a temporary data directory. */
final class TestServers {
  private TestServers() {}

  static Path tempDataDir() {
    try {
      return Files.createTempDirectory("drover-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DroverServer start(Path dataDir) throws Exception {
    return start(dataDir, Map.of());
  }

  /** Test defaults: containers stop with the server, and crash back-off is short. */
  static final Map<String, Object> TEST_DEFAULTS = Map.of(
      "drover.agent.stop-containers-on-shutdown", true,
      "drover.agent.restart-backoff-initial", "1s",
      "drover.agent.restart-backoff-max", "8s");

  static DroverServer start(Path dataDir, Map<String, Object> overrides) throws Exception {
    Map<String, Object> all = new java.util.HashMap<>(TEST_DEFAULTS);
    all.putAll(overrides);
    return DroverServer.start(DroverServer.config(dataDir, 0, all));
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
