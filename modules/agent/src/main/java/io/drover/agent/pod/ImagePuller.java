package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ImageStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Makes sure a container's image is on the node before it starts, as kubelet's image manager does: the container's
 * imagePullPolicy decides whether to pull, a failed pull is ErrImagePull and the next tries wait out a back-off
 * (ImagePullBackOff, doubling from initial to max, per pod and image), and every step is an event on the pod
 * (Pulling, Pulled, Failed, BackOff) with the registry's message. One per pod; used by that pod's sync only.
 */
public final class ImagePuller {

  /** The image is on the node, by digest; or why the container cannot start yet. */
  public sealed interface Result {}

  public record Ready(String imageRef) implements Result {}

  public record NotReady(ContainerObservation.Waiting waiting) implements Result {}

  public static final String ERR_IMAGE_PULL = "ErrImagePull";
  public static final String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";
  public static final String ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull";

  /** Where the puller's events go (the agent's EventRecorder::record). */
  @FunctionalInterface
  public interface Events {
    void record(ObjectNode pod, String type, String reason, String message, String fieldPath);
  }

  private record Failure(Instant retryAt, Duration backoff, String message, boolean backOffReported) {}

  private final ImageStore images;
  private final Events events;
  private final Clock clock;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Map<String, Failure> failures = new HashMap<>();

  public ImagePuller(ImageStore images, Events events, Clock clock, Duration initialBackoff,
      Duration maxBackoff) {
    this.images = images;
    this.events = events;
    this.clock = clock;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  /** Pulls the container's image if its policy says so and no back-off runs; blocking. */
  public Result ensure(ObjectNode pod, JsonNode container, List<ImageStore.Credentials> credentials,
      String fieldPath) {
    String image = container.path("image").asText("");
    String policy = container.path("imagePullPolicy").asText("");
    if (policy.isEmpty()) policy = defaultPolicy(image);
    Optional<ImageStore.Image> present;
    try {
      present = policy.equals("Always") ? Optional.empty() : images.status(image);
    } catch (IOException e) {
      present = Optional.empty();
    }
    if (present.isPresent()) {
      events.record(pod, "Normal", "Pulled", "Container image \"" + image + "\" already present on machine",
          fieldPath);
      return new Ready(present.get().ref());
    }
    if (policy.equals("Never")) {
      String message = "Container image \"" + image + "\" is not present with pull policy of Never";
      events.record(pod, "Warning", "ErrImageNeverPull", message, fieldPath);
      return new NotReady(new ContainerObservation.Waiting(ERR_IMAGE_NEVER_PULL, message));
    }
    Instant now = clock.instant();
    Failure failure = failures.get(image);
    if (failure != null && now.isBefore(failure.retryAt())) {
      String message = "Back-off pulling image \"" + image + "\": " + ERR_IMAGE_PULL + ": " + failure.message();
      if (!failure.backOffReported()) {
        events.record(pod, "Normal", "BackOff", "Back-off pulling image \"" + image + "\"", fieldPath);
        events.record(pod, "Warning", "Failed", "Error: " + IMAGE_PULL_BACK_OFF, fieldPath);
        failures.put(image, new Failure(failure.retryAt(), failure.backoff(), failure.message(), true));
      }
      return new NotReady(new ContainerObservation.Waiting(IMAGE_PULL_BACK_OFF, message));
    }
    events.record(pod, "Normal", "Pulling", "Pulling image \"" + image + "\"", fieldPath);
    IOException last = null;
    // Each matching pull secret in turn, as kubelet does; anonymously when none matches.
    for (ImageStore.Credentials creds : credentials.isEmpty() ? java.util.Collections.<ImageStore.Credentials>singletonList(null)
        : credentials) {
      try {
        ImageStore.Image pulled = images.pull(image, creds);
        Duration took = Duration.between(now, clock.instant());
        failures.remove(image);
        events.record(pod, "Normal", "Pulled", "Successfully pulled image \"" + image + "\" in " + seconds(took)
            + " (" + seconds(took) + " including waiting). Image size: " + pulled.sizeBytes() + " bytes.", fieldPath);
        return new Ready(pulled.ref());
      } catch (IOException e) {
        last = e;
      }
    }
    String message = last.getMessage();
    Duration backoff = failure == null ? initialBackoff : failure.backoff().multipliedBy(2);
    if (backoff.compareTo(maxBackoff) > 0) backoff = maxBackoff;
    failures.put(image, new Failure(clock.instant().plus(backoff), backoff, message, false));
    events.record(pod, "Warning", "Failed", "Failed to pull image \"" + image + "\": " + message, fieldPath);
    events.record(pod, "Warning", "Failed", "Error: " + ERR_IMAGE_PULL, fieldPath);
    return new NotReady(new ContainerObservation.Waiting(ERR_IMAGE_PULL, message));
  }

  /** When the earliest pull back-off ends, so the pod is synced again then. */
  public Optional<Instant> nextRetryAt() {
    return failures.values().stream().map(Failure::retryAt).min(Instant::compareTo);
  }

  /** Kubernetes' default: Always for a :latest or untagged image, IfNotPresent otherwise. */
  static String defaultPolicy(String image) {
    if (image.contains("@")) return "IfNotPresent";
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    boolean tagged = colon > slash;
    return !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent";
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.3fs", d.toMillis() / 1000.0);
  }
}
