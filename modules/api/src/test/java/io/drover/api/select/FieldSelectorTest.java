package io.drover.api.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldSelectorTest {

  private static ObjectNode object(String json) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(json);
  }

  private static ApiException refusal(Runnable action) {
    ApiException e = assertThrows(ApiException.class, action::run);
    assertEquals(400, e.code());
    assertEquals("BadRequest", e.reason());
    return e;
  }

  @Test
  void equalityAndInequalityTermsAreAnded() {
    FieldSelector selector = FieldSelector.parse("metadata.name=x,status.phase!=Running");
    assertTrue(selector.matches(Map.of("metadata.name", "x", "status.phase", "Pending")));
    assertFalse(selector.matches(Map.of("metadata.name", "x", "status.phase", "Running")));
    assertFalse(selector.matches(Map.of("metadata.name", "y", "status.phase", "Pending")));
  }

  @Test
  void doubleEqualsMeansEquals() {
    FieldSelector selector = FieldSelector.parse("spec.nodeName==node-1");
    assertTrue(selector.matches(Map.of("spec.nodeName", "node-1")));
    assertEquals("spec.nodeName=node-1", selector.toString());
  }

  @Test
  void aMissingFieldReadsAsEmpty() {
    assertTrue(FieldSelector.parse("spec.nodeName=").matches(Map.of()));
    assertTrue(FieldSelector.parse("spec.nodeName!=node-1").matches(Map.of()));
    assertFalse(FieldSelector.parse("spec.nodeName=node-1").matches(Map.of()));
  }

  @Test
  void emptySelectorMatchesEverything() {
    assertTrue(FieldSelector.parse("").isEmpty());
    assertTrue(FieldSelector.parse(null).matches(Map.of()));
    assertTrue(FieldSelector.parse(",").isEmpty());
  }

  @Test
  void escapedCommaEqualsAndBackslashAreValueCharacters() {
    FieldSelector selector = FieldSelector.parse("metadata.name=a\\,b\\=c\\\\d,metadata.namespace=ns");
    assertEquals("a,b=c\\d", selector.requiredValue("metadata.name"));
    assertTrue(selector.matches(Map.of("metadata.name", "a,b=c\\d", "metadata.namespace", "ns")));
    assertEquals("metadata.name=a\\,b\\=c\\\\d,metadata.namespace=ns", selector.toString());
    assertEquals("x\\,y\\=z\\\\", FieldSelector.escapeValue("x,y=z\\"));
  }

  @Test
  void termsAreSortedLikeTheApiserver() {
    assertEquals("a=1,b!=2", FieldSelector.parse("b!=2,a=1").toString());
  }

  @Test
  void malformedSelectorsCarryTheApiserverMessages() {
    assertEquals("invalid selector: 'metadata.name'; can't understand 'metadata.name'",
        refusal(() -> FieldSelector.parse("metadata.name")).getMessage());
    assertEquals("invalid field selector: invalid escape sequence: \\x",
        refusal(() -> FieldSelector.parse("a=b\\x")).getMessage());
    assertEquals("invalid field selector: invalid escape sequence: \\",
        refusal(() -> FieldSelector.parse("a=b\\")).getMessage());
    assertEquals("invalid field selector: unescaped character in value: 61",
        refusal(() -> FieldSelector.parse("a=b=c")).getMessage());
  }

  @Test
  void requiredValueFindsOnlyEqualityTerms() {
    FieldSelector selector = FieldSelector.parse("metadata.name=x,spec.nodeName!=n");
    assertEquals("x", selector.requiredValue("metadata.name"));
    assertNull(selector.requiredValue("spec.nodeName"));
  }

  @Test
  void podFieldsAreTheRegistrySelectableFields() throws Exception {
    ObjectNode pod = object("""
        {"metadata":{"name":"web-1","namespace":"shop"},
         "spec":{"nodeName":"node-1","restartPolicy":"Always","schedulerName":"default-scheduler",
                 "serviceAccountName":"default"},
         "status":{"phase":"Running","podIPs":[{"ip":"10.0.0.7"}],"nominatedNodeName":"node-2"}}""");
    assertEquals(Map.of("metadata.name", "web-1", "metadata.namespace", "shop", "spec.nodeName", "node-1",
        "spec.restartPolicy", "Always", "spec.schedulerName", "default-scheduler", "spec.serviceAccountName",
        "default", "spec.hostNetwork", "false", "status.phase", "Running", "status.podIP", "10.0.0.7",
        "status.nominatedNodeName", "node-2"), FieldSelector.fieldsOf(ResourceRegistry.POD, pod));
  }

  @Test
  void clusterScopedKindsHaveNoNamespaceField() throws Exception {
    ObjectNode node = object("{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"unschedulable\":true}}");
    assertEquals(Map.of("metadata.name", "n1", "spec.unschedulable", "true"),
        FieldSelector.fieldsOf(ResourceRegistry.NODE, node));
    ObjectNode ns = object("{\"metadata\":{\"name\":\"shop\"},\"status\":{\"phase\":\"Active\"}}");
    assertEquals(Map.of("metadata.name", "shop", "status.phase", "Active"),
        FieldSelector.fieldsOf(ResourceRegistry.NAMESPACE, ns));
  }

  @Test
  void eventFieldsFallBackToTheReportingComponentForSource() throws Exception {
    ObjectNode event = object("""
        {"metadata":{"name":"e1","namespace":"shop"},"reason":"Started","type":"Normal",
         "reportingComponent":"kubelet",
         "involvedObject":{"kind":"Pod","namespace":"shop","name":"web-1","uid":"u-1","apiVersion":"v1",
                           "resourceVersion":"7","fieldPath":"spec.containers{web}"}}""");
    Map<String, String> fields = FieldSelector.fieldsOf(ResourceRegistry.EVENT, event);
    assertEquals("kubelet", fields.get("source"));
    assertEquals("kubelet", fields.get("reportingComponent"));
    assertEquals("web-1", fields.get("involvedObject.name"));
    assertEquals("u-1", fields.get("involvedObject.uid"));
    assertEquals("spec.containers{web}", fields.get("involvedObject.fieldPath"));
    assertEquals(13, fields.size());
    assertTrue(FieldSelector.parse("involvedObject.name=web-1,involvedObject.namespace=shop,involvedObject.uid=u-1")
        .forType(ResourceRegistry.EVENT).matches(fields));
  }

  @Test
  void secretServiceAndReplicaSetFieldsAreComputed() throws Exception {
    ObjectNode secret = object("{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"type\":\"Opaque\"}");
    assertEquals("Opaque", FieldSelector.fieldsOf(ResourceRegistry.SECRET, secret).get("type"));
    ObjectNode svc = object("{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},"
        + "\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.9\"}}");
    Map<String, String> svcFields = FieldSelector.fieldsOf(ResourceRegistry.SERVICE, svc);
    assertEquals("NodePort", svcFields.get("spec.type"));
    assertEquals("10.96.0.9", svcFields.get("spec.clusterIP"));
    ObjectNode rs = object("{\"metadata\":{\"name\":\"r\",\"namespace\":\"n\"},\"status\":{\"replicas\":3}}");
    assertEquals("3", FieldSelector.fieldsOf(ResourceRegistry.REPLICA_SET, rs).get("status.replicas"));
    ObjectNode cm = object("{\"metadata\":{\"name\":\"c\",\"namespace\":\"n\"},\"data\":{\"k\":\"v\"}}");
    assertEquals(Map.of("metadata.name", "c", "metadata.namespace", "n"),
        FieldSelector.fieldsOf(ResourceRegistry.CONFIG_MAP, cm));
  }

  @Test
  void metadataNameAndNamespaceWorkOnEveryNamespacedKind() {
    for (ResourceType type : ResourceRegistry.ALL) {
      FieldSelector.parse("metadata.name=x").checkSupported(type);
      if (type.namespaced()) FieldSelector.parse("metadata.namespace=x").checkSupported(type);
    }
  }

  @Test
  void unsupportedFieldOfAKindWithOwnFieldsIsRefused() {
    assertEquals("field label not supported: spec.foo",
        refusal(() -> FieldSelector.parse("spec.foo=1").checkSupported(ResourceRegistry.POD)).getMessage());
    assertEquals("field label not supported: metadata.namespace", refusal(() ->
        FieldSelector.parse("metadata.namespace=x").checkSupported(ResourceRegistry.NODE)).getMessage());
    FieldSelector.parse("status.phase=Running,spec.nodeName=n").checkSupported(ResourceRegistry.POD);
    FieldSelector.parse("spec.unschedulable=true").checkSupported(ResourceRegistry.NODE);
    FieldSelector.parse("type=Opaque").checkSupported(ResourceRegistry.SECRET);
  }

  @Test
  void unsupportedFieldOfAKindWithoutOwnFieldsNamesTheTwoMetadataFields() {
    assertEquals("\"data.k\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        refusal(() -> FieldSelector.parse("data.k=v").checkSupported(ResourceRegistry.CONFIG_MAP)).getMessage());
    assertEquals("\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        refusal(() -> FieldSelector.parse("status.replicas=1").checkSupported(ResourceRegistry.REPLICA_SET))
            .getMessage());
  }

  @Test
  void legacyPodSpecHostIsConvertedToNodeName() throws Exception {
    FieldSelector converted = FieldSelector.parse("spec.host=node-1").forType(ResourceRegistry.POD);
    assertEquals("spec.nodeName=node-1", converted.toString());
    ObjectNode pod = object("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"nodeName\":\"node-1\"}}");
    assertTrue(converted.matches(FieldSelector.fieldsOf(ResourceRegistry.POD, pod)));
  }
}
