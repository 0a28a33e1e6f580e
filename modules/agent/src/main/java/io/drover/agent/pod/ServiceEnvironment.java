package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment variables a container gets for the Services of its namespace that exist when it starts
 * (kubelet's getServiceEnvVarMap): {@code NAME_SERVICE_HOST}, {@code NAME_SERVICE_PORT},
 * {@code NAME_SERVICE_PORT_<PORTNAME>} and the Docker link variables ({@code NAME_PORT=tcp://ip:port}, ...).
 * Only Services with a cluster IP. The API's own Service, default/kubernetes, is always there (KUBERNETES_SERVICE_HOST,
 * KUBERNETES_SERVICE_PORT, ...), also with {@code enableServiceLinks: false}, which leaves out all the others; a
 * Service named kubernetes in the pod's own namespace takes its place when links are enabled.
 */
public final class ServiceEnvironment {
  private ServiceEnvironment() {}

  /** The namespace and name of the API's Service, which every pod gets variables for. */
  public static final String MASTER_NAMESPACE = "default";
  public static final String MASTER_SERVICE = "kubernetes";

  /**
   * @param services the Services of the pod's namespace
   * @param kubernetes the Service default/kubernetes, or null when there is none
   */
  public static Map<String, String> of(JsonNode pod, List<? extends JsonNode> services, JsonNode kubernetes) {
    Map<String, JsonNode> byName = new java.util.TreeMap<>();
    if (kubernetes != null) byName.put(MASTER_SERVICE, kubernetes);
    if (pod.path("spec").path("enableServiceLinks").asBoolean(true)) {
      for (JsonNode svc : services) byName.put(svc.path("metadata").path("name").asText(), svc);
    }
    return of(List.copyOf(byName.values()));
  }

  private static Map<String, String> of(List<? extends JsonNode> services) {
    Map<String, String> env = new LinkedHashMap<>();
    List<? extends JsonNode> sorted = services.stream()
        .sorted(Comparator.comparing(s -> s.path("metadata").path("name").asText())).toList();
    for (JsonNode svc : sorted) {
      String ip = svc.path("spec").path("clusterIP").asText("");
      if (ip.isEmpty() || ip.equals("None")) continue;
      JsonNode ports = svc.path("spec").path("ports");
      if (ports.isEmpty()) continue;
      String name = svc.path("metadata").path("name").asText().toUpperCase(Locale.ROOT).replace('-', '_');
      env.put(name + "_SERVICE_HOST", ip);
      env.put(name + "_SERVICE_PORT", ports.get(0).path("port").asText());
      for (JsonNode port : ports) {
        String portName = port.path("name").asText("");
        if (!portName.isEmpty()) {
          env.put(name + "_SERVICE_PORT_" + portName.toUpperCase(Locale.ROOT).replace('-', '_'),
              port.path("port").asText());
        }
      }
      JsonNode first = ports.get(0);
      String firstProtocol = first.path("protocol").asText("TCP").toLowerCase(Locale.ROOT);
      env.put(name + "_PORT", firstProtocol + "://" + ip + ":" + first.path("port").asText());
      for (JsonNode port : ports) {
        String protocol = port.path("protocol").asText("TCP");
        String prefix = name + "_PORT_" + port.path("port").asText() + "_" + protocol.toUpperCase(Locale.ROOT);
        env.put(prefix, protocol.toLowerCase(Locale.ROOT) + "://" + ip + ":" + port.path("port").asText());
        env.put(prefix + "_PROTO", protocol.toLowerCase(Locale.ROOT));
        env.put(prefix + "_PORT", port.path("port").asText());
        env.put(prefix + "_ADDR", ip);
      }
    }
    return env;
  }
}
