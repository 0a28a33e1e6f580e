package io.drover.api.patch;

import static io.drover.api.patch.PatchFixtures.apply;
import static io.drover.api.patch.PatchFixtures.assertCode;
import static io.drover.api.patch.PatchFixtures.container;
import static io.drover.api.patch.PatchFixtures.deployment;
import static io.drover.api.patch.PatchFixtures.json;
import static io.drover.api.patch.PatchFixtures.node;
import static io.drover.api.patch.PatchFixtures.refused;
import static io.drover.api.patch.PatchFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {
  private static final ResourceType DEPLOYMENT = ResourceRegistry.DEPLOYMENT;

  private static ObjectNode smp(ResourceType type, ObjectNode current, String patch) {
    return apply(PatchType.STRATEGIC_MERGE_PATCH, type, current, patch);
  }

  private static ObjectNode smp(String patch) {
    return smp(DEPLOYMENT, deployment(), patch);
  }

  private static Set<String> set(List<String> values) {
    return new TreeSet<>(values);
  }

  @Test
  void clientSideApplyPatchChangesOneContainerKeepsTheOtherAndTheOrder() {
    ObjectNode patched = smp("""
        {'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}'}},
         'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],
                                     'containers':[{'image':'x:2','name':'b'}]}}}}
        """);

    JsonNode containers = Json.at(patched, "spec.template.spec.containers");
    assertEquals(List.of("a", "b"), values(containers, "name"));
    assertEquals(Json.at(deployment(), "spec.template.spec.containers").get(0), containers.get(0));
    assertEquals("x:2", container(patched, "b").get("image").asText());
    assertEquals("{}",
        patched.at("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration").asText());
    assertEquals("1", patched.at("/metadata/annotations/deployment.kubernetes.io~1revision").asText());
    assertFalse(patched.toString().contains("$setElementOrder"));
  }

  @Test
  void setElementOrderAloneReordersTheLiveList() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}]}}}}
        """);

    assertEquals(List.of("b", "a"), values(Json.at(patched, "spec.template.spec.containers"), "name"));
    assertEquals("x:1", container(patched, "a").get("image").asText());
  }

  @Test
  void setElementOrderPlacesANewContainerWhereTheDirectiveSays() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'c'},{'name':'b'}],
                                     'containers':[{'name':'c','image':'y:1'}]}}}}
        """);

    assertEquals(List.of("a", "c", "b"), values(Json.at(patched, "spec.template.spec.containers"), "name"));
  }

  @Test
  void setElementOrderThatContradictsThePatchListIsBadRequest() {
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(), """
        {'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'}],
                                     'containers':[{'name':'b','image':'x:2'}]}}}}
        """));
  }

  @Test
  void envIsMergedByName() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'containers':[{'name':'a',
            'env':[{'name':'B','value':'20'},{'name':'C','value':'3'}]}]}}}}
        """);

    JsonNode env = container(patched, "a").get("env");
    assertEquals(Set.of("A", "B", "C"), set(values(env, "name")));
    for (JsonNode variable : env) {
      String expected = switch (variable.get("name").asText()) {
        case "A" -> "1";
        case "B" -> "20";
        default -> "3";
      };
      assertEquals(expected, variable.get("value").asText());
    }
    assertEquals("x:1", container(patched, "a").get("image").asText());
  }

  @Test
  void envOrderFollowsSetElementOrder() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'containers':[{'name':'a',
            '$setElementOrder/env':[{'name':'A'},{'name':'C'},{'name':'B'}],
            'env':[{'name':'C','value':'3'}]}]}}}}
        """);

    assertEquals(List.of("A", "C", "B"), values(container(patched, "a").get("env"), "name"));
  }

  @Test
  void nullDeletesAField() {
    ObjectNode patched = smp("""
        {'metadata':{'labels':{'tier':null}},'spec':{'strategy':{'rollingUpdate':null},
         'template':{'spec':{'containers':[{'name':'a','env':null}]}}}}
        """);

    assertEquals(json("{'app':'web'}"), patched.at("/metadata/labels"));
    assertTrue(patched.at("/spec/strategy/rollingUpdate").isMissingNode());
    assertNull(container(patched, "a").get("env"));
    assertEquals("x:1", container(patched, "a").get("image").asText());
  }

  @Test
  void nullsInsideANewSubtreeAreDropped() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'nodeSelector':{'disk':'ssd','zone':null}}}}}
        """);

    assertEquals(json("{'disk':'ssd'}"), patched.at("/spec/template/spec/nodeSelector"));
  }

  @Test
  void patchDeleteRemovesAContainer() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'}],
                                     'containers':[{'$patch':'delete','name':'b'}]}}}}
        """);

    assertEquals(List.of("a"), values(Json.at(patched, "spec.template.spec.containers"), "name"));
  }

  @Test
  void patchReplaceInAListReplacesTheWholeList() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'containers':[{'name':'c','image':'y:1'},{'$patch':'replace'}]}}}}
        """);

    assertEquals(node("[{'name':'c','image':'y:1'}]"), Json.at(patched, "spec.template.spec.containers"));
  }

  @Test
  void patchReplaceOnAMapReplacesTheMap() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'metadata':{'labels':{'$patch':'replace','app':'web','v':'2'}}}}}
        """);

    assertEquals(json("{'app':'web','v':'2'}"), patched.at("/spec/template/metadata/labels"));
  }

  @Test
  void patchDeleteOnAMapEmptiesIt() {
    ObjectNode patched = smp("{'metadata':{'labels':{'$patch':'delete'}}}");

    assertEquals(json("{}"), patched.at("/metadata/labels"));
  }

  @Test
  void patchMergeDirectiveIsRefusedAsUpstreamDoes() {
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(),
        "{'metadata':{'labels':{'$patch':'merge','x':'y'}}}"));
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(),
        "{'spec':{'template':{'spec':{'containers':[{'$patch':'merge','name':'a'}]}}}}"));
  }

  @Test
  void finalizersAreMergedAsASet() {
    ObjectNode patched = smp("{'metadata':{'finalizers':['example.com/other','example.com/keep']}}");

    assertEquals(List.of("example.com/other", "example.com/keep"),
        values(patched.at("/metadata/finalizers"), null));
  }

  @Test
  void deleteFromPrimitiveListRemovesAFinalizer() {
    ObjectNode current = deployment();
    ((ArrayNode) current.at("/metadata/finalizers")).add("example.com/other");

    ObjectNode patched = smp(DEPLOYMENT, current,
        "{'metadata':{'$deleteFromPrimitiveList/finalizers':['example.com/keep']}}");

    assertEquals(List.of("example.com/other"), values(patched.at("/metadata/finalizers"), null));
  }

  @Test
  void tolerationsHaveNoMergeKeyAndAreReplaced() {
    ObjectNode patched = smp("{'spec':{'template':{'spec':{'tolerations':[{'key':'k3','operator':'Exists'}]}}}}");

    assertEquals(List.of("k3"), values(patched.at("/spec/template/spec/tolerations"), "key"));
  }

  @Test
  void kubectlSetImageChangesOnlyThatContainersImage() {
    ObjectNode patched = smp("{'spec':{'template':{'spec':{'containers':[{'image':'x:9','name':'a'}]}}}}");

    JsonNode a = container(patched, "a");
    assertEquals("x:9", a.get("image").asText());
    assertEquals(List.of("A", "B"), values(a.get("env"), "name"));
    assertEquals("x:1", container(patched, "b").get("image").asText());
    assertEquals(2, Json.at(patched, "spec.template.spec.containers").size());
  }

  @Test
  void kubectlRolloutRestartAnnotatesTheTemplate() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'metadata':{'annotations':{'kubectl.kubernetes.io/restartedAt':'2025-01-01T00:00:00Z'}}}}}
        """);

    assertEquals("2025-01-01T00:00:00Z",
        patched.at("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt").asText());
    assertEquals(json("{'app':'web'}"), patched.at("/spec/template/metadata/labels"));
    assertEquals(Json.at(deployment(), "spec.template.spec"), Json.at(patched, "spec.template.spec"));
  }

  @Test
  void kubectlRolloutPauseSetsPaused() {
    ObjectNode patched = smp("{'spec':{'paused':true}}");

    assertTrue(patched.at("/spec/paused").asBoolean());
    assertEquals(2, patched.at("/spec/replicas").asInt());
  }

  @Test
  void containerPortsMergeByContainerPort() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{'containers':[{'name':'a',
            'ports':[{'containerPort':443,'name':'https'},{'containerPort':80,'protocol':'TCP'}]}]}}}}
        """);

    JsonNode ports = container(patched, "a").get("ports");
    assertEquals(Set.of("80", "443"), set(values(ports, "containerPort")));
    for (JsonNode port : ports) {
      if (port.get("containerPort").asInt() == 80) {
        assertEquals("http", port.get("name").asText());
        assertEquals("TCP", port.get("protocol").asText());
      }
    }
  }

  @Test
  void volumeMountsMergeByMountPathAndVolumesByName() {
    ObjectNode patched = smp("""
        {'spec':{'template':{'spec':{
            'containers':[{'name':'a','volumeMounts':[{'name':'cache','mountPath':'/cache'}]}],
            'volumes':[{'name':'cache','emptyDir':{}}]}}}}
        """);

    assertEquals(Set.of("/data", "/cache"), set(values(container(patched, "a").get("volumeMounts"), "mountPath")));
    assertEquals(Set.of("data", "cache"), set(values(patched.at("/spec/template/spec/volumes"), "name")));
  }

  @Test
  void retainKeysClearsTheFieldsItDoesNotList() {
    ObjectNode patched = smp("""
        {'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'},
         'template':{'spec':{'volumes':[{'$retainKeys':['configMap','name'],'name':'data',
                                         'configMap':{'name':'settings'}}]}}}}
        """);

    assertEquals(json("{'type':'Recreate'}"), patched.at("/spec/strategy"));
    assertEquals(json("{'name':'data','configMap':{'name':'settings'}}"),
        patched.at("/spec/template/spec/volumes/0"));
  }

  @Test
  void retainKeysThatOmitAPatchedFieldIsBadRequest() {
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(),
        "{'spec':{'strategy':{'$retainKeys':['rollingUpdate'],'type':'Recreate'}}}"));
  }

  @Test
  void servicePortsMergeByPort() {
    ObjectNode service = json("""
        {'apiVersion':'v1','kind':'Service','metadata':{'name':'s'},
         'spec':{'ports':[{'port':80,'targetPort':8080,'name':'http'}],'selector':{'app':'web'}}}
        """);

    ObjectNode patched = smp(ResourceRegistry.SERVICE, service, """
        {'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443,'name':'https'}]}}
        """);

    JsonNode ports = patched.at("/spec/ports");
    assertEquals(Set.of("80", "443"), set(values(ports, "port")));
    for (JsonNode port : ports) {
      if (port.get("port").asInt() == 80) {
        assertEquals(9090, port.get("targetPort").asInt());
        assertEquals("http", port.get("name").asText());
      }
    }
  }

  @Test
  void podConditionsMergeByTypeAndPodContainersByName() {
    ObjectNode pod = json("""
        {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},
         'spec':{'containers':[{'name':'a','image':'x:1'},{'name':'b','image':'x:1'}]},
         'status':{'conditions':[{'type':'PodScheduled','status':'True'},{'type':'Ready','status':'False'}]}}
        """);

    ObjectNode patched = smp(ResourceRegistry.POD, pod, """
        {'spec':{'containers':[{'name':'b','image':'x:2'}]},
         'status':{'conditions':[{'type':'Ready','status':'True'}]}}
        """);

    assertEquals(Set.of("PodScheduled", "Ready"), set(values(patched.at("/status/conditions"), "type")));
    for (JsonNode condition : patched.at("/status/conditions")) {
      assertEquals("True", condition.get("status").asText());
    }
    assertEquals(Set.of("a", "b"), set(values(patched.at("/spec/containers"), "name")));
  }

  @Test
  void replicaSetTemplateContainersMergeByName() {
    ObjectNode replicaSet = deployment().put("kind", "ReplicaSet");

    ObjectNode patched = smp(ResourceRegistry.REPLICA_SET, replicaSet,
        "{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'x:3'}]}}}}");

    assertEquals("x:1", container(patched, "a").get("image").asText());
    assertEquals("x:3", container(patched, "b").get("image").asText());
  }

  @Test
  void ownerReferencesMergeByUid() {
    ObjectNode current = deployment();
    current.withObject("/metadata").set("ownerReferences",
        node("[{'uid':'u1','kind':'X','name':'one'}]"));

    ObjectNode patched = smp(DEPLOYMENT, current,
        "{'metadata':{'ownerReferences':[{'uid':'u2','kind':'X','name':'two'},{'uid':'u1','controller':true}]}}");

    JsonNode owners = patched.at("/metadata/ownerReferences");
    assertEquals(Set.of("u1", "u2"), set(values(owners, "uid")));
    for (JsonNode owner : owners) {
      if (owner.get("uid").asText().equals("u1")) {
        assertEquals("one", owner.get("name").asText());
        assertTrue(owner.get("controller").asBoolean());
      }
    }
  }

  @Test
  void nodeAddressesMergeByTypeAndTaintsAreReplaced() {
    ObjectNode node = json("""
        {'apiVersion':'v1','kind':'Node','metadata':{'name':'n'},
         'spec':{'taints':[{'key':'a','effect':'NoSchedule'}]},
         'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'},{'type':'Hostname','address':'n'}]}}
        """);

    ObjectNode patched = smp(ResourceRegistry.NODE, node, """
        {'spec':{'unschedulable':true,'taints':[{'key':'b','effect':'NoExecute'}]},
         'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}
        """);

    assertTrue(patched.at("/spec/unschedulable").asBoolean());
    assertEquals(List.of("b"), values(patched.at("/spec/taints"), "key"));
    assertEquals(Set.of("InternalIP", "Hostname"), set(values(patched.at("/status/addresses"), "type")));
    for (JsonNode address : patched.at("/status/addresses")) {
      if (address.get("type").asText().equals("InternalIP")) {
        assertEquals("10.0.0.2", address.get("address").asText());
      }
    }
  }

  @Test
  void aListItemWithoutItsMergeKeyIsBadRequest() {
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(),
        "{'spec':{'template':{'spec':{'containers':[{'image':'x:2'}]}}}}"));
  }

  @Test
  void listsOfListsAreInvalid() {
    assertCode(422, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(),
        "{'metadata':{'finalizers':[['a']]}}"));
  }

  @Test
  void malformedBodiesAreBadRequest() {
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(), "{'spec':"));
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(), "[{'op':'add'}]"));
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(), "{} trailing"));
    assertCode(400, refused(PatchType.STRATEGIC_MERGE_PATCH, DEPLOYMENT, deployment(), ""));
  }

  @Test
  void theCurrentObjectIsNeverModified() {
    ObjectNode current = deployment();

    smp(DEPLOYMENT, current, """
        {'metadata':{'labels':{'tier':null}},'spec':{'template':{'spec':{
          '$setElementOrder/containers':[{'name':'b'},{'name':'a'}],
          'containers':[{'name':'a','env':[{'name':'A','value':'9'}]},{'name':'b','$patch':'delete'}]}}}}
        """);

    assertEquals(deployment(), current);
  }
}
