package io.drover.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablesTest {

  private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  private static final String FIVE_DAYS_AGO = "2024-04-26T12:00:00Z";
  private static final String FIVE_MINUTES_AGO = "2024-05-01T11:55:00Z";

  private static ObjectNode object(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ObjectNode pod(String spec, String status) {
    return object("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\","
        + "\"creationTimestamp\":\"" + FIVE_DAYS_AGO + "\"},\"spec\":" + spec + ",\"status\":" + status + "}");
  }

  private static final String ONE_CONTAINER = "{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}";

  private static ObjectNode tableOf(ResourceType type, ObjectNode... objects) {
    return Tables.table(type, List.of(objects), "42", null, null, NOW);
  }

  /** The cells of the only row, as strings for text cells and longs for integer cells. */
  private static List<Object> cells(ResourceType type, ObjectNode object) {
    List<Object> values = new ArrayList<>();
    for (JsonNode cell : tableOf(type, object).path("rows").get(0).path("cells")) {
      values.add(cell.isNumber() ? (Object) cell.asLong() : cell.asText());
    }
    return values;
  }

  private static List<String> columnNames(ResourceType type) {
    List<String> names = new ArrayList<>();
    tableOf(type).path("columnDefinitions").forEach(c -> names.add(c.path("name").asText()));
    return names;
  }

  // ---- table shape ----

  @Test
  void tableCarriesKindVersionMetadataAndColumnDefinitions() {
    ObjectNode table = Tables.table(ResourceRegistry.POD, List.of(), "42", "token-1", null, NOW);
    assertEquals("Table", table.path("kind").asText());
    assertEquals("meta.k8s.io/v1", table.path("apiVersion").asText());
    assertEquals("42", table.path("metadata").path("resourceVersion").asText());
    assertEquals("token-1", table.path("metadata").path("continue").asText());
    assertEquals(0, table.path("rows").size());
    JsonNode name = table.path("columnDefinitions").get(0);
    assertEquals("Name", name.path("name").asText());
    assertEquals("string", name.path("type").asText());
    assertEquals("name", name.path("format").asText());
    assertEquals(0, name.path("priority").asInt());
    assertTrue(name.path("description").asText().startsWith("Name must be unique within a namespace."));
    JsonNode ip = table.path("columnDefinitions").get(5);
    assertEquals("IP", ip.path("name").asText());
    assertEquals("", ip.path("format").asText());
    assertEquals(1, ip.path("priority").asInt());
  }

  @Test
  void emptyResourceVersionAndContinueAreOmitted() {
    ObjectNode table = Tables.table(ResourceRegistry.POD, List.of(), "", "", null, NOW);
    assertFalse(table.path("metadata").has("resourceVersion"));
    assertFalse(table.path("metadata").has("continue"));
  }

  @Test
  void everyServedKindHasItsOwnPrinter() {
    for (ResourceType type : ResourceRegistry.ALL) {
      assertTrue(Printers.BY_KIND.containsKey(type.kind()), type.kind());
    }
  }

  @Test
  void columnsMatchThePrintersOfEachKind() {
    assertEquals(List.of("Name", "Status", "Age"), columnNames(ResourceRegistry.NAMESPACE));
    assertEquals(List.of("Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image",
        "Kernel-Version", "Container-Runtime"), columnNames(ResourceRegistry.NODE));
    assertEquals(List.of("Name", "Data", "Age"), columnNames(ResourceRegistry.CONFIG_MAP));
    assertEquals(List.of("Name", "Type", "Data", "Age"), columnNames(ResourceRegistry.SECRET));
    assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
        "Readiness Gates"), columnNames(ResourceRegistry.POD));
    assertEquals(List.of("Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen",
        "Count", "Name"), columnNames(ResourceRegistry.EVENT));
    assertEquals(List.of("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"),
        columnNames(ResourceRegistry.SERVICE));
    assertEquals(List.of("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"),
        columnNames(ResourceRegistry.DEPLOYMENT));
    assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"),
        columnNames(ResourceRegistry.REPLICA_SET));
    assertEquals(List.of("Name", "Created At"), columnNames(ResourceRegistry.LIMIT_RANGE));
  }

  @Test
  void wideColumnsHavePriorityOne() {
    List<Integer> priorities = new ArrayList<>();
    tableOf(ResourceRegistry.EVENT).path("columnDefinitions").forEach(c -> priorities.add(c.path("priority").asInt()));
    assertEquals(List.of(0, 0, 0, 0, 1, 1, 0, 1, 1, 1), priorities);
  }

  // ---- pods ----

  @Test
  void pendingPodShowsItsPhaseAndNoneForUnsetWideCells() {
    assertEquals(List.of("web-1", "0/1", "Pending", "0", "5d", "<none>", "<none>", "<none>", "<none>"),
        cells(ResourceRegistry.POD, pod(ONE_CONTAINER, "{\"phase\":\"Pending\"}")));
  }

  @Test
  void runningPodCountsReadyContainersAndShowsIpAndNode() {
    ObjectNode pod = pod("{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", """
        {"phase":"Running","podIP":"10.1.0.5","conditions":[{"type":"Ready","status":"True"}],
         "containerStatuses":[{"name":"a","ready":true,"restartCount":0,"state":{"running":{}}},
                              {"name":"b","ready":true,"restartCount":0,"state":{"running":{}}}]}""");
    assertEquals(List.of("web-1", "2/2", "Running", "0", "5d", "10.1.0.5", "node-1", "<none>", "<none>"),
        cells(ResourceRegistry.POD, pod));
  }

  @Test
  void crashLoopingPodShowsTheWaitingReasonAndWhenItLastRestarted() {
    ObjectNode pod = pod(ONE_CONTAINER, """
        {"phase":"Running","containerStatuses":[{"name":"web","ready":false,"restartCount":5,
          "state":{"waiting":{"reason":"CrashLoopBackOff"}},
          "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"%s"}}}]}"""
        .formatted(FIVE_MINUTES_AGO));
    List<Object> cells = cells(ResourceRegistry.POD, pod);
    assertEquals(List.of("web-1", "0/1", "CrashLoopBackOff", "5 (5m ago)"), cells.subList(0, 4));
  }

  @Test
  void restartsWithoutAKnownTimeAreJustTheCount() {
    ObjectNode pod = pod(ONE_CONTAINER, "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"web\","
        + "\"ready\":true,\"restartCount\":2,\"state\":{\"running\":{}}}]}");
    assertEquals("2", cells(ResourceRegistry.POD, pod).get(3));
  }

  @Test
  void podBeingDeletedIsTerminatingUnlessItAlreadyFinished() {
    ObjectNode running = pod(ONE_CONTAINER, "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"web\","
        + "\"ready\":true,\"state\":{\"running\":{}}}]}");
    Json.object(running, "metadata").put("deletionTimestamp", FIVE_MINUTES_AGO);
    assertEquals("Terminating", cells(ResourceRegistry.POD, running).get(2));

    ObjectNode lost = pod(ONE_CONTAINER, "{\"phase\":\"Running\",\"reason\":\"NodeLost\"}");
    Json.object(lost, "metadata").put("deletionTimestamp", FIVE_MINUTES_AGO);
    assertEquals("Unknown", cells(ResourceRegistry.POD, lost).get(2));

    ObjectNode done = pod(ONE_CONTAINER, "{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"web\","
        + "\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}]}");
    Json.object(done, "metadata").put("deletionTimestamp", FIVE_MINUTES_AGO);
    assertEquals("Completed", cells(ResourceRegistry.POD, done).get(2));
  }

  @Test
  void finishedPodsCarryACompletedRowCondition() {
    ObjectNode failed = pod(ONE_CONTAINER, "{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"web\","
        + "\"state\":{\"terminated\":{\"exitCode\":2}}}]}");
    JsonNode row = tableOf(ResourceRegistry.POD, failed).path("rows").get(0);
    assertEquals("ExitCode:2", row.path("cells").get(2).asText());
    JsonNode condition = row.path("conditions").get(0);
    assertEquals("Completed", condition.path("type").asText());
    assertEquals("True", condition.path("status").asText());
    assertEquals("Failed", condition.path("reason").asText());
    assertEquals("The pod failed.", condition.path("message").asText());
    assertFalse(tableOf(ResourceRegistry.POD, pod(ONE_CONTAINER, "{\"phase\":\"Running\"}")).path("rows").get(0)
        .has("conditions"));
  }

  @Test
  void podWaitingForInitContainersShowsInitProgress() {
    String spec = "{\"initContainers\":[{\"name\":\"setup\"},{\"name\":\"migrate\"}],"
        + "\"containers\":[{\"name\":\"web\"}]}";
    ObjectNode first = pod(spec, """
        {"phase":"Pending","initContainerStatuses":[
          {"name":"setup","state":{"running":{}}},{"name":"migrate","state":{"waiting":{"reason":"PodInitializing"}}}],
         "containerStatuses":[{"name":"web","state":{"waiting":{"reason":"PodInitializing"}}}]}""");
    assertEquals("Init:0/2", cells(ResourceRegistry.POD, first).get(2));

    ObjectNode second = pod(spec, """
        {"phase":"Pending","initContainerStatuses":[
          {"name":"setup","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
          {"name":"migrate","state":{"running":{}}}]}""");
    assertEquals("Init:1/2", cells(ResourceRegistry.POD, second).get(2));
  }

  @Test
  void failingInitContainerShowsItsReason() {
    String spec = "{\"initContainers\":[{\"name\":\"setup\"}],\"containers\":[{\"name\":\"web\"}]}";
    ObjectNode crashing = pod(spec, "{\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":\"setup\","
        + "\"restartCount\":3,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}");
    List<Object> cells = cells(ResourceRegistry.POD, crashing);
    assertEquals("Init:CrashLoopBackOff", cells.get(2));
    assertEquals("3", cells.get(3));
    ObjectNode failed = pod(spec, "{\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":\"setup\","
        + "\"state\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}}]}");
    assertEquals("Init:Error", cells(ResourceRegistry.POD, failed).get(2));
    ObjectNode killed = pod(spec, "{\"phase\":\"Pending\",\"initContainerStatuses\":[{\"name\":\"setup\","
        + "\"state\":{\"terminated\":{\"exitCode\":137,\"signal\":9}}}]}");
    assertEquals("Init:Signal:9", cells(ResourceRegistry.POD, killed).get(2));
  }

  @Test
  void startedSidecarCountsAsAContainer() {
    String spec = "{\"initContainers\":[{\"name\":\"proxy\",\"restartPolicy\":\"Always\"}],"
        + "\"containers\":[{\"name\":\"web\"}]}";
    ObjectNode pod = pod(spec, """
        {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
         "initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"restartCount":1,
                                   "state":{"running":{}}}],
         "containerStatuses":[{"name":"web","ready":true,"state":{"running":{}}}]}""");
    List<Object> cells = cells(ResourceRegistry.POD, pod);
    assertEquals(List.of("2/2", "Running", "1"), cells.subList(1, 4));
  }

  @Test
  void completedContainerBesideARunningOneIsNotCompleted() {
    String spec = "{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}";
    ObjectNode pod = pod(spec, """
        {"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
         "containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
                              {"name":"b","ready":true,"state":{"running":{}}}]}""");
    assertEquals("NotReady", cells(ResourceRegistry.POD, pod).get(2));
  }

  @Test
  void readinessGatesCountTrueConditions() {
    ObjectNode pod = pod("{\"containers\":[{\"name\":\"web\"}],\"readinessGates\":[{\"conditionType\":\"g1\"},"
        + "{\"conditionType\":\"g2\"}]}", "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"g1\","
        + "\"status\":\"True\"},{\"type\":\"g2\",\"status\":\"False\"}]}");
    assertEquals("1/2", cells(ResourceRegistry.POD, pod).get(8));
  }

  @Test
  void schedulingGatedPodSaysSo() {
    ObjectNode pod = pod(ONE_CONTAINER, "{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\","
        + "\"status\":\"False\",\"reason\":\"SchedulingGated\"}]}");
    assertEquals("SchedulingGated", cells(ResourceRegistry.POD, pod).get(2));
  }

  // ---- workloads ----

  @Test
  void deploymentShowsReadyOverDesiredAndItsTemplate() {
    ObjectNode deployment = object("""
        {"metadata":{"name":"web","namespace":"shop","creationTimestamp":"%s"},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"},
                                                   {"name":"log","image":"busybox"}]}}},
         "status":{"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}"""
        .formatted(FIVE_DAYS_AGO));
    assertEquals(List.of("web", "2/3", 3L, 2L, "5d", "nginx,log", "nginx:1.25,busybox", "app=web"),
        cells(ResourceRegistry.DEPLOYMENT, deployment));
  }

  @Test
  void autoscalerShowsReferenceTargetsAndBounds() {
    ObjectNode hpa = object("""
        {"metadata":{"name":"web","namespace":"shop","creationTimestamp":"%s"},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,
                 "maxReplicas":4,"metrics":[
                   {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
                   {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}}]},
         "status":{"currentReplicas":2,"desiredReplicas":2,"currentMetrics":[
                   {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":12,"averageValue":"12m"}}}]}}"""
        .formatted(FIVE_DAYS_AGO));
    assertEquals(List.of("web", "Deployment/web", "cpu: 12%/50%, memory: <unknown>/100Mi", "1", 4L, 2L, "5d"),
        cells(ResourceRegistry.HORIZONTAL_POD_AUTOSCALER, hpa));
  }

  @Test
  void newDeploymentWithoutStatusShowsZeroes() {
    ObjectNode deployment = object("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":2,"
        + "\"selector\":{}}}");
    assertEquals(List.of("web", "0/2", 0L, 0L, "<unknown>", "", "", ""),
        cells(ResourceRegistry.DEPLOYMENT, deployment));
  }

  @Test
  void replicaSetShowsDesiredCurrentReadyAndSelector() {
    ObjectNode rs = object("""
        {"metadata":{"name":"web-5d8f","namespace":"shop","creationTimestamp":"%s"},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"5d8f"}},
                 "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}},
         "status":{"replicas":3,"readyReplicas":1}}""".formatted(FIVE_MINUTES_AGO));
    assertEquals(List.of("web-5d8f", 3L, 3L, 1L, "5m", "nginx", "nginx:1.25", "app=web,pod-template-hash=5d8f"),
        cells(ResourceRegistry.REPLICA_SET, rs));
    ObjectNode noSelector = object("{\"metadata\":{\"name\":\"r\"},\"spec\":{}}");
    assertEquals(List.of("r", 1L, 0L, 0L, "<unknown>", "", "", "<none>"),
        cells(ResourceRegistry.REPLICA_SET, noSelector));
  }

  // ---- services ----

  @Test
  void nodePortServiceShowsNodePortsAndSelector() {
    ObjectNode svc = object("""
        {"metadata":{"name":"web","namespace":"shop","creationTimestamp":"%s"},
         "spec":{"type":"NodePort","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],
                 "selector":{"tier":"front","app":"web"},
                 "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}}"""
        .formatted(FIVE_DAYS_AGO));
    assertEquals(List.of("web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "5d", "app=web,tier=front"),
        cells(ResourceRegistry.SERVICE, svc));
  }

  @Test
  void clusterIpServiceWithExternalIpsHeadlessAndPortless() {
    ObjectNode svc = object("{\"metadata\":{\"name\":\"db\"},\"spec\":{\"clusterIP\":\"None\","
        + "\"externalIPs\":[\"1.2.3.4\",\"5.6.7.8\"],\"ports\":[{\"port\":5432}]}}");
    assertEquals(List.of("db", "ClusterIP", "None", "1.2.3.4,5.6.7.8", "5432/TCP", "<unknown>", "<none>"),
        cells(ResourceRegistry.SERVICE, svc));
    ObjectNode bare = object("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"type\":\"ClusterIP\"}}");
    assertEquals(List.of("x", "ClusterIP", "<none>", "<none>", "<none>"),
        cells(ResourceRegistry.SERVICE, bare).subList(0, 5));
  }

  @Test
  void loadBalancerServiceIsPendingUntilItHasIngress() {
    ObjectNode pending = object("{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
        + "\"clusterIP\":\"10.96.0.11\",\"ports\":[{\"port\":443,\"nodePort\":31443,\"protocol\":\"TCP\"}]}}");
    assertEquals("<pending>", cells(ResourceRegistry.SERVICE, pending).get(3));
    ObjectNode ready = pending.deepCopy();
    ready.putObject("status").putObject("loadBalancer").putArray("ingress").addObject().put("ip", "203.0.113.9");
    assertEquals("203.0.113.9", cells(ResourceRegistry.SERVICE, ready).get(3));
    ObjectNode external = object("{\"metadata\":{\"name\":\"ext\"},\"spec\":{\"type\":\"ExternalName\","
        + "\"externalName\":\"db.example.com\"}}");
    assertEquals("db.example.com", cells(ResourceRegistry.SERVICE, external).get(3));
  }

  // ---- events ----

  @Test
  void eventShowsAgesObjectSourceAndCount() {
    ObjectNode event = object("""
        {"metadata":{"name":"web-1.17a","namespace":"shop"},"type":"Warning","reason":"BackOff",
         "message":"Back-off restarting failed container\\n","count":4,
         "firstTimestamp":"%s","lastTimestamp":"%s",
         "involvedObject":{"kind":"Pod","name":"web-1","fieldPath":"spec.containers{web}"},
         "source":{"component":"kubelet","host":"node-1"}}""".formatted(FIVE_DAYS_AGO, FIVE_MINUTES_AGO));
    assertEquals(List.of("5m", "Warning", "BackOff", "pod/web-1", "spec.containers{web}", "kubelet, node-1",
        "Back-off restarting failed container", "5d", 4L, "web-1.17a"), cells(ResourceRegistry.EVENT, event));
  }

  @Test
  void newApiEventFallsBackToEventTimeReportingControllerAndSeries() {
    ObjectNode single = object("""
        {"metadata":{"name":"e1"},"type":"Normal","reason":"Scheduled","message":"ok",
         "eventTime":"2024-05-01T11:59:00.000000Z","reportingComponent":"default-scheduler",
         "involvedObject":{"kind":"Node"}}""");
    assertEquals(List.of("60s", "Normal", "Scheduled", "node", "", "default-scheduler", "ok", "60s", 1L, "e1"),
        cells(ResourceRegistry.EVENT, single));
    ObjectNode series = single.deepCopy();
    series.putObject("series").put("count", 7).put("lastObservedTime", "2024-05-01T11:59:50.000000Z");
    List<Object> cells = cells(ResourceRegistry.EVENT, series);
    assertEquals("10s", cells.get(0));
    assertEquals(7L, cells.get(8));
  }

  // ---- cluster objects, config ----

  @Test
  void nodeShowsReadinessCordonRolesAndWideSystemInfo() {
    ObjectNode node = object("""
        {"metadata":{"name":"node-1","creationTimestamp":"%s",
                     "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"",
                               "kubernetes.io/hostname":"node-1"}},
         "spec":{"unschedulable":true},
         "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
                   "addresses":[{"type":"Hostname","address":"node-1"},{"type":"InternalIP","address":"192.168.1.5"}],
                   "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Ubuntu 24.04","kernelVersion":"6.8.0",
                               "containerRuntimeVersion":"drover://0.1"}}}""".formatted(FIVE_DAYS_AGO));
    assertEquals(List.of("node-1", "Ready,SchedulingDisabled", "control-plane,etcd", "5d", "v1.32.0", "192.168.1.5",
        "<none>", "Ubuntu 24.04", "6.8.0", "drover://0.1"), cells(ResourceRegistry.NODE, node));
  }

  @Test
  void nodeWithoutReadyConditionIsUnknownAndFalseIsNotReady() {
    ObjectNode unknown = object("{\"metadata\":{\"name\":\"n\",\"labels\":{\"kubernetes.io/role\":\"worker\"}}}");
    assertEquals(List.of("n", "Unknown", "worker", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>",
        "<unknown>"), cells(ResourceRegistry.NODE, unknown));
    ObjectNode notReady = object("{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":"
        + "[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}");
    assertEquals(List.of("NotReady", "<none>"), cells(ResourceRegistry.NODE, notReady).subList(1, 3));
  }

  @Test
  void namespaceConfigMapAndSecretCells() {
    ObjectNode ns = object("{\"metadata\":{\"name\":\"shop\",\"creationTimestamp\":\"" + FIVE_DAYS_AGO + "\"},"
        + "\"status\":{\"phase\":\"Active\"}}");
    assertEquals(List.of("shop", "Active", "5d"), cells(ResourceRegistry.NAMESPACE, ns));
    ObjectNode cm = object("{\"metadata\":{\"name\":\"cfg\",\"creationTimestamp\":\"" + FIVE_MINUTES_AGO + "\"},"
        + "\"data\":{\"a\":\"1\",\"b\":\"2\"},\"binaryData\":{\"c\":\"AA==\"}}");
    assertEquals(List.of("cfg", 3L, "5m"), cells(ResourceRegistry.CONFIG_MAP, cm));
    ObjectNode secret = object("{\"metadata\":{\"name\":\"tls\"},\"type\":\"kubernetes.io/tls\","
        + "\"data\":{\"tls.crt\":\"AA==\",\"tls.key\":\"AA==\"}}");
    assertEquals(List.of("tls", "kubernetes.io/tls", 2L, "<unknown>"), cells(ResourceRegistry.SECRET, secret));
  }

  // ---- includeObject ----

  @Test
  void rowObjectDefaultsToPartialObjectMetadataWithTheFullMetadata() {
    ObjectNode cm = object("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
        + "\"namespace\":\"shop\",\"labels\":{\"app\":\"web\"},\"resourceVersion\":\"9\"},\"data\":{\"a\":\"1\"}}");
    for (String include : new String[] {null, "", "Metadata"}) {
      JsonNode row = Tables.table(ResourceRegistry.CONFIG_MAP, List.of(cm), "9", null, include, NOW)
          .path("rows").get(0);
      JsonNode partial = row.path("object");
      assertEquals("PartialObjectMetadata", partial.path("kind").asText());
      assertEquals("meta.k8s.io/v1", partial.path("apiVersion").asText());
      assertEquals(cm.get("metadata"), partial.path("metadata"));
      assertFalse(partial.has("data"));
    }
  }

  @Test
  void rowObjectIsTheWholeObjectOrNullOnRequest() {
    ObjectNode cm = object("{\"metadata\":{\"name\":\"cfg\",\"namespace\":\"shop\"},\"data\":{\"a\":\"1\"}}");
    JsonNode whole = Tables.table(ResourceRegistry.CONFIG_MAP, List.of(cm), "9", null, "Object", NOW)
        .path("rows").get(0).path("object");
    assertEquals("ConfigMap", whole.path("kind").asText());
    assertEquals("v1", whole.path("apiVersion").asText());
    assertEquals("1", whole.path("data").path("a").asText());
    assertFalse(cm.has("kind"), "the caller's object is not modified");

    JsonNode none = Tables.table(ResourceRegistry.CONFIG_MAP, List.of(cm), "9", null, "None", NOW).path("rows").get(0);
    assertTrue(none.has("object"));
    assertTrue(none.get("object").isNull());
  }

  @Test
  void unknownIncludeObjectIsABadRequest() {
    ApiException e = assertThrows(ApiException.class,
        () -> Tables.table(ResourceRegistry.POD, List.of(), "1", null, "Everything", NOW));
    assertEquals(400, e.code());
    assertEquals("unrecognized includeObject value: \"Everything\"", e.getMessage());
  }

  @Test
  void rolesPrintNameAndCreatedAtAndBindingsTheirRoleAndSubjects() {
    ObjectNode role = object("{\"metadata\":{\"name\":\"pod-reader\",\"namespace\":\"dev\","
        + "\"creationTimestamp\":\"" + FIVE_DAYS_AGO + "\"},\"rules\":[]}");
    assertEquals(List.of("Name", "Created At"), columnNames(ResourceRegistry.ROLE));
    assertEquals(List.of("pod-reader", FIVE_DAYS_AGO), cells(ResourceRegistry.ROLE, role));
    assertEquals(List.of("Name", "Created At"), columnNames(ResourceRegistry.CLUSTER_ROLE));

    ObjectNode binding = object("{\"metadata\":{\"name\":\"read-pods\",\"namespace\":\"dev\","
        + "\"creationTimestamp\":\"" + FIVE_MINUTES_AGO + "\"},"
        + "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
        + "\"subjects\":[{\"kind\":\"User\",\"name\":\"jane\"},{\"kind\":\"User\",\"name\":\"joe\"},"
        + "{\"kind\":\"Group\",\"name\":\"devs\"},"
        + "{\"kind\":\"ServiceAccount\",\"name\":\"builder\",\"namespace\":\"ci\"}]}");
    for (ResourceType type : List.of(ResourceRegistry.ROLE_BINDING, ResourceRegistry.CLUSTER_ROLE_BINDING)) {
      assertEquals(List.of("Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"), columnNames(type));
      assertEquals(List.of("read-pods", "ClusterRole/view", "5m", "jane, joe", "devs", "ci/builder"),
          cells(type, binding));
    }
    List<Integer> priorities = new ArrayList<>();
    tableOf(ResourceRegistry.ROLE_BINDING).path("columnDefinitions").forEach(c -> priorities.add(c.path("priority")
        .asInt()));
    assertEquals(List.of(0, 0, 0, 1, 1, 1), priorities, "subjects only with -o wide");
  }
}
