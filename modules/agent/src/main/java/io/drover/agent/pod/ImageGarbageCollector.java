package io.drover.agent.pod;

import io.drover.agent.runtime.ImageStore;
import io.drover.agent.runtime.ImageStore.StoredImage;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubelet's image garbage collection (pkg/kubelet/images/image_gc_manager.go) for a runtime that runs images: when
 * the image file system is at least {@code highThresholdPercent} full, unused images are removed, least recently
 * used first, until it would be {@code lowThresholdPercent} full. An image is used while a container of the runtime
 * (any node's: nodes may share a runtime) was created from it; the sandbox image and images the runtime pins always
 * stay, and so do images this node first saw less than {@code minAge} ago. Not thread-safe: one caller at a time.
 */
public final class ImageGarbageCollector {
  private static final Logger log = LoggerFactory.getLogger(ImageGarbageCollector.class);

  /** When to collect and how much: kubelet's ImageGCHighThresholdPercent, ImageGCLowThresholdPercent, ImageMinimumGCAge. */
  public record Policy(int highThresholdPercent, int lowThresholdPercent, Duration minAge) {
    public Policy {
      if (lowThresholdPercent < 0 || highThresholdPercent > 100 || lowThresholdPercent > highThresholdPercent) {
        throw new IllegalArgumentException("image GC thresholds must satisfy 0 <= low <= high <= 100, got low "
            + lowThresholdPercent + " and high " + highThresholdPercent);
      }
    }
  }

  /** What a pass found and did. */
  public record Result(int usagePercent, long bytesToFree, List<String> removed, long freedBytes) {}

  /** When this node first saw an image, and when a container last used it. */
  record Seen(Instant firstDetected, Instant lastUsed) {}

  private final ImageStore images;
  private final Policy policy;
  private final Clock clock;
  private final Map<String, Seen> seen = new HashMap<>();

  public ImageGarbageCollector(ImageStore images, Policy policy, Clock clock) {
    this.images = images;
    this.policy = policy;
    this.clock = clock;
  }

  /**
   * One pass: notes which images are used now, and when the image file system is over the high threshold, removes
   * unused images until enough is freed. Empty when the runtime does not say where its images are.
   */
  public Optional<Result> collect() throws IOException {
    Instant now = clock.instant();
    List<StoredImage> all = images.listImages();
    Set<String> inUse = images.imagesInUse();
    observe(all, inUse, now);
    Optional<Path> filesystem = images.imageFilesystem();
    if (filesystem.isEmpty() || !Files.exists(filesystem.get())) return Optional.empty();
    FileStore store = Files.getFileStore(filesystem.get());
    long capacity = store.getTotalSpace();
    long available = store.getUsableSpace();
    if (capacity <= 0) return Optional.empty();
    int usagePercent = (int) (100 - available * 100 / capacity);
    if (usagePercent < policy.highThresholdPercent()) return Optional.of(new Result(usagePercent, 0, List.of(), 0));
    long bytesToFree = capacity * (100 - policy.lowThresholdPercent()) / 100 - available;
    List<String> removed = new ArrayList<>();
    long freed = 0;
    for (StoredImage image : toRemove(all, inUse, seen, now, policy.minAge(), bytesToFree)) {
      try {
        images.removeImage(image.id());
        removed.add(image.id());
        freed += image.sizeBytes();
        seen.remove(image.id());
      } catch (IOException e) {
        log.warn("image GC could not remove {} {}: {}", image.id(), image.names(), e.getMessage());
      }
    }
    if (!removed.isEmpty()) {
      log.info("image GC: image file system {}% full (high threshold {}%): removed {} unused images, {} bytes",
          usagePercent, policy.highThresholdPercent(), removed.size(), freed);
    }
    return Optional.of(new Result(usagePercent, bytesToFree, removed, freed));
  }

  /** Records first sight and last use of each image; forgets images that are gone. */
  private void observe(List<StoredImage> all, Set<String> inUse, Instant now) {
    Set<String> present = new HashSet<>();
    for (StoredImage image : all) {
      present.add(image.id());
      Seen before = seen.get(image.id());
      Instant firstDetected = before == null ? now : before.firstDetected();
      Instant lastUsed = used(image, inUse) ? now : before == null ? Instant.EPOCH : before.lastUsed();
      seen.put(image.id(), new Seen(firstDetected, lastUsed));
    }
    seen.keySet().retainAll(present);
  }

  private static boolean used(StoredImage image, Set<String> inUse) {
    if (inUse.contains(image.id())) return true;
    for (String name : image.names()) {
      if (inUse.contains(name)) return true;
    }
    return false;
  }

  /**
   * kubelet's choice as a pure function: unused, unpinned images this node has known for at least {@code minAge},
   * least recently used first (then first seen), until their sizes add up to {@code bytesToFree}.
   */
  static List<StoredImage> toRemove(List<StoredImage> all, Set<String> inUse, Map<String, Seen> seen, Instant now,
      Duration minAge, long bytesToFree) {
    if (bytesToFree <= 0) return List.of();
    List<StoredImage> candidates = new ArrayList<>();
    for (StoredImage image : all) {
      Seen known = seen.get(image.id());
      if (image.pinned() || used(image, inUse) || known == null) continue;
      if (known.firstDetected().plus(minAge).isAfter(now)) continue;
      candidates.add(image);
    }
    candidates.sort(Comparator.<StoredImage, Instant>comparing(i -> seen.get(i.id()).lastUsed())
        .thenComparing(i -> seen.get(i.id()).firstDetected()));
    List<StoredImage> chosen = new ArrayList<>();
    long freed = 0;
    for (StoredImage image : candidates) {
      if (freed >= bytesToFree) break;
      chosen.add(image);
      freed += image.sizeBytes();
    }
    return chosen;
  }
}
