package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's /etc/resolv.conf as the kubelet writes it (pkg/kubelet/network/dns): with dnsPolicy ClusterFirst (the
 * default) the cluster DNS server and the search path {@code <ns>.svc.<domain> svc.<domain> <domain>} with
 * {@code ndots:5}; with None only the pod's dnsConfig; with Default (or host-network pods without
 * ClusterFirstWithHostNet) the host's file, so nothing is written. dnsConfig nameservers, searches and options
 * are added in every case.
 *
 * @param clusterDns the cluster DNS server's address (kubelet --cluster-dns), empty for none
 * @param clusterDomain the cluster domain (kubelet --cluster-domain)
 */
public record PodDns(String clusterDns, String clusterDomain) {
  static final int MAX_SEARCH = 32;

  /** The file's content, or null when the pod uses the host's. */
  public String resolvConf(JsonNode pod, List<String> hostLines) {
    JsonNode spec = pod.path("spec");
    String policy = spec.path("dnsPolicy").asText("ClusterFirst");
    boolean hostNetwork = spec.path("hostNetwork").asBoolean(false);
    boolean cluster = (policy.equals("ClusterFirst") && !hostNetwork) || policy.equals("ClusterFirstWithHostNet");
    if (cluster && clusterDns.isEmpty()) cluster = false; // no cluster DNS: as Default
    JsonNode config = spec.path("dnsConfig");
    if (!cluster && !policy.equals("None") && config.isMissingNode()) return null;
    Set<String> servers = new LinkedHashSet<>();
    List<String> searches = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    if (cluster) {
      servers.add(clusterDns);
      String namespace = pod.path("metadata").path("namespace").asText("default");
      searches.addAll(List.of(namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain));
      options.put("ndots", "5");
    } else if (!policy.equals("None")) {
      // Default: the host's resolvers and search path.
      for (String line : hostLines) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 2) continue;
        if (parts[0].equals("nameserver")) servers.add(parts[1]);
        if (parts[0].equals("search")) searches.addAll(List.of(parts).subList(1, parts.length));
      }
    }
    config.path("nameservers").forEach(n -> servers.add(n.asText()));
    config.path("searches").forEach(s -> {
      if (!searches.contains(s.asText())) searches.add(s.asText());
    });
    config.path("options").forEach(o -> options.put(o.path("name").asText(),
        o.hasNonNull("value") ? o.path("value").asText() : null));
    StringBuilder conf = new StringBuilder();
    if (!searches.isEmpty()) {
      conf.append("search ").append(String.join(" ", searches.subList(0, Math.min(MAX_SEARCH, searches.size()))))
          .append('\n');
    }
    servers.stream().limit(3).forEach(s -> conf.append("nameserver ").append(s).append('\n'));
    if (!options.isEmpty()) {
      List<String> rendered = new ArrayList<>();
      options.forEach((k, v) -> rendered.add(v == null ? k : k + ":" + v));
      conf.append("options ").append(String.join(" ", rendered)).append('\n');
    }
    return conf.toString();
  }
}
