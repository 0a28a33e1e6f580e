package io.drover.control.scheduler;

import static io.drover.control.scheduler.Fixtures.node;
import static io.drover.control.scheduler.Fixtures.pod;
import static io.drover.control.scheduler.Fixtures.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Claims pin pods to their volumes' nodes, wait for their first consumer, or keep the pod away. */
class VolumeBindingTest {
  static final List<NodeInfo> NODES = List.of(node("n1").label("kubernetes.io/hostname", "n1").with(),
      node("n2").label("kubernetes.io/hostname", "n2").with());

  static VolumeBinding.Lookup lookup(Map<String, ObjectNode> claims, Map<String, ObjectNode> volumes) {
    return new VolumeBinding.Lookup() {
      @Override
      public Optional<JsonNode> claim(String namespace, String name) {
        return Optional.ofNullable(claims.get(name));
      }

      @Override
      public Optional<JsonNode> volume(String name) {
        return Optional.ofNullable(volumes.get(name));
      }

      @Override
      public Optional<JsonNode> storageClass(String name) {
        return Optional.of(yaml("{metadata: {name: " + name + "}, volumeBindingMode: "
            + (name.equals("late") ? "WaitForFirstConsumer" : "Immediate") + "}"));
      }
    };
  }

  static ObjectNode withClaim(String claim) {
    return pod("p").spec("volumes: [{name: v, persistentVolumeClaim: {claimName: " + claim + "}}]").build();
  }

  static ScheduleResult schedule(ObjectNode pod, VolumeBinding.Lookup lookup) {
    return Scheduler.schedule(pod, NODES, Profile.defaults(lookup));
  }

  @Test
  void aBoundLocalVolumePinsThePodToItsNode() {
    ObjectNode claim = yaml("{metadata: {name: c}, spec: {volumeName: pv1, storageClassName: late}}");
    ObjectNode volume = yaml("""
        metadata: {name: pv1}
        spec:
          nodeAffinity:
            required:
              nodeSelectorTerms:
              - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n2]}]
        """);
    ScheduleResult result = schedule(withClaim("c"), lookup(Map.of("c", claim), Map.of("pv1", volume)));
    assertEquals(List.of("n2"), result.rankedNodes());
    assertEquals(VolumeBinding.CONFLICT, result.nodeFailures().get("n1"));
  }

  @Test
  void anUnboundClaimWaitingForItsConsumerGoesAnywhereAndIsToBeProvisioned() {
    ObjectNode claim = yaml("{metadata: {name: c, namespace: default}, spec: {storageClassName: late}}");
    VolumeBinding.Lookup lookup = lookup(Map.of("c", claim), Map.of());
    assertEquals(2, schedule(withClaim("c"), lookup).rankedNodes().size());
    assertEquals(List.of(claim), VolumeBinding.claimsToProvision(withClaim("c"), lookup));
    ObjectNode selected = claim.deepCopy();
    ((ObjectNode) selected.get("metadata")).putObject("annotations").put(VolumeBinding.SELECTED_NODE, "n1");
    assertEquals(List.of("n1"), schedule(withClaim("c"), lookup(Map.of("c", selected), Map.of())).rankedNodes(),
        "a node chosen before is kept: the volume is being made there");
  }

  @Test
  void missingAndImmediateUnboundClaimsKeepThePodPending() {
    ScheduleResult missing = schedule(withClaim("nope"), lookup(Map.of(), Map.of()));
    assertTrue(missing.rankedNodes().isEmpty());
    assertEquals("0/2 nodes are available: persistentvolumeclaim \"nope\" not found.", missing.failureMessage());
    ObjectNode immediate = yaml("{metadata: {name: c}, spec: {storageClassName: fast}}");
    ScheduleResult unbound = schedule(withClaim("c"), lookup(Map.of("c", immediate), Map.of()));
    assertEquals("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
        unbound.failureMessage());
  }
}
