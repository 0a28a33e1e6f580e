package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LimitRange through the real kubectl: get and describe, pods without resources get the defaults and the
 * kubernetes.io/limit-ranger annotation (also a Deployment's, also under dry run), pods and claims outside the
 * bounds are refused with kube-apiserver's Forbidden message, defaulted requests count toward a ResourceQuota, and
 * an inconsistent LimitRange is invalid.
 */
class LimitRangeTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static final String ANNOTATION = "{.metadata.annotations.kubernetes\\.io/limit-ranger}";
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

  static final String LIMITS = """
      apiVersion: v1
      kind: LimitRange
      metadata: {name: compute}
      spec:
        limits:
        - type: Container
          max: {cpu: "1", memory: 512Mi}
          min: {cpu: 10m, memory: 4Mi}
          default: {cpu: 200m, memory: 64Mi}
          defaultRequest: {cpu: 100m, memory: 32Mi}
        - type: PersistentVolumeClaim
          min: {storage: 1Gi}
        """;

  /** A namespace holding the LimitRange above. */
  static void namespaceWithLimits(String ns) {
    kubectl.run("create", "namespace", ns).assertOk();
    kubectl.runWithInput(LIMITS, "apply", "-n", ns, "-f", "-").assertOk();
  }

  @Test
  void aPodWithoutResourcesGetsTheDefaultsAndTheAnnotation() {
    namespaceWithLimits("lr");
    String list = kubectl.run("get", "limits", "-n", "lr").assertOk().stdout();
    assertTrue(list.startsWith("NAME") && list.lines().findFirst().orElse("").contains("CREATED AT")
        && list.contains("compute"), list);
    String described = kubectl.run("describe", "limits", "compute", "-n", "lr").assertOk().stdout();
    assertTrue(Pattern.compile("Container\\s+cpu\\s+10m\\s+1\\s+100m\\s+200m\\s+-").matcher(described).find()
        && Pattern.compile("Container\\s+memory\\s+4Mi\\s+512Mi\\s+32Mi\\s+64Mi\\s+-").matcher(described).find()
        && Pattern.compile("PersistentVolumeClaim\\s+storage\\s+1Gi\\s+-").matcher(described).find(), described);

    kubectl.run("run", "app", "-n", "lr", "--image=busybox", "--", "sleep", "3600").assertOk();
    assertEquals("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app",
        kubectl.run("get", "pod", "app", "-n", "lr", "-o", "jsonpath=" + ANNOTATION).assertOk().stdout());
    assertEquals("100m 32Mi 200m 64Mi Burstable", kubectl.run("get", "pod", "app", "-n", "lr", "-o",
        "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory} "
            + "{.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.limits.memory} "
            + "{.status.qosClass}").assertOk().stdout());

    // A server-side dry run is defaulted the same and stores nothing.
    assertEquals("LimitRanger plugin set: cpu, memory request for container dry; cpu, memory limit for container dry",
        kubectl.run("run", "dry", "-n", "lr", "--image=busybox", "--dry-run=server", "-o", "jsonpath=" + ANNOTATION)
            .assertOk().stdout());
    assertTrue(kubectl.run("get", "pod", "dry", "-n", "lr").stderr().contains("pods \"dry\" not found"));
  }

  @Test
  void podsAndClaimsOutsideTheBoundsAreRefusedWithKubectlsForbiddenMessage() {
    namespaceWithLimits("lr-bounds");
    String big = """
        apiVersion: v1
        kind: Pod
        metadata: {name: big}
        spec:
          containers:
          - name: app
            image: busybox
            command: [sleep, "3600"]
            resources: {requests: {memory: 2Mi}, limits: {cpu: "2", memory: 8Mi}}
        """;
    String forbidden = "Error from server (Forbidden): error when creating \"STDIN\": pods \"big\" is forbidden: "
        + "[minimum memory usage per Container is 4Mi, but request is 2Mi, maximum cpu usage per Container is 1, "
        + "but limit is 2]";
    Kubectl.Result refused = kubectl.runWithInput(big, "apply", "-n", "lr-bounds", "-f", "-");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains(forbidden), refused.stderr());
    Kubectl.Result dryRun = kubectl.runWithInput(big, "apply", "-n", "lr-bounds", "--dry-run=server", "-f", "-");
    assertEquals(1, dryRun.exitCode(), dryRun.toString());
    assertTrue(dryRun.stderr().contains("pods \"big\" is forbidden: [minimum memory usage per Container is 4Mi"),
        dryRun.stderr());
    assertTrue(kubectl.run("get", "pod", "big", "-n", "lr-bounds").stderr().contains("pods \"big\" not found"));

    Kubectl.Result claim = kubectl.runWithInput("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: small}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 500Mi}}
        """, "apply", "-n", "lr-bounds", "-f", "-");
    assertEquals(1, claim.exitCode(), claim.toString());
    assertTrue(claim.stderr().contains("persistentvolumeclaims \"small\" is forbidden: minimum storage usage per "
        + "PersistentVolumeClaim is 1Gi, but request is 500Mi"), claim.stderr());
  }

  @Test
  void aDeploymentsPodsGetTheDefaultsAndItsTemplateDoesNot() {
    namespaceWithLimits("lr-deploy");
    kubectl.run("create", "deployment", "web", "-n", "lr-deploy", "--image=busybox", "--replicas=2", "--",
        "sleep", "3600").assertOk();
    String pods = Polling.await(() -> {
      String p = kubectl.run("get", "pods", "-n", "lr-deploy", "-l", "app=web", "-o",
          "jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind} " + ANNOTATION + "{\"\\n\"}{end}").stdout();
      return p.lines().count() == 2 ? p : null;
    }, DEADLINE, "the ReplicaSet's two pods");
    pods.lines().forEach(line -> assertEquals("ReplicaSet LimitRanger plugin set: cpu, memory request for container "
        + "busybox; cpu, memory limit for container busybox", line));
    assertEquals("", kubectl.run("get", "deployment", "web", "-n", "lr-deploy", "-o",
        "jsonpath={.spec.template.spec.containers[0].resources.limits}").assertOk().stdout());
    kubectl.run("delete", "deployment", "web", "-n", "lr-deploy").assertOk();
  }

  @Test
  void defaultedRequestsCountTowardAQuotaAndSatisfyWhatItRequires() {
    kubectl.run("create", "namespace", "lr-quota").assertOk();
    kubectl.run("create", "quota", "team", "-n", "lr-quota", "--hard=requests.cpu=250m,limits.memory=1Gi")
        .assertOk();
    kubectl.runWithInput(LIMITS, "apply", "-n", "lr-quota", "-f", "-").assertOk();
    kubectl.run("run", "a", "-n", "lr-quota", "--image=busybox", "--", "sleep", "3600").assertOk();
    kubectl.run("run", "b", "-n", "lr-quota", "--image=busybox", "--", "sleep", "3600").assertOk();
    Kubectl.Result third = kubectl.run("run", "c", "-n", "lr-quota", "--image=busybox", "--", "sleep", "3600");
    assertEquals(1, third.exitCode(), third.toString());
    assertTrue(third.stderr().contains("pods \"c\" is forbidden: exceeded quota: team, requested: requests.cpu=100m, "
        + "used: requests.cpu=200m, limited: requests.cpu=250m"), third.stderr());
  }

  @Test
  void theExampleDoesWhatItsCommentsSay() throws Exception {
    java.nio.file.Path example = java.nio.file.Path.of("../../examples/security/limit-range.yaml");
    kubectl.runWithInput(java.nio.file.Files.readString(example), "apply", "-f", "-").assertOk();
    kubectl.run("run", "app", "-n", "team-b", "--image=busybox", "--", "sleep", "3600").assertOk();
    assertEquals("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app",
        kubectl.run("get", "pod", "app", "-n", "team-b", "-o", "jsonpath=" + ANNOTATION).assertOk().stdout());
    Kubectl.Result big = kubectl.run("run", "big", "-n", "team-b", "--image=busybox", "--overrides={\"spec\":"
        + "{\"containers\":[{\"name\":\"big\",\"image\":\"busybox\",\"args\":[\"sleep\",\"3600\"],"
        + "\"resources\":{\"limits\":{\"cpu\":\"2\"}}}]}}");
    assertEquals(1, big.exitCode(), big.toString());
    assertTrue(big.stderr().contains("pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit "
        + "is 2"), big.stderr());
  }

  @Test
  void aLimitRangeWithMinAboveMaxIsInvalid() {
    kubectl.run("create", "namespace", "lr-invalid").assertOk();
    Kubectl.Result invalid = kubectl.runWithInput("""
        apiVersion: v1
        kind: LimitRange
        metadata: {name: bad}
        spec:
          limits:
          - type: Container
            min: {cpu: "2"}
            max: {cpu: "1"}
        """, "apply", "-n", "lr-invalid", "-f", "-");
    assertEquals(1, invalid.exitCode(), invalid.toString());
    assertTrue(invalid.stderr().contains("The LimitRange \"bad\" is invalid: ")
        && invalid.stderr().contains("spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount"
            + "{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"2\", Format:\"DecimalSI\"}: "
            + "min value 2 is greater than max value 1"), invalid.stderr());
    assertTrue(kubectl.run("get", "limits", "-n", "lr-invalid").stderr().contains("No resources found"));
  }
}
