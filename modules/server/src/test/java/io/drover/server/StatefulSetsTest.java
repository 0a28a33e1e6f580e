package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * StatefulSets with real kubectl and real processes: ordered start, stable names and hostnames, a volume per pod
 * from the local-path provisioner that keeps its data across pod replacement, ordered scale-down that keeps the
 * claims, rolling update, history and undo, and the reclaim of volumes whose claims are deleted.
 */
class StatefulSetsTest {
  static final Duration DEADLINE = Duration.ofSeconds(120);
  static TestServers.Member member;
  static Kubectl kubectl;

  static final String MANIFEST = """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        clusterIP: None
        selector: {app: web}
        ports: [{port: 80}]
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: web}
      spec:
        serviceName: web
        replicas: 3
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            terminationGracePeriodSeconds: 1
            containers:
            - name: main
              image: busybox
              command: ["sh", "-c", "sleep 3600"]
              readinessProbe:
                exec: {command: ["true"]}
                periodSeconds: 1
              volumeMounts: [{name: data, mountPath: /data}]
        volumeClaimTemplates:
        - metadata: {name: data}
          spec:
            accessModes: [ReadWriteOnce]
            resources: {requests: {storage: 64Mi}}
      """;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
    TestServers.awaitNode(kubectl, DEADLINE);
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  @Test
  void aStatefulSetComesUpInOrderAndKeepsItsDataAcrossPodReplacement() {
    kubectl.runWithInput(MANIFEST, "apply", "-f", "-").assertOk();
    kubectl.run("rollout", "status", "statefulset/web", "--timeout=120s").assertOk();
    String table = kubectl.run("get", "statefulset", "web").assertOk().stdout();
    assertTrue(table.lines().anyMatch(l -> l.matches("web\\s+3/3\\s+\\S+")), table);

    // OrderedReady: each pod was created only after the one before it was Ready.
    for (int i = 1; i < 3; i++) {
      Instant previousReady = Instant.parse(kubectl.run("get", "pod", "web-" + (i - 1), "-o",
          "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}").assertOk().stdout().trim());
      Instant created = Instant.parse(kubectl.run("get", "pod", "web-" + i, "-o",
          "jsonpath={.metadata.creationTimestamp}").assertOk().stdout().trim());
      assertFalse(created.isBefore(previousReady), "web-" + i + " created " + created + " before web-" + (i - 1)
          + " was ready at " + previousReady);
    }
    // One bound claim per pod, each on a local volume of the default class.
    String claims = kubectl.run("get", "pvc", "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.storageClassName}{\"\\n\"}{end}")
        .assertOk().stdout();
    for (int i = 0; i < 3; i++) {
      assertTrue(claims.contains("data-web-" + i + " Bound local-path"), claims);
    }
    assertTrue(kubectl.run("get", "storageclass").assertOk().stdout().contains("local-path (default)"));

    // Stable hostname, and a file written in the volume survives the pod's replacement.
    assertEquals("web-1", kubectl.run("exec", "web-1", "--", "hostname").assertOk().stdout().trim());
    kubectl.run("exec", "web-1", "--", "sh", "-c", "echo kept-by-$(hostname) > /data/file").assertOk();
    String oldUid = kubectl.run("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}").assertOk().stdout();
    kubectl.run("delete", "pod", "web-1").assertOk();
    Polling.await(() -> {
      String uid = kubectl.run("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}").stdout();
      return !uid.isEmpty() && !uid.equals(oldUid)
          && kubectl.run("get", "pod", "web-1", "-o", "jsonpath={.status.containerStatuses[0].ready}").stdout()
              .equals("true");
    }, DEADLINE, "web-1 replaced and ready");
    assertEquals("kept-by-web-1", kubectl.run("exec", "web-1", "--", "cat", "/data/file").assertOk().stdout().trim());
    assertNotEquals("", kubectl.run("exec", "web-0", "--", "ls", "/data").stdout() + "x");

    // Ordered scale-down: web-2 goes before web-1; the claims stay.
    kubectl.run("scale", "statefulset", "web", "--replicas=1").assertOk();
    List<Set<String>> seen = new ArrayList<>();
    Polling.await(() -> {
      Set<String> names = new TreeSet<>(List.of(kubectl.run("get", "pods", "-l", "app=web", "-o",
          "jsonpath={.items[*].metadata.name}").stdout().split("\\s+")));
      names.remove("");
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(names)) seen.add(names);
      return names.equals(Set.of("web-0"));
    }, DEADLINE, "scaled down to web-0");
    for (Set<String> names : seen) {
      assertFalse(names.contains("web-2") && !names.contains("web-1"), "web-1 went before web-2: " + seen);
    }
    String remaining = kubectl.run("get", "pvc", "-o", "name").assertOk().stdout();
    assertTrue(remaining.contains("data-web-2") && remaining.contains("data-web-1"), remaining);

