package io.drover.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class CreateStrategyTest {
  static ObjectNode json(String text) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(text);
  }

  static String qos(String resources) throws Exception {
    return CreateStrategy.qosClass(json("{\"containers\":[{\"name\":\"a\",\"resources\":" + resources + "}]}"));
  }

  @Test
  void aNewPodIsPendingWithItsQosClassWhateverStatusTheCreatorSent() throws Exception {
    ObjectNode pod = json("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\"}}");
    ObjectNode prepared = CreateStrategy.prepareForCreate(ResourceRegistry.POD, pod);
    assertEquals("Pending", Json.text(prepared, "status.phase"));
    assertEquals("BestEffort", Json.text(prepared, "status.qosClass"));
    assertEquals("Running", Json.text(pod, "status.phase"), "the argument is not changed");
  }

  @Test
  void creatorStatusIsDroppedForKindsWithAStatusSubresourceButNamespacesKeepTheirs() throws Exception {
    ObjectNode deployment = json("{\"spec\":{},\"status\":{\"replicas\":5}}");
    assertFalse(CreateStrategy.prepareForCreate(ResourceRegistry.DEPLOYMENT, deployment).has("status"));
    ObjectNode namespace = json("{\"status\":{\"phase\":\"Active\"}}");
    assertEquals("Active", Json.text(CreateStrategy.prepareForCreate(ResourceRegistry.NAMESPACE, namespace),
        "status.phase"));
  }

  @Test
  void qosClassFollowsRequestsAndLimits() throws Exception {
    assertEquals("BestEffort", qos("{}"));
    assertEquals("Burstable", qos("{\"requests\":{\"cpu\":\"100m\"}}"));
    assertEquals("Guaranteed", qos("{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"1000m\",\"memory\":\"1Gi\"}}"));
    assertEquals("Burstable", qos("{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"}}"));
    assertEquals("Burstable", qos("{\"limits\":{\"memory\":\"1Gi\"}}"));
  }
}
