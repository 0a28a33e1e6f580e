package io.drover.api.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Objects and helpers shared by the patch tests. JSON is written with single quotes for readability. */
final class PatchFixtures {
  private PatchFixtures() {}

  static ObjectNode json(String singleQuoted) {
    return (ObjectNode) node(singleQuoted);
  }

  static JsonNode node(String singleQuoted) {
    try {
      return Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static byte[] body(String singleQuoted) {
    return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  /** A Deployment with two containers, as the store holds it. */
  static ObjectNode deployment() {
    return json("""
        {'apiVersion':'apps/v1','kind':'Deployment',
         'metadata':{'name':'web','namespace':'default','labels':{'app':'web','tier':'front'},
                     'annotations':{'deployment.kubernetes.io/revision':'1'},'finalizers':['example.com/keep']},
         'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},
                 'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},
                 'template':{'metadata':{'labels':{'app':'web'}},
                   'spec':{'containers':[
                      {'name':'a','image':'x:1','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],
                       'ports':[{'containerPort':80,'name':'http'}],
                       'volumeMounts':[{'name':'data','mountPath':'/data'}]},
                      {'name':'b','image':'x:1'}],
                     'volumes':[{'name':'data','emptyDir':{}}],
                     'tolerations':[{'key':'k1','operator':'Exists'},{'key':'k2','operator':'Exists'}]}}},
         'status':{'replicas':2,'conditions':[{'type':'Available','status':'True'},{'type':'Progressing','status':'True'}]}}
        """);
  }

  static ObjectNode apply(PatchType patchType, ResourceType type, ObjectNode current, String patch) {
    return Patches.apply(patchType, type, current, body(patch));
  }

  static ApiException refused(PatchType patchType, ResourceType type, ObjectNode current, String patch) {
    return assertThrows(ApiException.class, () -> apply(patchType, type, current, patch));
  }

  static JsonNode container(JsonNode object, String name) {
    for (JsonNode container : Json.at(object, "spec.template.spec.containers")) {
      if (container.get("name").asText().equals(name)) return container;
    }
    throw new AssertionError("no container " + name + " in " + object);
  }

  /** The values of one field across the items of a list. */
  static List<String> values(JsonNode list, String field) {
    List<String> values = new ArrayList<>();
    list.forEach(item -> values.add(field == null ? item.asText() : item.get(field).asText()));
    return values;
  }

  static void assertCode(int code, ApiException e) {
    assertEquals(code, e.code(), e.getMessage());
  }
}
