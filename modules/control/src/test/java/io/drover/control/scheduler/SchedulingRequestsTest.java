package io.drover.control.scheduler;

import static io.drover.control.scheduler.Fixtures.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SchedulingRequestsTest {
  private static final long GI = 1L << 30;
  private static final long MI = 1L << 20;

  @Test
  void appContainerRequestsAddUp() {
    var spec = yaml("""
        containers:
        - name: a
          resources: {requests: {cpu: 500m, memory: 1Gi}}
        - name: b
          resources: {requests: {cpu: 250m, memory: 512Mi, ephemeral-storage: 1G}}
        """);
    assertEquals(new Requests(750, GI + 512 * MI, 1_000_000_000L), Requests.of(spec));
  }

  @Test
  void largestInitContainerWinsOverTheSumOfAppContainersPerResource() {
    // The example of noderesources.computePodResourceRequest: cpu from the apps, memory from an init container.
    var spec = yaml("""
        initContainers:
        - {name: ic1, resources: {requests: {cpu: "2", memory: 1G}}}
        - {name: ic2, resources: {requests: {cpu: "2", memory: 3G}}}
        containers:
        - {name: c1, resources: {requests: {cpu: "2", memory: 1G}}}
        - {name: c2, resources: {requests: {cpu: "1", memory: 1G}}}
        """);
    assertEquals(new Requests(3000, 3_000_000_000L, 0), Requests.of(spec));
  }

  @Test
  void sidecarInitContainersAddToAppsAndToLaterInitContainers() {
    var spec = yaml("""
        initContainers:
        - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 100m, memory: 100Mi}}}
        - {name: migrate, resources: {requests: {cpu: "1", memory: 50Mi}}}
        containers:
        - {name: app, resources: {requests: {cpu: 500m, memory: 200Mi}}}
        """);
    // cpu: max(500+100, 1000+100); memory: max(200+100, 50+100)
    assertEquals(new Requests(1100, 300 * MI, 0), Requests.of(spec));
  }

  @Test
  void missingRequestsAreZeroForFilteringAndDefaultsForScoring() {
    var spec = yaml("""
        containers:
        - {name: a}
        - {name: b, resources: {requests: {cpu: "0"}}}
        """);
    assertEquals(Requests.ZERO, Requests.of(spec));
    // Only a missing request gets the stand-in; an explicit 0 stays 0.
    assertEquals(new Requests(100, 400 * MI, 0), Requests.nonZeroOf(spec));
  }

  @Test
  void limitsStandInForAbsentRequests() {
    var spec = yaml("""
        containers:
        - {name: a, resources: {limits: {cpu: "1", memory: 1Gi}, requests: {cpu: 200m}}}
        """);
    assertEquals(new Requests(200, GI, 0), Requests.of(spec));
  }

  @Test
  void podOverheadIsAdded() {
    var spec = yaml("""
        overhead: {cpu: 250m, memory: 120Mi}
        containers:
        - {name: a, resources: {requests: {cpu: 250m, memory: 8Mi}}}
        """);
    assertEquals(new Requests(500, 128 * MI, 0), Requests.of(spec));
  }

  @Test
  void quantitiesAreReadAndRoundedUpLikeKubernetes() {
    assertEquals(500, Quantities.milliValue("0.5"));
    assertEquals(2000, Quantities.milliValue("2"));
    assertEquals(1, Quantities.milliValue("100u"));
    assertEquals(1000, Quantities.value("1e3"));
    assertEquals(1000, Quantities.value("1k"));
    assertEquals(1_500_000_000L, Quantities.value("1.5G"));
    assertEquals(1, Quantities.value("250m"));
    assertEquals(3 * GI, Quantities.value("3Gi"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.value("lots"));
    assertThrows(IllegalArgumentException.class, () -> Quantities.value("1Qi"));
  }
}
