package io.drover.agent.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the agent should do next for a pod (kubelet's computePodActions plus its back-off check): the next init
 * container to start, the app containers to (re)start now, the containers to kill, the ones in CrashLoopBackOff,
 * and when to look again. Killed containers are restarted by a later call, once they have exited.
 *
 * @param backingOff container name -> when its back-off ends
 */
public record PodActions(Optional<String> startInit, List<String> start, List<Kill> kill,
    Map<String, Instant> backingOff, Optional<Instant> recheckAt) {

  private static final long DEFAULT_GRACE_SECONDS = 30;
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** Stop a running container (SIGTERM, SIGKILL after grace); message is the Killing event's. */
  public record Kill(String containerName, String containerId, Duration grace, String message) {}

  public static PodActions next(ObjectNode pod, PodObservation observed) {
    JsonNode spec = pod.path("spec");
    String policy = spec.path("restartPolicy").asText("Always");
    Instant now = observed.now();
    List<Kill> kill = new ArrayList<>();
    if (stopping(pod)) {
      Duration grace = Duration.ofSeconds(pod.path("metadata").path("deletionGracePeriodSeconds")
          .asLong(podGrace(spec)));
      for (JsonNode c : allContainers(spec)) {
        ContainerObservation obs = observed.container(c.path("name").asText());
        if (obs.running()) {
          kill.add(new Kill(obs.name(), obs.current().id(), grace, "Stopping container " + obs.name()));
        }
      }
      return new PodActions(Optional.empty(), List.of(), kill, Map.of(), Optional.empty());
    }
    if (!observed.sandboxReady()) {
      // The kubelet starts no container while the pod's volumes cannot be mounted (an unbound claim, a missing
      // ConfigMap): it waits and tries again at the next sync, rather than start a container without its mounts.
      return new PodActions(Optional.empty(), List.of(), kill, Map.of(), Optional.empty());
    }

    Map<String, Instant> backingOff = new LinkedHashMap<>();
    Optional<String> startInit = Optional.empty();
    boolean initialized = anyAppContainerCreated(spec, observed);
    if (!initialized) {
      initialized = true;
      for (JsonNode c : spec.path("initContainers")) {
        ContainerObservation obs = observed.container(c.path("name").asText());
        ContainerState current = obs.current();
        if (current != null && !current.running() && Integer.valueOf(0).equals(current.exitCode())) continue;
        initialized = false;
        if (current != null && !current.running() && policy.equals("Never")) break; // the pod has failed
        RestartBackoff.Decision decision = obs.backoff().decide(policy, current, now);
        if (decision instanceof RestartBackoff.StartNow) startInit = Optional.of(obs.name());
        if (decision instanceof RestartBackoff.Wait wait) backingOff.put(obs.name(), wait.until());
        break;
      }
    }

    List<String> start = new ArrayList<>();
    if (initialized) {
      for (JsonNode c : spec.path("containers")) {
        ContainerObservation obs = observed.container(c.path("name").asText());
        if (obs.running()) {
          killReason(c, obs, policy).ifPresent(message ->
              kill.add(new Kill(obs.name(), obs.current().id(), killGrace(spec, c, obs), message)));
          continue;
        }
        RestartBackoff.Decision decision = obs.backoff().decide(policy, obs.current(), now);
        if (decision instanceof RestartBackoff.StartNow) start.add(obs.name());
        if (decision instanceof RestartBackoff.Wait wait) backingOff.put(obs.name(), wait.until());
      }
    }

    Stream<Instant> probes = allContainers(spec).stream()
        .flatMap(c -> observed.container(c.path("name").asText()).nextProbeAt().stream());
    Optional<Instant> recheckAt = Stream.concat(backingOff.values().stream(), probes).min(Instant::compareTo);
    return new PodActions(startInit, List.copyOf(start), List.copyOf(kill), Map.copyOf(backingOff), recheckAt);
  }

  /** A stable hash of a container's spec; a running container whose hash changed is restarted. */
  public static String specHash(JsonNode container) {
    try {
      byte[] canonical = CANONICAL.writeValueAsString(CANONICAL.convertValue(container, Object.class))
          .getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical), 0, 8);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<String> killReason(JsonNode container, ContainerObservation obs, String policy) {
    String restart = policy.equals("Never") ? "" : ", will be restarted";
    Optional<ProbeTracker.Type> failed = obs.failedProbe();
    if (failed.isPresent()) {
      return Optional.of("Container " + obs.name() + " failed " + failed.get().label.toLowerCase() + " probe"
          + restart);
    }
    if (obs.specHash() != null && !obs.specHash().equals(specHash(container))) {
      return Optional.of("Container " + obs.name() + " definition changed" + restart);
    }
    return Optional.empty();
  }

  /** A failed probe may shorten the grace period (probe terminationGracePeriodSeconds). */
  private static Duration killGrace(JsonNode spec, JsonNode container, ContainerObservation obs) {
    Long probeGrace = obs.failedProbe()
        .map(type -> ProbeSpec.parse(container.path(type.field)).terminationGracePeriodSeconds())
        .orElse(null);
    return Duration.ofSeconds(probeGrace != null ? probeGrace : podGrace(spec));
  }

  private static long podGrace(JsonNode spec) {
    return spec.path("terminationGracePeriodSeconds").asLong(DEFAULT_GRACE_SECONDS);
  }

  /** Deleted, or already in a terminal phase: only stopping remains. */
  private static boolean stopping(ObjectNode pod) {
    String phase = pod.path("status").path("phase").asText("");
    return pod.path("metadata").hasNonNull("deletionTimestamp") || phase.equals("Succeeded")
        || phase.equals("Failed");
  }

  /** Kubelet treats initialization as done once any app container exists. */
  private static boolean anyAppContainerCreated(JsonNode spec, PodObservation observed) {
    for (JsonNode c : spec.path("containers")) {
      if (observed.container(c.path("name").asText()).current() != null) return true;
    }
    return false;
  }

  private static List<JsonNode> allContainers(JsonNode spec) {
    List<JsonNode> all = new ArrayList<>();
    spec.path("initContainers").forEach(all::add);
    spec.path("containers").forEach(all::add);
    return all;
  }
}
