package io.drover.agent.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the service proxy of a node should do, as a pure function of the Services and EndpointSlices (kube-proxy's
 * service and endpoints change trackers): a listener on each Service port's cluster IP, and on the node's address
 * for each NodePort, and for each Service port the endpoints that get new connections.
 */
public final class ProxyRules {
  private ProxyRules() {}

  /** One Service port: "namespace/name:portName". */
  public record ServicePort(String namespace, String service, String portName) {
    String key() {
      return namespace + "/" + service + ":" + portName;
    }
  }

  /** A listening address and the Service port it serves; affinitySeconds > 0 for sessionAffinity ClientIP. */
  public record Listener(String host, int port, ServicePort target, int affinitySeconds) {}

  public record Rules(List<Listener> listeners, Map<ServicePort, List<InetSocketAddress>> backends) {}

  /**
   * @param services the Services (TCP ports only: the proxy does not carry UDP or SCTP)
   * @param slices the EndpointSlices
   * @param nodeAddress where NodePorts listen
   */
  public static Rules rules(List<JsonNode> services, List<JsonNode> slices, String nodeAddress) {
    List<Listener> listeners = new ArrayList<>();
    Map<ServicePort, List<InetSocketAddress>> backends = new LinkedHashMap<>();
    for (JsonNode svc : services) {
      JsonNode spec = svc.path("spec");
      String type = spec.path("type").asText("ClusterIP");
      String clusterIP = spec.path("clusterIP").asText("");
      if (type.equals("ExternalName")) continue;
      boolean headless = clusterIP.equals("None") || clusterIP.isEmpty();
      int affinity = "ClientIP".equals(spec.path("sessionAffinity").asText())
          ? spec.path("sessionAffinityConfig").path("clientIP").path("timeoutSeconds").asInt(10800) : 0;
      String namespace = svc.path("metadata").path("namespace").asText();
      String name = svc.path("metadata").path("name").asText();
      for (JsonNode port : spec.path("ports")) {
        if (!"TCP".equals(port.path("protocol").asText("TCP"))) continue;
        ServicePort target = new ServicePort(namespace, name, port.path("name").asText(""));
        if (!headless) listeners.add(new Listener(clusterIP, port.path("port").asInt(), target, affinity));
        int nodePort = port.path("nodePort").asInt(0);
        if (nodePort > 0 && !headless) listeners.add(new Listener(nodeAddress, nodePort, target, affinity));
        backends.put(target, endpoints(slices, namespace, name, target.portName()));
      }
    }
    return new Rules(listeners, backends);
  }

  /**
   * The ready endpoints of a Service port; when none is ready, the ones still serving while they terminate (as
   * kube-proxy does, so that a rolling restart of the last pods does not drop connections).
   */
  static List<InetSocketAddress> endpoints(List<JsonNode> slices, String namespace, String service, String portName) {
    List<InetSocketAddress> ready = new ArrayList<>();
    List<InetSocketAddress> serving = new ArrayList<>();
    for (JsonNode slice : slices) {
      if (!namespace.equals(slice.path("metadata").path("namespace").asText())) continue;
      if (!service.equals(slice.path("metadata").path("labels").path("kubernetes.io/service-name").asText())) continue;
      Integer number = null;
      for (JsonNode port : slice.path("ports")) {
        if (portName.equals(port.path("name").asText("")) && "TCP".equals(port.path("protocol").asText("TCP"))) {
          number = port.path("port").asInt();
        }
      }
      if (number == null) continue;
      for (JsonNode endpoint : slice.path("endpoints")) {
        JsonNode conditions = endpoint.path("conditions");
        for (JsonNode address : endpoint.path("addresses")) {
          InetSocketAddress backend = InetSocketAddress.createUnresolved(address.asText(), number);
          if (conditions.path("ready").asBoolean(true)) ready.add(backend);
          else if (conditions.path("serving").asBoolean(false) && conditions.path("terminating").asBoolean(false)) {
            serving.add(backend);
          }
        }
      }
    }
    return ready.isEmpty() ? serving : ready;
  }
}
