package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ImageStore;
import io.drover.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry credentials a pod's imagePullSecrets give for one image, as kubelet's keyring finds them: secrets of
 * type kubernetes.io/dockerconfigjson ({@code .dockerconfigjson} with "auths") or kubernetes.io/dockercfg
 * ({@code .dockercfg}), whose registry key matches the image's registry host (Docker Hub for images without one).
 */
public final class PullSecrets {
  private PullSecrets() {}

  /** The matching credentials, in the order of the pod's imagePullSecrets; secrets that do not exist are skipped. */
  public static List<ImageStore.Credentials> forImage(ObjectNode pod, String image, ObjectLookup lookup) {
    String namespace = Json.text(pod, "metadata.namespace");
    String registry = registryHost(image);
    List<ImageStore.Credentials> found = new ArrayList<>();
    for (JsonNode ref : pod.path("spec").path("imagePullSecrets")) {
      Optional<ObjectNode> secret = lookup.find("Secret", namespace, ref.path("name").asText());
      if (secret.isEmpty()) continue;
      JsonNode auths = auths(secret.get());
      for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!keyHost(entry.getKey()).equals(registry)) continue;
        JsonNode auth = entry.getValue();
        found.add(new ImageStore.Credentials(entry.getKey(), auth.path("username").asText(null),
            auth.path("password").asText(null), auth.path("auth").asText(null)));
      }
    }
    return found;
  }

  private static JsonNode auths(ObjectNode secret) {
    JsonNode data = secret.path("data");
    try {
      if (data.hasNonNull(".dockerconfigjson")) {
        return Json.MAPPER.readTree(decode(data.get(".dockerconfigjson").asText())).path("auths");
      }
      if (data.hasNonNull(".dockercfg")) return Json.MAPPER.readTree(decode(data.get(".dockercfg").asText()));
    } catch (IOException | IllegalArgumentException e) {
      // A malformed secret gives no credentials; the pull then fails with the registry's message.
    }
    return Json.MAPPER.createObjectNode();
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  /** The registry of an image: its first path element when that has a dot, a colon or is localhost; else Docker Hub. */
  static String registryHost(String image) {
    int slash = image.indexOf('/');
    if (slash < 0) return "docker.io";
    String first = image.substring(0, slash);
    boolean isHost = first.contains(".") || first.contains(":") || first.equals("localhost");
    return isHost ? normalize(first) : "docker.io";
  }

  /** The registry a docker config key names: "host:port", "https://host:port/v1/" or "host/path". */
  static String keyHost(String key) {
    String host = key.replaceFirst("^https?://", "");
    int slash = host.indexOf('/');
    return normalize(slash < 0 ? host : host.substring(0, slash));
  }

  private static String normalize(String host) {
    return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? "docker.io" : host;
  }
}
