package io.drover.control.network;

import com.typesafe.config.Config;

/**
 * The service cluster IP range (IPv4 CIDR) and the NodePort range, from drover.network. The network and broadcast
 * addresses and the first address (kept for the {@code kubernetes} Service, as Kubernetes does) are not handed out.
 */
public record ServiceRanges(String cidr, long base, int prefix, int firstPort, int lastPort) {

  /**
   * The range "auto" stands for: 10.96.0.0/16 (Kubernetes' own) when this process is root, since it can make the
   * range local to the host ({@link #ensureLocalRoute}) so that pods in their own network namespaces reach the
   * service proxy and DNS there; otherwise 127.96.0.0/16, loopback on Linux, which needs no set-up (and pods share
   * the host's network then).
   */
  public static String autoRange() {
    return "root".equals(System.getProperty("user.name")) ? "10.96.0.0/16" : "127.96.0.0/16";
  }

  /** The cluster DNS address: the configured one, or the range's tenth ("auto"), as kube-dns's 10.96.0.10. */
  public String dnsIp(String configured) {
    return configured.equals("auto") ? toText(base + 10) : configured;
  }

  /**
   * Makes the whole range local to this host (a "local" route, as kube-proxy's IPVS mode does with its dummy
   * interface), so that the service proxy and DNS can listen on any of its addresses and pods reach them through
   * their gateway. Only for ranges outside 127.0.0.0/8 (those are local already), and only as root; false when the
   * route could not be added.
   */
  public boolean ensureLocalRoute() {
    if ((base >>> 24) == 127) return true;
    try {
      Process ip = new ProcessBuilder("ip", "route", "replace", "table", "local", "local", cidr, "dev", "lo")
          .redirectErrorStream(true).start();
      ip.getInputStream().readAllBytes();
      return ip.waitFor() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public static ServiceRanges from(Config network) {
    String cidr = network.getString("service-cluster-ip-range");
    if (cidr.equals("auto")) cidr = autoRange();
    String[] range = network.getString("service-node-port-range").split("-");
    return of(cidr, Integer.parseInt(range[0].trim()), Integer.parseInt(range[1].trim()));
  }

  public static ServiceRanges of(String cidr, int firstPort, int lastPort) {
    String[] parts = cidr.split("/");
    int prefix = Integer.parseInt(parts[1]);
    if (prefix < 8 || prefix > 30) throw new IllegalArgumentException("service range " + cidr + ": use a /8 to /30");
    long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    return new ServiceRanges(cidr, toLong(parts[0]) & mask, prefix, firstPort, lastPort);
  }

  /** Addresses that may be handed out: all but the network, the first (kubernetes) and broadcast addresses. */
  public long ipCount() {
    return (1L << (32 - prefix)) - 3;
  }

  /** The n-th address that may be handed out (0-based). */
  public String ipAt(long n) {
    return toText(base + 2 + n);
  }

  /** The address of the {@code kubernetes} Service: the range's first. */
  public String firstIp() {
    return toText(base + 1);
  }

  public boolean containsIp(String ip) {
    long value;
    try {
      value = toLong(ip);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return value > base && value < base + (1L << (32 - prefix)) - 1;
  }

  public boolean containsPort(int port) {
    return port >= firstPort && port <= lastPort;
  }

  public String portRange() {
    return firstPort + "-" + lastPort;
  }

  static long toLong(String ip) {
    String[] octets = ip.split("\\.");
    if (octets.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + ip);
    long value = 0;
    for (String octet : octets) {
      int o = Integer.parseInt(octet);
      if (o < 0 || o > 255) throw new IllegalArgumentException("not an IPv4 address: " + ip);
      value = (value << 8) | o;
    }
    return value;
  }

  static String toText(long value) {
    return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
  }
}
