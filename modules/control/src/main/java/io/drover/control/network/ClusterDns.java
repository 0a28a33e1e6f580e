package io.drover.control.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoredObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The cluster's DNS server (as CoreDNS's kubernetes plugin), on UDP, answering from this member's read side:
 * {@code <svc>.<ns>.svc.<domain>} A records (the cluster IP; for a headless Service one per ready endpoint),
 * {@code <hostname>.<svc>.<ns>.svc.<domain>} for endpoints with a hostname (StatefulSet pods), SRV records
 * {@code _<port>._<proto>.<svc>.<ns>.svc.<domain>} for named ports, and a CNAME for ExternalName Services. Names
 * outside the cluster domain go to the host's resolvers. DNS messages are read and written with dnsjava.
 */
public final class ClusterDns implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterDns.class);
  static final long TTL = 5;

  private final ObjectStore store;
  private final Name zone;
  private final String domain;
  private final List<InetSocketAddress> upstream;
  private DatagramChannel channel;
  private Thread loop;

  public ClusterDns(ObjectStore store, String domain, List<InetSocketAddress> upstream) {
    this.store = store;
    this.domain = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    try {
      this.zone = Name.fromString(this.domain + ".");
    } catch (TextParseException e) {
      throw new IllegalArgumentException("cluster domain " + domain + ": " + e.getMessage(), e);
    }
    this.upstream = List.copyOf(upstream);
  }

  /** Listens on host:port; answers until closed. */
  public InetSocketAddress start(String host, int port) throws IOException {
    channel = DatagramChannel.open();
    channel.bind(new InetSocketAddress(host, port));
    loop = new Thread(this::serve, "cluster-dns");
    loop.setDaemon(true);
    loop.start();
    return (InetSocketAddress) channel.getLocalAddress();
  }

  private void serve() {
    ByteBuffer buffer = ByteBuffer.allocate(65535);
    while (channel.isOpen()) {
      try {
        buffer.clear();
        SocketAddress client = channel.receive(buffer);
        buffer.flip();
        byte[] query = new byte[buffer.remaining()];
        buffer.get(query);
        byte[] response = answer(query);
        if (response != null) channel.send(ByteBuffer.wrap(response), client);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        log.debug("dns: {}", e.toString());
      }
    }
  }

  /** The response to a query, or null when it cannot be read. */
  byte[] answer(byte[] queryBytes) {
    Message query;
    try {
      query = new Message(queryBytes);
    } catch (IOException e) {
      return null;
    }
    Record question = query.getQuestion();
    if (question == null) return null;
    Name name = question.getName();
    if (!name.subdomain(zone)) return forward(query);
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.AA);
    if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
    response.getHeader().setFlag(Flags.RA);
    response.addRecord(question, Section.QUESTION);
    Optional<List<Record>> records = lookup(name, question.getType());
    if (records.isEmpty()) {
      response.getHeader().setRcode(Rcode.NXDOMAIN);
      response.addRecord(soa(), Section.AUTHORITY);
    } else if (records.get().isEmpty()) {
      response.addRecord(soa(), Section.AUTHORITY); // the name exists, not with this type: NODATA
    } else {
      records.get().forEach(r -> response.addRecord(r, Section.ANSWER));
    }
    return response.toWire(512);
  }

  /**
   * The records of a name in the cluster zone: empty when the name does not exist (NXDOMAIN), an empty list when
   * it exists without records of this type.
   */
  Optional<List<Record>> lookup(Name name, int type) {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < name.labels() - zone.labels(); i++) {
      labels.add(name.getLabelString(i).toLowerCase(Locale.ROOT));
    }
    // <svc>.<ns>.svc | <hostname>.<svc>.<ns>.svc | _<port>._<proto>.<svc>.<ns>.svc
    int n = labels.size();
    if (n < 3 || !labels.get(n - 1).equals("svc")) return Optional.empty();
    String namespace = labels.get(n - 2);
    String serviceName = labels.get(n - 3);
    Optional<StoredObject> found = store.get(ResourceRegistry.SERVICE, namespace, serviceName);
    if (found.isEmpty()) return Optional.empty();
    JsonNode svc = found.get().object();
    List<Endpoint> endpoints = readyEndpoints(namespace, serviceName);
    List<Record> records = new ArrayList<>();
    try {
      if (n == 3) {
        String externalName = svc.path("spec").path("externalName").asText("");
        if ("ExternalName".equals(svc.path("spec").path("type").asText())) {
          if (type == Type.CNAME || type == Type.A || type == Type.ANY) {
            records.add(new CNAMERecord(name, DClass.IN, TTL, Name.fromString(externalName + ".")));
          }
          return Optional.of(records);
        }
        if (type == Type.A || type == Type.ANY) records.addAll(addresses(name, svc, endpoints));
        return Optional.of(records);
      }
      if (n == 4) {
        // A hostname of the Service's endpoints (StatefulSet pods), or an endpoint by its dashed IP.
        String host = labels.get(0);
        Set<String> ips = new LinkedHashSet<>();
        for (Endpoint e : endpoints) {
          if (host.equals(e.hostname()) || host.equals(e.ip().replace('.', '-'))) ips.add(e.ip());
        }
        if (ips.isEmpty()) return Optional.empty();
        if (type == Type.A || type == Type.ANY) {
          for (String ip : ips) records.add(new ARecord(name, DClass.IN, TTL, InetAddress.getByName(ip)));
        }
        return Optional.of(records);
      }
      if (n == 5 && labels.get(0).startsWith("_") && labels.get(1).startsWith("_")) {
        String portName = labels.get(0).substring(1);
        String protocol = labels.get(1).substring(1).toUpperCase(Locale.ROOT);
        JsonNode port = null;
        for (JsonNode p : svc.path("spec").path("ports")) {
          if (portName.equals(p.path("name").asText()) && protocol.equals(p.path("protocol").asText("TCP"))) port = p;
        }
        if (port == null) return Optional.empty();
        if (type == Type.SRV || type == Type.ANY) records.addAll(srv(name, svc, port, endpoints));
        return Optional.of(records);
      }
    } catch (IOException e) {
      log.debug("dns record for {}: {}", name, e.toString());
      return Optional.of(List.of());
    }
    return Optional.empty();
  }

  private Name serviceName(JsonNode svc) throws TextParseException {
    return Name.fromString(svc.path("metadata").path("name").asText() + "." + svc.path("metadata").path("namespace")
        .asText() + ".svc." + domain + ".");
  }

  private static boolean headless(JsonNode svc) {
    return "None".equals(svc.path("spec").path("clusterIP").asText());
  }

  private List<Record> addresses(Name name, JsonNode svc, List<Endpoint> endpoints) throws IOException {
    List<Record> records = new ArrayList<>();
    if (!headless(svc)) {
      String ip = svc.path("spec").path("clusterIP").asText("");
      if (!ip.isEmpty()) records.add(new ARecord(name, DClass.IN, TTL, InetAddress.getByName(ip)));
      return records;
    }
    Set<String> seen = new LinkedHashSet<>();
    for (Endpoint e : endpoints) {
      if (seen.add(e.ip())) records.add(new ARecord(name, DClass.IN, TTL, InetAddress.getByName(e.ip())));
    }
    return records;
  }

  private List<Record> srv(Name name, JsonNode svc, JsonNode port, List<Endpoint> endpoints) throws IOException {
    List<Record> records = new ArrayList<>();
    Name service = serviceName(svc);
    if (!headless(svc)) {
      records.add(new SRVRecord(name, DClass.IN, TTL, 0, 100, port.path("port").asInt(), service));
      return records;
    }
    String portName = port.path("name").asText();
    for (Endpoint e : endpoints) {
      Integer number = e.ports().stream().filter(p -> p.name().equals(portName)).map(EndpointPort::port)
          .findFirst().orElse(null);
      if (number == null) continue;
      String host = e.hostname() != null ? e.hostname() : e.ip().replace('.', '-');
      records.add(new SRVRecord(name, DClass.IN, TTL, 0, 100, number, new Name(host, service)));
    }
    return records;
  }

  private Record soa() {
    try {
      return new SOARecord(zone, DClass.IN, TTL, Name.fromString("ns.dns." + domain + "."),
          Name.fromString("hostmaster." + domain + "."), 1, 7200, 1800, 86400, TTL);
    } catch (TextParseException e) {
      throw new IllegalStateException(e);
    }
  }

  record EndpointPort(String name, int port) {}

  record Endpoint(String ip, String hostname, List<EndpointPort> ports) {}

  /** The ready endpoints of a Service, from its EndpointSlices. */
  private List<Endpoint> readyEndpoints(String namespace, String service) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (StoredObject slice : store.list(ResourceRegistry.ENDPOINT_SLICE, namespace).items()) {
      JsonNode s = slice.object();
      if (!service.equals(s.path("metadata").path("labels").path("kubernetes.io/service-name").asText())) continue;
      List<EndpointPort> ports = new ArrayList<>();
      s.path("ports").forEach(p -> ports.add(new EndpointPort(p.path("name").asText(""), p.path("port").asInt())));
      for (JsonNode endpoint : s.path("endpoints")) {
        if (!endpoint.path("conditions").path("ready").asBoolean(true)) continue;
        String hostname = endpoint.hasNonNull("hostname") ? endpoint.path("hostname").asText() : null;
        for (JsonNode address : endpoint.path("addresses")) {
          endpoints.add(new Endpoint(address.asText(), hostname, ports));
        }
      }
    }
    return endpoints;
  }

  /** Names outside the cluster go to the host's resolvers; without any, the answer is SERVFAIL. */
  private byte[] forward(Message query) {
    for (InetSocketAddress server : upstream) {
      try {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTimeout(Duration.ofSeconds(2));
        Message answer = resolver.send(query);
        return answer.toWire(512);
      } catch (IOException e) {
        log.debug("dns forward to {}: {}", server, e.toString());
      }
    }
    Message failed = new Message(query.getHeader().getID());
    failed.getHeader().setFlag(Flags.QR);
    failed.getHeader().setRcode(Rcode.SERVFAIL);
    if (query.getQuestion() != null) failed.addRecord(query.getQuestion(), Section.QUESTION);
    return failed.toWire(512);
  }

  @Override
  public void close() throws IOException {
    if (channel != null) channel.close();
  }

  /** The host's resolvers from /etc/resolv.conf, except this server's own address. */
  public static List<InetSocketAddress> hostResolvers(String except) {
    List<InetSocketAddress> servers = new ArrayList<>();
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/resolv.conf"))) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length >= 2 && parts[0].equals("nameserver") && !parts[1].equals(except)) {
          servers.add(new InetSocketAddress(parts[1], 53));
        }
      }
    } catch (IOException e) {
      // no resolvers: names outside the cluster fail
    }
    return servers;
  }
}
