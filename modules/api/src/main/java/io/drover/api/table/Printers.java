package io.drover.api.table;

import static io.drover.api.table.Cells.NONE;
import static io.drover.api.table.Cells.orNone;
import static io.drover.api.table.Cells.text;
import static io.drover.api.table.Column.ageColumn;
import static io.drover.api.table.Column.column;
import static io.drover.api.table.Column.integer;
import static io.drover.api.table.Column.nameColumn;
import static io.drover.api.table.Column.wide;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.FieldSelector;
import io.drover.api.select.LabelSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The columns of each kind's table, as the apiserver's printers define them (pkg/printers/internalversion/
 * printers.go). The server always fills the wide (priority 1) cells; kubectl hides them unless {@code -o wide}.
 */
final class Printers {
  private Printers() {}

  private static final String ADDRESSES_DOC = "List of addresses reachable to the node.";

  private static final String SERVICE_ACCOUNT_SECRETS_DOC = "Secrets is a list of the secrets in the same namespace "
      + "that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this "
      + "service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The "
      + "\"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces "
      + "to isolate access to mounted secrets. This field should not be used to find auto-generated service account "
      + "token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, "
      + "or service account token secrets can be manually created. More info: "
      + "https://kubernetes.io/docs/concepts/configuration/secret";

  /**
   * For kinds without a printer: the generic NAME and CREATED AT of the apiserver's default table convertor.
   * Declared before {@link #BY_KIND}, which lists it for Roles and ClusterRoles.
   */
  static final List<Column> DEFAULT = List.of(
      nameColumn(),
      new Column("Created At", "date", "", 0, Cells.AGE_DOC, (o, now) -> text(o, "metadata.creationTimestamp")));

  static final Map<String, List<Column>> BY_KIND = merged(merged(merged(merged(merged(merged(coreAndApps(),
      batchAndPolicy()), autoscaling()), StoragePrinters.columns()), RbacPrinters.columns()),
      Map.of("ServiceAccount", List.of(
          Column.nameColumn(),
          Column.column("Secrets", SERVICE_ACCOUNT_SECRETS_DOC, (o, now) -> (long) o.path("secrets").size()),
          Column.ageColumn()))), Map.of("ResourceQuota", List.of(
          Column.nameColumn(), Column.ageColumn(),
          Column.column("Request", "Request represents a minimum amount of cpu/memory that a container may consume.",
              (o, now) -> quotaUsage(o, false)),
          Column.column("Limit", "Limits control the maximum amount of cpu/memory that a container may use "
              + "independent of contention on the node.", (o, now) -> quotaUsage(o, true))),
      // kube-apiserver has no printer for LimitRanges: its default table (NAME, CREATED AT).
      "LimitRange", List.of(Column.nameColumn(), Column.createdAtColumn())));

  /** kubectl's quota cells: "pods: 1/2, requests.cpu: 500m/1" for requests, the limits.* ones for limits. */
  private static String quotaUsage(com.fasterxml.jackson.databind.JsonNode quota, boolean limits) {
    List<String> parts = new java.util.ArrayList<>();
    java.util.List<String> names = new java.util.ArrayList<>();
    quota.path("status").path("hard").fieldNames().forEachRemaining(names::add);
    java.util.Collections.sort(names);
    for (String name : names) {
      if (name.startsWith("limits.") != limits) continue;
      parts.add(name + ": " + quota.path("status").path("used").path(name).asText("0") + "/"
          + quota.path("status").path("hard").path(name).asText());
    }
    return String.join(", ", parts);
  }

  private static Map<String, List<Column>> merged(Map<String, List<Column>> a, Map<String, List<Column>> b) {
    Map<String, List<Column>> all = new java.util.HashMap<>(a);
    all.putAll(b);
    return Map.copyOf(all);
  }

