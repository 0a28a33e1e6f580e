package io.drover.control.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WatchEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubernetes Service's decisions: members from Nodes, the Service, its Endpoints. */
class KubernetesServiceTest {
  static JsonNode yaml(String text) {
    try {
      return Json.YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode node(String name, String ip, int port, String ready) {
    return (ObjectNode) yaml("""
        metadata: {name: %s}
        status:
          conditions: [{type: Ready, status: "%s"}]
          addresses: [{type: InternalIP, address: %s}, {type: Hostname, address: %s}]
          daemonEndpoints: {kubeletEndpoint: {Port: %d}}
        """.formatted(name, ready, ip, name, port));
  }

  @Test
  void membersAreTheReadyNodesWithAnApiPort() {
    List<KubernetesService.Member> members = KubernetesService.members(List.of(
        node("b", "10.0.0.2", 6443, "True"), node("a", "10.0.0.1", 6443, "True"),
        node("down", "10.0.0.3", 6443, "Unknown"), node("virtual", "10.32.0.1", 0, "True")));
    assertEquals(List.of(new KubernetesService.Member("10.0.0.1", 6443), new KubernetesService.Member("10.0.0.2", 6443)),
        members);
  }

  @Test
  void theServiceAndEndpointsAreCreatedOnceAMemberIsKnown() {
    assertTrue(KubernetesService.reconcile(null, null, List.of(), "10.96.0.1").isEmpty(), "no port to target yet");
    List<KubernetesService.Member> members = List.of(new KubernetesService.Member("10.0.0.1", 6443),
        new KubernetesService.Member("10.0.0.2", 6443), new KubernetesService.Member("10.0.0.3", 7443));
    List<KubernetesService.Action> actions = KubernetesService.reconcile(null, null, members, "10.96.0.1");
    ObjectNode service = assertInstanceOf(KubernetesService.CreateService.class, actions.get(0)).service();
    assertEquals(yaml("""
        apiVersion: v1
        kind: Service
        metadata:
          name: kubernetes
          namespace: default
          labels: {component: apiserver, provider: kubernetes}
        spec:
          type: ClusterIP
          clusterIP: 10.96.0.1
          sessionAffinity: None
          ports: [{name: https, protocol: TCP, port: 443, targetPort: 6443}]
        """), service);
    ObjectNode endpoints = assertInstanceOf(KubernetesService.CreateEndpoints.class, actions.get(1)).endpoints();
    assertEquals(yaml("""
        - addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]
          ports: [{name: https, port: 6443, protocol: TCP}]
        - addresses: [{ip: 10.0.0.3}]
          ports: [{name: https, port: 7443, protocol: TCP}]
        """), endpoints.get("subsets"));
  }

  @Test
  void aMemberLeavingChangesTheEndpointsAndAChangedPortTheService() {
    List<KubernetesService.Member> both = List.of(new KubernetesService.Member("10.0.0.1", 6443),
        new KubernetesService.Member("10.0.0.2", 6443));
    ObjectNode service = KubernetesService.service("10.96.0.1", 6443);
    service.with("spec").put("internalTrafficPolicy", "Cluster");
    ObjectNode endpoints = KubernetesService.endpoints(both);
    assertTrue(KubernetesService.reconcile(service, endpoints, both, "10.96.0.1").isEmpty(), "in line already");
    List<KubernetesService.Action> left = KubernetesService.reconcile(service, endpoints,
        List.of(new KubernetesService.Member("10.0.0.2", 6443)), "10.96.0.1");
    ObjectNode updated = assertInstanceOf(KubernetesService.UpdateEndpoints.class, left.get(0)).endpoints();
    assertEquals(1, updated.at("/subsets/0/addresses").size());
    List<KubernetesService.Action> moved = KubernetesService.reconcile(service, endpoints,
        List.of(new KubernetesService.Member("10.0.0.1", 7443)), "10.96.0.1");
    ObjectNode newPort = assertInstanceOf(KubernetesService.UpdateService.class, moved.get(0)).service();
    assertEquals(7443, newPort.at("/spec/ports/0/targetPort").asInt());
    assertEquals("Cluster", newPort.at("/spec/internalTrafficPolicy").asText(), "the rest of the Service stays");
  }

  @Test
  void heartbeatsAreNoChangeOfMembers() {
    StoredObject before = new StoredObject(ResourceRegistry.NODE, "", "a", node("a", "10.0.0.1", 6443, "True"), 1, 1);
    ObjectNode beat = node("a", "10.0.0.1", 6443, "True");
    beat.with("status").put("lastHeartbeat", "later");
    StoredObject after = new StoredObject(ResourceRegistry.NODE, "", "a", beat, 2, 2);
    assertFalse(KubernetesService.changesMembers(WatchEvent.change(WatchEvent.Type.MODIFIED, after, before)));
    StoredObject notReady = new StoredObject(ResourceRegistry.NODE, "", "a", node("a", "10.0.0.1", 6443, "Unknown"),
        3, 3);
    assertTrue(KubernetesService.changesMembers(WatchEvent.change(WatchEvent.Type.MODIFIED, notReady, after)));
    assertTrue(KubernetesService.changesMembers(WatchEvent.change(WatchEvent.Type.DELETED, after, after)));
    assertTrue(KubernetesService.changesMembers(WatchEvent.change(WatchEvent.Type.ADDED, after, null)));
  }

  @Test
  void whatIsStoredAfterDefaultingNeedsNoFurtherWrite() {
    List<KubernetesService.Member> members = List.of(new KubernetesService.Member("10.0.0.1", 6443));
    ObjectNode service = io.drover.api.validation.Admission.applyDefaults(ResourceRegistry.SERVICE,
        KubernetesService.service("10.96.0.1", 6443));
    ObjectNode endpoints = io.drover.api.validation.Admission.applyDefaults(ResourceRegistry.ENDPOINTS,
        KubernetesService.endpoints(members));
    assertTrue(KubernetesService.reconcile(service, endpoints, members, "10.96.0.1").isEmpty(),
        service + "\n" + endpoints);
  }
}
