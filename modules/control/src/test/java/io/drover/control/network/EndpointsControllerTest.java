package io.drover.control.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which pods a Service's Endpoints and slices list, and on which ports. */
class EndpointsControllerTest {
  static ObjectNode json(String text) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static final ObjectNode SERVICE = json("""
      {'metadata':{'name':'web','namespace':'ns','uid':'svc-uid'},
       'spec':{'selector':{'app':'web'},'ports':[{'name':'http','port':80,'protocol':'TCP','targetPort':'http'}]}}""");

  static StoredObject pod(String name, int port, boolean ready, String extra) {
    ObjectNode pod = json("""
        {'metadata':{'name':'%s','namespace':'ns','uid':'u-%s','labels':{'app':'web'}%s},
         'spec':{'nodeName':'n1','containers':[{'name':'c','ports':[{'name':'http','containerPort':%d}]}]},
         'status':{'phase':'Running','podIP':'127.0.0.1','conditions':[{'type':'Ready','status':'%s'}]}}"""
        .formatted(name, name, extra, port, ready ? "True" : "False"));
    return new StoredObject(ResourceRegistry.POD, "ns", name, pod, 1, 1);
  }

  @Test
  void aNamedTargetPortMeansEachPodsOwnPortAndOnlyReadyPodsAreAddresses() {
    var desired = EndpointsController.desired(SERVICE, List.of(pod("a", 8001, true, ""), pod("b", 8002, true, ""),
        pod("c", 8001, false, ""), pod("d", 8003, true, ",'deletionTimestamp':'2026-01-01T00:00:00Z'")));
    JsonNode subsets = desired.endpoints().path("subsets");
    assertEquals(3, subsets.size(), subsets.toString());
    assertEquals(8001, subsets.get(0).at("/ports/0/port").asInt());
    assertEquals("a", subsets.get(0).at("/addresses/0/targetRef/name").asText());
    assertEquals("c", subsets.get(0).at("/notReadyAddresses/0/targetRef/name").asText());
    assertEquals("d", subsets.get(2).at("/notReadyAddresses/0/targetRef/name").asText(), "terminating: not ready");
    assertEquals(3, desired.slices().size());
    JsonNode terminating = desired.slices().get(2).at("/endpoints/0/conditions");
    assertEquals("{\"ready\":false,\"serving\":true,\"terminating\":true}", terminating.toString());
    assertEquals("web", desired.slices().get(0).at("/metadata/labels/kubernetes.io~1service-name").asText());
  }

  @Test
  void podsWithoutThePortOrAnIpOrOtherLabelsAreLeftOutAndAnEmptyServiceHasAnEmptySlice() {
    ObjectNode noIp = pod("e", 8001, true, "").object();
    ((ObjectNode) noIp.get("status")).remove("podIP");
    ObjectNode other = pod("f", 8001, true, "").object();
    ((ObjectNode) other.at("/metadata/labels")).put("app", "db");
    ObjectNode unnamed = pod("g", 8001, true, "").object();
    ((ObjectNode) unnamed.at("/spec/containers/0/ports/0")).put("name", "metrics");
    var desired = EndpointsController.desired(SERVICE, List.of(
        new StoredObject(ResourceRegistry.POD, "ns", "e", noIp, 1, 1),
        new StoredObject(ResourceRegistry.POD, "ns", "f", other, 1, 1),
        new StoredObject(ResourceRegistry.POD, "ns", "g", unnamed, 1, 1)));
    assertEquals(true, desired.endpoints().path("subsets").isMissingNode());
    assertEquals(1, desired.slices().size());
    assertEquals(0, desired.slices().get(0).path("endpoints").size());
  }
}
