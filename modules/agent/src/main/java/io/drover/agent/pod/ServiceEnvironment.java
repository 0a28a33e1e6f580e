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
 * Only Services with a cluster IP; with {@code enableServiceLinks: false} none (Drover serves no
 * {@code kubernetes} Service yet).
 */
public final class ServiceEnvironment {
  private ServiceEnvironment() {}

  public static Map<String, String> of(JsonNode pod, List<? extends JsonNode> services) {
    Map<String, String> env = new LinkedHashMap<>();
    if (!pod.path("spec").path("enableServiceLinks").asBoolean(true)) return env;
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
