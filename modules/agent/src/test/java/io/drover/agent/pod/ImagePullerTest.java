package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ImageStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImagePullerTest {
  static final String FIELD = "spec.containers{app}";

  /** An image store holding some images; pulls of others fail with the registry's message, or succeed once added. */
  static final class FakeImages implements ImageStore {
    final Map<String, Image> present = new HashMap<>();
    final Map<String, Image> inRegistry = new HashMap<>();
    final List<String> pulls = new ArrayList<>();
    final List<Credentials> credentials = new ArrayList<>();

    @Override
    public Optional<Image> status(String image) {
      return Optional.ofNullable(present.get(image));
    }

    @Override
    public Image pull(String image, Credentials creds) throws IOException {
      pulls.add(image);
      credentials.add(creds);
      Image found = inRegistry.get(image);
      if (found == null) throw new IOException("failed to resolve reference \"" + image + "\": not found");
      present.put(image, found);
      return found;
    }

    @Override
    public List<StoredImage> listImages() {
      return present.entrySet().stream()
          .map(e -> new StoredImage(e.getValue().ref(), List.of(e.getKey()), e.getValue().sizeBytes(), false)).toList();
    }

    @Override
    public java.util.Set<String> imagesInUse() {
      return java.util.Set.of();
    }

    @Override
    public void removeImage(String id) {
      present.values().removeIf(image -> image.ref().equals(id));
    }

    @Override
    public Optional<java.nio.file.Path> imageFilesystem() {
      return Optional.empty();
    }
  }

  final FakeImages images = new FakeImages();
  final List<String> events = new ArrayList<>();
  Instant now = Instant.parse("2026-12-06T12:00:00Z");
  final ImagePuller puller = new ImagePuller(images, (pod, type, reason, message, path) -> events.add(reason + ": "
      + message), new Clock() {
        @Override
        public Instant instant() {
          return now;
        }

        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }
      }, Duration.ofSeconds(10), Duration.ofSeconds(40));

  static ObjectNode pod(String image, String policy) {
    return yaml("""
        metadata: {name: p, namespace: default, uid: u1}
        spec:
          containers:
          - {name: app, image: "%s"%s}
        """.formatted(image, policy == null ? "" : ", imagePullPolicy: " + policy));
  }

  ImagePuller.Result ensure(ObjectNode pod) {
    JsonNode container = pod.path("spec").path("containers").get(0);
    return puller.ensure(pod, container, List.of(), FIELD);
  }

  @Test
  void ifNotPresentUsesTheImageOnTheNodeWithoutPulling() {
    images.present.put("reg:5000/app:1", new ImageStore.Image("reg:5000/app@sha256:aa", 100));
    ImagePuller.Result result = ensure(pod("reg:5000/app:1", "IfNotPresent"));
    assertEquals(new ImagePuller.Ready("reg:5000/app@sha256:aa"), result);
    assertEquals(List.of(), images.pulls);
    assertEquals(List.of("Pulled: Container image \"reg:5000/app:1\" already present on machine"), events);
  }

  @Test
  void alwaysPullsEvenWhenPresentAndReportsPullingAndPulledWithTheSize() {
    images.present.put("reg:5000/app:1", new ImageStore.Image("old", 1));
    images.inRegistry.put("reg:5000/app:1", new ImageStore.Image("reg:5000/app@sha256:bb", 1234));
    assertEquals(new ImagePuller.Ready("reg:5000/app@sha256:bb"), ensure(pod("reg:5000/app:1", "Always")));
    assertEquals(List.of("reg:5000/app:1"), images.pulls);
    assertEquals("Pulling: Pulling image \"reg:5000/app:1\"", events.get(0));
    assertTrue(events.get(1).startsWith("Pulled: Successfully pulled image \"reg:5000/app:1\" in "), events.get(1));
    assertTrue(events.get(1).endsWith("Image size: 1234 bytes."), events.get(1));
  }

  @Test
  void neverRefusesAMissingImageWithoutPulling() {
    ImagePuller.Result result = ensure(pod("reg:5000/app:1", "Never"));
    ImagePuller.NotReady notReady = assertInstanceOf(ImagePuller.NotReady.class, result);
    assertEquals("ErrImageNeverPull", notReady.waiting().reason());
    assertEquals("Container image \"reg:5000/app:1\" is not present with pull policy of Never",
        notReady.waiting().message());
    assertEquals(List.of(), images.pulls);
  }

  @Test
  void aFailedPullIsErrImagePullThenImagePullBackOffUntilTheDoublingBackOffEnds() {
    ObjectNode pod = pod("reg:5000/nope:1", "IfNotPresent");
    ImagePuller.NotReady first = assertInstanceOf(ImagePuller.NotReady.class, ensure(pod));
    assertEquals("ErrImagePull", first.waiting().reason());
    assertTrue(first.waiting().message().contains("not found"), first.waiting().message());
    assertEquals(Optional.of(now.plusSeconds(10)), puller.nextRetryAt());

    now = now.plusSeconds(5);
    ImagePuller.NotReady backingOff = assertInstanceOf(ImagePuller.NotReady.class, ensure(pod));
    assertEquals("ImagePullBackOff", backingOff.waiting().reason());
    assertEquals("Back-off pulling image \"reg:5000/nope:1\": ErrImagePull: failed to resolve reference "
        + "\"reg:5000/nope:1\": not found", backingOff.waiting().message());
    assertEquals(1, images.pulls.size(), "no pull during the back-off");
    ensure(pod);
    assertEquals(1, events.stream().filter(e -> e.startsWith("BackOff:")).count(), "one BackOff event per back-off");

    now = now.plusSeconds(5); // the 10 s back-off ended: a second try fails, the next back-off is 20 s
    assertEquals("ErrImagePull", ((ImagePuller.NotReady) ensure(pod)).waiting().reason());
    assertEquals(Optional.of(now.plusSeconds(20)), puller.nextRetryAt());
    now = now.plusSeconds(20);
    ensure(pod);
    now = now.plusSeconds(40);
    ensure(pod);
    assertEquals(Optional.of(now.plusSeconds(40)), puller.nextRetryAt(), "capped at the maximum");

    images.inRegistry.put("reg:5000/nope:1", new ImageStore.Image("reg:5000/nope@sha256:cc", 1));
    now = now.plusSeconds(40);
    assertEquals(new ImagePuller.Ready("reg:5000/nope@sha256:cc"), ensure(pod));
    assertEquals(Optional.empty(), puller.nextRetryAt());
  }

  @Test
  void latestAndUntaggedImagesDefaultToAlwaysOthersToIfNotPresent() {
    assertEquals("Always", ImagePuller.defaultPolicy("busybox"));
    assertEquals("Always", ImagePuller.defaultPolicy("busybox:latest"));
    assertEquals("Always", ImagePuller.defaultPolicy("127.0.0.1:5000/busybox"));
    assertEquals("IfNotPresent", ImagePuller.defaultPolicy("127.0.0.1:5000/busybox:1"));
    assertEquals("IfNotPresent", ImagePuller.defaultPolicy("busybox@sha256:abcd"));
  }
}