    // Scaling up again reuses the claims, and the data with them.
    kubectl.run("scale", "statefulset", "web", "--replicas=2").assertOk();
    kubectl.run("rollout", "status", "statefulset/web", "--timeout=120s").assertOk();
    assertEquals("kept-by-web-1", kubectl.run("exec", "web-1", "--", "cat", "/data/file").assertOk().stdout().trim());
  }

  @Test
  void rollingUpdateHistoryAndUndo() {
    kubectl.runWithInput(MANIFEST.replace("name: web", "name: db").replace("app: web", "app: db")
        .replace("replicas: 3", "replicas: 2"), "apply", "-f", "-").assertOk();
    kubectl.run("rollout", "status", "statefulset/db", "--timeout=120s").assertOk();
    String first = kubectl.run("get", "sts", "db", "-o", "jsonpath={.status.updateRevision}").assertOk().stdout();

    kubectl.run("set", "env", "statefulset/db", "COLOR=blue").assertOk();
    kubectl.run("rollout", "status", "statefulset/db", "--timeout=120s").assertOk();
    String second = kubectl.run("get", "sts", "db", "-o",
        "jsonpath={.status.updateRevision} {.status.currentRevision}").assertOk().stdout();
    assertNotEquals(first, second.split(" ")[0]);
    assertEquals(second.split(" ")[0], second.split(" ")[1], "the update completed: " + second);
    String labels = kubectl.run("get", "pods", "-l", "app=db", "-o",
        "jsonpath={.items[*].metadata.labels.controller-revision-hash}").assertOk().stdout();
    assertEquals(second.split(" ")[0] + " " + second.split(" ")[0], labels);
    assertEquals("blue", kubectl.run("exec", "db-0", "--", "sh", "-c", "echo $COLOR").assertOk().stdout().trim());

    String history = kubectl.run("rollout", "history", "statefulset/db").assertOk().stdout();
    assertTrue(history.lines().anyMatch(l -> l.trim().startsWith("1")) && history.lines()
        .anyMatch(l -> l.trim().startsWith("2")), history);

    kubectl.run("rollout", "undo", "statefulset/db").assertOk();
    kubectl.run("rollout", "status", "statefulset/db", "--timeout=120s").assertOk();
    Polling.await(() -> kubectl.run("get", "sts", "db", "-o", "jsonpath={.status.currentRevision}").stdout()
        .equals(first), DEADLINE, "back on the first revision");
    assertEquals("", kubectl.run("exec", "db-0", "--", "sh", "-c", "echo $COLOR").assertOk().stdout().trim());
    String revisions = kubectl.run("get", "controllerrevisions", "-l", "app=db", "-o",
        "jsonpath={range .items[*]}{.metadata.name}={.revision}{\"\\n\"}{end}").assertOk().stdout();
    assertTrue(revisions.contains(first + "=3"), "the restored revision is the newest: " + revisions);
  }

  @Test
  void aClaimInUseStaysUntilItsPodGoesThenItsVolumeIsDeleted() throws Exception {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: scratch}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 10Mi}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: writer}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo data > /scratch/f; sleep 3600"]
            volumeMounts: [{name: s, mountPath: /scratch}]
          volumes: [{name: s, persistentVolumeClaim: {claimName: scratch}}]
        """, "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "writer", "-o", "jsonpath={.status.phase}").stdout()
        .equals("Running"), DEADLINE, "writer running");
    String volume = kubectl.run("get", "pvc", "scratch", "-o", "jsonpath={.spec.volumeName}").assertOk().stdout();
    Path dir = Path.of(kubectl.run("get", "pv", volume, "-o", "jsonpath={.spec.local.path}").assertOk().stdout());
    Polling.await(() -> Files.exists(dir.resolve("f")), DEADLINE, "the file in the volume's directory");
    assertEquals("data", Files.readString(dir.resolve("f")).trim());
    String pv = kubectl.run("get", "pv", volume).assertOk().stdout();
    assertTrue(pv.lines().anyMatch(l -> l.matches(volume + "\\s+10Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/scratch\\s+"
        + "local-path\\s+<none>\\s+\\S+.*")), pv);

    // In use: the claim is Terminating, and the volume and its data stay.
    kubectl.run("delete", "pvc", "scratch", "--wait=false").assertOk();
    String claim = Polling.await(() -> {
      String table = kubectl.run("get", "pvc", "scratch").stdout();
      return table.contains("Terminating") ? table : null;
    }, DEADLINE, "claim terminating");
    assertTrue(claim.contains(volume), claim);
    assertTrue(Files.exists(dir.resolve("f")));
    assertEquals("data", kubectl.run("exec", "writer", "--", "cat", "/scratch/f").assertOk().stdout().trim());

    kubectl.run("delete", "pod", "writer").assertOk();
    Polling.await(() -> kubectl.run("get", "pvc", "scratch").exitCode() != 0, DEADLINE, "claim gone");
    Polling.await(() -> kubectl.run("get", "pv", volume).exitCode() != 0 && !Files.exists(dir), DEADLINE,
        "volume and its directory deleted");
  }

  @Test
  void aStaticHostPathVolumeIsBoundToAClaimWithoutAClass() throws Exception {
    Path hostDir = member.dataDir().resolve("static-volume");
    kubectl.runWithInput("""
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: static-1}
        spec:
          capacity: {storage: 1Gi}
          accessModes: [ReadWriteOnce]
          persistentVolumeReclaimPolicy: Retain
          storageClassName: ""
          hostPath: {path: %s}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: manual}
        spec:
          storageClassName: ""
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 100Mi}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: static-writer}
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox
            command: ["sh", "-c", "echo static > /v/f"]
            volumeMounts: [{name: v, mountPath: /v}]
          volumes: [{name: v, persistentVolumeClaim: {claimName: manual}}]
        """.formatted(hostDir), "apply", "-f", "-").assertOk();
    Polling.await(() -> kubectl.run("get", "pod", "static-writer", "-o", "jsonpath={.status.phase}").stdout()
        .equals("Succeeded"), DEADLINE, "static writer done");
    assertEquals("static-1 Bound 1Gi", kubectl.run("get", "pvc", "manual", "-o",
        "jsonpath={.spec.volumeName} {.status.phase} {.status.capacity.storage}").assertOk().stdout());
    assertEquals("static", Files.readString(hostDir.resolve("f")).trim());
    kubectl.run("delete", "pod", "static-writer").assertOk();
    kubectl.run("delete", "pvc", "manual").assertOk();
    Polling.await(() -> kubectl.run("get", "pv", "static-1", "-o", "jsonpath={.status.phase}").stdout()
        .equals("Released"), DEADLINE, "a Retain volume is Released, its data kept");
    assertTrue(Files.exists(hostDir.resolve("f")));
  }

  @Test
  void badStatefulSetsAndClaimsAreRefusedWithTheirFields() {
    var result = kubectl.runWithInput("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: bad}
        spec:
          podManagementPolicy: Whenever
          selector: {matchLabels: {app: bad}}
          template:
            metadata: {labels: {app: bad}}
            spec:
              containers: [{name: main, image: busybox}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec: {resources: {requests: {storage: 1Gi}}}
        """, "apply", "-f", "-");
    assertNotEquals(0, result.exitCode());
    assertTrue(result.stderr().contains("spec.podManagementPolicy: Unsupported value: \"Whenever\""), result.stderr());
    assertTrue(result.stderr().contains("spec.volumeClaimTemplates[0].spec.accessModes: Required value"),
        result.stderr());
    assertEquals("", kubectl.run("get", "sts", "bad", "--ignore-not-found").stdout());
  }
}
