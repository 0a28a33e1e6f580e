package io.drover.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The defaulters of pkg/apis/core/v1, apps/v1 and rbac/v1 (defaults.go), plus the create-time
 * normalisations of the registry strategies that shape a stored object (Secret stringData, Namespace
 * finalizers, Service clusterIPs). Only absent fields are filled; values the user set are kept.
 */
final class Defaults {
  private Defaults() {}

  static ObjectNode apply(ResourceType type, ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    if (type == ResourceRegistry.POD) {
      pod(copy);
    } else if (type == ResourceRegistry.DEPLOYMENT) {
      deployment(copy);
    } else if (type == ResourceRegistry.REPLICA_SET) {
      replicaSet(copy);
    } else if (type == ResourceRegistry.JOB) {
      job(copy);
    } else if (type == ResourceRegistry.DAEMON_SET) {
      daemonSet(copy);
    } else if (type == ResourceRegistry.STATEFUL_SET) {
      statefulSet(copy);
    } else if (type == ResourceRegistry.PERSISTENT_VOLUME_CLAIM) {
      claimSpec(Json.object(copy, "spec"));
      putIfAbsent(Json.object(copy, "status"), "phase", "Pending");
    } else if (type == ResourceRegistry.PERSISTENT_VOLUME) {
      ObjectNode spec = Json.object(copy, "spec");
      putIfAbsent(spec, "persistentVolumeReclaimPolicy", "Retain");
      putIfAbsent(spec, "volumeMode", "Filesystem");
      putIfAbsent(Json.object(copy, "status"), "phase", "Pending");
    } else if (type == ResourceRegistry.ENDPOINTS) {
      for (JsonNode subset : Nodes.list(copy, "subsets")) {
        for (JsonNode port : Nodes.list(subset, "ports")) {
          if (port instanceof ObjectNode p) putIfAbsent(p, "protocol", "TCP");
        }
      }
    } else if (type == ResourceRegistry.ENDPOINT_SLICE) {
      for (JsonNode port : Nodes.list(copy, "ports")) {
        if (port instanceof ObjectNode p) putIfAbsent(p, "protocol", "TCP");
      }
    } else if (type == ResourceRegistry.STORAGE_CLASS) {
      putIfAbsent(copy, "reclaimPolicy", "Delete");
      putIfAbsent(copy, "volumeBindingMode", "Immediate");
    } else if (type == ResourceRegistry.CRON_JOB) {
      cronJob(copy);
    } else if (type == ResourceRegistry.HORIZONTAL_POD_AUTOSCALER) {
      horizontalPodAutoscaler(copy);
    } else if (type == ResourceRegistry.SERVICE) {
      service(copy);
    } else if (type == ResourceRegistry.SECRET) {
      secret(copy);
    } else if (type == ResourceRegistry.NAMESPACE) {
      namespace(copy);
    } else if (type == ResourceRegistry.NODE) {
      node(copy);
    } else if (type == ResourceRegistry.LIMIT_RANGE) {
      limitRange(copy);
    } else if (type == ResourceRegistry.ROLE_BINDING || type == ResourceRegistry.CLUSTER_ROLE_BINDING) {
      RbacValidation.bindingDefaults(copy);
    }
    return copy;
  }

