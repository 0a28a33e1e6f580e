package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real kubectl 1.32 against a Drover member: the commands users type, as they type them. */
class KubectlTest {
  static Path dataDir;
  static DroverServer server;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir);
    kubectl = new Kubectl(server.kubeconfig());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
    TestServers.deleteRecursively(dataDir);
  }

  static JsonNode json(Kubectl.Result result) throws Exception {
    return Json.MAPPER.readTree(result.assertOk().stdout());
  }

  static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        labels: {app: web}
      spec:
        replicas: %d
        selector:
          matchLabels: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            terminationGracePeriodSeconds: 2
            containers:
            - name: app
              image: %s
              command: ["sleep", "3600"]
              env:
              - {name: A, value: "1"}
            - name: sidecar
              image: busybox:1.36
              command: ["sleep", "3600"]
      """;

  @Test
  void versionAndDiscoveryLetKubectlListResourcesWithShortNames() {
    String version = kubectl.run("version", "-o", "json").assertOk().stdout();
    assertTrue(version.contains("\"minor\": \"32\""), version);
    String resources = kubectl.run("api-resources").assertOk().stdout();
    for (String expected : new String[] {"configmaps", "cm", "deployments", "deploy", "pods", "po", "namespaces", "ns"}) {
      assertTrue(resources.contains(expected), expected + " missing in\n" + resources);
    }
  }

  @Test
  void createNamespaceAndConfigMapFromLiteralsWithProtobufBodies() throws Exception {
    kubectl.run("create", "namespace", "proto-ns").assertOk();
    kubectl.run("create", "configmap", "cfg", "-n", "proto-ns", "--from-literal=greeting=hello",
        "--from-literal=count=3").assertOk();
    JsonNode cm = json(kubectl.run("get", "cm", "cfg", "-n", "proto-ns", "-o", "json"));
    assertEquals("hello", cm.at("/data/greeting").asText());
    assertEquals("3", cm.at("/data/count").asText());
    assertEquals("Active", json(kubectl.run("get", "ns", "proto-ns", "-o", "json")).at("/status/phase").asText());
    kubectl.run("create", "secret", "generic", "token", "-n", "proto-ns", "--from-literal=key=s3cret").assertOk();
    JsonNode secret = json(kubectl.run("get", "secret", "token", "-n", "proto-ns", "-o", "json"));
    assertEquals("czNjcmV0", secret.at("/data/key").asText());
    assertEquals("Opaque", secret.at("/type").asText());
  }

  @Test
  void applyTwiceCreatesThenPatchesTheChangedSpec() throws Exception {
    kubectl.run("create", "namespace", "apply-ns").assertOk();
    String first = kubectl.runWithInput(DEPLOYMENT.formatted(2, "nginx:1.25"), "apply", "-n", "apply-ns", "-f", "-")
        .assertOk().stdout();
    assertTrue(first.contains("deployment.apps/web created"), first);
    String second = kubectl.runWithInput(DEPLOYMENT.formatted(3, "nginx:1.26"), "apply", "-n", "apply-ns", "-f", "-")
        .assertOk().stdout();
    assertTrue(second.contains("deployment.apps/web configured"), second);
    JsonNode deployment = json(kubectl.run("get", "deploy", "web", "-n", "apply-ns", "-o", "json"));
    assertEquals(3, deployment.at("/spec/replicas").asInt());
    JsonNode containers = deployment.at("/spec/template/spec/containers");
    assertEquals(2, containers.size(), "the patch must merge containers by name, not replace the list");
    assertEquals("nginx:1.26", containers.get(0).at("/image").asText());
    assertEquals("A", containers.get(0).at("/env/0/name").asText());
    assertEquals("busybox:1.36", containers.get(1).at("/image").asText());
    assertEquals(2, deployment.at("/metadata/generation").asInt());
    assertEquals("RollingUpdate", deployment.at("/spec/strategy/type").asText(), "defaults are applied");
    String unchanged = kubectl.runWithInput(DEPLOYMENT.formatted(3, "nginx:1.26"), "apply", "-n", "apply-ns", "-f", "-")
        .assertOk().stdout();
    assertTrue(unchanged.contains("unchanged"), unchanged);
  }

  @Test
  void getPrintsTablesYamlJsonAndFiltersByLabel() throws Exception {
    kubectl.run("create", "namespace", "get-ns").assertOk();
    kubectl.run("create", "configmap", "one", "-n", "get-ns", "--from-literal=a=1").assertOk();
    kubectl.run("create", "configmap", "two", "-n", "get-ns", "--from-literal=a=1", "--from-literal=b=2").assertOk();
    kubectl.run("label", "configmap", "two", "-n", "get-ns", "tier=backend").assertOk();
    String table = kubectl.run("get", "configmaps", "-n", "get-ns").assertOk().stdout();
    assertTrue(table.lines().findFirst().orElse("").matches("NAME\\s+DATA\\s+AGE"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("two\\s+2\\s+\\S+")), table);
    String selected = kubectl.run("get", "cm", "-n", "get-ns", "-l", "tier=backend", "-o", "name").assertOk().stdout();
    assertEquals("configmap/two", selected.trim());
    String notSelected = kubectl.run("get", "cm", "-n", "get-ns", "-l", "tier!=backend", "-o", "name").assertOk().stdout();
    assertTrue(notSelected.contains("configmap/one") && !notSelected.contains("configmap/two"), notSelected);
    String yaml = kubectl.run("get", "cm", "one", "-n", "get-ns", "-o", "yaml").assertOk().stdout();
    assertTrue(yaml.contains("kind: ConfigMap") && yaml.contains("name: one"), yaml);
    String all = kubectl.run("get", "cm", "-A").assertOk().stdout();
    assertTrue(all.lines().findFirst().orElse("").startsWith("NAMESPACE"), all);
    String labels = kubectl.run("get", "cm", "-n", "get-ns", "--show-labels").assertOk().stdout();
    assertTrue(labels.contains("tier=backend"), labels);
  }

  @Test
  void labelAnnotateAndPatchOfEveryTypeChangeTheObject() throws Exception {
    kubectl.run("create", "namespace", "patch-ns").assertOk();
    kubectl.runWithInput(DEPLOYMENT.formatted(1, "nginx:1.25"), "apply", "-n", "patch-ns", "-f", "-").assertOk();
    kubectl.run("label", "deploy", "web", "-n", "patch-ns", "team=blue").assertOk();
    kubectl.run("annotate", "deploy", "web", "-n", "patch-ns", "note=hello").assertOk();
    kubectl.run("patch", "deploy", "web", "-n", "patch-ns", "--type=merge", "-p", "{\"spec\":{\"replicas\":4}}").assertOk();
    kubectl.run("patch", "deploy", "web", "-n", "patch-ns", "--type=json",
        "-p", "[{\"op\":\"add\",\"path\":\"/spec/minReadySeconds\",\"value\":5}]").assertOk();
    kubectl.run("patch", "deploy", "web", "-n", "patch-ns", "--type=strategic",
        "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"sidecar\",\"image\":\"busybox:1.37\"}]}}}}").assertOk();
    kubectl.run("set", "image", "deploy/web", "-n", "patch-ns", "app=nginx:1.27").assertOk();
    JsonNode deployment = json(kubectl.run("get", "deploy", "web", "-n", "patch-ns", "-o", "json"));
    assertEquals("blue", deployment.at("/metadata/labels/team").asText());
    assertEquals("hello", deployment.at("/metadata/annotations/note").asText());
    assertEquals(4, deployment.at("/spec/replicas").asInt());
    assertEquals(5, deployment.at("/spec/minReadySeconds").asInt());
    assertEquals("nginx:1.27", deployment.at("/spec/template/spec/containers/0/image").asText());
    assertEquals("busybox:1.37", deployment.at("/spec/template/spec/containers/1/image").asText());
    kubectl.run("label", "deploy", "web", "-n", "patch-ns", "team-").assertOk();
    assertTrue(json(kubectl.run("get", "deploy", "web", "-n", "patch-ns", "-o", "json")).at("/metadata/labels/team")
        .isMissingNode());
    kubectl.run("scale", "deploy", "web", "-n", "patch-ns", "--replicas=2").assertOk();
    assertEquals(2, json(kubectl.run("get", "deploy", "web", "-n", "patch-ns", "-o", "json")).at("/spec/replicas").asInt());
  }

  @Test
  void getWatchSeesAChangeMadeByAnotherCommand() {
    kubectl.run("create", "namespace", "watch-ns").assertOk();
    kubectl.run("create", "configmap", "before", "-n", "watch-ns").assertOk();
    try (Kubectl.Background watch = kubectl.background("get", "cm", "-n", "watch-ns", "-w")) {
      watch.awaitLine(l -> l.startsWith("before"), Duration.ofSeconds(30));
      kubectl.run("create", "configmap", "after", "-n", "watch-ns", "--from-literal=x=y").assertOk();
      watch.awaitLine(l -> l.startsWith("after"), Duration.ofSeconds(30));
    }
  }

  @Test
  void deleteRemovesTheObjectAndDescribeShowsData() {
    kubectl.run("create", "namespace", "del-ns").assertOk();
    kubectl.run("create", "configmap", "gone", "-n", "del-ns", "--from-literal=key=value").assertOk();
    String described = kubectl.run("describe", "configmap", "gone", "-n", "del-ns").assertOk().stdout();
    assertTrue(described.contains("Name:") && described.contains("key") && described.contains("value"), described);
    String deleted = kubectl.run("delete", "configmap", "gone", "-n", "del-ns").assertOk().stdout();
    assertTrue(deleted.contains("configmap \"gone\" deleted"), deleted);
    Kubectl.Result missing = kubectl.run("get", "configmap", "gone", "-n", "del-ns");
    assertNotEquals(0, missing.exitCode());
    assertTrue(missing.stderr().contains("NotFound") || missing.stderr().contains("not found"), missing.stderr());
  }

  @Test
  void deletingANamespaceDeletesEverythingInIt() {
    kubectl.run("create", "namespace", "doomed").assertOk();
    kubectl.run("create", "configmap", "inside", "-n", "doomed").assertOk();
    kubectl.runWithInput(DEPLOYMENT.formatted(1, "nginx:1.25"), "apply", "-n", "doomed", "-f", "-").assertOk();
    kubectl.run("delete", "namespace", "doomed", "--timeout=60s").assertOk();
    assertNotEquals(0, kubectl.run("get", "namespace", "doomed").exitCode());
    kubectl.run("create", "namespace", "doomed").assertOk();
    String left = kubectl.run("get", "cm,deploy", "-n", "doomed", "-o", "name").assertOk().stdout();
    assertEquals("configmap/kube-root-ca.crt\n", left, "a recreated namespace starts with only what every "
        + "namespace gets");
  }

  @Test
  void serverRefusesInvalidObjectsWithFieldErrors() {
    Kubectl.Result result = kubectl.runWithInput("""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: Bad_Name
        """, "apply", "-f", "-");
    assertNotEquals(0, result.exitCode());
    assertTrue(result.stderr().contains("Invalid") || result.stderr().contains("invalid"), result.stderr());
    Kubectl.Result unknownField = kubectl.runWithInput("""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: strict
        dataa:
          k: v
        """, "create", "-f", "-");
    assertNotEquals(0, unknownField.exitCode());
    assertTrue(unknownField.stderr().contains("dataa"), unknownField.stderr());
  }

  @Test
  void replaceDiffServerSideApplyAndDryRunBehaveAsInKubernetes() throws Exception {
    kubectl.run("create", "namespace", "more-ns").assertOk();
    String cm = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: conf
          namespace: more-ns
        data:
          mode: %s
        """;
    kubectl.runWithInput(cm.formatted("a"), "apply", "-f", "-").assertOk();
    kubectl.runWithInput(cm.formatted("b"), "replace", "-f", "-").assertOk();
    assertEquals("b", json(kubectl.run("get", "cm", "conf", "-n", "more-ns", "-o", "json")).at("/data/mode").asText());

    Kubectl.Result diff = kubectl.runWithInput(cm.formatted("c"), "diff", "-f", "-");
    assertEquals(1, diff.exitCode(), "diff exits 1 when there are differences: " + diff.stderr());
    assertTrue(diff.stdout().contains("+  mode: c"), diff.stdout());
    assertEquals("b", json(kubectl.run("get", "cm", "conf", "-n", "more-ns", "-o", "json")).at("/data/mode").asText(),
        "diff is a dry run and saves nothing");

    kubectl.runWithInput(cm.formatted("d"), "apply", "--server-side", "--force-conflicts", "-f", "-").assertOk();
    assertEquals("d", json(kubectl.run("get", "cm", "conf", "-n", "more-ns", "-o", "json")).at("/data/mode").asText());

    kubectl.run("create", "configmap", "dry", "-n", "more-ns", "--dry-run=server").assertOk();
    assertNotEquals(0, kubectl.run("get", "cm", "dry", "-n", "more-ns").exitCode(), "dry-run saves nothing");

    kubectl.runWithInput(DEPLOYMENT.formatted(1, "nginx:1.25"), "apply", "-n", "more-ns", "-f", "-").assertOk();
    String all = kubectl.run("get", "all", "-n", "more-ns").assertOk().stdout();
    assertTrue(all.contains("deployment.apps/web"), all);

    kubectl.run("create", "configmap", "l1", "-n", "more-ns").assertOk();
    kubectl.run("label", "cm", "l1", "-n", "more-ns", "purge=yes").assertOk();
    kubectl.run("delete", "cm", "-n", "more-ns", "-l", "purge=yes").assertOk();
    assertNotEquals(0, kubectl.run("get", "cm", "l1", "-n", "more-ns").exitCode());
    assertEquals(0, kubectl.run("get", "cm", "conf", "-n", "more-ns").exitCode(), "the selector spared the rest");
  }
}
