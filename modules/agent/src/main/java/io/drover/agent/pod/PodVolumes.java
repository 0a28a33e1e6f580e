package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.pod.AtomicWriter.FileContent;
import io.drover.api.Json;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.control.security.ServiceAccountTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A pod's volumes on the host under {@code <podDir>/volumes/<plugin>/<name>} (kubelet's layout), and the mounts each
 * container gets. Re-materializing refreshes ConfigMap, Secret, downward API and projected content (a ServiceAccount
 * token when it is due) atomically.
 */
public final class PodVolumes {
  private PodVolumes() {}

  private static final int DEFAULT_MODE = 0644;
  private static final Set<String> ATOMIC_SOURCES = Set.of("configMap", "secret", "downwardAPI", "projected");

  /** Creates or refreshes every volume of the pod, on a node that issues no ServiceAccount tokens. */
  public static void materialize(Path podDir, ObjectNode pod, ObjectLookup lookup, DownwardApi.Allocatable node)
      throws PodConfigException {
    materialize(podDir, pod, lookup, node, null);
  }

  /**
   * Creates or refreshes every volume of the pod; a projected serviceAccountToken is the token {@code tokens} holds
   * for the pod (renewed when it is due).
   */
  public static void materialize(Path podDir, ObjectNode pod, ObjectLookup lookup, DownwardApi.Allocatable node,
      TokenManager tokens) throws PodConfigException {
    for (JsonNode volume : pod.path("spec").path("volumes")) {
      String name = volume.path("name").asText();
      try {
        materialize(podDir, pod, volume, lookup, node, tokens);
      } catch (PodConfigException | IOException e) {
        throw new PodConfigException(PodConfigException.FAILED_MOUNT,
            "MountVolume.SetUp failed for volume \"" + name + "\" : " + e.getMessage());
      }
    }
  }

  /** The host directory (or file, for hostPath) backing a volume. */
  public static Path volumePath(Path podDir, JsonNode volume) throws PodConfigException {
    String name = volume.path("name").asText();
    if (volume.has("hostPath")) return Path.of(volume.path("hostPath").path("path").asText());
    return podDir.resolve("volumes").resolve(plugin(volume)).resolve(name);
  }

  /**
   * The container's mounts in volumeMounts order. subPath (or subPathExpr expanded with env) selects a path inside the
   * volume, created as a directory when missing; ConfigMap, Secret, downward API and projected volumes are read-only.
   */
  public static List<ContainerSpec.Mount> mounts(Path podDir, ObjectNode pod, JsonNode container,
      Map<String, String> env) throws PodConfigException {
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    for (JsonNode mount : container.path("volumeMounts")) {
      String name = mount.path("name").asText();
      JsonNode volume = findVolume(pod, name);
      if (volume == null) {
        throw configError("cannot find volume \"" + name + "\" to mount into container \""
            + container.path("name").asText() + "\"");
      }
      Path hostPath = volumePath(podDir, volume);
      String subPath = subPath(mount, env);
      if (!subPath.isEmpty()) hostPath = subPathOf(hostPath, subPath, mount, container);
      boolean readOnly = mount.path("readOnly").asBoolean(false) || ATOMIC_SOURCES.stream().anyMatch(volume::has);
      mounts.add(new ContainerSpec.Mount(hostPath, mount.path("mountPath").asText(), readOnly));
    }
    return List.copyOf(mounts);
  }

  /** Deletes the pod's volume directories; host paths are left alone. */
  public static void remove(Path podDir) throws IOException {
    AtomicWriter.deleteRecursively(podDir.resolve("volumes"));
  }

