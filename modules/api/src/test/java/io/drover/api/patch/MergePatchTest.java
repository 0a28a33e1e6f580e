package io.drover.api.patch;

import static io.drover.api.patch.PatchFixtures.apply;
import static io.drover.api.patch.PatchFixtures.assertCode;
import static io.drover.api.patch.PatchFixtures.deployment;
import static io.drover.api.patch.PatchFixtures.json;
import static io.drover.api.patch.PatchFixtures.node;
import static io.drover.api.patch.PatchFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import org.junit.jupiter.api.Test;

class MergePatchTest {

  private static ObjectNode mergePatch(ObjectNode current, String patch) {
    return apply(PatchType.MERGE_PATCH, ResourceRegistry.DEPLOYMENT, current, patch);
  }

  @Test
  void kubectlLabelAddsAndRemovesLabels() {
    ObjectNode current = deployment();

    ObjectNode patched = mergePatch(current, "{'metadata':{'labels':{'env':'prod','tier':null}}}");

    assertEquals(json("{'app':'web','env':'prod'}"), Json.at(patched, "metadata.labels"));
    assertEquals(Json.at(current, "spec"), Json.at(patched, "spec"));
    assertEquals(deployment(), current);
  }

  @Test
  void scaleShapeSetsReplicas() {
    ObjectNode patched = mergePatch(deployment(), "{'spec':{'replicas':5}}");

    assertEquals(5, Json.at(patched, "spec.replicas").asInt());
    assertEquals(Json.at(deployment(), "spec.template"), Json.at(patched, "spec.template"));
  }

  @Test
  void listsAreReplacedWholeUnlikeStrategicMerge() {
    ObjectNode patched = mergePatch(deployment(),
        "{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'x:2'}]}}}}");

    assertEquals(node("[{'name':'b','image':'x:2'}]"), Json.at(patched, "spec.template.spec.containers"));
  }

  @Test
  void malformedOrNonObjectBodiesAreBadRequest() {
    assertCode(400, refused(PatchType.MERGE_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), "{'spec':"));
    assertCode(400, refused(PatchType.MERGE_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), "[1,2]"));
    assertCode(400, refused(PatchType.MERGE_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), "null"));
  }
}