  private static Map<String, List<Column>> coreAndApps() {
    return Map.of(
      "Namespace", List.of(
          nameColumn(),
          column("Status", "The status of the namespace", (o, now) -> text(o, "status.phase")),
          ageColumn()),
      "Node", List.of(
          nameColumn(),
          column("Status", "The status of the node", (o, now) -> nodeStatus(o)),
          column("Roles", "The roles of the node", (o, now) -> nodeRoles(o)),
          ageColumn(),
          column("Version", "Kubelet Version reported by the node.",
              (o, now) -> text(o, "status.nodeInfo.kubeletVersion")),
          wide("Internal-IP", ADDRESSES_DOC, (o, now) -> nodeAddress(o, "InternalIP")),
          wide("External-IP", ADDRESSES_DOC, (o, now) -> nodeAddress(o, "ExternalIP")),
          wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
              (o, now) -> unknownIfEmpty(text(o, "status.nodeInfo.osImage"))),
          wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
              (o, now) -> unknownIfEmpty(text(o, "status.nodeInfo.kernelVersion"))),
          wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API "
              + "(e.g. containerd://1.4.2).",
              (o, now) -> unknownIfEmpty(text(o, "status.nodeInfo.containerRuntimeVersion")))),
      "ConfigMap", List.of(
          nameColumn(),
          column("Data", "Data contains the configuration data.",
              (o, now) -> (long) (o.path("data").size() + o.path("binaryData").size())),
          ageColumn()),
      "Secret", List.of(
          nameColumn(),
          column("Type", "Used to facilitate programmatic handling of secret data.", (o, now) -> text(o, "type")),
          column("Data", "Data contains the secret data.", (o, now) -> (long) o.path("data").size()),
          ageColumn()),
      "Pod", List.of(
          nameColumn(),
          column("Ready", "The aggregate readiness state of this pod for accepting traffic.",
              (o, now) -> PodSummary.of(o).readyCell()),
          column("Status", "The aggregate status of the containers in this pod.",
              (o, now) -> PodSummary.of(o).reason()),
          column("Restarts", "The number of times the containers in this pod have been restarted and when the last "
              + "container in this pod has restarted.", (o, now) -> PodSummary.of(o).restartsCell(now)),
          ageColumn(),
          wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
              + "allocated.", (o, now) -> orNone(podIP(o))),
          wide("Node", "NodeName indicates in which node this pod is scheduled.",
              (o, now) -> orNone(text(o, "spec.nodeName"))),
          wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
              + "cannot be scheduled right away as preemption victims receive their graceful termination periods.",
              (o, now) -> orNone(text(o, "status.nominatedNodeName"))),
          wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.",
              (o, now) -> readinessGates(o))),
      "Event", List.of(
          column("Last Seen", "The time at which the most recent occurrence of this event was recorded.",
              Printers::eventLastSeen),
          column("Type", "Type of this event (Normal, Warning), new types could be added in the future",
              (o, now) -> text(o, "type")),
          column("Reason", "This should be a short, machine understandable string that gives the reason for the "
              + "transition into the object's current status.", (o, now) -> text(o, "reason")),
          column("Object", "The object that this event is about.", (o, now) -> eventObject(o)),
          wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should "
              + "contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
              (o, now) -> text(o, "involvedObject.fieldPath")),
          wide("Source", "The component reporting this event. Should be a short machine understandable string.",
              (o, now) -> eventSource(o)),
          column("Message", "A human-readable description of the status of this operation.",
              (o, now) -> text(o, "message").strip()),
          wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
              Printers::eventFirstSeen),
          new Column("Count", "string", "", 1, "The number of times this event has occurred.",
              (o, now) -> eventCount(o)),
          new Column("Name", "string", "name", 1, Cells.NAME_DOC, (o, now) -> text(o, "metadata.name"))),
      "Service", List.of(
          nameColumn(),
          column("Type", "type determines how the Service is exposed.", (o, now) -> serviceType(o)),
          column("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly.",
              (o, now) -> clusterIP(o)),
          column("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also "
              + "accept traffic for this service.", (o, now) -> externalIP(o)),
          column("Port(s)", "The list of ports that are exposed by this service.", (o, now) -> orNone(ports(o))),
          ageColumn(),
          wide("Selector", "Route service traffic to pods with label keys and values matching this selector.",
              (o, now) -> Cells.formatLabels(Cells.map(o, "spec.selector")))),
      "Deployment", List.of(
          nameColumn(),
          column("Ready", "Number of the pod with ready state", (o, now) ->
              Cells.integer(o, "status.readyReplicas", 0) + "/" + Cells.integer(o, "spec.replicas", 1)),
          column("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired "
              + "template spec.", (o, now) -> Cells.integer(o, "status.updatedReplicas", 0)),
          column("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this "
              + "deployment.", (o, now) -> Cells.integer(o, "status.availableReplicas", 0)),
          ageColumn(),
          wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
          wide("Images", Cells.IMAGES_DOC, Cells::containerImages),
          wide("Selector", "Label selector for pods.", Printers::deploymentSelector)),
      "ReplicaSet", List.of(
          nameColumn(),
          integer("Desired", "Replicas is the number of desired replicas.",
              (o, now) -> Cells.integer(o, "spec.replicas", 1)),
          integer("Current", "Replicas is the most recently observed number of replicas.",
              (o, now) -> Cells.integer(o, "status.replicas", 0)),
          integer("Ready", "The number of ready replicas for this replica set.",
              (o, now) -> Cells.integer(o, "status.readyReplicas", 0)),
          ageColumn(),
          wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
          wide("Images", Cells.IMAGES_DOC, Cells::containerImages),
          wide("Selector", "Selector is a label query over pods that should match the replica count.",
              Cells::formatLabelSelector)));
  }

  private static Map<String, List<Column>> batchAndPolicy() {
    return Map.of(
      "DaemonSet", List.of(
          nameColumn(),
          integer("Desired", "The number of nodes that should be running the daemon pod.",
              (o, now) -> Cells.integer(o, "status.desiredNumberScheduled", 0)),
          integer("Current", "The number of nodes running at least one daemon pod.",
              (o, now) -> Cells.integer(o, "status.currentNumberScheduled", 0)),
          integer("Ready", "The number of nodes running a ready daemon pod.",
              (o, now) -> Cells.integer(o, "status.numberReady", 0)),
          integer("Up-to-date", "The total number of nodes running the updated daemon pod.",
              (o, now) -> Cells.integer(o, "status.updatedNumberScheduled", 0)),
          integer("Available", "The number of nodes running an available daemon pod.",
              (o, now) -> Cells.integer(o, "status.numberAvailable", 0)),
          column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node.",
              (o, now) -> orNone(Cells.formatLabels(Cells.map(o, "spec.template.spec.nodeSelector")))),
          ageColumn(),
          wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
          wide("Images", Cells.IMAGES_DOC, Cells::containerImages),
          wide("Selector", "A label query over pods that are managed by the daemon set.",
              Cells::formatLabelSelector)),
      "PodDisruptionBudget", List.of(
          nameColumn(),
          column("Min Available", "The minimum number of pods that must be available simultaneously.",
              (o, now) -> orNone(o.path("spec").path("minAvailable").asText(""))),
          column("Max Unavailable", "The maximum number of pods that may be unavailable simultaneously.",
              (o, now) -> orNone(o.path("spec").path("maxUnavailable").asText(""))),
          integer("Allowed Disruptions", "Calculates the number of pods that can be disrupted at this time.",
              (o, now) -> Cells.integer(o, "status.disruptionsAllowed", 0)),
          ageColumn()),
      "CronJob", List.of(
          nameColumn(),
          column("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
              (o, now) -> text(o, "spec.schedule")),
          column("Timezone", "The time zone name for the given schedule.",
              (o, now) -> orNone(o.path("spec").path("timeZone").asText(""))),
          column("Suspend", "This flag tells the controller to suspend subsequent executions.",
              (o, now) -> Boolean.toString(o.path("spec").path("suspend").asBoolean(false))),
          integer("Active", "A list of pointers to currently running jobs.",
              (o, now) -> (long) o.path("status").path("active").size()),
          column("Last Schedule", "Information when was the last time the job was successfully scheduled.",
              (o, now) -> lastSchedule(o, now)),
          ageColumn(),
          wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
          wide("Images", Cells.IMAGES_DOC, Cells::containerImages),
          wide("Selector", "A label query over pods that should match the pod count.",
              Cells::formatLabelSelector)),
      "Job", List.of(
          nameColumn(),
          column("Status", "Status of the job.", (o, now) -> jobStatus(o)),
          column("Completions", "The completion status of the job.", (o, now) -> jobCompletions(o)),
          column("Duration", "Time required to complete the job.", Printers::jobDuration),
          ageColumn(),
          wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
          wide("Images", Cells.IMAGES_DOC, Cells::containerImages),
          wide("Selector", "A label query over pods that should match the pod count.",
              Cells::formatLabelSelector)));
  }

  private static Map<String, List<Column>> autoscaling() {
    return Map.of(
      "HorizontalPodAutoscaler", List.of(
          nameColumn(),
          column("Reference", "Reference to target resource",
              (o, now) -> text(o, "spec.scaleTargetRef.kind") + "/" + text(o, "spec.scaleTargetRef.name")),
          column("Targets", "Current and target metrics", (o, now) -> hpaTargets(o)),
          column("MinPods", "Minimum number of pods.", (o, now) -> o.path("spec").has("minReplicas")
              ? o.path("spec").path("minReplicas").asText() : "<unset>"),
          integer("MaxPods", "Maximum number of pods.", (o, now) -> Cells.integer(o, "spec.maxReplicas", 0)),
          integer("Replicas", "Current number of pods.", (o, now) -> Cells.integer(o, "status.currentReplicas", 0)),
          ageColumn()));
  }

  // ---- autoscaling ----

  /** formatHPAMetrics: "cpu: 12%/50%" per metric, the first two, then "+ N more...". */
  static String hpaTargets(JsonNode hpa) {
    JsonNode specs = hpa.path("spec").path("metrics");
    JsonNode statuses = hpa.path("status").path("currentMetrics");
    if (specs.isEmpty()) return "<none>";
    List<String> list = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      JsonNode spec = specs.get(i);
      JsonNode status = statuses.path(i);
      String type = spec.path("type").asText();
      String field = switch (type) {
        case "Resource" -> "resource";
        case "ContainerResource" -> "containerResource";
        case "Pods" -> "pods";
        case "Object" -> "object";
        case "External" -> "external";
        default -> "";
      };
      JsonNode source = spec.path(field);
      JsonNode target = source.path("target");
      JsonNode current = status.path(field).path("current");
      String name = switch (type) {
        case "Resource" -> source.path("name").asText();
        case "ContainerResource" -> source.path("name").asText() + " (container " + source.path("container").asText() + ")";
        default -> source.path("metric").path("name").asText();
      };
      if ((type.equals("Resource") || type.equals("ContainerResource")) && !target.has("averageValue")) {
        String now = current.has("averageUtilization") ? current.path("averageUtilization").asText() + "%" : "<unknown>";
        String want = target.has("averageUtilization") ? target.path("averageUtilization").asText() + "%" : "<auto>";
        list.add(name + ": " + now + "/" + want);
      } else {
        String key = target.has("averageValue") ? "averageValue" : "value";
        String now = current.has(key) ? current.path(key).asText() : "<unknown>";
        list.add(name + ": " + now + "/" + target.path(key).asText() + (type.equals("External") && key.equals("averageValue") ? " (avg)" : ""));
      }
    }
    if (list.size() > 2) return String.join(", ", list.subList(0, 2)) + " + " + (list.size() - 2) + " more...";
    return String.join(", ", list);
  }

  // ---- jobs ----

  private static String lastSchedule(JsonNode cronJob, Instant now) {
    String last = cronJob.path("status").path("lastScheduleTime").asText("");
    if (last.isEmpty()) return "<none>";
    try {
      return HumanDuration.since(Instant.parse(last), now);
    } catch (RuntimeException e) {
      return "<none>";
    }
  }

  private static String jobStatus(JsonNode job) {
    if (job.path("metadata").has("deletionTimestamp")) return "Terminating";
    for (JsonNode c : job.path("status").path("conditions")) {
      if (!"True".equals(c.path("status").asText())) continue;
      switch (c.path("type").asText()) {
        case "Complete", "SuccessCriteriaMet" -> { return "Complete"; }
        case "Failed", "FailureTarget" -> { return "Failed"; }
        case "Suspended" -> { return "Suspended"; }
        default -> { }
      }
    }
    return "Running";
  }

  private static String jobCompletions(JsonNode job) {
    int succeeded = job.path("status").path("succeeded").asInt(0);
    JsonNode completions = job.path("spec").path("completions");
    if (completions.isNumber()) return succeeded + "/" + completions.asInt();
    int parallelism = job.path("spec").path("parallelism").asInt(1);
    return parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
  }

  private static String jobDuration(JsonNode job, Instant now) {
    String start = job.path("status").path("startTime").asText("");
    if (start.isEmpty()) return "";
    String end = job.path("status").path("completionTime").asText("");
    try {
      return HumanDuration.format(java.time.Duration.between(Instant.parse(start),
          end.isEmpty() ? now : Instant.parse(end)));
    } catch (RuntimeException e) {
      return "";
    }
  }

  // ---- nodes ----

  private static String nodeStatus(JsonNode node) {
    List<String> status = new ArrayList<>();
    String ready = null;
    for (JsonNode condition : node.path("status").path("conditions")) {
      if (condition.path("type").asText().equals("Ready")) ready = condition.path("status").asText();
    }
    if (ready != null) status.add(ready.equals("True") ? "Ready" : "NotReady");
    if (status.isEmpty()) status.add("Unknown");
    if (node.path("spec").path("unschedulable").asBoolean(false)) status.add("SchedulingDisabled");
    return String.join(",", status);
  }

  // node-role.kubernetes.io/<role> labels, and the older kubernetes.io/role=<role>.
  private static String nodeRoles(JsonNode node) {
    TreeSet<String> roles = new TreeSet<>();
    Cells.map(node, "metadata.labels").forEach((key, value) -> {
      if (key.startsWith("node-role.kubernetes.io/")) {
        String role = key.substring("node-role.kubernetes.io/".length());
        if (!role.isEmpty()) roles.add(role);
      } else if (key.equals("kubernetes.io/role") && !value.isEmpty()) {
        roles.add(value);
      }
    });
    return orNone(String.join(",", roles));
  }

  private static String nodeAddress(JsonNode node, String type) {
    for (JsonNode address : node.path("status").path("addresses")) {
      if (address.path("type").asText().equals(type)) return address.path("address").asText();
    }
    return NONE;
  }

  private static String unknownIfEmpty(String value) {
    return value.isEmpty() ? "<unknown>" : value;
  }

  // ---- pods ----

  // The same primary IP the status.podIP field selector reads.
  private static String podIP(JsonNode pod) {
    return FieldSelector.fieldsOf(ResourceRegistry.POD, (ObjectNode) pod).get("status.podIP");
  }

  private static String readinessGates(JsonNode pod) {
    JsonNode gates = pod.path("spec").path("readinessGates");
    if (gates.size() == 0) return NONE;
    int satisfied = 0;
    for (JsonNode gate : gates) {
      for (JsonNode condition : pod.path("status").path("conditions")) {
        if (condition.path("type").asText().equals(gate.path("conditionType").asText())) {
          if (condition.path("status").asText().equals("True")) satisfied++;
          break;
        }
      }
    }
    return satisfied + "/" + gates.size();
  }

  // ---- events ----

  private static String eventFirstSeen(JsonNode event, Instant now) {
    Instant first = Cells.time(event, "firstTimestamp");
    return HumanDuration.since(first != null ? first : Cells.time(event, "eventTime"), now);
  }

  private static String eventLastSeen(JsonNode event, Instant now) {
    if (event.path("series").isObject()) {
      return HumanDuration.since(Cells.time(event, "series.lastObservedTime"), now);
    }
    Instant last = Cells.time(event, "lastTimestamp");
    return last != null ? HumanDuration.since(last, now) : eventFirstSeen(event, now);
  }

  private static long eventCount(JsonNode event) {
    if (event.path("series").isObject()) return Cells.integer(event, "series.count", 0);
    long count = Cells.integer(event, "count", 0);
    return count == 0 ? 1 : count; // singleton events of the events.k8s.io API carry no count
  }

  private static String eventObject(JsonNode event) {
    String kind = text(event, "involvedObject.kind").toLowerCase();
    String name = text(event, "involvedObject.name");
    return name.isEmpty() ? kind : kind + "/" + name;
  }

  private static String eventSource(JsonNode event) {
    String component = Cells.firstNonEmpty(text(event, "source.component"), text(event, "reportingComponent"));
    String instance = Cells.firstNonEmpty(text(event, "source.host"), text(event, "reportingInstance"));
    return instance.isEmpty() ? component : component + ", " + instance;
  }

  // ---- services (absent type and protocol read as the apiserver's defaults) ----

  private static String serviceType(JsonNode svc) {
    String type = text(svc, "spec.type");
    return type.isEmpty() ? "ClusterIP" : type;
  }

  private static String clusterIP(JsonNode svc) {
    String ip = text(svc, "spec.clusterIP");
    if (ip.isEmpty()) {
      JsonNode ips = svc.path("spec").path("clusterIPs");
      ip = ips.size() > 0 ? ips.get(0).asText("") : "";
    }
    return orNone(ip);
  }

  private static String externalIP(JsonNode svc) {
    List<String> externalIPs = new ArrayList<>();
    svc.path("spec").path("externalIPs").forEach(ip -> externalIPs.add(ip.asText()));
    switch (serviceType(svc)) {
      case "ClusterIP", "NodePort" -> {
        return externalIPs.isEmpty() ? NONE : String.join(",", externalIPs);
      }
      case "LoadBalancer" -> {
        TreeSet<String> ingress = new TreeSet<>();
        for (JsonNode point : svc.path("status").path("loadBalancer").path("ingress")) {
          String ip = point.path("ip").asText("");
          String host = point.path("hostname").asText("");
          if (!ip.isEmpty()) {
            ingress.add(ip);
          } else if (!host.isEmpty()) {
            ingress.add(host);
          }
        }
        List<String> all = new ArrayList<>(ingress);
        all.addAll(externalIPs);
        return all.isEmpty() ? "<pending>" : String.join(",", all);
      }
      case "ExternalName" -> {
        return text(svc, "spec.externalName");
      }
      default -> {
        return "<unknown>";
      }
    }
  }

  /** "80/TCP", or "80:30080/TCP" with a node port, joined by commas. */
  private static String ports(JsonNode svc) {
    List<String> pieces = new ArrayList<>();
    for (JsonNode port : svc.path("spec").path("ports")) {
      String protocol = port.path("protocol").asText("");
      protocol = protocol.isEmpty() ? "TCP" : protocol;
      long nodePort = port.path("nodePort").asLong(0);
      pieces.add(port.path("port").asLong(0) + (nodePort > 0 ? ":" + nodePort : "") + "/" + protocol);
    }
    return String.join(",", pieces);
  }

  // ---- deployments: the selector's plain string, empty when it selects everything ----

  private static String deploymentSelector(JsonNode deployment, Instant now) {
    try {
      return LabelSelector.fromJson(Json.at(deployment, "spec.selector")).toString();
    } catch (ApiException e) {
      return "<invalid>";
    }
  }
}
