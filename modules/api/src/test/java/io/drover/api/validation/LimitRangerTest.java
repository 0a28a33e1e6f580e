package io.drover.api.validation;

import static io.drover.api.validation.Manifests.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LimitRanger admission plugin: defaults and their annotation, and each refusal with kube-apiserver's words. */
class LimitRangerTest {

  private static ObjectNode limitRange(String limits) {
    return yaml("""
        apiVersion: v1
        kind: LimitRange
        metadata: {name: limits, namespace: default}
        spec:
          limits:
        """ + limits.indent(2));
  }

  /** A pod of the given containers (YAML list items), defaulted as the apiserver defaults it before admission. */
  private static ObjectNode pod(String containers) {
    return Admission.applyDefaults(ResourceRegistry.POD, yaml("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: default}
        spec:
        """ + containers.indent(2)));
  }

  private static final ObjectNode DEFAULTS = limitRange("""
      - type: Container
        default: {cpu: 500m, memory: 256Mi}
        defaultRequest: {cpu: 100m, memory: 128Mi}
      """);

  private static String annotation(JsonNode pod) {
    return pod.path("metadata").path("annotations").path(LimitRanger.ANNOTATION).asText(null);
  }

  private static String resources(JsonNode pod, String list, int i) {
    return pod.path("spec").path(list).get(i).path("resources").toString();
  }

  private static String refusal(JsonNode pod, ObjectNode... limitRanges) {
    ApiException e = assertThrows(ApiException.class,
        () -> LimitRanger.enforce(ResourceRegistry.POD, "web", List.of(limitRanges), pod, null));
    assertEquals(403, e.code());
    assertEquals("Forbidden", e.reason());
    return e.getMessage();
  }

  @Test
  void aContainerWithoutResourcesGetsTheDefaultsAndThePodTheAnnotation() {
    ObjectNode pod = LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(DEFAULTS), pod("""
        containers:
        - {name: app, image: busybox}
        """));
    assertEquals("{\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"100m\","
        + "\"memory\":\"128Mi\"}}", resources(pod, "containers", 0));
    assertEquals("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app",
        annotation(pod));
  }

  @Test
  void whatAContainerSetsIsKeptAndALimitAloneIsAlsoTheRequest() {
    ObjectNode pod = LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(DEFAULTS), pod("""
        containers:
        - name: a
          image: busybox
          resources: {requests: {cpu: 200m}}
        - name: b
          image: busybox
          resources: {limits: {cpu: "1"}}
        """));
    assertEquals("{\"requests\":{\"cpu\":\"200m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"500m\","
        + "\"memory\":\"256Mi\"}}", resources(pod, "containers", 0));
    // SetDefaults_Pod made the limit the request before LimitRanger ran.
    assertEquals("{\"limits\":{\"cpu\":\"1\",\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"1\","
        + "\"memory\":\"128Mi\"}}", resources(pod, "containers", 1));
    assertEquals("LimitRanger plugin set: memory request for container a; cpu, memory limit for container a; "
        + "memory request for container b; memory limit for container b", annotation(pod));
  }

  @Test
  void initContainersAreDefaultedAfterTheContainers() {
    ObjectNode pod = LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(DEFAULTS), pod("""
        initContainers:
        - name: setup
          image: busybox
          resources: {limits: {cpu: 200m, memory: 64Mi}}
        containers:
        - name: app
          image: busybox
          resources: {limits: {cpu: 200m, memory: 64Mi}}
        """));
    assertEquals(null, annotation(pod));
    pod = LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(DEFAULTS), pod("""
        initContainers:
        - {name: setup, image: busybox}
        containers:
        - name: app
          image: busybox
          resources: {limits: {cpu: 200m}}
        """));
    assertEquals("LimitRanger plugin set: memory request for container app; memory limit for container app; "
        + "cpu, memory request for init container setup; cpu, memory limit for init container setup",
        annotation(pod));
  }

  @Test
  void eachLimitRangeFillsWhatIsStillMissingAndTheLastThatSetSomethingWritesTheAnnotation() {
    ObjectNode memory = limitRange("""
        - type: Container
          default: {memory: 64Mi}
          defaultRequest: {memory: 32Mi}
        """);
    ObjectNode pod = LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(memory, DEFAULTS), pod("""
        containers:
        - {name: app, image: busybox}
        """));
    assertEquals("{\"limits\":{\"memory\":\"64Mi\",\"cpu\":\"500m\"},\"requests\":{\"memory\":\"32Mi\","
        + "\"cpu\":\"100m\"}}", resources(pod, "containers", 0));
    assertEquals("LimitRanger plugin set: cpu request for container app; cpu limit for container app",
        annotation(pod));
  }

  @Test
  void onlyPodsAreDefaultedAndNothingWithoutLimitRanges() {
    ObjectNode bare = pod("""
        containers:
        - {name: app, image: busybox}
        """);
    assertSame(bare, LimitRanger.applyDefaults(ResourceRegistry.POD, List.of(), bare));
    ObjectNode claim = Manifests.persistentVolumeClaim();
    assertSame(claim, LimitRanger.applyDefaults(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, List.of(DEFAULTS), claim));
  }

  @Test
  void containersOverMaxOrUnderMinAreRefusedTogether() {
    ObjectNode limits = limitRange("""
        - type: Container
          max: {cpu: 500m}
          min: {memory: 10Mi}
        """);
    ObjectNode pod = pod("""
        containers:
        - name: big
          image: busybox
          resources: {limits: {cpu: "1", memory: 64Mi}}
        - name: small
          image: busybox
          resources: {requests: {memory: 5Mi}, limits: {cpu: 100m, memory: 5Mi}}
        """);
    assertEquals("pods \"web\" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, "
        + "minimum memory usage per Container is 10Mi, but request is 5Mi]", refusal(pod, limits));
  }

  @Test
  void aMissingRequestOrLimitIsNamed() {
    ObjectNode limits = limitRange("""
        - type: Container
          max: {cpu: 500m}
          min: {memory: 10Mi}
        """);
    assertEquals("pods \"web\" is forbidden: [minimum memory usage per Container is 10Mi.  No request is specified, "
        + "maximum cpu usage per Container is 500m.  No limit is specified]", refusal(pod("""
        containers:
        - {name: app, image: busybox}
        """), limits));
  }

  @Test
  void aLimitUnderTheMinimumIsRefused() {
    ObjectNode limits = limitRange("""
        - type: Container
          min: {cpu: 100m}
        """);
    ObjectNode pod = pod("""
        containers:
        - name: app
          image: busybox
          resources: {requests: {cpu: 100m}, limits: {cpu: 50m}}
        """);
    assertEquals("pods \"web\" is forbidden: minimum cpu usage per Container is 100m, but limit is 50m",
        refusal(pod, limits));
  }

  @Test
  void theSameViolationOfSeveralContainersIsNamedOnce() {
    ObjectNode limits = limitRange("""
        - type: Container
          max: {cpu: 500m}
        """);
    ObjectNode pod = pod("""
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: "1"}}}
        - {name: b, image: busybox, resources: {limits: {cpu: "1"}}}
        """);
    assertEquals("pods \"web\" is forbidden: maximum cpu usage per Container is 500m, but limit is 1",
        refusal(pod, limits));
  }

  @Test
  void initContainersAreHeldToTheContainerConstraints() {
    ObjectNode limits = limitRange("""
        - type: Container
          max: {cpu: "1"}
        """);
    ObjectNode pod = pod("""
        initContainers:
        - {name: setup, image: busybox, resources: {limits: {cpu: 1500m}}}
        containers:
        - {name: app, image: busybox, resources: {limits: {cpu: 500m}}}
        """);
    assertEquals("pods \"web\" is forbidden: maximum cpu usage per Container is 1, but limit is 1500m",
        refusal(pod, limits));
  }

  @Test
  void theLimitToRequestRatioIsBounded() {
    ObjectNode limits = limitRange("""
        - type: Container
          maxLimitRequestRatio: {cpu: "2"}
        """);
    assertEquals("pods \"web\" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio "
        + "is 5.000000", refusal(pod("""
        containers:
        - {name: app, image: busybox, resources: {requests: {cpu: 100m}, limits: {cpu: 500m}}}
        """), limits));
    assertEquals("pods \"web\" is forbidden: cpu max limit to request ratio per Container is 2, but no request is "
        + "specified or request is 0", refusal(pod("""
        containers:
        - {name: app, image: busybox}
        """), limits));
    LimitRanger.enforce(ResourceRegistry.POD, "web", List.of(limits), pod("""
        containers:
        - {name: app, image: busybox, resources: {requests: {cpu: 250m}, limits: {cpu: 500m}}}
        """), null);
  }

  @Test
  void aPodItemBoundsTheSumOfItsContainers() {
    ObjectNode limits = limitRange("""
        - type: Pod
          max: {cpu: "1"}
          min: {memory: 1Gi}
        """);
    assertEquals("pods \"web\" is forbidden: [minimum memory usage per Pod is 1Gi, but request is 1000Mi, "
        + "maximum cpu usage per Pod is 1, but limit is 1200m]", refusal(pod("""
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: 600m, memory: 500Mi}}}
        - {name: b, image: busybox, resources: {limits: {cpu: 600m, memory: 500Mi}}}
        """), limits));
    // One container: its own quantity, as given.
    assertEquals("pods \"web\" is forbidden: maximum cpu usage per Pod is 1, but limit is 2", refusal(pod("""
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: "2", memory: 1Gi}}}
        """), limits));
  }

  @Test
  void aPodNeedsAtLeastItsLargestInitContainerAndItsSidecarsRunAlongside() {
    ObjectNode limits = limitRange("""
        - type: Pod
          max: {cpu: "1"}
        """);
    assertEquals("pods \"web\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1500m", refusal(pod("""
        initContainers:
        - {name: setup, image: busybox, resources: {limits: {cpu: 1500m}}}
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: 300m}}}
        - {name: b, image: busybox, resources: {limits: {cpu: 300m}}}
        """), limits));
    assertEquals("pods \"web\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1100m", refusal(pod("""
        initContainers:
        - {name: proxy, image: busybox, restartPolicy: Always, resources: {limits: {cpu: 400m}}}
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: 700m}}}
        """), limits));
    LimitRanger.enforce(ResourceRegistry.POD, "web", List.of(limits), pod("""
        initContainers:
        - {name: setup, image: busybox, resources: {limits: {cpu: "1"}}}
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: 300m}}}
        """), null);
  }

  @Test
  void theFirstViolatedLimitRangeRefuses() {
    ObjectNode first = limitRange("""
        - type: Container
          max: {cpu: "2"}
        """);
    ObjectNode second = limitRange("""
        - type: Container
          max: {cpu: 500m, memory: 1Mi}
        """);
    ObjectNode pod = pod("""
        containers:
        - {name: a, image: busybox, resources: {limits: {cpu: "1", memory: 64Mi}}}
        """);
    assertEquals("pods \"web\" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, "
        + "maximum memory usage per Container is 1Mi, but limit is 64Mi]", refusal(pod, first, second));
  }

  @Test
  void aClaimsStorageRequestIsBounded() {
    ObjectNode limits = limitRange("""
        - type: PersistentVolumeClaim
          min: {storage: 1Gi}
          max: {storage: 10Gi}
        """);
    ObjectNode claim = Manifests.persistentVolumeClaim();
    ((ObjectNode) claim.path("spec").path("resources")).putObject("requests").put("storage", "500Mi");
    ApiException small = assertThrows(ApiException.class, () -> LimitRanger.enforce(
        ResourceRegistry.PERSISTENT_VOLUME_CLAIM, "data", List.of(limits), claim, null));
    assertEquals("persistentvolumeclaims \"data\" is forbidden: minimum storage usage per PersistentVolumeClaim is "
        + "1Gi, but request is 500Mi", small.getMessage());
    ((ObjectNode) claim.path("spec").path("resources").path("requests")).put("storage", "20Gi");
    assertEquals(List.of("maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"),
        LimitRanger.violations(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, limits, claim, null));
    // Container and Pod items say nothing about claims.
    assertEquals(List.of(), LimitRanger.violations(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, DEFAULTS, claim, null));
  }

  @Test
  void anUpdateOfAClaimIsCheckedOnlyForARequestItChanges() {
    ObjectNode limits = limitRange("""
        - type: PersistentVolumeClaim
          min: {storage: 1Gi}
        """);
    ObjectNode stored = Manifests.persistentVolumeClaim();
    ((ObjectNode) stored.path("spec").path("resources")).putObject("requests").put("storage", "500Mi");
    ObjectNode bound = stored.deepCopy();
    ((ObjectNode) bound.path("spec")).put("volumeName", "pv-1");
    LimitRanger.enforce(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, "data", List.of(limits), bound, stored);
    ObjectNode resized = stored.deepCopy();
    ((ObjectNode) resized.path("spec").path("resources").path("requests")).put("storage", "600Mi");
    assertEquals(List.of("minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 600Mi"),
        LimitRanger.violations(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, limits, resized, stored));
  }

  @Test
  void podsAreCheckedOnCreateAndClaimsUnlessBeingDeleted() {
    ObjectNode pod = pod("""
        containers:
        - {name: app, image: busybox}
        """);
    assertTrue(LimitRanger.handles(ResourceRegistry.POD, null));
    assertFalse(LimitRanger.handles(ResourceRegistry.POD, pod));
    ObjectNode claim = Manifests.persistentVolumeClaim();
    assertTrue(LimitRanger.handles(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, claim));
    ObjectNode deleting = claim.deepCopy();
    ((ObjectNode) deleting.path("metadata")).put("deletionTimestamp", "2026-01-01T00:00:00Z");
    assertFalse(LimitRanger.handles(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, deleting));
    assertFalse(LimitRanger.handles(ResourceRegistry.CONFIG_MAP, null));
  }
}
