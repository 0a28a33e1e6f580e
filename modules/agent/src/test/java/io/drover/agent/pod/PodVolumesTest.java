package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodVolumesTest {
  private static final DownwardApi.Allocatable NODE = new DownwardApi.Allocatable(2000, 1L << 30, 1L << 30);

  @TempDir Path podDir;
  private final Map<String, ObjectNode> objects = new HashMap<>(Map.of(
      "ConfigMap/cfg", yaml("{metadata: {name: cfg}, data: {a.conf: alpha, b.conf: beta}, binaryData: {bin: AAE=}}"),
      "Secret/tls", yaml("{metadata: {name: tls}, data: {tls.key: a2V5, tls.crt: Y3J0}}")));
  private final ObjectLookup lookup = (kind, ns, name) -> java.util.Optional.ofNullable(objects.get(kind + "/" + name));

  private static ObjectNode pod(String volumesYaml) {
    return yaml("""
        metadata:
          name: web
          namespace: default
          uid: u-1
          labels: {app: web, tier: "front\\"end"}
          annotations: {note: "line1\\nline2"}
        spec:
          containers: [{name: app}]
          volumes:
        """ + volumesYaml.indent(4));
  }

  private Path volume(ObjectNode pod, String name) throws PodConfigException {
    for (var v : pod.path("spec").path("volumes")) {
      if (v.path("name").asText().equals(name)) return PodVolumes.volumePath(podDir, v);
    }
    throw new AssertionError(name);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void configMapVolumeHoldsEveryKeyWithDefaultModeThroughDataLink() throws Exception {
    ObjectNode pod = pod("- {name: config, configMap: {name: cfg}}");
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path dir = volume(pod, "config");
    assertEquals(podDir.resolve("volumes/kubernetes.io~configmap/config"), dir);
    assertEquals("alpha", Files.readString(dir.resolve("a.conf")));
    assertEquals("rw-r--r--", mode(dir.resolve("a.conf")));
    assertEquals(List.of(0, 1), List.of((int) Files.readAllBytes(dir.resolve("bin"))[0],
        (int) Files.readAllBytes(dir.resolve("bin"))[1]));
    assertTrue(Files.isSymbolicLink(dir.resolve("a.conf")));
    assertEquals(Path.of("..data/a.conf"), Files.readSymbolicLink(dir.resolve("a.conf")));
    assertTrue(Files.isSymbolicLink(dir.resolve("..data")));
  }

  @Test
  void itemsSelectKeysWithPathsAndModes() throws Exception {
    ObjectNode pod = pod("""
        - name: certs
          secret:
            secretName: tls
            defaultMode: 0400
            items:
            - {key: tls.key, path: private/key.pem, mode: 0600}
            - {key: tls.crt, path: cert.pem}
        """);
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path dir = volume(pod, "certs");
    assertEquals("key", Files.readString(dir.resolve("private/key.pem")));
    assertEquals("rw-------", mode(dir.resolve("private/key.pem").toRealPath()));
    assertEquals("crt", Files.readString(dir.resolve("cert.pem")));
    assertEquals("r--------", mode(dir.resolve("cert.pem").toRealPath()));
    assertFalse(Files.exists(dir.resolve("tls.key")));
  }

  @Test
  void missingSourceFailsTheMountUnlessOptional() throws Exception {
    PodConfigException e = assertThrows(PodConfigException.class,
        () -> PodVolumes.materialize(podDir, pod("- {name: config, configMap: {name: gone}}"), lookup, NODE));
    assertEquals("MountVolume.SetUp failed for volume \"config\" : configmap \"gone\" not found", e.getMessage());
    assertEquals(PodConfigException.FAILED_MOUNT, e.reason());
    PodConfigException key = assertThrows(PodConfigException.class, () -> PodVolumes.materialize(podDir,
        pod("- {name: config, configMap: {name: cfg, items: [{key: nope, path: x}]}}"), lookup, NODE));
    assertEquals("MountVolume.SetUp failed for volume \"config\" : configmap references non-existent config key: nope",
        key.getMessage());
    ObjectNode optional = pod("- {name: config, configMap: {name: gone, optional: true}}");
    PodVolumes.materialize(podDir, optional, lookup, NODE);
    assertTrue(Files.isDirectory(volume(optional, "config")));
  }

  @Test
  void downwardApiFilesUseKubeletFormat() throws Exception {
    ObjectNode pod = pod("""
        - name: info
          downwardAPI:
            items:
            - {path: labels, fieldRef: {fieldPath: metadata.labels}}
            - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
            - {path: name, fieldRef: {fieldPath: metadata.name}}
            - {path: mem, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
        """);
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path dir = volume(pod, "info");
    assertEquals("app=\"web\"\ntier=\"front\\\"end\"", Files.readString(dir.resolve("labels")));
    assertEquals("note=\"line1\\nline2\"", Files.readString(dir.resolve("annotations")));
    assertEquals("web", Files.readString(dir.resolve("name")));
    assertEquals("1024", Files.readString(dir.resolve("mem")), "an unset limit is the node's allocatable");
  }

  @Test
  void rematerializingSwapsContentAtomicallyAndDropsRemovedKeys() throws Exception {
    ObjectNode pod = pod("- {name: config, configMap: {name: cfg}}");
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path dir = volume(pod, "config");
    Path firstData = Files.readSymbolicLink(dir.resolve("..data"));
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    assertEquals(firstData, Files.readSymbolicLink(dir.resolve("..data")), "unchanged content is not rewritten");

    objects.put("ConfigMap/cfg", yaml("{metadata: {name: cfg}, data: {a.conf: ALPHA, c.conf: gamma}}"));
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    assertEquals("ALPHA", Files.readString(dir.resolve("a.conf")));
    assertEquals("gamma", Files.readString(dir.resolve("c.conf")));
    assertFalse(Files.exists(dir.resolve("b.conf"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(dir.resolve(firstData)), "the previous timestamped directory is removed");
    try (var entries = Files.list(dir)) {
      assertEquals(4, entries.count(), "..data, one timestamped directory and two links");
    }
  }

  @Test
  void hostPathTypesAreCheckedAndCreated() throws Exception {
    Path base = Files.createDirectory(podDir.resolve("host"));
    Files.writeString(base.resolve("file"), "x");
    PodVolumes.materialize(podDir, pod("""
        - {name: made, hostPath: {path: %s/made/deep, type: DirectoryOrCreate}}
        - {name: touched, hostPath: {path: %s/touched, type: FileOrCreate}}
        - {name: file, hostPath: {path: %s/file, type: File}}
        - {name: any, hostPath: {path: %s/nothing-here}}
        """.formatted(base, base, base, base)), lookup, NODE);
    assertTrue(Files.isDirectory(base.resolve("made/deep")));
    assertTrue(Files.isRegularFile(base.resolve("touched")));
    PodConfigException e = assertThrows(PodConfigException.class, () -> PodVolumes.materialize(podDir,
        pod("- {name: dir, hostPath: {path: %s/file, type: Directory}}".formatted(base)), lookup, NODE));
    assertEquals("MountVolume.SetUp failed for volume \"dir\" : hostPath type check failed: " + base
        + "/file is not a directory", e.getMessage());
    assertThrows(PodConfigException.class, () -> PodVolumes.materialize(podDir,
        pod("- {name: s, hostPath: {path: %s/file, type: Socket}}".formatted(base)), lookup, NODE));
  }

  @Test
  void mountsFollowVolumeMountsWithSubPathsAndReadOnly() throws Exception {
    ObjectNode pod = yaml("""
        metadata: {name: web, namespace: default}
        spec:
          containers:
          - name: app
            volumeMounts:
            - {name: scratch, mountPath: /scratch}
            - {name: scratch, mountPath: /logs, subPathExpr: "logs/$(POD)", readOnly: true}
            - {name: config, mountPath: /etc/a.conf, subPath: a.conf}
            - {name: config, mountPath: /etc/config}
          volumes:
          - {name: scratch, emptyDir: {medium: Memory}}
          - {name: config, configMap: {name: cfg}}
        """);
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path scratch = volume(pod, "scratch");
    assertEquals("rwxrwxrwx", mode(scratch));
    List<ContainerSpec.Mount> mounts =
        PodVolumes.mounts(podDir, pod, TestPods.container(pod, "app"), Map.of("POD", "web"));
    assertEquals(new ContainerSpec.Mount(scratch, "/scratch", false), mounts.get(0));
    assertEquals(new ContainerSpec.Mount(scratch.resolve("logs/web").toRealPath(), "/logs", true), mounts.get(1));
    assertTrue(Files.isDirectory(scratch.resolve("logs/web")), "a missing subPath is created");
    assertEquals("alpha", Files.readString(mounts.get(2).hostPath()));
    assertFalse(Files.isSymbolicLink(mounts.get(2).hostPath()), "a subPath binds the file itself");
    assertEquals(new ContainerSpec.Mount(volume(pod, "config"), "/etc/config", true), mounts.get(3),
        "configMap volumes are always read-only");
  }

  @Test
  void invalidSubPathsAndUnknownVolumesAreConfigErrors() {
    ObjectNode pod = yaml("""
        metadata: {name: web, namespace: default}
        spec:
          containers:
          - {name: up, volumeMounts: [{name: scratch, mountPath: /x, subPath: ../etc}]}
          - {name: expr, volumeMounts: [{name: scratch, mountPath: /x, subPathExpr: "$(NOPE)"}]}
          - {name: lost, volumeMounts: [{name: missing, mountPath: /x}]}
          volumes: [{name: scratch, emptyDir: {}}]
        """);
    assertEquals("unable to provision SubPath `../etc`: must not contain '..'", assertThrows(PodConfigException.class,
        () -> PodVolumes.mounts(podDir, pod, TestPods.container(pod, "up"), Map.of())).getMessage());
    assertEquals("missing value for NOPE", assertThrows(PodConfigException.class,
        () -> PodVolumes.mounts(podDir, pod, TestPods.container(pod, "expr"), Map.of())).getMessage());
    PodConfigException lost = assertThrows(PodConfigException.class,
        () -> PodVolumes.mounts(podDir, pod, TestPods.container(pod, "lost"), Map.of()));
    assertEquals("cannot find volume \"missing\" to mount into container \"lost\"", lost.getMessage());
    assertEquals(PodConfigException.CREATE_CONTAINER_CONFIG_ERROR, lost.reason());
  }

  @Test
  void projectedVolumeCombinesSources() throws Exception {
    ObjectNode pod = pod("""
        - name: all
          projected:
            defaultMode: 0440
            sources:
            - configMap: {name: cfg, items: [{key: a.conf, path: a.conf}]}
            - secret: {name: tls}
            - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
        """);
    PodVolumes.materialize(podDir, pod, lookup, NODE);
    Path dir = volume(pod, "all");
    assertEquals("alpha", Files.readString(dir.resolve("a.conf")));
    assertEquals("key", Files.readString(dir.resolve("tls.key")));
    assertEquals("default", Files.readString(dir.resolve("ns")));
    assertEquals("r--r-----", mode(dir.resolve("ns").toRealPath()));
  }

  @Test
  void removeDeletesVolumesButNotHostPaths() throws Exception {
    Path host = Files.createDirectory(podDir.resolveSibling(podDir.getFileName() + "-host"));
    try {
      ObjectNode pod = pod("""
          - {name: config, configMap: {name: cfg}}
          - {name: h, hostPath: {path: %s}}
          """.formatted(host));
      PodVolumes.materialize(podDir, pod, lookup, NODE);
      PodVolumes.remove(podDir);
      assertFalse(Files.exists(podDir.resolve("volumes")));
      assertTrue(Files.isDirectory(host));
    } finally {
      Files.deleteIfExists(host);
    }
  }

  @Test
  void theKubeApiAccessVolumeHoldsTheTokenTheCaAndTheNamespaceAndRenewsTheTokenWhenDue() throws Exception {
    objects.put("ConfigMap/kube-root-ca.crt", yaml("{metadata: {name: kube-root-ca.crt}, data: {ca.crt: CA-PEM}}"));
    objects.put("ServiceAccount/robot", yaml("{metadata: {name: robot, uid: sa-1}}"));
    List<io.drover.control.security.ServiceAccountTokens.TokenRequest> asked = new java.util.ArrayList<>();
    io.drover.control.security.ServiceAccountTokens issuer = new io.drover.control.security.ServiceAccountTokens() {
      @Override
      public String issue(TokenRequest request) {
        asked.add(request);
        return "token-" + asked.size();
      }

      @Override
      public String caCertificatePem() {
        return "CA-PEM";
      }
    };
    TestClock clock = new TestClock();
    TokenManager tokens = new TokenManager(issuer, clock);
    ObjectNode pod = pod("""
        - name: kube-api-access-x7b2q
          projected:
            defaultMode: 420
            sources:
            - serviceAccountToken: {expirationSeconds: 3607, path: token}
            - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
            - downwardAPI: {items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]}
        """);
    pod.with("spec").put("serviceAccountName", "robot");
    PodVolumes.materialize(podDir, pod, lookup, NODE, tokens);
    Path dir = volume(pod, "kube-api-access-x7b2q");
    assertEquals(podDir.resolve("volumes/kubernetes.io~projected/kube-api-access-x7b2q"), dir);
    assertEquals("token-1", Files.readString(dir.resolve("token")));
    assertEquals("CA-PEM", Files.readString(dir.resolve("ca.crt")));
    assertEquals("default", Files.readString(dir.resolve("namespace")));
    assertEquals("rw-r--r--", mode(dir.resolve("token").toRealPath()));
    assertEquals(new io.drover.control.security.ServiceAccountTokens.TokenRequest("default", "robot", "sa-1", "web",
        "u-1", 3607), asked.get(0));

    clock.advance(java.time.Duration.ofSeconds(2000)); // 55% of its life: the same token
    PodVolumes.materialize(podDir, pod, lookup, NODE, tokens);
    assertEquals("token-1", Files.readString(dir.resolve("token")));
    clock.advance(java.time.Duration.ofSeconds(1000)); // 83%: renewed, through the ..data link
    PodVolumes.materialize(podDir, pod, lookup, NODE, tokens);
    assertEquals("token-2", Files.readString(dir.resolve("token")));
    assertEquals(2, asked.size());

    objects.remove("ServiceAccount/robot");
    tokens.forgetPod("u-1");
    PodConfigException missing = assertThrows(PodConfigException.class,
        () -> PodVolumes.materialize(podDir, pod, lookup, NODE, tokens));
    assertEquals("MountVolume.SetUp failed for volume \"kube-api-access-x7b2q\" : failed to fetch token: "
        + "serviceaccounts \"robot\" not found", missing.getMessage());
  }

  /** A clock the test moves. */
  static final class TestClock extends java.time.Clock {
    private java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

    void advance(java.time.Duration by) {
      now = now.plus(by);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }
}