  private static void pod(ObjectNode pod) {
    ObjectNode spec = Json.object(pod, "spec");
    podSpec(spec);
    putIfAbsent(spec, "enableServiceLinks", true);
    // SetDefaults_Pod: a limit without a request requests the limit.
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode container : Nodes.list(spec, list)) {
        JsonNode limits = Nodes.get(Nodes.get(container, "resources"), "limits");
        if (!limits.isObject() || limits.isEmpty()) continue;
        ObjectNode requests = Json.object(Json.object((ObjectNode) container, "resources"), "requests");
        limits.fields().forEachRemaining(e -> {
          if (!requests.has(e.getKey())) requests.set(e.getKey(), e.getValue().deepCopy());
        });
      }
    }
  }

  /**
   * SetDefaults_LimitRangeItem: a Container item's missing default limits are its max, its missing default requests
   * the default limits, else its min.
   */
  private static void limitRange(ObjectNode limitRange) {
    for (JsonNode item : Nodes.list(Nodes.get(limitRange, "spec"), "limits")) {
      if (!(item instanceof ObjectNode limit) || !Nodes.str(limit, "type").equals("Container")) continue;
      fillMissing(limit, "default", Nodes.get(limit, "max"));
      fillMissing(limit, "defaultRequest", Nodes.get(limit, "default"));
      fillMissing(limit, "defaultRequest", Nodes.get(limit, "min"));
    }
  }

  private static void fillMissing(ObjectNode item, String field, JsonNode from) {
    if (!from.isObject()) return;
    from.fields().forEachRemaining(e -> {
      if (!Nodes.get(item, field).has(e.getKey())) Json.object(item, field).set(e.getKey(), e.getValue().deepCopy());
    });
  }

  private static void deployment(ObjectNode deployment) {
    ObjectNode spec = Json.object(deployment, "spec");
    putIfAbsent(spec, "replicas", 1);
    ObjectNode strategy = Json.object(spec, "strategy");
    putIfAbsent(strategy, "type", "RollingUpdate");
    if (Nodes.str(strategy, "type").equals("RollingUpdate")) {
      ObjectNode rollingUpdate = Json.object(strategy, "rollingUpdate");
      putIfAbsent(rollingUpdate, "maxUnavailable", "25%");
      putIfAbsent(rollingUpdate, "maxSurge", "25%");
    }
    putIfAbsent(spec, "revisionHistoryLimit", 10);
    putIfAbsent(spec, "progressDeadlineSeconds", 600);
    podSpec(Json.object(Json.object(spec, "template"), "spec"));
  }

  private static void replicaSet(ObjectNode replicaSet) {
    ObjectNode spec = Json.object(replicaSet, "spec");
    putIfAbsent(spec, "replicas", 1);
    podSpec(Json.object(Json.object(spec, "template"), "spec"));
  }

  private static void daemonSet(ObjectNode daemonSet) {
    ObjectNode spec = Json.object(daemonSet, "spec");
    ObjectNode strategy = Json.object(spec, "updateStrategy");
    putIfAbsent(strategy, "type", "RollingUpdate");
    if (Nodes.str(strategy, "type").equals("RollingUpdate")) {
      ObjectNode rollingUpdate = Json.object(strategy, "rollingUpdate");
      putIfAbsent(rollingUpdate, "maxUnavailable", 1);
      putIfAbsent(rollingUpdate, "maxSurge", 0);
    }
    putIfAbsent(spec, "revisionHistoryLimit", 10);
    podSpec(Json.object(Json.object(spec, "template"), "spec"));
  }

  private static void statefulSet(ObjectNode statefulSet) {
    ObjectNode spec = Json.object(statefulSet, "spec");
    putIfAbsent(spec, "replicas", 1);
    putIfAbsent(spec, "podManagementPolicy", "OrderedReady");
    ObjectNode strategy = Json.object(spec, "updateStrategy");
    putIfAbsent(strategy, "type", "RollingUpdate");
    if (Nodes.str(strategy, "type").equals("RollingUpdate")) {
      putIfAbsent(Json.object(strategy, "rollingUpdate"), "partition", 0);
    }
    putIfAbsent(spec, "revisionHistoryLimit", 10);
    ObjectNode retention = Json.object(spec, "persistentVolumeClaimRetentionPolicy");
    putIfAbsent(retention, "whenDeleted", "Retain");
    putIfAbsent(retention, "whenScaled", "Retain");
    podSpec(Json.object(Json.object(spec, "template"), "spec"));
    for (JsonNode claim : Nodes.list(spec, "volumeClaimTemplates")) {
      if (claim instanceof ObjectNode c) {
        claimSpec(Json.object(c, "spec"));
        putIfAbsent(Json.object(c, "status"), "phase", "Pending");
      }
    }
  }

  private static void claimSpec(ObjectNode spec) {
    putIfAbsent(spec, "volumeMode", "Filesystem");
  }

  private static void cronJob(ObjectNode cronJob) {
    ObjectNode spec = Json.object(cronJob, "spec");
    putIfAbsent(spec, "concurrencyPolicy", "Allow");
    putIfAbsent(spec, "suspend", false);
    putIfAbsent(spec, "successfulJobsHistoryLimit", 3);
    putIfAbsent(spec, "failedJobsHistoryLimit", 1);
    ObjectNode jobSpec = Json.object(Json.object(spec, "jobTemplate"), "spec");
    ObjectNode asJob = Json.MAPPER.createObjectNode();
    asJob.set("spec", jobSpec);
    job(asJob);
    jobSpec.remove("manualSelector"); // Kubernetes leaves it unset in a job template
  }

  /**
   * autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, 80% average CPU utilization when no metric
   * is given, and a behavior that is present gets the default rules wherever a field is nil
   * (GenerateHPAScaleUpRules/ScaleDownRules; scaleDown's stabilization window stays unset: the controller's
   * default applies).
   */
  private static void horizontalPodAutoscaler(ObjectNode hpa) {
    ObjectNode spec = Json.object(hpa, "spec");
    putIfAbsent(spec, "minReplicas", 1);
    JsonNode metrics = spec.get("metrics");
    if (metrics == null || metrics.isNull() || (metrics.isArray() && metrics.isEmpty())) {
      ObjectNode cpu = spec.putArray("metrics").addObject();
      cpu.put("type", "Resource");
      cpu.putObject("resource").put("name", "cpu").putObject("target").put("type", "Utilization")
          .put("averageUtilization", 80);
    }
    JsonNode behavior = spec.get("behavior");
    if (behavior == null || !behavior.isObject()) return;
    scalingRules((ObjectNode) behavior, "scaleUp", 0, List.of(List.of("Pods", 4, 15), List.of("Percent", 100, 15)));
    scalingRules((ObjectNode) behavior, "scaleDown", null, List.of(List.of("Percent", 100, 15)));
  }

  private static void scalingRules(ObjectNode behavior, String direction, Integer window, List<List<Object>> policies) {
    ObjectNode rules = Json.object(behavior, direction);
    if (window != null) putIfAbsent(rules, "stabilizationWindowSeconds", window);
    putIfAbsent(rules, "selectPolicy", "Max");
    JsonNode given = rules.get("policies");
    if (given == null || given.isNull()) {
      var list = rules.putArray("policies");
      for (List<Object> p : policies) {
        list.addObject().put("type", (String) p.get(0)).put("value", (Integer) p.get(1))
            .put("periodSeconds", (Integer) p.get(2));
      }
    }
  }

  /** SetDefaults_Job: with neither set, completions and parallelism are 1; a work queue keeps completions unset. */
  private static void job(ObjectNode job) {
    ObjectNode spec = Json.object(job, "spec");
    if (!Nodes.has(spec, "completions") && !Nodes.has(spec, "parallelism")) {
      spec.put("completions", 1);
      spec.put("parallelism", 1);
    }
    putIfAbsent(spec, "parallelism", 1);
    putIfAbsent(spec, "backoffLimit", 6);
    putIfAbsent(spec, "completionMode", "NonIndexed");
    putIfAbsent(spec, "suspend", false);
    putIfAbsent(spec, "manualSelector", false);
    podSpec(Json.object(Json.object(spec, "template"), "spec"));
  }

  /** SetDefaults_PodSpec and everything nested in it; shared by pods and pod templates. */
  private static void podSpec(ObjectNode spec) {
    putIfAbsent(spec, "dnsPolicy", "ClusterFirst");
    putIfAbsent(spec, "restartPolicy", "Always");
    putIfAbsent(spec, "terminationGracePeriodSeconds", 30);
    putIfAbsent(spec, "schedulerName", "default-scheduler");
    if (!Nodes.has(spec, "securityContext")) spec.putObject("securityContext");
    boolean hostNetwork = Nodes.bool(spec, "hostNetwork");
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode container : Nodes.list(spec, list)) {
        if (container instanceof ObjectNode c) container(c, hostNetwork);
      }
    }
    for (JsonNode volume : Nodes.list(spec, "volumes")) {
      if (volume instanceof ObjectNode v) volume(v);
    }
  }

  private static void container(ObjectNode container, boolean hostNetwork) {
    putIfAbsent(container, "imagePullPolicy", pullPolicy(Nodes.str(container, "image")));
    putIfAbsent(container, "terminationMessagePath", "/dev/termination-log");
    putIfAbsent(container, "terminationMessagePolicy", "File");
    if (!Nodes.has(container, "resources")) container.putObject("resources");
    for (JsonNode port : Nodes.list(container, "ports")) {
      if (!(port instanceof ObjectNode p)) continue;
      putIfAbsent(p, "protocol", "TCP");
      // With the host's network the container port is the host port.
      if (hostNetwork && Nodes.numOr(p, "hostPort", 0) == 0 && p.has("containerPort")) {
        p.set("hostPort", p.get("containerPort"));
      }
    }
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      if (Nodes.get(container, probe) instanceof ObjectNode p) probe(p);
    }
    JsonNode lifecycle = Nodes.get(container, "lifecycle");
    for (String hook : List.of("postStart", "preStop")) {
      if (Nodes.get(Nodes.get(lifecycle, hook), "httpGet") instanceof ObjectNode get) httpGet(get);
    }
    for (JsonNode env : Nodes.list(container, "env")) {
      if (Nodes.get(Nodes.get(env, "valueFrom"), "fieldRef") instanceof ObjectNode fieldRef) {
        putIfAbsent(fieldRef, "apiVersion", "v1");
      }
    }
  }

  private static void probe(ObjectNode probe) {
    putIfZero(probe, "timeoutSeconds", 1);
    putIfZero(probe, "periodSeconds", 10);
    putIfZero(probe, "successThreshold", 1);
    putIfZero(probe, "failureThreshold", 3);
    if (Nodes.get(probe, "httpGet") instanceof ObjectNode get) httpGet(get);
  }

  private static void httpGet(ObjectNode get) {
    putIfAbsent(get, "path", "/");
    putIfAbsent(get, "scheme", "HTTP");
  }

  private static void volume(ObjectNode volume) {
    // SetDefaults_Volume: a volume without a source is an emptyDir.
    if (PodValidation.VOLUME_SOURCES.stream().noneMatch(source -> Nodes.has(volume, source))) {
      volume.putObject("emptyDir");
    }
    for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
      if (Nodes.get(volume, source) instanceof ObjectNode s) putIfAbsent(s, "defaultMode", 420);
    }
    if (Nodes.get(volume, "hostPath") instanceof ObjectNode hostPath) putIfAbsent(hostPath, "type", "");
    downwardItems(Nodes.get(volume, "downwardAPI"));
    for (JsonNode source : Nodes.list(Nodes.get(volume, "projected"), "sources")) {
      // SetDefaults_ServiceAccountTokenProjection: an hour.
      if (Nodes.get(source, "serviceAccountToken") instanceof ObjectNode token) {
        putIfAbsent(token, "expirationSeconds", 3600);
      }
      downwardItems(Nodes.get(source, "downwardAPI"));
    }
  }

  /** SetDefaults_ObjectFieldSelector for a downward API volume's or projection's items. */
  private static void downwardItems(JsonNode downwardAPI) {
    for (JsonNode item : Nodes.list(downwardAPI, "items")) {
      if (Nodes.get(item, "fieldRef") instanceof ObjectNode fieldRef) putIfAbsent(fieldRef, "apiVersion", "v1");
    }
  }

  /** ":latest" or no tag pulls every time; a pinned tag or digest only when missing. */
  static String pullPolicy(String image) {
    int at = image.indexOf('@');
    String name = at >= 0 ? image.substring(0, at) : image;
    String lastComponent = name.substring(name.lastIndexOf('/') + 1);
    int colon = lastComponent.lastIndexOf(':');
    String tag = colon >= 0 ? lastComponent.substring(colon + 1) : "";
    if (tag.isEmpty() && at < 0) tag = "latest";
    return tag.equals("latest") ? "Always" : "IfNotPresent";
  }

  private static void service(ObjectNode service) {
    ObjectNode spec = Json.object(service, "spec");
    putIfAbsent(spec, "type", "ClusterIP");
    putIfAbsent(spec, "sessionAffinity", "None");
    String type = Nodes.str(spec, "type");
    if (Nodes.str(spec, "sessionAffinity").equals("None")) {
      spec.remove("sessionAffinityConfig");
    } else if (Nodes.str(spec, "sessionAffinity").equals("ClientIP")) {
      ObjectNode clientIP = Json.object(Json.object(spec, "sessionAffinityConfig"), "clientIP");
      putIfAbsent(clientIP, "timeoutSeconds", 10800);
    }
    for (JsonNode port : Nodes.list(spec, "ports")) {
      if (!(port instanceof ObjectNode p)) continue;
      putIfAbsent(p, "protocol", "TCP");
      JsonNode target = Nodes.get(p, "targetPort");
      boolean unset = target.isMissingNode() || (target.isNumber() && target.asLong() == 0)
          || (target.isTextual() && target.asText().isEmpty());
      if (unset && p.has("port")) p.set("targetPort", p.get("port"));
    }
    boolean externallyAccessible = type.equals("NodePort") || type.equals("LoadBalancer")
        || (type.equals("ClusterIP") && !Nodes.list(spec, "externalIPs").isEmpty());
    if (externallyAccessible) putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
    if (type.equals("ClusterIP") || type.equals("NodePort") || type.equals("LoadBalancer")) {
      putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
    }
    if (type.equals("LoadBalancer")) putIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
    // The strategy keeps clusterIPs in step with a user-set clusterIP (normalizeClusterIPs).
    String clusterIP = Nodes.str(spec, "clusterIP");
    if (!clusterIP.isEmpty() && Nodes.list(spec, "clusterIPs").isEmpty() && !type.equals("ExternalName")) {
      spec.putArray("clusterIPs").add(clusterIP);
    }
  }

  private static void secret(ObjectNode secret) {
    putIfAbsent(secret, "type", "Opaque");
    // v1 conversion folds stringData into data (stringData wins) and never stores it.
    JsonNode stringData = Nodes.get(secret, "stringData");
    if (stringData.isObject()) {
      ObjectNode data = Json.object(secret, "data");
      stringData.fields().forEachRemaining(e -> data.put(e.getKey(),
          Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    }
    secret.remove("stringData");
  }

  private static void namespace(ObjectNode namespace) {
    String name = Nodes.str(Nodes.get(namespace, "metadata"), "name");
    if (!name.isEmpty()) {
      Json.object(Json.object(namespace, "metadata"), "labels").put("kubernetes.io/metadata.name", name);
    }
    ObjectNode spec = Json.object(namespace, "spec");
    if (!Nodes.has(spec, "finalizers")) spec.putArray("finalizers").add("kubernetes");
    putIfAbsent(Json.object(namespace, "status"), "phase", "Active");
  }

  private static void node(ObjectNode node) {
    JsonNode status = Nodes.get(node, "status");
    if (status instanceof ObjectNode s && Nodes.has(s, "capacity") && !Nodes.has(s, "allocatable")) {
      s.set("allocatable", s.get("capacity").deepCopy());
    }
  }

  /** Sets a field Go would see as unset: absent, null, or (for strings) empty. */
  private static void putIfAbsent(ObjectNode node, String field, Object value) {
    JsonNode current = node.get(field);
    boolean unset = current == null || current.isNull()
        || (value instanceof String && current.isTextual() && current.asText().isEmpty());
    if (!unset) return;
    if (value instanceof String s) {
      node.put(field, s);
    } else if (value instanceof Integer i) {
      node.put(field, i);
    } else {
      node.put(field, (Boolean) value);
    }
  }

  /** For Go fields that are plain ints, zero means unset. */
  private static void putIfZero(ObjectNode node, String field, int value) {
    JsonNode current = node.get(field);
    if (current == null || current.isNull() || (current.isNumber() && current.asLong() == 0)) node.put(field, value);
  }
}
