package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.validation.Formats.NameFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** Pods and pod templates: ValidatePodSpec, ValidatePodTemplateSpec and ValidatePodUpdate of core/validation. */
final class PodValidation {
  private PodValidation() {}

  /** VolumeSource members, in the order validateVolumeSource checks them. */
  static final List<String> VOLUME_SOURCES = List.of("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk",
      "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd",
      "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume",
      "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi",
      "ephemeral", "image");
  private static final String FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive";
  private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  private static final Set<String> ENV_FIELD_PATHS = new TreeSet<>(Set.of("metadata.name", "metadata.namespace",
      "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
      "status.podIP", "status.podIPs"));
  private static final String UPDATABLE_FIELDS = String.join(",", "`spec.containers[*].image`",
      "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
      "`spec.tolerations` (only additions to existing tolerations)",
      "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");

  static void pod(JsonNode pod, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(pod, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    JsonNode spec = Nodes.get(pod, "spec");
    podSpec(spec, "spec", errs);
    // Pod-only: a template's image may be a placeholder, a pod's may not carry stray whitespace.
    for (String list : List.of("containers", "initContainers")) {
      List<JsonNode> containers = Nodes.list(spec, list);
      for (int i = 0; i < containers.size(); i++) {
        imageWhitespace(containers.get(i), index(child("spec", list), i), errs);
      }
    }
  }

  /** ValidatePodTemplateSpec; note Go reports template labels at "<path>.labels", not metadata.labels. */
  static void template(JsonNode template, String path, Errors errs) {
    JsonNode meta = Nodes.get(template, "metadata");
    MetaValidation.labels(Nodes.strings(meta, "labels"), child(path, "labels"), errs);
    MetaValidation.annotations(Nodes.strings(meta, "annotations"), child(path, "annotations"), errs);
    JsonNode spec = Nodes.get(template, "spec");
    podSpec(spec, child(path, "spec"), errs);
    if (!Nodes.list(spec, "ephemeralContainers").isEmpty()) {
      errs.forbidden(child(path, "spec.ephemeralContainers"), "ephemeral containers not allowed in pod template");
    }
  }

  static void podSpec(JsonNode spec, String path, Errors errs) {
    if (!Nodes.has(spec, "terminationGracePeriodSeconds")) {
      errs.required(child(path, "terminationGracePeriodSeconds"), "");
    }
    Set<String> volumes = volumes(Nodes.list(spec, "volumes"), child(path, "volumes"), errs);
    List<JsonNode> containers = Nodes.list(spec, "containers");
    containers(containers, volumes, child(path, "containers"), errs);
    initContainers(Nodes.list(spec, "initContainers"), containers, volumes, child(path, "initContainers"), errs);
    restartPolicy(Nodes.str(spec, "restartPolicy"), child(path, "restartPolicy"), errs);
    dnsPolicy(spec, path, errs);
    MetaValidation.labels(Nodes.strings(spec, "nodeSelector"), child(path, "nodeSelector"), errs);
    for (String field : List.of("serviceAccountName", "nodeName", "priorityClassName")) {
      String value = Nodes.str(spec, field);
      if (!value.isEmpty()) errs.invalidEach(child(path, field), value, Formats.dns1123Subdomain(value));
    }
    Long deadline = Nodes.num(spec, "activeDeadlineSeconds");
    if (deadline != null && (deadline < 1 || deadline > Integer.MAX_VALUE)) {
      errs.invalid(child(path, "activeDeadlineSeconds"), deadline, Formats.inclusiveRange(1, Integer.MAX_VALUE));
    }
    for (String field : List.of("hostname", "subdomain")) {
      String value = Nodes.str(spec, field);
      if (!value.isEmpty()) errs.invalidEach(child(path, field), value, Formats.dns1123Label(value));
    }
    tolerations(Nodes.list(spec, "tolerations"), child(path, "tolerations"), errs);
  }

  private static void restartPolicy(String policy, String path, Errors errs) {
    switch (policy) {
      case "Always", "OnFailure", "Never" -> { }
      case "" -> errs.required(path, "");
      default -> errs.notSupported(path, policy, List.of("Always", "OnFailure", "Never"));
    }
  }

  private static void dnsPolicy(JsonNode spec, String path, Errors errs) {
    String policy = Nodes.str(spec, "dnsPolicy");
    switch (policy) {
      case "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None" -> { }
      case "" -> errs.required(child(path, "dnsPolicy"), "");
      default -> errs.notSupported(child(path, "dnsPolicy"), policy,
          List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"));
    }
    if (policy.equals("None")) {
      JsonNode config = Nodes.get(spec, "dnsConfig");
      if (config.isMissingNode()) {
        errs.required(child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None");
      } else if (Nodes.list(config, "nameservers").isEmpty()) {
        errs.required(child(path, "dnsConfig.nameservers"),
            "must provide at least one DNS nameserver when `dnsPolicy` is None");
      }
    }
  }

  /** ValidateVolumes: unique DNS-label names and exactly one source each. Returns the valid names. */
  private static Set<String> volumes(List<JsonNode> volumes, String path, Errors errs) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < volumes.size(); i++) {
      JsonNode volume = volumes.get(i);
      String at = index(path, i);
      Errors own = new Errors();
      volumeSource(volume, at, own);
      String name = Nodes.str(volume, "name");
      if (name.isEmpty()) {
        own.required(child(at, "name"), "");
      } else {
        own.invalidEach(child(at, "name"), name, Formats.dns1123Label(name));
      }
      if (names.contains(name)) own.duplicate(child(at, "name"), name);
      if (own.isEmpty()) {
        names.add(name);
      } else {
        errs.addAll(own);
      }
    }
    return names;
  }

  private static void volumeSource(JsonNode volume, String path, Errors errs) {
    int sources = 0;
    for (String source : VOLUME_SOURCES) {
      if (!Nodes.has(volume, source)) continue;
      if (sources++ > 0) {
        errs.forbidden(child(path, source), "may not specify more than 1 volume type");
        continue;
      }
      JsonNode value = Nodes.get(volume, source);
      String at = child(path, source);
      switch (source) {
        case "hostPath" -> requiredString(value, "path", at, errs);
        case "secret" -> {
          requiredString(value, "secretName", at, errs);
          fileMode(value, "defaultMode", at, errs);
          keyToPaths(value, at, errs);
        }
        case "configMap" -> {
          requiredString(value, "name", at, errs);
          fileMode(value, "defaultMode", at, errs);
          keyToPaths(value, at, errs);
        }
        case "persistentVolumeClaim" -> requiredString(value, "claimName", at, errs);
        case "nfs" -> {
          requiredString(value, "server", at, errs);
          requiredString(value, "path", at, errs);
        }
        case "downwardAPI" -> fileMode(value, "defaultMode", at, errs);
        case "projected" -> {
          fileMode(value, "defaultMode", at, errs);
          projectedTokens(value, at, errs);
        }
        default -> { }
      }
    }
    if (sources == 0) errs.required(path, "must specify a volume type");
  }

  /** validateProjectionSources, for serviceAccountToken: 10 minutes to 2^32 seconds, and a path. */
  private static void projectedTokens(JsonNode projected, String path, Errors errs) {
    List<JsonNode> sources = Nodes.list(projected, "sources");
    for (int i = 0; i < sources.size(); i++) {
      JsonNode token = Nodes.get(sources.get(i), "serviceAccountToken");
      if (token.isMissingNode() || token.isNull()) continue;
      String at = child(index(child(path, "sources"), i), "serviceAccountToken");
      Long seconds = Nodes.num(token, "expirationSeconds");
      long expiration = seconds == null ? 0 : seconds;
      if (expiration < 600) {
        errs.invalid(child(at, "expirationSeconds"), expiration, "may not specify a duration less than 10 minutes");
      }
      if (expiration > (1L << 32)) {
        errs.invalid(child(at, "expirationSeconds"), expiration, "may not specify a duration larger than 2^32 seconds");
      }
      // Go reports a missing path as the projected volume's "path" (kept so messages match).
      if (Nodes.str(token, "path").isEmpty()) errs.required(child(path, "path"), "");
    }
  }

  private static void keyToPaths(JsonNode source, String path, Errors errs) {
    List<JsonNode> items = Nodes.list(source, "items");
    for (int i = 0; i < items.size(); i++) {
      String at = index(child(path, "items"), i);
      requiredString(items.get(i), "key", at, errs);
      requiredString(items.get(i), "path", at, errs);
      fileMode(items.get(i), "mode", at, errs);
    }
  }

  private static void fileMode(JsonNode node, String field, String path, Errors errs) {
    Long mode = Nodes.num(node, field);
    if (mode != null && (mode < 0 || mode > 0777)) errs.invalid(child(path, field), mode, FILE_MODE);
  }

  private static void requiredString(JsonNode node, String field, String path, Errors errs) {
    if (Nodes.str(node, field).isEmpty()) errs.required(child(path, field), "");
  }

  private static void containers(List<JsonNode> containers, Set<String> volumes, String path, Errors errs) {
    if (containers.isEmpty()) {
      errs.required(path, "");
      return;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < containers.size(); i++) {
      JsonNode container = containers.get(i);
      String at = index(path, i);
      container(container, volumes, at, errs);
      String name = Nodes.str(container, "name");
      if (!names.add(name)) errs.duplicate(child(at, "name"), name);
      probes(container, at, errs);
      if (Nodes.has(container, "restartPolicy")) {
        errs.forbidden(child(at, "restartPolicy"), "may not be set for non-init containers");
      }
    }
    hostPortConflicts(containers, path, errs);
  }

  private static void initContainers(List<JsonNode> inits, List<JsonNode> containers, Set<String> volumes,
      String path, Errors errs) {
    Set<String> names = new HashSet<>();
    containers.forEach(c -> names.add(Nodes.str(c, "name")));
    for (int i = 0; i < inits.size(); i++) {
      JsonNode container = inits.get(i);
      String at = index(path, i);
      container(container, volumes, at, errs);
      String policy = Nodes.str(container, "restartPolicy");
      if (Nodes.has(container, "restartPolicy") && !policy.equals("Always")) {
        errs.notSupported(child(at, "restartPolicy"), policy, List.of("Always"));
      }
      // Names are unique across regular and init containers.
      String name = Nodes.str(container, "name");
      if (names.contains(name)) {
        errs.duplicate(child(at, "name"), name);
      } else if (!name.isEmpty()) {
        names.add(name);
      }
      hostPortConflicts(List.of(container), path, errs);
      if (policy.equals("Always")) {
        probes(container, at, errs);
      } else {
        for (String field : List.of("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")) {
          if (Nodes.has(container, field)) {
            errs.forbidden(child(at, field), "may not be set for init containers without restartPolicy=Always");
          }
        }
      }
    }
  }

  /** validateContainerCommon. */
  private static void container(JsonNode container, Set<String> volumes, String path, Errors errs) {
    String name = Nodes.str(container, "name");
    if (name.isEmpty()) {
      errs.required(child(path, "name"), "");
    } else {
      errs.invalidEach(child(path, "name"), name, Formats.dns1123Label(name));
    }
    if (Nodes.str(container, "image").isEmpty()) errs.required(child(path, "image"), "");
    String messagePolicy = Nodes.str(container, "terminationMessagePolicy");
    switch (messagePolicy) {
      case "File", "FallbackToLogsOnError" -> { }
      case "" -> errs.required(child(path, "terminationMessagePolicy"), "");
      default -> errs.notSupported(child(path, "terminationMessagePolicy"), messagePolicy,
          List.of("File", "FallbackToLogsOnError"));
    }
    ports(Nodes.list(container, "ports"), child(path, "ports"), errs);
    env(Nodes.list(container, "env"), child(path, "env"), errs);
    envFrom(Nodes.list(container, "envFrom"), child(path, "envFrom"), errs);
    volumeMounts(Nodes.list(container, "volumeMounts"), volumes, child(path, "volumeMounts"), errs);
    String pullPolicy = Nodes.str(container, "imagePullPolicy");
    switch (pullPolicy) {
      case "Always", "IfNotPresent", "Never" -> { }
      case "" -> errs.required(child(path, "imagePullPolicy"), "");
      default -> errs.notSupported(child(path, "imagePullPolicy"), pullPolicy,
          List.of("Always", "IfNotPresent", "Never"));
    }
    Resources.requirements(Nodes.get(container, "resources"), child(path, "resources"), errs);
  }

  private static void imageWhitespace(JsonNode container, String path, Errors errs) {
    String image = Nodes.str(container, "image");
    if (!image.equals(image.strip())) {
      errs.invalid(child(path, "image"), image, "must not have leading or trailing whitespace");
    }
  }

  private static void ports(List<JsonNode> ports, String path, Errors errs) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      JsonNode port = ports.get(i);
      String at = index(path, i);
      String name = Nodes.str(port, "name");
      if (!name.isEmpty()) {
        List<String> problems = Formats.portName(name);
        if (!problems.isEmpty()) {
          errs.invalidEach(child(at, "name"), name, problems);
        } else if (!names.add(name)) {
          errs.duplicate(child(at, "name"), name);
        }
      }
      long containerPort = Nodes.numOr(port, "containerPort", 0);
      if (containerPort == 0) {
        errs.required(child(at, "containerPort"), "");
      } else {
        errs.invalidEach(child(at, "containerPort"), containerPort, Formats.portNum(containerPort));
      }
      long hostPort = Nodes.numOr(port, "hostPort", 0);
      if (hostPort != 0) errs.invalidEach(child(at, "hostPort"), hostPort, Formats.portNum(hostPort));
      protocol(Nodes.str(port, "protocol"), child(at, "protocol"), errs);
    }
  }

  static void protocol(String protocol, String path, Errors errs) {
    if (protocol.isEmpty()) {
      errs.required(path, "");
    } else if (!PROTOCOLS.contains(protocol)) {
      errs.notSupported(path, protocol, PROTOCOLS);
    }
  }

  /** AccumulateUniqueHostPorts: one protocol/hostIP/hostPort per pod. */
  private static void hostPortConflicts(List<JsonNode> containers, String path, Errors errs) {
    Set<String> seen = new HashSet<>();
    for (int c = 0; c < containers.size(); c++) {
      List<JsonNode> ports = Nodes.list(containers.get(c), "ports");
      for (int p = 0; p < ports.size(); p++) {
        long hostPort = Nodes.numOr(ports.get(p), "hostPort", 0);
        if (hostPort == 0) continue;
        String key = Nodes.str(ports.get(p), "protocol") + "/" + Nodes.str(ports.get(p), "hostIP") + "/" + hostPort;
        if (!seen.add(key)) errs.duplicate(child(index(child(index(path, c), "ports"), p), "hostPort"), key);
      }
    }
  }

  private static void env(List<JsonNode> vars, String path, Errors errs) {
    for (int i = 0; i < vars.size(); i++) {
      JsonNode var = vars.get(i);
      String at = index(path, i);
      String name = Nodes.str(var, "name");
      if (name.isEmpty()) {
        errs.required(child(at, "name"), "");
      } else {
        errs.invalidEach(child(at, "name"), name, Formats.envVarName(name));
      }
      JsonNode valueFrom = Nodes.get(var, "valueFrom");
      if (valueFrom.isMissingNode()) continue;
      String from = child(at, "valueFrom");
      int sources = 0;
      if (Nodes.has(valueFrom, "fieldRef")) {
        sources++;
        fieldRef(Nodes.get(valueFrom, "fieldRef"), child(from, "fieldRef"), errs);
      }
      if (Nodes.has(valueFrom, "resourceFieldRef")) {
        sources++;
        if (Nodes.str(Nodes.get(valueFrom, "resourceFieldRef"), "resource").isEmpty()) {
          errs.required(child(from, "resourceFieldRef.resource"), "");
        }
      }
      for (String ref : List.of("configMapKeyRef", "secretKeyRef")) {
        if (!Nodes.has(valueFrom, ref)) continue;
        sources++;
        keySelector(Nodes.get(valueFrom, ref), child(from, ref), errs);
      }
      if (sources == 0) {
        errs.invalid(from, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
            + "`secretKeyRef`");
      } else if (!Nodes.str(var, "value").isEmpty()) {
        errs.invalid(from, "", "may not be specified when `value` is not empty");
      } else if (sources > 1) {
        errs.invalid(from, "", "may not have more than one field specified at a time");
      }
    }
  }

  private static void fieldRef(JsonNode ref, String path, Errors errs) {
    if (Nodes.str(ref, "apiVersion").isEmpty()) {
      errs.required(child(path, "apiVersion"), "");
      return;
    }
    String fieldPath = Nodes.str(ref, "fieldPath");
    if (fieldPath.isEmpty()) {
      errs.required(child(path, "fieldPath"), "");
      return;
    }
    int bracket = fieldPath.indexOf('[');
    if (bracket > 0) {
      String base = fieldPath.substring(0, bracket);
      String subscript = fieldPath.substring(bracket + 1, fieldPath.length() - 1).replace("'", "");
      switch (base) {
        case "metadata.labels" -> errs.invalidEach(path, subscript, Formats.qualifiedName(subscript));
        case "metadata.annotations" -> errs.invalidEach(path, subscript,
            Formats.qualifiedName(subscript.toLowerCase(Locale.ROOT)));
        default -> errs.invalid(path, base, "does not support subscript");
      }
    } else if (!ENV_FIELD_PATHS.contains(fieldPath)) {
      errs.notSupported(child(path, "fieldPath"), fieldPath, List.copyOf(ENV_FIELD_PATHS));
    }
  }

  private static void keySelector(JsonNode selector, String path, Errors errs) {
    String name = Nodes.str(selector, "name");
    errs.invalidEach(child(path, "name"), name, Formats.dns1123Subdomain(name));
    String key = Nodes.str(selector, "key");
    if (key.isEmpty()) {
      errs.required(child(path, "key"), "");
    } else {
      errs.invalidEach(child(path, "key"), key, Formats.configMapKey(key));
    }
  }

  private static void envFrom(List<JsonNode> sources, String path, Errors errs) {
    for (int i = 0; i < sources.size(); i++) {
      JsonNode source = sources.get(i);
      String at = index(path, i);
      String prefix = Nodes.str(source, "prefix");
      if (!prefix.isEmpty()) errs.invalidEach(child(at, "prefix"), prefix, Formats.envVarName(prefix));
      int count = 0;
      for (String ref : List.of("configMapRef", "secretRef")) {
        if (!Nodes.has(source, ref)) continue;
        count++;
        String name = Nodes.str(Nodes.get(source, ref), "name");
        if (name.isEmpty()) {
          errs.required(child(child(at, ref), "name"), "");
        } else {
          errs.invalidEach(child(child(at, ref), "name"), name, NameFormat.DNS_SUBDOMAIN.check(name, true));
        }
      }
      // Go reports these two at the list path.
      if (count == 0) {
        errs.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`");
      } else if (count > 1) {
        errs.invalid(path, "", "may not have more than one field specified at a time");
      }
    }
  }

  private static void volumeMounts(List<JsonNode> mounts, Set<String> volumes, String path, Errors errs) {
    Set<String> mountPaths = new HashSet<>();
    for (int i = 0; i < mounts.size(); i++) {
      JsonNode mount = mounts.get(i);
      String at = index(path, i);
      String name = Nodes.str(mount, "name");
      if (name.isEmpty()) errs.required(child(at, "name"), "");
      if (!volumes.contains(name)) errs.notFound(child(at, "name"), name);
      String mountPath = Nodes.str(mount, "mountPath");
      if (mountPath.isEmpty()) errs.required(child(at, "mountPath"), "");
      if (!mountPaths.add(mountPath)) errs.invalid(child(at, "mountPath"), mountPath, "must be unique");
      String subPath = Nodes.str(mount, "subPath");
      if (!subPath.isEmpty()) {
        // Go uses the list path here, not the item's.
        if (subPath.startsWith("/")) errs.invalid(child(path, "subPath"), subPath, "must be a relative path");
        if (List.of(subPath.split("/")).contains("..")) {
          errs.invalid(child(path, "subPath"), subPath, "must not contain '..'");
        }
      }
    }
  }

  private static void probes(JsonNode container, String path, Errors errs) {
    if (Nodes.get(container, "lifecycle") instanceof ObjectNode lifecycle) {
      for (String hook : List.of("postStart", "preStop")) {
        if (Nodes.has(lifecycle, hook)) {
          handler(Nodes.get(lifecycle, hook), List.of("exec", "httpGet", "tcpSocket", "sleep"),
              child(child(path, "lifecycle"), hook), errs);
        }
      }
    }
    for (String name : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      JsonNode probe = Nodes.get(container, name);
      if (probe.isMissingNode()) continue;
      String at = child(path, name);
      handler(probe, List.of("exec", "httpGet", "tcpSocket", "grpc"), at, errs);
      for (String field : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
          "failureThreshold")) {
        MetaValidation.nonNegative(probe, field, at, errs);
      }
      Long grace = Nodes.num(probe, "terminationGracePeriodSeconds");
      if (grace != null && grace <= 0) {
        errs.invalid(child(at, "terminationGracePeriodSeconds"), grace, "must be greater than 0");
      }
      long success = Nodes.numOr(probe, "successThreshold", 0);
      if (!name.equals("readinessProbe") && success != 1) {
        errs.invalid(child(at, "successThreshold"), success, "must be 1");
      }
      if (name.equals("readinessProbe") && grace != null) {
        errs.invalid(child(at, "terminationGracePeriodSeconds"), grace, "must not be set for readinessProbes");
      }
    }
  }

  private static void handler(JsonNode handler, List<String> kinds, String path, Errors errs) {
    int handlers = 0;
    for (String kind : kinds) {
      if (!Nodes.has(handler, kind)) continue;
      String at = child(path, kind);
      if (handlers++ > 0) {
        errs.forbidden(at, "may not specify more than 1 handler type");
        continue;
      }
      JsonNode action = Nodes.get(handler, kind);
      switch (kind) {
        case "exec" -> {
          if (Nodes.list(action, "command").isEmpty()) errs.required(child(at, "command"), "");
        }
        case "httpGet" -> {
          if (Nodes.str(action, "path").isEmpty()) errs.required(child(at, "path"), "");
          portNumOrName(Nodes.get(action, "port"), child(at, "port"), errs);
          String scheme = Nodes.str(action, "scheme");
          if (!scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
            errs.notSupported(child(at, "scheme"), scheme, List.of("HTTP", "HTTPS"));
          }
        }
        case "tcpSocket", "grpc" -> portNumOrName(Nodes.get(action, "port"), child(at, "port"), errs);
        default -> { }
      }
    }
    if (handlers == 0) errs.required(path, "must specify a handler type");
  }

  /** ValidatePortNumOrName for an IntOrString port; absent is the int 0. */
  static void portNumOrName(JsonNode port, String path, Errors errs) {
    if (port.isTextual()) {
      errs.invalidEach(path, port.asText(), Formats.portName(port.asText()));
    } else {
      long value = port.isNumber() ? port.asLong() : 0;
      errs.invalidEach(path, value, Formats.portNum(value));
    }
  }

  private static void tolerations(List<JsonNode> tolerations, String path, Errors errs) {
    for (int i = 0; i < tolerations.size(); i++) {
      JsonNode toleration = tolerations.get(i);
      String at = index(path, i);
      String key = Nodes.str(toleration, "key");
      String operator = Nodes.str(toleration, "operator");
      String value = Nodes.str(toleration, "value");
      String effect = Nodes.str(toleration, "effect");
      if (!key.isEmpty()) errs.invalidEach(child(at, "key"), key, Formats.qualifiedName(key));
      if (key.isEmpty() && !operator.equals("Exists")) {
        errs.invalid(child(at, "operator"), operator,
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
      }
      if (Nodes.has(toleration, "tolerationSeconds") && !effect.equals("NoExecute")) {
        errs.invalid(child(at, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
      }
      switch (operator) {
        case "Equal", "" -> {
          List<String> problems = Formats.labelValue(value);
          if (!problems.isEmpty()) errs.invalid(child(at, "operator"), value, String.join(";", problems));
        }
        case "Exists" -> {
          if (!value.isEmpty()) {
            errs.invalid(child(at, "operator"), value, "value must be empty when `operator` is 'Exists'");
          }
        }
        default -> errs.notSupported(child(at, "operator"), operator, List.of("Equal", "Exists"));
      }
      if (!effect.isEmpty()) taintEffect(effect, child(at, "effect"), errs);
    }
  }

  static void taintEffect(String effect, String path, Errors errs) {
    List<String> effects = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    if (!effects.contains(effect)) errs.notSupported(path, effect, effects);
  }

  /** ValidatePodUpdate: only images, activeDeadlineSeconds and added tolerations may change. */
  static void podUpdate(JsonNode pod, JsonNode old, Errors errs) {
    JsonNode spec = Nodes.get(pod, "spec");
    JsonNode oldSpec = Nodes.get(old, "spec");
    for (String list : List.of("containers", "initContainers")) {
      List<JsonNode> now = Nodes.list(spec, list);
      if (now.size() != Nodes.list(oldSpec, list).size()) {
        errs.forbidden(child("spec", list), "pod updates may not add or remove containers");
        return;
      }
      for (int i = 0; i < now.size(); i++) {
        String image = Nodes.str(now.get(i), "image");
        if (image.isEmpty()) errs.required(child(index(child("spec", list), i), "image"), "");
      }
    }
    Long deadline = Nodes.num(spec, "activeDeadlineSeconds");
    Long oldDeadline = Nodes.num(oldSpec, "activeDeadlineSeconds");
    if (deadline != null) {
      if (deadline < 0 || deadline > Integer.MAX_VALUE) {
        errs.invalid("spec.activeDeadlineSeconds", deadline, Formats.inclusiveRange(0, Integer.MAX_VALUE));
        return;
      }
      if (oldDeadline != null && oldDeadline < deadline) {
        errs.invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value");
        return;
      }
    } else if (oldDeadline != null) {
      errs.invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value");
    }
    onlyAddedTolerations(Nodes.list(spec, "tolerations"), Nodes.list(oldSpec, "tolerations"), errs);
    if (Objects.equals(spec, oldSpec)) return;

    // Put back what may change, then anything left over is a forbidden change.
    ObjectNode munged = spec.isObject() ? ((ObjectNode) spec).deepCopy() : io.drover.api.Json.MAPPER.createObjectNode();
    for (String list : List.of("containers", "initContainers")) {
      List<JsonNode> oldContainers = Nodes.list(oldSpec, list);
      List<JsonNode> containers = Nodes.list(munged, list);
      for (int i = 0; i < containers.size(); i++) {
        if (containers.get(i) instanceof ObjectNode c) {
          restore(c, oldContainers.get(i), "image");
        }
      }
    }
    for (String field : List.of("activeDeadlineSeconds", "tolerations", "schedulingGates")) {
      restore(munged, oldSpec, field);
    }
    Long oldGrace = Nodes.num(oldSpec, "terminationGracePeriodSeconds");
    if (oldGrace != null && oldGrace < 0 && Nodes.numOr(munged, "terminationGracePeriodSeconds", 0) == 1) {
      restore(munged, oldSpec, "terminationGracePeriodSeconds");
    }
    if (!munged.equals(oldSpec)) {
      errs.forbidden("spec", "pod updates may not change fields other than " + UPDATABLE_FIELDS + "\n"
          + Diff.describe(oldSpec, munged));
    }
  }

  private static void restore(ObjectNode target, JsonNode source, String field) {
    JsonNode value = Nodes.get(source, field);
    if (value.isMissingNode()) {
      target.remove(field);
    } else {
      target.set(field, value.deepCopy());
    }
  }

  /** validateOnlyAddedTolerations: every old toleration must still be there (tolerationSeconds may change). */
  private static void onlyAddedTolerations(List<JsonNode> tolerations, List<JsonNode> old, Errors errs) {
    for (JsonNode previous : old) {
      boolean found = false;
      for (JsonNode toleration : tolerations) {
        ObjectNode a = previous.deepCopy();
        ObjectNode b = toleration.deepCopy();
        a.remove("tolerationSeconds");
        b.remove("tolerationSeconds");
        if (a.equals(b)) {
          found = true;
          break;
        }
      }
      if (!found) {
        errs.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds");
        return;
      }
    }
  }

  /** Labels of a pod template, for selector matching. */
  static Map<String, String> templateLabels(JsonNode template) {
    return Nodes.strings(Nodes.get(template, "metadata"), "labels");
  }

  /** Changed paths between two trees, for the message of a refused pod update (Go prints a cmp.Diff). */
  static final class Diff {
    private Diff() {}

    static String describe(JsonNode before, JsonNode after) {
      List<String> lines = new ArrayList<>();
      walk("spec", before, after, lines);
      return String.join("\n", lines);
    }

    private static void walk(String path, JsonNode before, JsonNode after, List<String> lines) {
      if (Objects.equals(before, after)) return;
      if (before != null && after != null && before.isObject() && after.isObject()) {
        Set<String> fields = new TreeSet<>();
        before.fieldNames().forEachRemaining(fields::add);
        after.fieldNames().forEachRemaining(fields::add);
        fields.forEach(f -> walk(child(path, f), before.get(f), after.get(f), lines));
      } else if (before != null && after != null && before.isArray() && after.isArray()
          && before.size() == after.size()) {
        for (int i = 0; i < before.size(); i++) walk(index(path, i), before.get(i), after.get(i), lines);
      } else {
        lines.add("  " + path + ": " + Errors.render(before) + " -> " + Errors.render(after));
      }
    }
  }
}
