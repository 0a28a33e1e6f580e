package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A container's environment as kubelet's makeEnvironmentVariables builds it: envFrom first (keys that are not valid
 * variable names are skipped), then env in order, each literal value expanded against the variables defined before
 * it. HOSTNAME comes first, as the container runtime sets it, and may be overridden.
 */
public final class PodEnvironment {
  private PodEnvironment() {}

  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final int MAX_HOSTNAME = 63;

  public static Map<String, String> resolve(ObjectNode pod, ObjectNode container, ObjectLookup lookup, String podIP,
      String hostIP) throws PodConfigException {
    return resolve(pod, container, lookup, podIP, hostIP, DownwardApi.Allocatable.ofHost());
  }

  public static Map<String, String> resolve(ObjectNode pod, ObjectNode container, ObjectLookup lookup, String podIP,
      String hostIP, DownwardApi.Allocatable node) throws PodConfigException {
    String namespace = Json.text(pod, "metadata.namespace");
    JsonNode kubernetes = lookup.list("Service", ServiceEnvironment.MASTER_NAMESPACE).stream()
        .filter(svc -> ServiceEnvironment.MASTER_SERVICE.equals(Json.text(svc, "metadata.name")))
        .findFirst().orElse(null);
    Map<String, String> services = ServiceEnvironment.of(pod, lookup.list("Service", namespace), kubernetes);
    // The service variables can be referred to ($(NAME_SERVICE_HOST)) and overridden by the container's own.
    Map<String, String> defined = new LinkedHashMap<>(services);
    for (JsonNode from : container.path("envFrom")) {
      String prefix = from.path("prefix").asText("");
      Source source = from.has("configMapRef") ? Source.CONFIG_MAP : from.has("secretRef") ? Source.SECRET : null;
      if (source == null) continue;
      JsonNode ref = from.get(source.refField);
      Optional<ObjectNode> object = find(lookup, source, namespace, ref.path("name").asText(), optional(ref));
      if (object.isEmpty()) continue;
      new TreeMap<>(source.data(object.get())).forEach((key, value) -> {
        if (ENV_VAR_NAME.matcher(prefix + key).matches()) defined.put(prefix + key, value);
      });
    }
    for (JsonNode env : container.path("env")) {
      String name = env.path("name").asText();
      String value = env.path("value").asText("");
      if (!value.isEmpty()) {
        defined.put(name, Expansion.expand(value, defined));
      } else if (env.hasNonNull("valueFrom")) {
        String from = valueFrom(pod, container, env.get("valueFrom"), lookup, podIP, hostIP, node);
        if (from != null) defined.put(name, from);
      } else {
        defined.put(name, "");
      }
    }
    Map<String, String> result = new LinkedHashMap<>();
    result.put("HOSTNAME", hostname(pod));
    result.putAll(defined);
    return result;
  }

  /** The pod's host name: spec.hostname, else its name cut to 63 characters without a trailing '-' or '.'. */
  public static String hostname(ObjectNode pod) {
    String hostname = Json.text(pod, "spec.hostname");
    if (hostname != null && !hostname.isEmpty()) return hostname;
    String name = Json.text(pod, "metadata.name");
    if (name.length() <= MAX_HOSTNAME) return name;
    String cut = name.substring(0, MAX_HOSTNAME);
    while (cut.endsWith("-") || cut.endsWith(".")) cut = cut.substring(0, cut.length() - 1);
    return cut;
  }

  /** One valueFrom; null when an optional source or key is missing (the variable is then not set). */
  private static String valueFrom(ObjectNode pod, ObjectNode container, JsonNode from, ObjectLookup lookup,
      String podIP, String hostIP, DownwardApi.Allocatable node) throws PodConfigException {
    if (from.hasNonNull("fieldRef")) {
      return DownwardApi.fieldValue(pod, from.get("fieldRef").path("fieldPath").asText(), podIP, hostIP);
    }
    if (from.hasNonNull("resourceFieldRef")) {
      return DownwardApi.resourceValue(pod, container, from.get("resourceFieldRef"), node);
    }
    Source source = from.hasNonNull("configMapKeyRef") ? Source.CONFIG_MAP
        : from.hasNonNull("secretKeyRef") ? Source.SECRET : null;
    if (source == null) return "";
    JsonNode ref = from.get(source.keyRefField);
    String namespace = Json.text(pod, "metadata.namespace");
    String name = ref.path("name").asText();
    String key = ref.path("key").asText();
    Optional<ObjectNode> object = find(lookup, source, namespace, name, optional(ref));
    if (object.isEmpty()) return null;
    String value = source.data(object.get()).get(key);
    if (value == null && !optional(ref)) {
      throw configError("couldn't find key " + key + " in " + source.kind + " " + namespace + "/" + name);
    }
    return value;
  }

  private static Optional<ObjectNode> find(ObjectLookup lookup, Source source, String namespace, String name,
      boolean optional) throws PodConfigException {
    Optional<ObjectNode> object = lookup.find(source.kind, namespace, name);
    if (object.isEmpty() && !optional) throw configError(source.notFound(name));
    return object;
  }

  private static boolean optional(JsonNode ref) {
    return ref.path("optional").asBoolean(false);
  }

  private static PodConfigException configError(String message) {
    return new PodConfigException(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR, message);
  }

  /** Where keyed values come from: a ConfigMap's data, or a Secret's base64 data. */
  enum Source {
    CONFIG_MAP("ConfigMap", "configmap", "configMapRef", "configMapKeyRef"),
    SECRET("Secret", "secret", "secretRef", "secretKeyRef");

    final String kind;
    final String lowerKind;
    final String refField;
    final String keyRefField;

    Source(String kind, String lowerKind, String refField, String keyRefField) {
      this.kind = kind;
      this.lowerKind = lowerKind;
      this.refField = refField;
      this.keyRefField = keyRefField;
    }

    String notFound(String name) {
      return lowerKind + " \"" + name + "\" not found";
    }

    Map<String, String> data(ObjectNode object) {
      Map<String, String> values = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = object.path("data").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        values.put(e.getKey(), this == SECRET
            ? new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)
            : e.getValue().asText());
      }
      return values;
    }
  }
}
