package io.drover.agent.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** resolv.conf by dnsPolicy and dnsConfig, as the kubelet writes it. */
class PodDnsTest {
  static final PodDns DNS = new PodDns("127.96.0.10", "cluster.local");
  static final List<String> HOST = List.of("nameserver 10.0.0.2", "search example.org");

  static ObjectNode pod(String spec) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(("{'metadata':{'namespace':'shop'},'spec':{" + spec + "}}")
        .replace('\'', '"'));
  }

  @Test
  void clusterFirstUsesTheClusterDnsAndTheNamespaceSearchPath() throws Exception {
    assertEquals("""
        search shop.svc.cluster.local svc.cluster.local cluster.local
        nameserver 127.96.0.10
        options ndots:5
        """, DNS.resolvConf(pod(""), HOST));
  }

  @Test
  void defaultAndHostNetworkKeepTheHostsFileAndNoneTakesOnlyDnsConfig() throws Exception {
    assertNull(DNS.resolvConf(pod("'dnsPolicy':'Default'"), HOST));
    assertNull(DNS.resolvConf(pod("'hostNetwork':true"), HOST));
    assertEquals("""
        search a.example
        nameserver 1.1.1.1
        options edns0 ndots:2
        """, DNS.resolvConf(pod("'dnsPolicy':'None','dnsConfig':{'nameservers':['1.1.1.1'],'searches':['a.example'],"
        + "'options':[{'name':'edns0'},{'name':'ndots','value':'2'}]}"), HOST));
  }
}
