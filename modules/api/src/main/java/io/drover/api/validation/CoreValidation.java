package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;
import static io.drover.api.validation.Errors.key;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.api.validation.Formats.NameFormat;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** ConfigMaps, Secrets, Namespaces, Nodes and Events, from core/validation (validation.go, events.go). */
final class CoreValidation {
  private CoreValidation() {}

  /** core.MaxSecretSize, also the limit for ConfigMaps. */
  static final int MAX_SECRET_SIZE = 1024 * 1024;
  private static final String IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";

  static void configMap(JsonNode configMap, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(configMap, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    Map<String, String> data = Nodes.strings(configMap, "data");
    Map<String, String> binaryData = Nodes.strings(configMap, "binaryData");
    long size = 0;
    for (Map.Entry<String, String> e : data.entrySet()) {
      String at = key("data", e.getKey());
      errs.invalidEach(at, e.getKey(), Formats.configMapKey(e.getKey()));
      if (binaryData.containsKey(e.getKey())) {
        errs.invalid(at, e.getKey(), "duplicate of key present in binaryData");
      }
      size += e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    for (Map.Entry<String, String> e : binaryData.entrySet()) {
      errs.invalidEach(key("binaryData", e.getKey()), e.getKey(), Formats.configMapKey(e.getKey()));
      size += decodedSize(e.getValue());
    }
    // Go reports the whole-object limit at the empty path.
    if (size > MAX_SECRET_SIZE) errs.tooLong("", MAX_SECRET_SIZE);
  }

  static void secret(JsonNode secret, Errors errs) {
    JsonNode meta = Nodes.get(secret, "metadata");
    MetaValidation.objectMeta(meta, true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    Map<String, String> data = Nodes.strings(secret, "data");
    long size = 0;
    for (Map.Entry<String, String> e : data.entrySet()) {
      errs.invalidEach(key("data", e.getKey()), e.getKey(), Formats.configMapKey(e.getKey()));
      size += decodedSize(e.getValue());
    }
    if (size > MAX_SECRET_SIZE) errs.tooLong("data", MAX_SECRET_SIZE);
    switch (Nodes.str(secret, "type")) {
      case "kubernetes.io/service-account-token" -> {
        if (Nodes.str(Nodes.get(meta, "annotations"), "kubernetes.io/service-account.name").isEmpty()) {
          errs.required("metadata.annotations[kubernetes.io/service-account.name]", "");
        }
      }
      case "kubernetes.io/dockercfg" -> jsonKey(data, ".dockercfg", errs);
      case "kubernetes.io/dockerconfigjson" -> jsonKey(data, ".dockerconfigjson", errs);
      case "kubernetes.io/basic-auth" -> {
        if (!data.containsKey("username") && !data.containsKey("password")) {
          errs.required("data[username]", "");
          errs.required("data[password]", "");
        }
      }
      case "kubernetes.io/ssh-auth" -> {
        if (decodedSize(data.getOrDefault("ssh-privatekey", "")) == 0) errs.required("data[ssh-privatekey]", "");
      }
      case "kubernetes.io/tls" -> {
        if (!data.containsKey("tls.crt")) errs.required("data[tls.crt]", "");
        if (!data.containsKey("tls.key")) errs.required("data[tls.key]", "");
      }
      default -> { }
    }
  }

  /** A docker config key must be present and hold a JSON object. */
  private static void jsonKey(Map<String, String> data, String key, Errors errs) {
    String at = key("data", key);
    if (!data.containsKey(key)) {
      errs.required(at, "");
      return;
    }
    String json;
    try {
      json = new String(Base64.getMimeDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return; // not base64: refused when decoding
    }
    String problem = jsonProblem(json);
    if (problem != null) errs.invalid(at, "<secret contents redacted>", problem);
  }

  /** What Go's json.Unmarshal into map[string]interface{} says about the text, or null when it is fine. */
  private static String jsonProblem(String json) {
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) return "unexpected end of JSON input";
      if (node.isObject()) return null;
      String kind = node.isArray() ? "array" : node.isTextual() ? "string" : node.isNumber() ? "number"
          : node.isBoolean() ? "bool" : "null";
      return kind.equals("null") ? null : "json: cannot unmarshal " + kind + " into Go value of type map[string]interface {}";
    } catch (JsonEOFException e) {
      return "unexpected end of JSON input";
    } catch (JsonProcessingException e) {
      String trimmed = json.strip();
      char first = trimmed.isEmpty() ? ' ' : trimmed.charAt(0);
      return "invalid character '" + first + "' looking for beginning of value";
    }
  }

  /** Bytes a base64 value decodes to; its text length when it is not base64 (refused when decoding). */
  private static long decodedSize(String base64) {
    try {
      return Base64.getMimeDecoder().decode(base64).length;
    } catch (IllegalArgumentException e) {
      return base64.length();
    }
  }

  /** ValidateSecretUpdate / ValidateConfigMapUpdate: type is fixed, and immutable objects stay as they are. */
  static void immutableData(JsonNode object, JsonNode old, List<String> dataFields, Errors errs) {
    if (!Nodes.bool(old, "immutable")) return;
    if (!Nodes.bool(object, "immutable")) errs.forbidden("immutable", IMMUTABLE_WHEN_SET);
    for (String field : dataFields) {
      if (!Objects.equals(Nodes.strings(object, field), Nodes.strings(old, field))) {
        errs.forbidden(field, IMMUTABLE_WHEN_SET);
      }
    }
  }

  static void secretUpdate(JsonNode secret, JsonNode old, Errors errs) {
    String type = Nodes.str(secret, "type");
    if (!type.equals(Nodes.str(old, "type"))) errs.invalid("type", type, MetaValidation.IMMUTABLE);
    immutableData(secret, old, List.of("data"), errs);
  }

  static void namespace(JsonNode namespace, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(namespace, "metadata"), false, NameFormat.DNS_LABEL, "metadata", errs);
    for (JsonNode finalizer : Nodes.list(Nodes.get(namespace, "spec"), "finalizers")) {
      String name = finalizer.asText();
      errs.invalidEach("spec.finalizers", name, Formats.qualifiedName(name));
      MetaValidation.kubeFinalizerName(name, "spec.finalizers", errs);
    }
    // PodSecurity's labels: a level it does not know would silently enforce nothing.
    JsonNode labels = namespace.path("metadata").path("labels");
    for (String mode : List.of("enforce", "warn", "audit")) {
      JsonNode level = labels.get(PodSecurity.PREFIX + mode);
      if (level != null && !PodSecurity.LEVELS.contains(level.asText())) {
        errs.notSupported("metadata.labels[" + PodSecurity.PREFIX + mode + "]", level.asText(), PodSecurity.LEVELS);
      }
    }
  }

  /** Quota names Kubernetes' quota evaluators understand (besides count/<resource>[.<group>]). */
  private static final Set<String> QUOTA_RESOURCES = Set.of("pods", "services", "services.nodeports",
      "services.loadbalancers", "configmaps", "secrets", "persistentvolumeclaims", "resourcequotas",
      "replicationcontrollers", "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
      "requests.storage", "ephemeral-storage", "requests.ephemeral-storage", "limits.ephemeral-storage");

  static void resourceQuota(JsonNode quota, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(quota, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode hard = quota.path("spec").path("hard");
    hard.fields().forEachRemaining(e -> {
      String field = "spec.hard[" + e.getKey() + "]";
      if (!QUOTA_RESOURCES.contains(e.getKey()) && !e.getKey().startsWith("count/")) {
        errs.invalid(field, e.getKey(), "must be a standard resource for quota");
      }
      String value = e.getValue().asText();
      if (value.startsWith("-")) errs.invalid(field, value, "must be greater than or equal to 0");
    });
  }

  /** ValidateServiceAccount: only the metadata (a DNS subdomain name); secrets and imagePullSecrets are not checked. */
  static void serviceAccount(JsonNode serviceAccount, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(serviceAccount, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata",
        errs);
  }

  static void node(JsonNode node, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(node, "metadata"), false, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    // Go reports taints under "metadata.taints", a path that does not exist; kept so messages match.
    List<JsonNode> taints = Nodes.list(Nodes.get(node, "spec"), "taints");
    Set<String> unique = new HashSet<>();
    for (int i = 0; i < taints.size(); i++) {
      JsonNode taint = taints.get(i);
      String at = index("metadata.taints", i);
      String taintKey = Nodes.str(taint, "key");
      String value = Nodes.str(taint, "value");
      String effect = Nodes.str(taint, "effect");
      errs.invalidEach(child(at, "key"), taintKey, Formats.qualifiedName(taintKey));
      List<String> valueProblems = Formats.labelValue(value);
      if (!valueProblems.isEmpty()) errs.invalid(child(at, "value"), value, String.join(";", valueProblems));
      if (effect.isEmpty()) {
        errs.required(child(at, "effect"), "");
      } else {
        PodValidation.taintEffect(effect, child(at, "effect"), errs);
      }
      if (!unique.add(effect + "/" + taintKey)) {
        errs.duplicate(at, taint, "taints must be unique by key and effect pair");
      }
    }
    JsonNode status = Nodes.get(node, "status");
    for (String list : List.of("capacity", "allocatable")) {
      JsonNode resources = Nodes.get(status, list);
      resources.fieldNames().forEachRemaining(name ->
          Resources.quantityValue(name, resources.get(name), "status." + list + "." + name, errs));
    }
  }

  /** ValidateNodeUpdate: podCIDRs and providerID are set once. */
  static void nodeUpdate(JsonNode node, JsonNode old, Errors errs) {
    JsonNode spec = Nodes.get(node, "spec");
    JsonNode oldSpec = Nodes.get(old, "spec");
    List<JsonNode> oldCidrs = Nodes.list(oldSpec, "podCIDRs");
    if (!oldCidrs.isEmpty() && !oldCidrs.equals(Nodes.list(spec, "podCIDRs"))) {
      errs.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid");
    }
    String oldProvider = Nodes.str(oldSpec, "providerID");
    if (!oldProvider.isEmpty() && !oldProvider.equals(Nodes.str(spec, "providerID"))) {
      errs.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid");
    }
  }

  /** legacyValidateEvent for core/v1 plus the ObjectMeta checks every create gets (rest.BeforeCreate). */
  static void event(JsonNode event, Errors errs) {
    JsonNode meta = Nodes.get(event, "metadata");
    MetaValidation.objectMetaAccessor(meta, true, NameFormat.PATH_SEGMENT, "metadata", errs);
    String namespace = Nodes.str(meta, "namespace");
    JsonNode involved = Nodes.get(event, "involvedObject");
    String involvedNamespace = Nodes.str(involved, "namespace");
    String mismatch = "does not match event.namespace";
    if (!Nodes.has(event, "eventTime")) {
      if (involvedNamespace.isEmpty()) {
        // An event about a cluster-scoped object lives in "default" (or nowhere, for old clients).
        if (!namespace.isEmpty() && !namespace.equals("default")) {
          errs.invalid("involvedObject.namespace", involvedNamespace, mismatch);
        }
      } else if (!namespace.equals(involvedNamespace)) {
        errs.invalid("involvedObject.namespace", involvedNamespace, mismatch);
      }
    } else {
      if (involvedNamespace.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
        errs.invalid("involvedObject.namespace", involvedNamespace, mismatch);
      }
      String component = Nodes.str(event, "reportingComponent");
      if (component.isEmpty()) errs.required("reportingComponent", "");
      errs.invalidEach("reportingComponent", component, Formats.qualifiedName(component));
      limited(event, "reportingInstance", 128, errs);
      limited(event, "action", 128, errs);
      limited(event, "reason", 128, errs);
      if (Nodes.str(event, "message").length() > 1024) {
        errs.invalid("message", "", "can have at most 1024 characters");
      }
    }
    errs.invalidEach("namespace", namespace, Formats.dns1123Subdomain(namespace));
  }

  private static void limited(JsonNode event, String field, int max, Errors errs) {
    String value = Nodes.str(event, field);
    if (value.isEmpty()) errs.required(field, "");
    if (value.length() > max) errs.invalid(field, "", "can have at most " + max + " characters");
  }
}
