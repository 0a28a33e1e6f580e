package io.drover.api.validation;

import static io.drover.api.validation.Manifests.assertCause;
import static io.drover.api.validation.Manifests.problems;
import static io.drover.api.validation.Manifests.with;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceValidationTest {

  private static List<ApiException.Cause> serviceProblems(ObjectNode service) {
    return problems(ResourceRegistry.SERVICE, service);
  }

  private static Map<String, Object> port(String name, int port) {
    return Map.of("name", name, "port", port);
  }

  @Test
  void validServicesOfEachTypePass() {
    Manifests.assertValid(ResourceRegistry.SERVICE, Manifests.service());
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.type", "NodePort"));
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.type", "LoadBalancer"));
    ObjectNode external = Manifests.yaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: default}
        spec: {type: ExternalName, externalName: db.example.com.}
        """);
    Manifests.assertValid(ResourceRegistry.SERVICE, external);
  }

  @Test
  void typeMustBeKnown() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.type", "Internal")), "spec.type",
        "FieldValueNotSupported",
        "Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", "
            + "\"NodePort\"");
  }

  @Test
  void portsAreRequiredExceptForHeadlessAndExternalNameServices() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.ports", List.of())), "spec.ports",
        "FieldValueRequired", "Required value");
    ObjectNode headless = with(Manifests.service(), "spec.ports", List.of());
    with(headless, "spec.clusterIP", "None");
    Manifests.assertValid(ResourceRegistry.SERVICE, headless);
  }

  @Test
  void portNumbersAreInRange() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.ports.0.port", 0)), "spec.ports[0].port",
        "FieldValueInvalid", "Invalid value: 0: must be between 1 and 65535, inclusive");
  }

  @Test
  void severalPortsNeedUniqueNames() {
    ObjectNode unnamed = with(Manifests.service(), "spec.ports", List.of(Map.of("port", 80), Map.of("port", 443)));
    List<ApiException.Cause> causes = serviceProblems(unnamed);
    assertCause(causes, "spec.ports[0].name", "FieldValueRequired", "Required value");
    assertCause(causes, "spec.ports[1].name", "FieldValueRequired", "Required value");
    ObjectNode sameName = with(Manifests.service(), "spec.ports", List.of(port("web", 80), port("web", 443)));
    assertCause(serviceProblems(sameName), "spec.ports[1].name", "FieldValueDuplicate", "Duplicate value: \"web\"");
    ObjectNode samePort = with(Manifests.service(), "spec.ports", List.of(port("a", 80), port("b", 80)));
    assertCause(serviceProblems(samePort), "spec.ports[1]", "FieldValueDuplicate",
        "Duplicate value: {\"protocol\":\"TCP\",\"port\":80}");
  }

  @Test
  void nodePortsOnlyForNodePortAndLoadBalancerWithinTheRange() {
    ObjectNode clusterIP = with(Manifests.service(), "spec.ports.0.nodePort", 30080);
    assertCause(serviceProblems(clusterIP), "spec.ports[0].nodePort", "FieldValueForbidden",
        "may not be used when `type` is 'ClusterIP'");
    ObjectNode outOfRange = with(Manifests.service(), "spec.type", "NodePort");
    with(outOfRange, "spec.ports.0.nodePort", 8080);
    assertCause(serviceProblems(outOfRange), "spec.ports[0].nodePort", "FieldValueInvalid",
        "Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767");
    ObjectNode inRange = with(Manifests.service(), "spec.type", "NodePort");
    with(inRange, "spec.ports.0.nodePort", 30080);
    Manifests.assertValid(ResourceRegistry.SERVICE, inRange);
  }

  @Test
  void targetPortMustBeAPortNumberOrName() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.ports.0.targetPort", 70000)),
        "spec.ports[0].targetPort", "FieldValueInvalid", "must be between 1 and 65535, inclusive");
    assertCause(serviceProblems(with(Manifests.service(), "spec.ports.0.targetPort", "-web")),
        "spec.ports[0].targetPort", "FieldValueInvalid", "must not begin or end with a hyphen");
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.ports.0.targetPort", "http"));
  }

  @Test
  void protocolAndSessionAffinityMustBeKnown() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.ports.0.protocol", "HTTP")),
        "spec.ports[0].protocol", "FieldValueNotSupported", "supported values: \"SCTP\", \"TCP\", \"UDP\"");
    assertCause(serviceProblems(with(Manifests.service(), "spec.sessionAffinity", "Cookie")),
        "spec.sessionAffinity", "FieldValueNotSupported", "supported values: \"ClientIP\", \"None\"");
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.sessionAffinity", "ClientIP"));
  }

  @Test
  void selectorLabelsAreValidated() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.selector", Map.of("app", "web app"))),
        "spec.selector", "FieldValueInvalid", "Invalid value: \"web app\"");
  }

  @Test
  void clusterIPMustBeAnAddressOrNone() {
    assertCause(serviceProblems(with(Manifests.service(), "spec.clusterIP", "10.0.0.300")), "spec.clusterIPs[0]",
        "FieldValueInvalid", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.clusterIP", "10.96.0.10"));
    Manifests.assertValid(ResourceRegistry.SERVICE, with(Manifests.service(), "spec.clusterIP", "fd00::a"));
    ObjectNode headlessNodePort = with(Manifests.service(), "spec.type", "NodePort");
    with(headlessNodePort, "spec.clusterIP", "None");
    assertCause(serviceProblems(headlessNodePort), "spec.clusterIPs[0]", "FieldValueInvalid",
        "Invalid value: \"None\": may not be set to 'None' for NodePort services");
  }

  @Test
  void externalNameMustBeADnsName() {
    ObjectNode service = with(Manifests.service(), "spec.type", "ExternalName");
    with(service, "spec.externalName", "Not A Host");
    assertCause(serviceProblems(service), "spec.externalName", "FieldValueInvalid", "a lowercase RFC 1123 subdomain");
  }

  @Test
  void clusterIPCannotChangeOnceSet() {
    ObjectNode old = with(Manifests.service(), "spec.clusterIP", "10.96.0.10");
    ObjectNode changed = with(Manifests.service(), "spec.clusterIP", "10.96.0.11");
    assertCause(problems(ResourceRegistry.SERVICE, changed, old), "spec.clusterIPs[0]", "FieldValueInvalid",
        "Invalid value: [\"10.96.0.11\"]: may not change once set");
    assertEquals(List.of(), problems(ResourceRegistry.SERVICE, Manifests.service(), old),
        "an update that leaves clusterIP out keeps the allocated one");
    ObjectNode relabelled = with(old.deepCopy(), "spec.selector", Map.of("app", "api"));
    assertEquals(List.of(), problems(ResourceRegistry.SERVICE, relabelled, old));
  }
}
