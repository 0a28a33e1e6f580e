package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ServiceAccounts through the real kubectl, on a member with the process runtime: every namespace has ServiceAccount
 * default and ConfigMap kube-root-ca.crt (restored when deleted or changed), pods run as a ServiceAccount and get the
 * kube-api-access volume, a pod naming a missing ServiceAccount is refused, and a container reads its token,
 * namespace and CA at /var/run/secrets/kubernetes.io/serviceaccount.
 */
class ServiceAccountTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static final String MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
  static TestServers.Member member;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  static JsonNode json(Kubectl.Result result) {
    try {
      return Json.MAPPER.readTree(result.assertOk().stdout());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The cluster CA as published in kube-public (the member's ServiceAccountTokens.caCertificatePem()). */
  static String caPem() {
    String pem = json(kubectl.run("get", "configmap", "kube-root-ca.crt", "-n", "kube-public", "-o", "json"))
        .at("/data/ca.crt").asText();
    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n") && pem.endsWith("-----END CERTIFICATE-----\n"), pem);
    return pem;
  }

  @Test
  void aNewNamespaceHasTheDefaultServiceAccountAndTheRootCaAtOnce() {
    kubectl.run("create", "namespace", "sa-new").assertOk();
    // No wait: the namespace's create is answered once both exist.
    kubectl.run("get", "sa", "default", "-n", "sa-new").assertOk();
    String table = kubectl.run("get", "serviceaccounts", "-n", "sa-new").assertOk().stdout();
    assertTrue(table.lines().findFirst().orElse("").matches("NAME\\s+SECRETS\\s+AGE"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("default\\s+0\\s+\\S+")), table);
    JsonNode rootCa = json(kubectl.run("get", "configmap", "kube-root-ca.crt", "-n", "sa-new", "-o", "json"));
    assertEquals(caPem(), rootCa.at("/data/ca.crt").asText());
    assertTrue(rootCa.at("/metadata/annotations/kubernetes.io~1description").asText()
        .startsWith("Contains a CA bundle that can be used to verify the kube-apiserver"), rootCa.toString());
    String described = kubectl.run("describe", "sa", "default", "-n", "sa-new").assertOk().stdout();
    assertTrue(described.contains("Name:") && described.contains("default") && described.contains("sa-new"),
        described);
    // The built-in namespaces have them too.
    for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
      kubectl.run("get", "sa", "default", "-n", ns).assertOk();
      kubectl.run("get", "cm", "kube-root-ca.crt", "-n", ns).assertOk();
    }
  }

  @Test
  void aDeletedDefaultServiceAccountAndAChangedRootCaAreRestored() {
    kubectl.run("create", "namespace", "sa-repair").assertOk();
    String uid = kubectl.run("get", "sa", "default", "-n", "sa-repair", "-o", "jsonpath={.metadata.uid}")
        .assertOk().stdout();
    kubectl.run("delete", "sa", "default", "-n", "sa-repair").assertOk();
    Polling.await(() -> {
      Kubectl.Result again = kubectl.run("get", "sa", "default", "-n", "sa-repair", "-o", "jsonpath={.metadata.uid}");
      return again.exitCode() == 0 && !again.stdout().equals(uid);
    }, DEADLINE, "the default ServiceAccount to be created again");

    kubectl.run("patch", "configmap", "kube-root-ca.crt", "-n", "sa-repair", "--type=merge",
        "-p", "{\"data\":{\"ca.crt\":\"forged\",\"extra\":\"x\"}}").assertOk();
    Polling.await(() -> {
      JsonNode cm = json(kubectl.run("get", "cm", "kube-root-ca.crt", "-n", "sa-repair", "-o", "json"));
      return cm.get("data").equals(Json.MAPPER.createObjectNode().put("ca.crt", caPem()));
    }, DEADLINE, "kube-root-ca.crt to be restored");

    kubectl.run("delete", "cm", "kube-root-ca.crt", "-n", "sa-repair").assertOk();
    Polling.await(() -> kubectl.run("get", "cm", "kube-root-ca.crt", "-n", "sa-repair").exitCode() == 0, DEADLINE,
        "kube-root-ca.crt to be created again");
  }

  @Test
  void aPodRunsAsTheDefaultServiceAccountWithTheKubeApiAccessVolume() {
    kubectl.run("create", "namespace", "sa-pod").assertOk();
    kubectl.run("run", "plain", "-n", "sa-pod", "--image=busybox", "--", "sleep", "3600").assertOk();
    JsonNode spec = json(kubectl.run("get", "pod", "plain", "-n", "sa-pod", "-o", "json")).get("spec");
    assertEquals("default", spec.path("serviceAccountName").asText());
    assertEquals("default", spec.path("serviceAccount").asText());
    JsonNode volume = spec.at("/volumes/0");
    String name = volume.path("name").asText();
    assertTrue(name.matches("kube-api-access-[a-z0-9]{5}"), name);
    assertEquals(Json.MAPPER.valueToTree(Map.of("defaultMode", 420, "sources", List.of(
        Map.of("serviceAccountToken", Map.of("expirationSeconds", 3607, "path", "token")),
        Map.of("configMap", Map.of("name", "kube-root-ca.crt", "items", List.of(Map.of("key", "ca.crt",
            "path", "ca.crt")))),
        Map.of("downwardAPI", Map.of("items", List.of(Map.of("path", "namespace",
            "fieldRef", Map.of("apiVersion", "v1", "fieldPath", "metadata.namespace")))))))),
        volume.get("projected"));
    assertEquals(Json.MAPPER.valueToTree(Map.of("name", name, "mountPath", MOUNT, "readOnly", true)),
        spec.at("/containers/0/volumeMounts/0"));
    String described = kubectl.run("describe", "pod", "plain", "-n", "sa-pod").assertOk().stdout();
    assertTrue(described.contains(MOUNT + " from " + name + " (ro)"), described);
    kubectl.run("delete", "pod", "plain", "-n", "sa-pod", "--now").assertOk();
  }

  @Test
  void aPodNamingAMissingServiceAccountIsForbidden() {
    kubectl.run("create", "namespace", "sa-missing").assertOk();
    Kubectl.Result refused = kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: lost}
        spec:
          serviceAccountName: ghost
          containers: [{name: app, image: busybox, command: [sleep, "3600"]}]
        """, "apply", "-n", "sa-missing", "-f", "-");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("Error from server (Forbidden)") && refused.stderr().contains(
        "pods \"lost\" is forbidden: error looking up service account sa-missing/ghost: serviceaccount \"ghost\" "
            + "not found"), refused.stderr());
    assertEquals(1, kubectl.run("get", "pod", "lost", "-n", "sa-missing").exitCode(), "nothing was stored");
  }

  @Test
  void aServiceAccountThatOptsOutGivesItsPodsNoTokenButItsPullSecrets() {
    kubectl.run("create", "namespace", "sa-quiet").assertOk();
    kubectl.runWithInput("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: quiet}
        automountServiceAccountToken: false
        imagePullSecrets: [{name: registry}]
        """, "apply", "-n", "sa-quiet", "-f", "-").assertOk();
    kubectl.run("create", "serviceaccount", "robot", "-n", "sa-quiet").assertOk();
    assertEquals("serviceaccount/quiet\nserviceaccount/robot\n", kubectl.run("get", "sa", "-n", "sa-quiet",
        "-o", "name", "--field-selector", "metadata.name!=default").assertOk().stdout());
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: quiet}
        spec:
          serviceAccountName: quiet
          containers: [{name: app, image: busybox, command: [sleep, "3600"]}]
        """, "apply", "-n", "sa-quiet", "-f", "-").assertOk();
    JsonNode spec = json(kubectl.run("get", "pod", "quiet", "-n", "sa-quiet", "-o", "json")).get("spec");
    assertFalse(spec.has("volumes"), spec.toString());
    assertFalse(spec.at("/containers/0").has("volumeMounts"), spec.toString());
    assertEquals("registry", spec.at("/imagePullSecrets/0/name").asText());
    kubectl.run("delete", "pod", "quiet", "-n", "sa-quiet", "--now").assertOk();
  }

  @Test
  void aDeploymentsPodsGetTheVolumeAndItsTemplateDoesNot() {
    kubectl.run("create", "namespace", "sa-deploy").assertOk();
    kubectl.run("create", "deployment", "web", "-n", "sa-deploy", "--image=busybox", "--", "sleep", "3600")
        .assertOk();
    JsonNode template = json(kubectl.run("get", "deployment", "web", "-n", "sa-deploy", "-o", "json"))
        .at("/spec/template/spec");
    assertFalse(template.has("volumes"), template.toString());
    assertFalse(template.has("serviceAccountName"), template.toString());
    JsonNode pod = Polling.await(() -> {
      JsonNode pods = json(kubectl.run("get", "pods", "-n", "sa-deploy", "-o", "json")).get("items");
      return pods.isEmpty() ? null : pods.get(0);
    }, DEADLINE, "the Deployment's pod");
    assertEquals("default", pod.at("/spec/serviceAccountName").asText());
    assertTrue(pod.at("/spec/volumes/0/name").asText().startsWith("kube-api-access-"), pod.toString());
    kubectl.run("delete", "deployment", "web", "-n", "sa-deploy").assertOk();
  }

  @Test
  void aContainerReadsItsTokenNamespaceAndCaUnderTheProcessRuntime() {
    kubectl.run("create", "namespace", "sa-read").assertOk();
    kubectl.run("create", "serviceaccount", "reader", "-n", "sa-read").assertOk();
    String saUid = kubectl.run("get", "sa", "reader", "-n", "sa-read", "-o", "jsonpath={.metadata.uid}").assertOk()
        .stdout();
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: reader}
        spec:
          serviceAccountName: reader
          restartPolicy: Never
          containers:
          - name: app
            image: busybox
            command: [sh, -c, 'cd %s && echo "token=$(cat token)" && echo "namespace=$(cat namespace)" && cat ca.crt']
        """.formatted(MOUNT), "apply", "-n", "sa-read", "-f", "-").assertOk();
    String logs = Polling.await(() -> {
      Kubectl.Result result = kubectl.run("logs", "reader", "-n", "sa-read");
      return result.exitCode() == 0 && result.stdout().contains("END CERTIFICATE") ? result.stdout() : null;
    }, DEADLINE, "the pod's logs");
    assertTrue(logs.contains("namespace=sa-read\n"), logs);
    assertTrue(logs.contains(caPem()), logs);
    String token = logs.lines().filter(l -> l.startsWith("token=")).findFirst().orElseThrow().substring(6);
    String[] parts = token.split("\\.", -1);
    assertEquals(3, parts.length, token);
    JsonNode claims;
    try {
      claims = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError(token, e);
    }
    assertEquals("system:serviceaccount:sa-read:reader", claims.path("sub").asText(), claims.toString());
    assertEquals("reader", claims.at("/kubernetes.io/pod/name").asText());
    assertEquals(saUid, claims.at("/kubernetes.io/serviceaccount/uid").asText());
    String podUid = kubectl.run("get", "pod", "reader", "-n", "sa-read", "-o", "jsonpath={.metadata.uid}")
        .assertOk().stdout();
    assertEquals(podUid, claims.at("/kubernetes.io/pod/uid").asText());
    // The volume asks for 3607 s; an issuer may give longer (kube-apiserver's extended expiration), never shorter.
    assertTrue(claims.path("exp").asLong() - claims.path("iat").asLong() >= 3607, claims.toString());
  }

  @Test
  void theExampleRunsItsPodAsItsServiceAccount() throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("").toAbsolutePath();
    while (!java.nio.file.Files.isDirectory(dir.resolve("examples"))) dir = dir.getParent();
    String manifest = java.nio.file.Files.readString(dir.resolve("examples/security/service-account.yaml"));
    kubectl.runWithInput(manifest, "apply", "-f", "-").assertOk();
    String logs = Polling.await(() -> {
      Kubectl.Result result = kubectl.run("logs", "whoami", "-n", "apps");
      return result.exitCode() == 0 && result.stdout().contains("BEGIN CERTIFICATE") ? result.stdout() : null;
    }, DEADLINE, "the example pod's logs");
    assertTrue(logs.contains("namespace: apps") && logs.contains("system:serviceaccount:apps:builder"), logs);
    assertEquals("registry-credentials", json(kubectl.run("get", "pod", "whoami", "-n", "apps", "-o", "json"))
        .at("/spec/imagePullSecrets/0/name").asText());
  }

  @Test
  void theKubernetesServiceListsThisMemberAndPodsReachTheApiThroughIt() {
    int apiPort = member.server().apiAddress().getPort();
    JsonNode svc = Polling.await(() -> {
      Kubectl.Result result = kubectl.run("get", "svc", "kubernetes", "-n", "default", "-o", "json");
      return result.exitCode() == 0 ? json(result) : null;
    }, DEADLINE, "the kubernetes Service");
    String clusterIp = svc.at("/spec/clusterIP").asText();
    assertTrue(clusterIp.endsWith(".0.1"), clusterIp);
    assertEquals(Json.MAPPER.valueToTree(List.of(Map.of("name", "https", "port", 443, "protocol", "TCP",
        "targetPort", apiPort))), svc.at("/spec/ports"));
    assertEquals("apiserver", svc.at("/metadata/labels/component").asText());
    JsonNode endpoints = json(kubectl.run("get", "endpoints", "kubernetes", "-n", "default", "-o", "json"));
    assertEquals(apiPort, endpoints.at("/subsets/0/ports/0/port").asInt(), endpoints.toString());
    assertEquals("https", endpoints.at("/subsets/0/ports/0/name").asText());
    assertFalse(endpoints.at("/subsets/0/addresses").isEmpty(), endpoints.toString());
    Polling.await(() -> kubectl.run("get", "endpointslices", "-n", "default", "-l",
        "kubernetes.io/service-name=kubernetes", "-o", "jsonpath={.items[*].ports[0].port}").stdout()
        .equals(Integer.toString(apiPort)), DEADLINE, "the kubernetes EndpointSlice");

    kubectl.run("create", "namespace", "sa-api").assertOk();
    // The pod's ServiceAccount may read pods in its namespace; the API knows it by its token.
    kubectl.run("create", "rolebinding", "default-view", "--clusterrole=view", "--serviceaccount=sa-api:default",
        "-n", "sa-api").assertOk();
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          restartPolicy: Never
          enableServiceLinks: false
          containers:
          - name: app
            image: busybox
            command:
            - sh
            - -c
            - >-
              echo "host=$KUBERNETES_SERVICE_HOST port=$KUBERNETES_SERVICE_PORT";
              api="https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT";
              auth="Authorization: Bearer $(cat %1$s/token)";
              curl -sS --cacert %1$s/ca.crt -H "$auth" -H 'Content-Type: application/json' -X POST
              -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
              "$api/apis/authentication.k8s.io/v1/selfsubjectreviews" && echo &&
              curl -sS --cacert %1$s/ca.crt -H "$auth" "$api/api/v1/namespaces/$(cat %1$s/namespace)/pods" && echo &&
              curl -sS --cacert %1$s/ca.crt -H "$auth" "$api/api/v1/namespaces/default/secrets" && echo
        """.formatted(MOUNT), "apply", "-n", "sa-api", "-f", "-").assertOk();
    String logs = Polling.await(() -> {
      Kubectl.Result result = kubectl.run("logs", "client", "-n", "sa-api");
      String phase = kubectl.run("get", "pod", "client", "-n", "sa-api", "-o", "jsonpath={.status.phase}").stdout();
      return result.exitCode() == 0 && (phase.equals("Succeeded") || phase.equals("Failed"))
          ? phase + "\n" + result.stdout() : null;
    }, DEADLINE, "the client pod to finish");
    assertTrue(logs.contains("host=" + clusterIp + " port=443"), logs);
    // Over HTTPS, verified against the mounted ca.crt, as the pod's ServiceAccount: whoami, a list its binding
    // allows, and a read it does not.
    assertTrue(logs.startsWith("Succeeded"), logs);
    assertTrue(logs.contains("\"username\":\"system:serviceaccount:sa-api:default\""), logs);
    assertTrue(logs.contains("\"system:serviceaccounts:sa-api\""), logs);
    assertTrue(logs.contains("\"kind\":\"PodList\"") && logs.contains("\"name\":\"client\""), logs);
    assertTrue(logs.contains("secrets is forbidden: User \\\"system:serviceaccount:sa-api:default\\\" cannot list"),
        logs);
  }
}
