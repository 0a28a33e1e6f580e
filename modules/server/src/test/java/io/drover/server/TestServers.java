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

  static DroverServer start(Path dataDir, Map<String, Object> overrides) throws Exception {
    return DroverServer.start(DroverServer.config(dataDir, 0, overrides));
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
