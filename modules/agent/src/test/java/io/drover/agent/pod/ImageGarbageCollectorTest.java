package io.drover.agent.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.drover.agent.runtime.ImageStore.StoredImage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageGarbageCollectorTest {
  static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  static final Duration MIN_AGE = Duration.ofMinutes(2);

  static StoredImage image(String id, long size) {
    return new StoredImage(id, List.of("registry/" + id + ":1"), size, false);
  }

  static ImageGarbageCollector.Seen seen(int firstMinutesAgo, int lastUsedMinutesAgo) {
    return new ImageGarbageCollector.Seen(NOW.minus(Duration.ofMinutes(firstMinutesAgo)),
        lastUsedMinutesAgo < 0 ? Instant.EPOCH : NOW.minus(Duration.ofMinutes(lastUsedMinutesAgo)));
  }

  @Test
  void unusedImagesGoLeastRecentlyUsedFirstUntilEnoughIsFreed() {
    List<StoredImage> all = List.of(image("a", 100), image("b", 100), image("c", 100));
    Map<String, ImageGarbageCollector.Seen> seen = Map.of("a", seen(60, 5), "b", seen(60, 30), "c", seen(60, -1));
    List<StoredImage> chosen = ImageGarbageCollector.toRemove(all, Set.of(), seen, NOW, MIN_AGE, 150);
    // c was never used, b longest ago: together they free the 150 bytes asked for; a stays.
    assertEquals(List.of("c", "b"), chosen.stream().map(StoredImage::id).toList());
  }

  @Test
  void imagesInUseByIdOrNamePinnedOrYoungerThanTheMinimumAgeStay() {
    List<StoredImage> all = List.of(image("used-by-id", 100), image("used-by-name", 100),
        new StoredImage("pinned", List.of(), 100, true), image("young", 100), image("old", 100));
    Map<String, ImageGarbageCollector.Seen> seen = Map.of("used-by-id", seen(60, -1), "used-by-name", seen(60, -1),
        "pinned", seen(60, -1), "young", seen(1, -1), "old", seen(60, -1));
    List<StoredImage> chosen = ImageGarbageCollector.toRemove(all, Set.of("used-by-id", "registry/used-by-name:1"),
        seen, NOW, MIN_AGE, Long.MAX_VALUE);
    assertEquals(List.of("old"), chosen.stream().map(StoredImage::id).toList());
  }

  @Test
  void nothingIsRemovedWhenNothingNeedsFreeing() {
    assertEquals(List.of(), ImageGarbageCollector.toRemove(List.of(image("a", 100)), Set.of(),
        Map.of("a", seen(60, -1)), NOW, MIN_AGE, 0));
  }

  @Test
  void thresholdsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new ImageGarbageCollector.Policy(80, 85, MIN_AGE));
    assertThrows(IllegalArgumentException.class, () -> new ImageGarbageCollector.Policy(101, 80, MIN_AGE));
  }
}