  private static void materialize(Path podDir, ObjectNode pod, JsonNode volume, ObjectLookup lookup,
      DownwardApi.Allocatable node, TokenManager tokens) throws PodConfigException, IOException {
    Path dir = volumePath(podDir, volume);
    if (volume.has("hostPath")) {
      HostPathCheck.check(dir, volume.path("hostPath").path("type").asText(""));
    } else if (volume.has("emptyDir")) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, AtomicWriter.permissions(0777));
    } else if (volume.has("persistentVolumeClaim")) {
      claimedVolume(dir, pod, volume, lookup);
    } else {
      int defaultMode = volume.path(sourceField(volume)).path("defaultMode").asInt(DEFAULT_MODE);
      AtomicWriter.write(dir, payload(pod, volume, lookup, node, defaultMode, tokens));
    }
  }

  /**
   * A claim's volume: the claim must be bound to a volume this node can mount (local or hostPath, on this node by
   * its node affinity, which the scheduler saw to); the pod's volume directory becomes a link to it. Until the
   * claim is bound the pod waits, retried at each pod sync.
   */
  private static void claimedVolume(Path dir, ObjectNode pod, JsonNode volume, ObjectLookup lookup)
      throws PodConfigException, IOException {
    String claimName = volume.path("persistentVolumeClaim").path("claimName").asText();
    ObjectNode claim = lookup.find("PersistentVolumeClaim", Json.text(pod, "metadata.namespace"), claimName)
        .orElseThrow(() -> new PodConfigException(PodConfigException.FAILED_MOUNT,
            "persistentvolumeclaim \"" + claimName + "\" not found"));
    String volumeName = claim.path("spec").path("volumeName").asText("");
    if (volumeName.isEmpty()) {
      throw new PodConfigException(PodConfigException.FAILED_MOUNT,
          "persistentvolumeclaim \"" + claimName + "\" is not bound yet");
    }
    ObjectNode persistent = lookup.find("PersistentVolume", "", volumeName)
        .orElseThrow(() -> new PodConfigException(PodConfigException.FAILED_MOUNT,
            "persistentvolume \"" + volumeName + "\" not found"));
    JsonNode spec = persistent.path("spec");
    String path = spec.has("local") ? spec.path("local").path("path").asText("")
        : spec.path("hostPath").path("path").asText("");
    if (path.isEmpty()) {
      throw new PodConfigException(PodConfigException.FAILED_MOUNT, "persistentvolume \"" + volumeName
          + "\" has a source this node cannot mount (supported: local, hostPath)");
    }
    Path target = Path.of(path);
    if (!Files.isDirectory(target)) {
      if (spec.has("local")) {
        throw new PodConfigException(PodConfigException.FAILED_MOUNT, "path \"" + path + "\" of local volume \""
            + volumeName + "\" does not exist on this node");
      }
      Files.createDirectories(target); // hostPath volumes are created as DirectoryOrCreate
    }
    Files.createDirectories(dir.getParent());
    if (Files.isSymbolicLink(dir) && Files.readSymbolicLink(dir).equals(target)) return;
    Files.deleteIfExists(dir);
    Files.createSymbolicLink(dir, target);
  }

  private static Map<String, FileContent> payload(ObjectNode pod, JsonNode volume, ObjectLookup lookup,
      DownwardApi.Allocatable node, int defaultMode, TokenManager tokens) throws PodConfigException {
    Map<String, FileContent> payload = new LinkedHashMap<>();
    String namespace = Json.text(pod, "metadata.namespace");
    if (volume.has("configMap")) {
      keyed(payload, PodEnvironment.Source.CONFIG_MAP, volume.get("configMap"), "name", namespace, lookup, defaultMode);
    } else if (volume.has("secret")) {
      keyed(payload, PodEnvironment.Source.SECRET, volume.get("secret"), "secretName", namespace, lookup, defaultMode);
    } else if (volume.has("downwardAPI")) {
      downward(payload, pod, volume.get("downwardAPI"), node, defaultMode);
    } else {
      for (JsonNode source : volume.path("projected").path("sources")) {
        if (source.has("configMap")) {
          keyed(payload, PodEnvironment.Source.CONFIG_MAP, source.get("configMap"), "name", namespace, lookup,
              defaultMode);
        } else if (source.has("secret")) {
          keyed(payload, PodEnvironment.Source.SECRET, source.get("secret"), "name", namespace, lookup, defaultMode);
        } else if (source.has("downwardAPI")) {
          downward(payload, pod, source.get("downwardAPI"), node, defaultMode);
        } else if (source.has("serviceAccountToken")) {
          serviceAccountToken(payload, pod, source.get("serviceAccountToken"), lookup, defaultMode, tokens);
        }
        // clusterTrustBundle needs ClusterTrustBundle objects, which Drover does not have.
      }
    }
    return payload;
  }

  /**
   * The pod's ServiceAccount token (kubelet asks the TokenRequest API for one bound to the pod). The audience is not
   * passed on: tokens are for the API server.
   */
  private static void serviceAccountToken(Map<String, FileContent> payload, ObjectNode pod, JsonNode projection,
      ObjectLookup lookup, int defaultMode, TokenManager tokens) throws PodConfigException {
    if (tokens == null) {
      throw new PodConfigException(PodConfigException.FAILED_MOUNT, "failed to fetch token: this node issues no "
          + "ServiceAccount tokens");
    }
    String namespace = Json.text(pod, "metadata.namespace");
    String account = pod.path("spec").path("serviceAccountName").asText("");
    if (account.isEmpty()) account = "default";
    String accountName = account;
    ObjectNode serviceAccount = lookup.find("ServiceAccount", namespace, account)
        .orElseThrow(() -> new PodConfigException(PodConfigException.FAILED_MOUNT,
            "failed to fetch token: serviceaccounts \"" + accountName + "\" not found"));
    String token;
    try {
      token = tokens.token(new ServiceAccountTokens.TokenRequest(namespace, account,
          Json.text(serviceAccount, "metadata.uid", ""), Json.text(pod, "metadata.name"),
          Json.text(pod, "metadata.uid"), projection.path("expirationSeconds").asLong(3600)));
    } catch (RuntimeException e) {
      throw new PodConfigException(PodConfigException.FAILED_MOUNT, "failed to fetch token: " + e.getMessage());
    }
    payload.put(projection.path("path").asText("token"),
        new FileContent(token.getBytes(StandardCharsets.UTF_8), defaultMode));
  }

  /** ConfigMap or Secret files: every key, or only the listed items (key -> path, mode). */
  private static void keyed(Map<String, FileContent> payload, PodEnvironment.Source source, JsonNode ref,
      String nameField, String namespace, ObjectLookup lookup, int defaultMode) throws PodConfigException {
    String name = ref.path(nameField).asText();
    boolean optional = ref.path("optional").asBoolean(false);
    Optional<ObjectNode> object = lookup.find(source.kind, namespace, name);
    if (object.isEmpty()) {
      if (optional) return;
      throw new PodConfigException(PodConfigException.FAILED_MOUNT, source.notFound(name));
    }
    Map<String, byte[]> data = bytes(source, object.get());
    JsonNode items = ref.path("items");
    if (!items.isArray() || items.isEmpty()) {
      for (String key : new TreeSet<>(data.keySet())) payload.put(key, new FileContent(data.get(key), defaultMode));
      return;
    }
    for (JsonNode item : items) {
      String key = item.path("key").asText();
      byte[] value = data.get(key);
      if (value == null) {
        if (optional) continue;
        throw new PodConfigException(PodConfigException.FAILED_MOUNT, source == PodEnvironment.Source.SECRET
            ? "references non-existent secret key: " + key : "configmap references non-existent config key: " + key);
      }
      payload.put(item.path("path").asText(), new FileContent(value, item.path("mode").asInt(defaultMode)));
    }
  }

  private static void downward(Map<String, FileContent> payload, ObjectNode pod, JsonNode source,
      DownwardApi.Allocatable node, int defaultMode) throws PodConfigException {
    for (JsonNode item : source.path("items")) {
      String value;
      if (item.hasNonNull("fieldRef")) {
        value = DownwardApi.fieldValue(pod, item.get("fieldRef").path("fieldPath").asText(),
            Json.text(pod, "status.podIP"), Json.text(pod, "status.hostIP"));
      } else if (item.hasNonNull("resourceFieldRef")) {
        value = DownwardApi.resourceValue(pod, null, item.get("resourceFieldRef"), node);
      } else {
        continue;
      }
      payload.put(item.path("path").asText(),
          new FileContent(value.getBytes(StandardCharsets.UTF_8), item.path("mode").asInt(defaultMode)));
    }
  }

  private static Map<String, byte[]> bytes(PodEnvironment.Source source, ObjectNode object) {
    Map<String, byte[]> data = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.path("data").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String text = e.getValue().asText();
      data.put(e.getKey(), source == PodEnvironment.Source.SECRET
          ? Base64.getDecoder().decode(text) : text.getBytes(StandardCharsets.UTF_8));
    }
    if (source == PodEnvironment.Source.CONFIG_MAP) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.path("binaryData").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        data.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText()));
      }
    }
    return data;
  }

  private static String subPath(JsonNode mount, Map<String, String> env) throws PodConfigException {
    String expr = mount.path("subPathExpr").asText("");
    if (expr.isEmpty()) return mount.path("subPath").asText("");
    Set<String> missing = new TreeSet<>();
    String expanded = Expansion.expand(expr, key -> {
      String value = env.get(key);
      if (value == null || value.isEmpty()) missing.add(key);
      return value == null ? "" : value;
    });
    if (!missing.isEmpty()) throw configError("missing value for " + String.join(", ", missing));
    return expanded;
  }

  private static Path subPathOf(Path volumePath, String subPath, JsonNode mount, JsonNode container)
      throws PodConfigException {
    if (subPath.startsWith("/")) throw configError("error SubPath `" + subPath + "` must not be an absolute path");
    for (String part : subPath.split("/")) {
      if (part.equals("..")) throw configError("unable to provision SubPath `" + subPath + "`: must not contain '..'");
    }
    Path path = volumePath.resolve(subPath);
    try {
      if (!Files.exists(path)) {
        Files.createDirectories(path);
        Files.setPosixFilePermissions(path, Files.getPosixFilePermissions(volumePath));
      }
      // a subPath into a ConfigMap or Secret volume binds the file itself, so it keeps the content it started with
      return path.toRealPath();
    } catch (IOException e) {
      throw configError("failed to create subPath directory for volumeMount \"" + mount.path("name").asText()
          + "\" of container \"" + container.path("name").asText() + "\"");
    }
  }

  private static JsonNode findVolume(ObjectNode pod, String name) {
    for (JsonNode volume : pod.path("spec").path("volumes")) {
      if (name.equals(volume.path("name").asText())) return volume;
    }
    return null;
  }

  private static String sourceField(JsonNode volume) {
    for (String field : ATOMIC_SOURCES) if (volume.has(field)) return field;
    return "";
  }

  private static String plugin(JsonNode volume) throws PodConfigException {
    if (volume.has("emptyDir")) return "kubernetes.io~empty-dir";
    if (volume.has("configMap")) return "kubernetes.io~configmap";
    if (volume.has("secret")) return "kubernetes.io~secret";
    if (volume.has("downwardAPI")) return "kubernetes.io~downward-api";
    if (volume.has("projected")) return "kubernetes.io~projected";
    if (volume.has("persistentVolumeClaim")) return "kubernetes.io~pvc";
    throw new PodConfigException(PodConfigException.FAILED_MOUNT,
        "volume \"" + volume.path("name").asText() + "\" has a type this node cannot mount (supported: emptyDir, "
            + "hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim)");
  }

  private static PodConfigException configError(String message) {
    return new PodConfigException(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR, message);
  }
}
