package io.drover.api.patch;

import static io.drover.api.patch.PatchFixtures.apply;
import static io.drover.api.patch.PatchFixtures.assertCode;
import static io.drover.api.patch.PatchFixtures.deployment;
import static io.drover.api.patch.PatchFixtures.json;
import static io.drover.api.patch.PatchFixtures.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonPatchTest {

  private static ObjectNode jsonPatch(ObjectNode current, String patch) {
    return apply(PatchType.JSON_PATCH, ResourceRegistry.DEPLOYMENT, current, patch);
  }

  private static ApiException refusedJsonPatch(String patch) {
    return refused(PatchType.JSON_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), patch);
  }

  @Test
  void rolloutUndoShapeReplacesTheTemplateAndAnnotations() {
    ObjectNode template = json("""
        {'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'a','image':'x:0'}]}}
        """);
    ObjectNode annotations = json("{'deployment.kubernetes.io/revision':'3'}");
    ObjectNode current = deployment();

    ObjectNode patched = jsonPatch(current, "[{'op':'replace','path':'/spec/template','value':" + template
        + "},{'op':'replace','path':'/metadata/annotations','value':" + annotations + "}]");

    assertEquals(template, Json.at(patched, "spec.template"));
    assertEquals(annotations, Json.at(patched, "metadata.annotations"));
    assertEquals(2, Json.at(patched, "spec.replicas").asInt());
    assertEquals(deployment(), current);
  }

  @Test
  void addAndRemoveOperationsApplyInOrder() {
    ObjectNode patched = jsonPatch(deployment(), """
        [{'op':'add','path':'/metadata/labels/new','value':'yes'},
         {'op':'remove','path':'/metadata/labels/tier'},
         {'op':'add','path':'/spec/template/spec/containers/-','value':{'name':'c','image':'y:1'}},
         {'op':'test','path':'/spec/replicas','value':2}]
        """);

    assertEquals(json("{'app':'web','new':'yes'}"), Json.at(patched, "metadata.labels"));
    assertEquals("c", patched.at("/spec/template/spec/containers/2/name").asText());
  }

  @Test
  void aFailingTestOperationIsInvalid() {
    ApiException e = refusedJsonPatch("[{'op':'test','path':'/spec/replicas','value':5}]");

    assertCode(422, e);
    assertEquals("Invalid", e.reason());
  }

  @Test
  void removingAMissingPathIsInvalid() {
    assertCode(422, refusedJsonPatch("[{'op':'remove','path':'/spec/paused'}]"));
    assertCode(422, refusedJsonPatch("[{'op':'replace','path':'/nope/deeper','value':1}]"));
  }

  @Test
  void malformedBodiesAreBadRequest() {
    assertCode(400, refusedJsonPatch("[{'op':'replace'"));
    assertCode(400, refusedJsonPatch("{'op':'replace','path':'/spec/replicas','value':1}"));
    assertCode(400, refusedJsonPatch("[1]"));
    assertCode(400, refusedJsonPatch(""));
  }

  @Test
  void unknownOperationsAndMissingPathsAreInvalidAsTheApiserverFindsThemWhileApplying() {
    assertCode(422, refusedJsonPatch("[{'op':'frobnicate','path':'/spec'}]"));
    assertCode(422, refusedJsonPatch("[{'op':'add','value':1}]"));
    assertCode(422, refusedJsonPatch("[{'op':'move','from':null,'path':'/x'}]")); // the library's NPE, once a 500
    assertCode(422, refusedJsonPatch("[{'op':'copy','path':'/x'}]"));
  }

  @Test
  void moreOperationsThanTheApiserverAllowsIsTooLarge() {
    StringBuilder patch = new StringBuilder("[");
    for (int i = 0; i <= 10_000; i++) {
      patch.append(i == 0 ? "" : ",").append("{\"op\":\"test\",\"path\":\"/kind\",\"value\":\"Deployment\"}");
    }
    byte[] body = patch.append(']').toString().getBytes(StandardCharsets.UTF_8);

    ApiException e = assertThrows(ApiException.class,
        () -> Patches.apply(PatchType.JSON_PATCH, ResourceRegistry.DEPLOYMENT, deployment(), body));

    assertCode(413, e);
  }
}
