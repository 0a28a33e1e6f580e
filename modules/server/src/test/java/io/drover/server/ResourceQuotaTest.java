package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ResourceQuota through the real kubectl: counts and compute quotas refuse what would exceed them with kubectl's
 * "exceeded quota" message, pods must state what a compute quota constrains, status.used follows creates and
 * deletes (kubectl get quota), and a controller's pods are refused too (FailedCreate).
 */
class ResourceQuotaTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static TestServers.Member member;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of("drover.controllers.resource-quota-resync", "1s"));
    kubectl = member.kubectl();
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  static String pod(String name, String cpu) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - name: app
            image: busybox
            command: [sleep, "3600"]
            resources: {requests: {cpu: %s, memory: 1Mi}, limits: {cpu: %s, memory: 8Mi}}
        """.formatted(name, cpu, cpu);
  }

  @Test
  void aComputeAndCountQuotaRefusesWhatWouldExceedItWithKubectlsMessage() {
    kubectl.run("create", "namespace", "quota").assertOk();
    kubectl.run("create", "quota", "compute", "-n", "quota", "--hard=pods=2,requests.cpu=300m,limits.memory=1Gi")
        .assertOk();
    kubectl.runWithInput(pod("p1", "100m"), "apply", "-n", "quota", "-f", "-").assertOk();
    kubectl.runWithInput(pod("p2", "100m"), "apply", "-n", "quota", "-f", "-").assertOk();
    Kubectl.Result third = kubectl.runWithInput(pod("p3", "100m"), "apply", "-n", "quota", "-f", "-");
    assertEquals(1, third.exitCode(), third.toString());
    assertTrue(third.stderr().contains("Error from server (Forbidden)") && third.stderr().contains(
        "pods \"p3\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2"),
        third.stderr());
    String quota = Polling.await(() -> {
      String q = kubectl.run("get", "quota", "compute", "-n", "quota", "--no-headers").stdout();
      return q.contains("pods: 2/2") ? q : null;
    }, DEADLINE, "kubectl get quota to show the usage");
    assertTrue(quota.contains("requests.cpu: 200m/300m") && quota.contains("limits.memory: 16Mi/1Gi"), quota);

    // A freed pod gives its room back (the controller recounts); a bigger one is refused on cpu.
    kubectl.run("delete", "pod", "p2", "-n", "quota", "--now").assertOk();
    Kubectl.Result big = Polling.await(() -> {
      Kubectl.Result r = kubectl.runWithInput(pod("big", "250m"), "apply", "-n", "quota", "-f", "-");
      return r.stderr().contains("requested: requests.cpu=250m,") ? r : null;
    }, DEADLINE, "the pod slot to come back and cpu to be the limit");
    assertTrue(big.stderr().contains("exceeded quota: compute, requested: requests.cpu=250m, used: requests.cpu=100m, "
        + "limited: requests.cpu=300m"), big.stderr());
    kubectl.runWithInput(pod("small", "200m"), "apply", "-n", "quota", "-f", "-").assertOk();
  }

  @Test
  void aPodWithoutTheConstrainedRequestsIsRefusedAndCountsAreKept() {
    kubectl.run("create", "namespace", "quota-must").assertOk();
    kubectl.run("create", "quota", "cpu", "-n", "quota-must", "--hard=requests.cpu=1,configmaps=3").assertOk();
    Kubectl.Result bare = kubectl.run("run", "bare", "-n", "quota-must", "--image=busybox", "--", "sleep", "1");
    assertTrue(bare.stderr().contains("pods \"bare\" is forbidden: failed quota: cpu: must specify requests.cpu "
        + "for: bare"), bare.stderr());
    // kube-root-ca.crt, made with the namespace, counts as in Kubernetes: two more fit.
    kubectl.run("create", "configmap", "a", "-n", "quota-must").assertOk();
    kubectl.run("create", "configmap", "b", "-n", "quota-must").assertOk();
    Kubectl.Result third = kubectl.run("create", "configmap", "c", "-n", "quota-must");
    assertTrue(third.stderr().contains("configmaps \"c\" is forbidden: exceeded quota: cpu, requested: configmaps=1, "
        + "used: configmaps=3, limited: configmaps=3"), third.stderr());
  }

  @Test
  void concurrentCreatesNeverTakeMoreThanTheQuotaHolds() throws Exception {
    kubectl.run("create", "namespace", "quota-race").assertOk();
    kubectl.run("create", "quota", "five", "-n", "quota-race", "--hard=configmaps=5").assertOk();
    java.net.http.HttpClient http = TestServers.http().build();
    String url = member.server().apiUrl() + "/api/v1/namespaces/quota-race/configmaps";
    java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> creates =
        new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      creates.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
          .header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"cm-" + i + "\"}}"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new java.util.TreeMap<>();
    for (var create : creates) codes.merge(create.get().statusCode(), 1, Integer::sum);
    // kube-root-ca.crt, made with the namespace, holds one of the five.
    assertEquals(4, codes.getOrDefault(201, 0), codes.toString());
    assertEquals(20, codes.getOrDefault(201, 0) + codes.getOrDefault(403, 0) + codes.getOrDefault(409, 0),
        codes.toString());
    assertEquals(5, kubectl.run("get", "configmaps", "-n", "quota-race", "--no-headers").assertOk().stdout()
        .lines().count());
  }

  @Test
  void aReplicaSetsPodsOverTheQuotaAreRefusedAsFailedCreate() {
    kubectl.run("create", "namespace", "quota-rs").assertOk();
    kubectl.run("create", "quota", "two", "-n", "quota-rs", "--hard=pods=2").assertOk();
    kubectl.run("create", "deployment", "web", "-n", "quota-rs", "--image=busybox", "--replicas=3", "--",
        "sleep", "3600").assertOk();
    String events = Polling.await(() -> {
      String e = kubectl.run("get", "events", "-n", "quota-rs").stdout();
      return e.contains("exceeded quota: two") ? e : null;
    }, DEADLINE, "the ReplicaSet's FailedCreate event");
    assertTrue(events.contains("FailedCreate"), events);
    Polling.await(() -> kubectl.run("get", "pods", "-n", "quota-rs", "--no-headers").stdout().lines().count() == 2,
        DEADLINE, "two pods");
    kubectl.run("delete", "deployment", "web", "-n", "quota-rs").assertOk();
  }
}
