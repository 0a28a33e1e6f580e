package io.drover.api.patch;

import static io.drover.api.patch.PatchFixtures.apply;
import static io.drover.api.patch.PatchFixtures.assertCode;
import static io.drover.api.patch.PatchFixtures.container;
import static io.drover.api.patch.PatchFixtures.deployment;
import static io.drover.api.patch.PatchFixtures.json;
import static io.drover.api.patch.PatchFixtures.refused;
import static io.drover.api.patch.PatchFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyPatchTest {

  @Test
  void appliedJsonIsMergedOntoTheCurrentObject() {
    ObjectNode patched = apply(PatchType.APPLY_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), """
        {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default'},
         'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},
                 'template':{'metadata':{'labels':{'app':'web'}},
                             'spec':{'containers':[{'name':'a','image':'x:2'}]}}}}
        """);

    assertEquals(3, Json.at(patched, "spec.replicas").asInt());
    assertEquals("x:2", container(patched, "a").get("image").asText());
    assertEquals(List.of("A", "B"), values(container(patched, "a").get("env"), "name"));
    assertEquals("x:1", container(patched, "b").get("image").asText());
    assertEquals(Json.at(deployment(), "status"), Json.at(patched, "status"));
    assertEquals(json("{'app':'web','tier':'front'}"), Json.at(patched, "metadata.labels"));
  }

  @Test
  void appliedYamlIsAccepted() {
    ObjectNode patched = apply(PatchType.APPLY_PATCH, ResourceRegistry.CONFIG_MAP,
        json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'a':'1','b':'2'}}"), """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        data:
          b: "20"
          c: "3"
        """);

    assertEquals(json("{'a':'1','b':'20','c':'3'}"), Json.at(patched, "data"));
  }

  @Test
  void applyOntoAnEmptyObjectYieldsTheAppliedObject() {
    ObjectNode applied = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'a':'1'}}");

    ObjectNode patched = apply(PatchType.APPLY_PATCH, ResourceRegistry.CONFIG_MAP, json("{}"), applied.toString());

    assertEquals(applied, patched);
  }

  @Test
  void malformedAppliedConfigurationIsBadRequest() {
    assertCode(400, refused(PatchType.APPLY_PATCH, ResourceRegistry.CONFIG_MAP, json("{}"), "{'kind':"));
    assertCode(400, refused(PatchType.APPLY_PATCH, ResourceRegistry.CONFIG_MAP, json("{}"), "- a\n- b\n"));
    assertCode(400, refused(PatchType.APPLY_PATCH, ResourceRegistry.CONFIG_MAP, json("{}"), "a: [unclosed\n"));
  }
}
