package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Services with real kubectl, real processes and real TCP: cluster IPs and NodePorts from the allocator, Endpoints
 * from ready pods, the service proxy spreading connections over them, an unready pod taken out, a pod deleted
 * under load without failed requests once the endpoints have changed, selector-less Services with manual
 * Endpoints, the service environment variables, and refused collisions.
 *
 * <p>Each pod serves on its own port, which a named targetPort maps to (as Kubernetes allows), so the test holds
 * whether pods have their own network namespace (root with the CNI plugins) or share the host's; each server binds
 * its pod IP only (127.0.0.1 when shared).
 */
class ServicesTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  static TestServers.Member member;
  static Kubectl kubectl;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final int[] PORTS = {18201, 18202, 18203};

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
    for (int i = 1; i <= 3; i++) {
      Path dir = member.dataDir().resolve("www-" + i);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("index.html"), "echo-" + i + "\n");
      Files.writeString(dir.resolve("ready"), "yes");
      kubectl.runWithInput("""
          apiVersion: v1
          kind: Pod
          metadata: {name: echo-%d, labels: {app: echo}}
          spec:
            terminationGracePeriodSeconds: 1
            containers:
            - name: main
              image: python
              command: ["python3", "-m", "http.server", "%d", "--bind", "$(POD_IP)", "--directory", "%s"]
              env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
              ports: [{name: http, containerPort: %d}]
              readinessProbe:
                exec: {command: ["test", "-f", "%s"]}
                periodSeconds: 1
                failureThreshold: 1
          """.formatted(i, PORTS[i - 1], dir, PORTS[i - 1], dir.resolve("ready")), "apply", "-f", "-").assertOk();
    }
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: echo}
        spec:
          type: NodePort
          selector: {app: echo}
          ports: [{name: web, port: 80, targetPort: http}]
        """, "apply", "-f", "-").assertOk();
    awaitReadyEndpoints(3);
  }

  @AfterAll
  static void stop() throws Exception {
    kubectl.run("delete", "pods", "--all", "--wait=true", "--timeout=60s");
    TestServers.stop(member);
  }

  static int nodePort() {
    return Integer.parseInt(kubectl.run("get", "svc", "echo", "-o", "jsonpath={.spec.ports[0].nodePort}")
        .assertOk().stdout());
  }

  static void awaitReadyEndpoints(int count) {
    Polling.await(() -> {
      String ips = kubectl.run("get", "endpoints", "echo", "-o", "jsonpath={.subsets[*].addresses[*].ip}").stdout();
      return ips.isBlank() ? count == 0 : ips.trim().split("\\s+").length == count;
    }, DEADLINE, count + " ready endpoints");
  }

  static String get(String host, int port) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body().trim();
  }

  static Map<String, Integer> spread(String host, int port, int requests) throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < requests; i++) counts.merge(get(host, port), 1, Integer::sum);
    return counts;
  }

  @Test
  void aNodePortSpreadsRequestsOverReadyPodsAndDropsAnUnreadyOne() throws Exception {
    String table = kubectl.run("get", "svc", "echo").assertOk().stdout();
    assertTrue(table.lines().anyMatch(l -> l.matches("echo\\s+NodePort\\s+(10|127)\\.96\\.\\d+\\.\\d+\\s+<none>\\s+80:3\\d{4}/TCP\\s+.*")),
        table);
    Map<String, Integer> counts = spread("127.0.0.1", nodePort(), 300);
    assertEquals(3, counts.size(), counts.toString());
    counts.forEach((pod, n) -> assertTrue(n >= 60, "each pod gets at least 20%: " + counts));
    // The cluster IP serves too.
    String clusterIP = kubectl.run("get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    assertEquals(3, spread(clusterIP, 80, 30).size());

    // sessionAffinity ClientIP: this client's connections stay on one pod.
    kubectl.run("patch", "svc", "echo", "-p", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}").assertOk();
    Polling.await(() -> {
      try {
        return spread("127.0.0.1", nodePort(), 20).size() == 1;
      } catch (Exception e) {
        return false;
      }
    }, DEADLINE, "requests sticking to one pod");
    kubectl.run("patch", "svc", "echo", "-p", "{\"spec\":{\"sessionAffinity\":\"None\",\"sessionAffinityConfig\":null}}").assertOk();
    Polling.await(() -> {
      try {
        return spread("127.0.0.1", nodePort(), 30).size() == 3;
      } catch (Exception e) {
        return false;
      }
    }, DEADLINE, "requests spread again");

    Files.delete(member.dataDir().resolve("www-2").resolve("ready"));
    try {
      awaitReadyEndpoints(2);
      Map<String, Integer> without = spread("127.0.0.1", nodePort(), 60);
      assertEquals(Map.of("echo-1", 30, "echo-3", 30).keySet(), without.keySet(), without.toString());
    } finally {
      Files.writeString(member.dataDir().resolve("www-2").resolve("ready"), "yes");
    }
    awaitReadyEndpoints(3);
  }

  @Test
  void deletingAPodUnderLoadFailsNoRequestOnceTheEndpointsHaveChanged() throws Exception {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: echo-4, labels: {app: echo}}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: python
            command: ["python3", "-m", "http.server", "18204", "--bind", "$(POD_IP)", "--directory", "%s"]
            env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
            ports: [{name: http, containerPort: 18204}]
            readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
        """.formatted(member.dataDir().resolve("www-1")), "apply", "-f", "-").assertOk();
    awaitReadyEndpoints(4);
    int port = nodePort();
    List<long[]> failures = Collections.synchronizedList(new ArrayList<>());
    List<Long> done = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    Thread load = new Thread(() -> {
      while (running.get()) {
        long started = System.nanoTime();
        try {
          get("127.0.0.1", port);
          done.add(started);
        } catch (Exception | AssertionError e) {
          failures.add(new long[] {started});
        }
      }
    }, "service-load");
    load.start();
    try {
      Thread.sleep(500);
      kubectl.run("delete", "pod", "echo-4", "--wait=false").assertOk();
      awaitReadyEndpoints(3);
      long updated = System.nanoTime();
      Thread.sleep(3000);
      running.set(false);
      load.join(10_000);
      long failedAfter = failures.stream().filter(f -> f[0] > updated).count();
      long okAfter = done.stream().filter(t -> t > updated).count();
      assertEquals(0, failedAfter, "requests failed after the endpoints changed (" + failures.size() + " in all)");
      assertTrue(okAfter > 10, "requests kept flowing: " + okAfter);
    } finally {
      running.set(false);
    }
  }

  @Test
  void aServiceWithoutSelectorUsesItsManualEndpointsAndPodsSeeServiceVariables() throws Exception {
    String echo1 = kubectl.run("get", "pod", "echo-1", "-o", "jsonpath={.status.podIP}").assertOk().stdout();
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: manual}
        spec:
          ports: [{port: 8080}]
        ---
        apiVersion: v1
        kind: Endpoints
        metadata: {name: manual}
        subsets:
        - addresses: [{ip: %s}]
          ports: [{port: %d}]
        """.formatted(echo1, PORTS[0]), "apply", "-f", "-").assertOk();
    String clusterIP = kubectl.run("get", "svc", "manual", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    assertEquals("echo-1", Polling.await(() -> {
      try {
        return get(clusterIP, 8080);
      } catch (Exception e) {
        return null;
      }
    }, DEADLINE, "the manual endpoint through the cluster IP"));

    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: env-check}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo $ECHO_SERVICE_HOST $ECHO_SERVICE_PORT $ECHO_SERVICE_PORT_WEB $MANUAL_PORT"]
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "env-check", "-o", "jsonpath={.status.phase}").stdout()
        .equals("Succeeded"), DEADLINE, "env-check done");
    String echoIP = kubectl.run("get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    assertEquals(echoIP + " 80 80 tcp://" + clusterIP + ":8080",
        kubectl.run("logs", "env-check").assertOk().stdout().trim());
  }

  @Test
  void dnsAnswersForServicesHeadlessServicesAndNamedPortsInsideAndOutsidePods() throws Exception {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: echo-headless}
        spec:
          clusterIP: None
          selector: {app: echo}
          ports: [{name: web, port: 80, targetPort: http}]
        """, "apply", "-f", "-").assertOk();
    String clusterIP = kubectl.run("get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    String dnsIP = kubectl.run("get", "svc", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}")
        .assertOk().stdout();
    assertTrue(dnsIP.matches("(10|127)\\.96\\.0\\.10"), dnsIP);
    org.xbill.DNS.SimpleResolver resolver = new org.xbill.DNS.SimpleResolver(
        new java.net.InetSocketAddress(dnsIP, 53));
    resolver.setTimeout(Duration.ofSeconds(3));
    assertEquals(List.of(clusterIP), dns(resolver, "echo.default.svc.cluster.local.", org.xbill.DNS.Type.A));
    assertEquals(List.of("0 100 80 echo.default.svc.cluster.local."),
        dns(resolver, "_web._tcp.echo.default.svc.cluster.local.", org.xbill.DNS.Type.SRV));
    // Headless: the ready pods themselves (one address when they share the host's network; ports tell them apart).
    List<String> podIPs = List.of(kubectl.run("get", "pods", "-l", "app=echo", "-o",
        "jsonpath={.items[*].status.podIP}").assertOk().stdout().split("\\s+")).stream().distinct().sorted().toList();
    assertEquals(podIPs, Polling.await(() -> {
      List<String> records = dns(resolver, "echo-headless.default.svc.cluster.local.", org.xbill.DNS.Type.A);
      return records.equals(podIPs) ? records : null;
    }, DEADLINE, "an A record per ready pod address"));
    List<String> srv = Polling.await(() -> {
      List<String> records = dns(resolver, "_web._tcp.echo-headless.default.svc.cluster.local.",
          org.xbill.DNS.Type.SRV);
      return records.size() == 3 ? records : null;
    }, DEADLINE, "an SRV record per ready pod");
    assertEquals(List.of("18201", "18202", "18203"), srv.stream().map(r -> r.split(" ")[2]).sorted().toList());
    org.xbill.DNS.Message missing = resolver.send(org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
        org.xbill.DNS.Name.fromString("nope.default.svc.cluster.local."), org.xbill.DNS.Type.A,
        org.xbill.DNS.DClass.IN)));
    assertEquals(org.xbill.DNS.Rcode.NXDOMAIN, missing.getRcode());

    // A pod resolves short names through its resolv.conf (search path, cluster DNS).
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: resolver}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: python
            command: ["python3", "-c", "import socket; print(socket.gethostbyname('echo'))"]
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "resolver", "-o", "jsonpath={.status.phase}").stdout()
        .matches("Succeeded|Failed"), DEADLINE, "resolver done");
    assertEquals(clusterIP, kubectl.run("logs", "resolver").assertOk().stdout().trim());
  }

  static List<String> dns(org.xbill.DNS.SimpleResolver resolver, String name, int type) {
    try {
      org.xbill.DNS.Message answer = resolver.send(org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
          org.xbill.DNS.Name.fromString(name), type, org.xbill.DNS.DClass.IN)));
      return answer.getSection(org.xbill.DNS.Section.ANSWER).stream().map(org.xbill.DNS.Record::rdataToString)
          .sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void withPodNetworkNamespacesReplicasShareAPortAndNothingLeaksAfterwards() throws Exception {
    String condition = kubectl.run("get", "nodes", "-o",
        "jsonpath={.items[0].status.conditions[?(@.type==\"NetworkIsolationDegraded\")].status}|"
            + "{.items[0].status.conditions[?(@.type==\"NetworkIsolationDegraded\")].message}").assertOk().stdout();
    org.junit.jupiter.api.Assumptions.assumeTrue(condition.startsWith("False|"),
        "pods share the host network on this machine, so replicas cannot share a port: " + condition);
    kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: same-port}
        spec:
          replicas: 3
          selector: {matchLabels: {app: same-port}}
          template:
            metadata: {labels: {app: same-port}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: python
                command: ["sh", "-c", "hostname > /www/index.html; exec python3 -m http.server 8080 --bind $POD_IP --directory /www"]
                env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
                ports: [{containerPort: 8080}]
                readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                volumeMounts: [{name: www, mountPath: /www}]
              volumes: [{name: www, emptyDir: {}}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: same-port}
        spec:
          selector: {app: same-port}
          ports: [{port: 80, targetPort: 8080}]
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> {
      String ips = kubectl.run("get", "endpoints", "same-port", "-o", "jsonpath={.subsets[*].addresses[*].ip}").stdout();
      return !ips.isBlank() && java.util.Set.of(ips.trim().split("\\s+")).size() == 3;
    }, DEADLINE, "three ready pods with three addresses, all on port 8080");
    String clusterIP = kubectl.run("get", "svc", "same-port", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    Map<String, Integer> counts = spread(clusterIP, 80, 30);
    assertEquals(3, counts.size(), counts.toString());
    List<String> uids = List.of(kubectl.run("get", "pods", "-l", "app=same-port", "-o",
        "jsonpath={.items[*].metadata.uid}").assertOk().stdout().split("\\s+"));

    // From inside a pod: the Service by name (cluster DNS), through the proxy on the pod's gateway.
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: python
            command: ["python3", "-c", "import urllib.request; print(urllib.request.urlopen('http://same-port/', timeout=5).read().decode().strip())"]
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.phase}").stdout()
        .matches("Succeeded|Failed"), DEADLINE, "client done");
    String answer = kubectl.run("logs", "client").assertOk().stdout().trim();
    assertTrue(answer.startsWith("same-port-"), "a replica answered by its hostname: " + answer);

    kubectl.run("delete", "deployment", "same-port", "--wait=true").assertOk();
    kubectl.run("delete", "pod", "client", "--wait=true").assertOk();
    Polling.await(() -> kubectl.run("get", "pods", "-l", "app=same-port", "-o", "name").stdout().isBlank(),
        DEADLINE, "replicas gone");
    for (String uid : uids) {
      String namespace = "drover-" + uid.replace("-", "").substring(0, 24);
      Polling.await(() -> !Files.exists(Path.of("/run/netns", namespace)), DEADLINE,
          "network namespace " + namespace + " removed");
    }
  }

  @Test
  void takenNodePortsAndClusterIPsAreRefusedWithTheirField() {
    int taken = nodePort();
    Kubectl.Result port = kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: clash}
        spec:
          type: NodePort
          selector: {app: echo}
          ports: [{port: 80, nodePort: %d}]
        """.formatted(taken), "apply", "-f", "-");
    assertNotEquals(0, port.exitCode());
    assertTrue(port.stderr().contains("spec.ports[0].nodePort: Invalid value: " + taken
        + ": provided port is already allocated"), port.stderr());
    String clusterIP = kubectl.run("get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}").assertOk().stdout();
    Kubectl.Result ip = kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: clash}
        spec:
          clusterIP: %s
          ports: [{port: 80}]
        """.formatted(clusterIP), "apply", "-f", "-");
    assertTrue(ip.stderr().contains("spec.clusterIPs: Invalid value: []string{\"" + clusterIP
        + "\"}: failed to allocate IP " + clusterIP + ": provided IP is already allocated"), ip.stderr());
    Kubectl.Result outside = kubectl.runWithInput("""
        apiVersion: v1
        kind: Service
        metadata: {name: clash}
        spec:
          clusterIP: 10.0.0.10
          ports: [{port: 80}]
        """, "apply", "-f", "-");
    assertTrue(outside.stderr().contains("is not in the valid range"), outside.stderr());
    assertEquals("", kubectl.run("get", "svc", "clash", "--ignore-not-found").stdout());
  }
}
