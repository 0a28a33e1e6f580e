package io.drover.control.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) for pod creates: the pod runs as
 * {@code spec.serviceAccountName}, "default" when unset; that ServiceAccount must exist (403 otherwise); unless the
 * pod or its ServiceAccount opts out with {@code automountServiceAccountToken: false}, a projected
 * {@code kube-api-access-xxxxx} volume (a token, the cluster CA and the namespace) is added and mounted read-only at
 * {@value #TOKEN_MOUNT_PATH} into every container and init container that has nothing mounted there yet; a pod
 * without imagePullSecrets gets its ServiceAccount's. Pod templates of workloads are not touched: their pods are
 * admitted when they are created.
 */
public final class ServiceAccountAdmission {
  private ServiceAccountAdmission() {}

  public static final String DEFAULT_NAME = "default";
  public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
  public static final String VOLUME_PREFIX = "kube-api-access-";
  /** serviceaccount.WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, so the apiserver can tell these apart. */
  public static final int TOKEN_EXPIRATION_SECONDS = 3607;

  /**
   * kube-apiserver looks the default ServiceAccount up 10 times, 100-200 ms apart, before refusing a pod: right
   * after a namespace is created its controller may not have made it yet. Drover creates it with the namespace, so
   * this only covers a member whose read side lags the one that did.
   */
  private static final int DEFAULT_LOOKUPS = 10;
  private static final Duration LOOKUP_INTERVAL = Duration.ofMillis(100);

  /** The ServiceAccount a pod runs as: serviceAccountName, else the deprecated serviceAccount, else "default". */
  public static String serviceAccountName(JsonNode pod) {
    JsonNode spec = pod.path("spec");
    String name = spec.path("serviceAccountName").asText("");
    if (name.isEmpty()) name = spec.path("serviceAccount").asText("");
    return name.isEmpty() ? DEFAULT_NAME : name;
  }

  /**
   * Admits a pod being created in {@code namespace}: looks its ServiceAccount up (the read side, then the entity
   * itself) and answers the mutated pod, or fails with 403.
   */
  public static CompletionStage<ObjectNode> admit(ObjectService service, String namespace, ObjectNode pod) {
    String name = serviceAccountName(pod);
    int lookups = name.equals(DEFAULT_NAME) ? DEFAULT_LOOKUPS : 1;
    return lookUp(service, namespace, name, lookups)
        .thenApply(account -> mutate(pod, namespace, account.orElse(null), service::randomSuffix));
  }

  private static CompletionStage<Optional<ObjectNode>> lookUp(ObjectService service, String namespace, String name,
      int attemptsLeft) {
    Optional<ObjectNode> cached = service.store().get(ResourceRegistry.SERVICE_ACCOUNT, namespace, name)
        .map(stored -> stored.object());
    if (cached.isPresent()) return CompletableFuture.completedFuture(cached);
    return service.current(ResourceRegistry.SERVICE_ACCOUNT, namespace, name).thenCompose(found -> {
      if (found.isPresent() || attemptsLeft <= 1) return CompletableFuture.completedFuture(found);
      return CompletableFuture.supplyAsync(() -> null,
              CompletableFuture.delayedExecutor(LOOKUP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS))
          .thenCompose(v -> lookUp(service, namespace, name, attemptsLeft - 1));
    });
  }

  /**
   * The plugin's decision as a pure function: a copy of the pod as it is to be stored.
   *
   * @param serviceAccount the pod's ServiceAccount, null when it does not exist (then the pod is refused)
   * @param suffix five random characters for the token volume's name
   */
  public static ObjectNode mutate(ObjectNode pod, String namespace, JsonNode serviceAccount, Supplier<String> suffix) {
    ObjectNode admitted = pod.deepCopy();
    ObjectNode spec = Json.object(admitted, "spec");
    String name = serviceAccountName(admitted);
    // The v1 conversion: serviceAccount is a deprecated alias that always shows the name the pod runs as.
    spec.put("serviceAccountName", name);
    spec.put("serviceAccount", name);
    if (serviceAccount == null) {
      String podName = Json.text(admitted, "metadata.name");
      throw new ApiException(403, "Forbidden", "pods \"" + podName + "\" is forbidden: error looking up service "
          + "account " + namespace + "/" + name + ": serviceaccount \"" + name + "\" not found", "", "pods", podName,
          List.of(), null);
    }
    if (automount(admitted, serviceAccount)) mountToken(spec, suffix);
    if (spec.path("imagePullSecrets").isEmpty() && !serviceAccount.path("imagePullSecrets").isEmpty()) {
      ArrayNode pullSecrets = spec.putArray("imagePullSecrets");
      for (JsonNode secret : serviceAccount.path("imagePullSecrets")) {
        pullSecrets.addObject().put("name", secret.path("name").asText(""));
      }
    }
    return admitted;
  }

  /** The pod's automountServiceAccountToken wins, then the ServiceAccount's; true when neither says. */
  static boolean automount(JsonNode pod, JsonNode serviceAccount) {
    JsonNode podChoice = pod.path("spec").get("automountServiceAccountToken");
    if (podChoice != null && podChoice.isBoolean()) return podChoice.asBoolean();
    JsonNode accountChoice = serviceAccount.get("automountServiceAccountToken");
    if (accountChoice != null && accountChoice.isBoolean()) return accountChoice.asBoolean();
    return true;
  }

  private static void mountToken(ObjectNode spec, Supplier<String> suffix) {
    String volumeName = null;
    for (JsonNode volume : spec.path("volumes")) {
      if (volume.path("name").asText("").startsWith(VOLUME_PREFIX)) {
        volumeName = volume.path("name").asText();
        break;
      }
    }
    boolean hasVolume = volumeName != null;
    if (!hasVolume) volumeName = VOLUME_PREFIX + suffix.get();
    boolean needsVolume = false;
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode container : spec.path(list)) {
        boolean mounted = false;
        for (JsonNode mount : container.path("volumeMounts")) {
          mounted |= TOKEN_MOUNT_PATH.equals(mount.path("mountPath").asText());
        }
        if (mounted) continue;
        ((ObjectNode) container).withArrayProperty("volumeMounts").addObject()
            .put("name", volumeName).put("readOnly", true).put("mountPath", TOKEN_MOUNT_PATH);
        needsVolume = true;
      }
    }
    if (!hasVolume && needsVolume) spec.withArrayProperty("volumes").add(tokenVolume(volumeName));
  }

  /** TokenVolumeSource: the token, kube-root-ca.crt's ca.crt and the namespace, mode 0644. */
  static ObjectNode tokenVolume(String name) {
    ObjectNode volume = Json.MAPPER.createObjectNode().put("name", name);
    ObjectNode projected = volume.putObject("projected");
    ArrayNode sources = projected.putArray("sources");
    sources.addObject().putObject("serviceAccountToken")
        .put("expirationSeconds", TOKEN_EXPIRATION_SECONDS).put("path", "token");
    ObjectNode configMap = sources.addObject().putObject("configMap");
    configMap.putArray("items").addObject().put("key", "ca.crt").put("path", "ca.crt");
    configMap.put("name", NamespaceDefaults.ROOT_CA_CONFIG_MAP);
    ObjectNode item = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
    item.putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
    item.put("path", "namespace");
    projected.put("defaultMode", 420);
    return volume;
  }
}
