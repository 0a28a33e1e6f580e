package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;
import static io.drover.api.validation.Errors.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.validation.Formats.NameFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Endpoints (core/v1) and EndpointSlices (discovery.k8s.io/v1): addresses, ports and protocols as Kubernetes checks them. */
final class EndpointsValidation {
  private EndpointsValidation() {}

  static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  static final String PORT_RANGE = "must be between 1 and 65535, inclusive";
  static final String IP_FORMAT = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

  static void endpoints(JsonNode endpoints, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(endpoints, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    List<JsonNode> subsets = Nodes.list(endpoints, "subsets");
    for (int i = 0; i < subsets.size(); i++) {
      String at = index("subsets", i);
      JsonNode subset = subsets.get(i);
      List<JsonNode> addresses = Nodes.list(subset, "addresses");
      List<JsonNode> notReady = Nodes.list(subset, "notReadyAddresses");
      if (addresses.isEmpty() && notReady.isEmpty()) {
        errs.required(at, "must specify `addresses` or `notReadyAddresses`");
      }
      addresses(addresses, child(at, "addresses"), errs);
      addresses(notReady, child(at, "notReadyAddresses"), errs);
      ports(Nodes.list(subset, "ports"), child(at, "ports"), true, errs);
    }
  }

  private static void addresses(List<JsonNode> addresses, String path, Errors errs) {
    for (int j = 0; j < addresses.size(); j++) {
      String ip = Nodes.str(addresses.get(j), "ip");
      if (!isIp(ip)) errs.invalid(child(index(path, j), "ip"), ip, IP_FORMAT);
    }
  }

  static void endpointSlice(JsonNode slice, Errors errs) {
    MetaValidation.objectMeta(Nodes.get(slice, "metadata"), true, NameFormat.DNS_SUBDOMAIN, "metadata", errs);
    String type = Nodes.str(slice, "addressType");
    List<String> types = List.of("FQDN", "IPv4", "IPv6");
    if (type.isEmpty()) errs.required("addressType", "");
    else if (!types.contains(type)) errs.notSupported("addressType", type, types);
    List<JsonNode> endpoints = Nodes.list(slice, "endpoints");
    if (endpoints.size() > 1000) errs.tooMany("endpoints", endpoints.size(), 1000);
    for (int i = 0; i < endpoints.size(); i++) {
      String at = index("endpoints", i);
      List<JsonNode> addresses = Nodes.list(endpoints.get(i), "addresses");
      if (addresses.isEmpty()) {
        errs.required(child(at, "addresses"), "must contain at least 1 address");
      } else if (addresses.size() > 100) {
        errs.tooMany(child(at, "addresses"), addresses.size(), 100);
      }
      for (int j = 0; j < addresses.size(); j++) {
        String address = addresses.get(j).asText("");
        String path = index(child(at, "addresses"), j);
        if (type.equals("IPv4") && !isIpv4(address)) errs.invalid(path, address, "must be a valid IPv4 address");
        if (type.equals("IPv6") && !(isIp(address) && address.contains(":"))) {
          errs.invalid(path, address, "must be a valid IPv6 address");
        }
        if (type.equals("FQDN")) errs.invalidEach(path, address, Formats.dns1123Subdomain(address));
      }
    }
    ports(Nodes.list(slice, "ports"), "ports", false, errs);
  }

  /** Ports of a subset or slice: unique names (required when several), numbers in range, known protocols. */
  private static void ports(List<JsonNode> ports, String path, boolean portRequired, Errors errs) {
    Set<String> names = new HashSet<>();
    for (int k = 0; k < ports.size(); k++) {
      String at = index(path, k);
      JsonNode port = ports.get(k);
      String name = Nodes.str(port, "name");
      if (!name.isEmpty()) {
        errs.invalidEach(child(at, "name"), name, Formats.dns1123Label(name));
        if (!names.add(name)) errs.duplicate(child(at, "name"), name);
      } else if (ports.size() > 1 && portRequired) {
        errs.required(child(at, "name"), "");
      }
      Long number = Nodes.num(port, "port");
      if (number == null) {
        if (portRequired) errs.invalid(child(at, "port"), 0, PORT_RANGE);
      } else if (number < 1 || number > 65535) {
        errs.invalid(child(at, "port"), number, PORT_RANGE);
      }
      String protocol = Nodes.str(port, "protocol");
      if (!protocol.isEmpty() && !PROTOCOLS.contains(protocol)) errs.notSupported(child(at, "protocol"), protocol, PROTOCOLS);
    }
  }

  static boolean isIpv4(String value) {
    String[] octets = value.split("\\.", -1);
    if (octets.length != 4) return false;
    for (String octet : octets) {
      if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit)) return false;
      if (Integer.parseInt(octet) > 255) return false;
    }
    return true;
  }

  static boolean isIp(String value) {
    if (isIpv4(value)) return true;
    if (!value.contains(":") || !value.matches("[0-9a-fA-F:.]+")) return false;
    try {
      return java.net.InetAddress.getByName(value) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
