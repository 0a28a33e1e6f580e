package io.drover.api.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.discovery.GroupVersionKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenApiTest {

  private static final String SCHEMAS = "#/components/schemas/";

  @Test
  void indexPointsToADocumentForEveryServedGroupVersion() {
    JsonNode paths = OpenApi.v3Index().get("paths");
    Set<String> expected = new HashSet<>();
    ResourceRegistry.ALL.forEach(t -> expected.add(t.group().isEmpty() ? "api/v1" : "apis/" + t.apiVersion()));
    assertEquals(expected, fieldNames(paths));
    paths.fields().forEachRemaining(entry -> {
      String url = entry.getValue().get("serverRelativeURL").asText();
      assertTrue(url.startsWith("/openapi/v3/" + entry.getKey() + "?hash="), url);
      ObjectNode doc = OpenApi.v3GroupVersion(url);
      assertNotNull(doc, url);
      assertEquals("3.0.0", doc.get("openapi").asText());
    });
  }

  @Test
  void groupVersionDocumentsAreFoundByEveryPathForm() {
    assertNotNull(OpenApi.v3GroupVersion("api/v1"));
    assertNotNull(OpenApi.v3GroupVersion("/openapi/v3/api/v1"));
    assertNotNull(OpenApi.v3GroupVersion("/openapi/v3/apis/apps/v1?hash=ABC&timeout=32s"));
    assertNull(OpenApi.v3GroupVersion("apis/apps/v2"));
    assertNull(OpenApi.v3GroupVersion("/openapi/v3/apis/nosuch.example.com/v1"));
    assertNull(OpenApi.v3GroupVersion(null));
  }

  @Test
  void indexHashIsStableAcrossCalls() {
    assertEquals(OpenApi.v3Index(), OpenApi.v3Index());
  }

  @Test
  void everyKindAndItsListHaveASchemaNamedByGroupVersionKind() {
    for (ResourceType type : ResourceRegistry.ALL) {
      JsonNode schemas = v3(type).at("/components/schemas");
      JsonNode kind = schemaWithGvk(schemas, type.group(), type.version(), type.kind());
      assertEquals("object", kind.get("type").asText());
      assertFalse(kind.get("description").asText().isBlank(), type.kind());
      assertTrue(kind.at("/properties/metadata").toString().contains("ObjectMeta"), type.kind());
      JsonNode list = schemaWithGvk(schemas, type.group(), type.version(), type.listKind());
      assertTrue(list.at("/properties/items/items/$ref").asText().endsWith("." + type.kind()), type.listKind());
      JsonNode v2 = schemaWithGvk(OpenApi.v2().get("definitions"), type.group(), type.version(), type.kind());
      assertEquals(kind.get("description"), v2.get("description"));
    }
  }

  @Test
  void schemasCarryKubernetesNames() {
    JsonNode core = OpenApi.v3GroupVersion("api/v1").at("/components/schemas");
    for (String name : List.of("io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.api.resource.Quantity", "io.k8s.apimachinery.pkg.util.intstr.IntOrString")) {
      assertTrue(core.has(name), name);
    }
    JsonNode apps = OpenApi.v3GroupVersion("apis/apps/v1").at("/components/schemas");
    for (String name : List.of("io.k8s.api.apps.v1.Deployment", "io.k8s.api.apps.v1.DeploymentSpec",
        "io.k8s.api.core.v1.PodTemplateSpec", "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")) {
      assertTrue(apps.has(name), name);
    }
    assertFalse(apps.has("io.k8s.api.core.v1.Node"), "a group version document holds only what it references");
  }

  @Test
  void nestedTypesAreReferencedByName() {
    JsonNode schemas = OpenApi.v3GroupVersion("api/v1").at("/components/schemas");
    assertEquals(SCHEMAS + "io.k8s.api.core.v1.PodSpec",
        schemas.at("/io.k8s.api.core.v1.Pod/properties/spec/allOf/0/$ref").asText());
    JsonNode containers = schemas.at("/io.k8s.api.core.v1.PodSpec/properties/containers");
    assertEquals("array", containers.get("type").asText());
    assertEquals(SCHEMAS + "io.k8s.api.core.v1.Container", containers.at("/items/$ref").asText());
    JsonNode port = schemas.at("/io.k8s.api.core.v1.ContainerPort/properties/containerPort");
    assertEquals("integer", port.get("type").asText());
    assertEquals("int32", port.get("format").asText());
    JsonNode labels = schemas.at("/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/properties/labels");
    assertEquals("object", labels.get("type").asText());
    assertEquals("string", labels.at("/additionalProperties/type").asText());
    JsonNode container = schemas.at("/io.k8s.api.core.v1.Container/properties");
    assertTrue(container.has("imagePullPolicy"));
    assertFalse(container.has("additionalProperties"), "fabric8's catch-all map is not a Kubernetes field");
  }

  @Test
  void onlyObjectsAndListsGetTheConventionalFieldDescriptions() {
    JsonNode schemas = OpenApi.v3GroupVersion("api/v1").at("/components/schemas");
    assertTrue(schemas.at("/io.k8s.api.core.v1.Pod/properties/status/description").isTextual());
    assertTrue(schemas.at("/io.k8s.api.core.v1.PodList/properties/items/description").isTextual());
    JsonNode conditionStatus = schemas.at("/io.k8s.api.core.v1.PodCondition/properties/status");
    assertEquals("string", conditionStatus.get("type").asText());
    assertFalse(conditionStatus.has("description"), "a condition's status is not an object's status");
  }

  @Test
  void everyReferenceResolvesInItsOwnDocument() {
    for (String key : fieldNames(OpenApi.v3Index().get("paths"))) {
      ObjectNode doc = OpenApi.v3GroupVersion(key);
      assertRefsResolve(doc, doc.at("/components/schemas"), SCHEMAS);
    }
    ObjectNode v2 = OpenApi.v2();
    assertRefsResolve(v2, v2.get("definitions"), "#/definitions/");
  }

  @Test
  void intOrStringAndQuantityAreStrings() {
    JsonNode apps = OpenApi.v3GroupVersion("apis/apps/v1").at("/components/schemas");
    JsonNode intOrString = apps.get("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    assertEquals("string", intOrString.get("type").asText());
    assertEquals("int-or-string", intOrString.get("format").asText());
    assertTrue(intOrString.get("x-kubernetes-int-or-string").asBoolean());
    assertEquals(SCHEMAS + "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        apps.at("/io.k8s.api.apps.v1.RollingUpdateDeployment/properties/maxSurge/$ref").asText());
    assertEquals("string", apps.at("/io.k8s.apimachinery.pkg.api.resource.Quantity/type").asText());
    assertEquals(SCHEMAS + "io.k8s.apimachinery.pkg.api.resource.Quantity",
        apps.at("/io.k8s.api.core.v1.ResourceRequirements/properties/limits/additionalProperties/$ref").asText());
    JsonNode microTime = OpenApi.v3GroupVersion("api/v1").at(
        "/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime");
    assertEquals("date-time", microTime.get("format").asText());
  }

  @Test
  void everyWriteOfEveryKindOffersServerSideFieldValidation() {
    // kubectl sends fieldValidation=Strict only when the PATCH operations of the kind declare the parameter.
    for (ResourceType type : ResourceRegistry.ALL) {
      int patches = 0;
      for (JsonNode pathItem : v3(type).get("paths")) {
        for (String method : List.of("post", "put", "patch")) {
          JsonNode op = pathItem.get(method);
          if (op == null) continue;
          assertTrue(paramNames(op).contains("fieldValidation"), op.get("operationId").asText());
          if (method.equals("patch") && gvkIs(op, type.group(), type.version(), type.kind())) patches++;
        }
      }
      assertTrue(patches > 0, type.kind());
    }
  }

  @Test
  void collectionAndItemPathsCarryOperationsLikeKubeApiserver() {
    JsonNode paths = OpenApi.v3GroupVersion("api/v1").get("paths");
    JsonNode collection = paths.get("/api/v1/namespaces/{namespace}/pods");
    assertAction(collection, "get", "list", "listCoreV1NamespacedPod");
    assertAction(collection, "post", "post", "createCoreV1NamespacedPod");
    assertAction(collection, "delete", "deletecollection", "deleteCoreV1CollectionNamespacedPod");
    assertTrue(paramNames(collection.get("get")).containsAll(List.of("labelSelector", "fieldSelector", "watch")));
    assertEquals(SCHEMAS + "io.k8s.api.core.v1.PodList",
        collection.at("/get/responses/200/content/application~1json/schema/$ref").asText());
    assertEquals(SCHEMAS + "io.k8s.api.core.v1.Pod",
        collection.at("/post/requestBody/content/*~1*/schema/$ref").asText());
    assertEquals(List.of("namespace", "pretty"), paramNames(collection));

    JsonNode item = paths.get("/api/v1/namespaces/{namespace}/pods/{name}");
    assertAction(item, "get", "get", "readCoreV1NamespacedPod");
    assertAction(item, "put", "put", "replaceCoreV1NamespacedPod");
    assertAction(item, "patch", "patch", "patchCoreV1NamespacedPod");
    assertAction(item, "delete", "delete", "deleteCoreV1NamespacedPod");
    assertTrue(item.at("/patch/requestBody/content").has("application/merge-patch+json"));
    assertEquals("Pod", item.at("/get/x-kubernetes-group-version-kind/kind").asText());
    assertEquals("", item.at("/get/x-kubernetes-group-version-kind/group").asText());

    assertAction(paths.get("/api/v1/pods"), "get", "list", "listCoreV1PodForAllNamespaces");
    assertAction(paths.get("/api/v1/namespaces/{namespace}/pods/{name}/status"), "patch", "patch",
        "patchCoreV1NamespacedPodStatus");
    assertAction(paths.get("/api/v1/nodes/{name}"), "get", "get", "readCoreV1Node");
    assertEquals(List.of("name", "pretty"), paramNames(paths.get("/api/v1/nodes/{name}")));
    assertAction(paths.get("/api/v1/namespaces/{name}/finalize"), "put", "put", "replaceCoreV1NamespaceFinalize");
  }

  @Test
  void patchOperationsLeaveStrategicMergeToKubectlsCompiledInTypes() {
    // Announcing strategic merge would make kubectl apply build patches from schemas without patch-merge keys.
    for (String key : fieldNames(OpenApi.v3Index().get("paths"))) {
      for (JsonNode pathItem : OpenApi.v3GroupVersion(key).get("paths")) {
        if (pathItem.has("patch")) {
          assertFalse(pathItem.at("/patch/requestBody/content").has("application/strategic-merge-patch+json"));
        }
      }
    }
    for (JsonNode pathItem : OpenApi.v2().get("paths")) {
      if (pathItem.has("patch")) {
        assertFalse(pathItem.at("/patch/consumes").toString().contains("strategic-merge-patch"));
      }
    }
  }

  @Test
  void scaleSubresourceReadsAndWritesAutoscalingScale() {
    assumeTrue(ModelClasses.forKind(new GroupVersionKind("autoscaling", "v1", "Scale")).isPresent(),
        "kubernetes-model-autoscaling is on the classpath");
    JsonNode apps = OpenApi.v3GroupVersion("apis/apps/v1");
    JsonNode scale = apps.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments~1{name}~1scale");
    assertAction(scale, "get", "get", "readAppsV1NamespacedDeploymentScale");
    assertAction(scale, "patch", "patch", "patchAppsV1NamespacedDeploymentScale");
    assertEquals("autoscaling", scale.at("/patch/x-kubernetes-group-version-kind/group").asText());
    assertEquals("Scale", scale.at("/patch/x-kubernetes-group-version-kind/kind").asText());
    assertEquals(SCHEMAS + "io.k8s.api.autoscaling.v1.Scale",
        scale.at("/get/responses/200/content/application~1json/schema/$ref").asText());
    schemaWithGvk(apps.at("/components/schemas"), "autoscaling", "v1", "Scale");
  }

  @Test
  void swaggerDocumentHasDefinitionsPathsAndBodyParameters() {
    ObjectNode v2 = OpenApi.v2();
    assertEquals("2.0", v2.get("swagger").asText());
    assertTrue(v2.at("/info/title").isTextual());
    JsonNode pod = v2.at("/definitions/io.k8s.api.core.v1.Pod");
    assertEquals("#/definitions/io.k8s.api.core.v1.PodSpec", pod.at("/properties/spec/$ref").asText());
    JsonNode patch = v2.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments~1{name}/patch");
    assertEquals("patch", patch.get("x-kubernetes-action").asText());
    assertEquals("Deployment", patch.at("/x-kubernetes-group-version-kind/kind").asText());
    assertTrue(paramNames(patch).contains("fieldValidation"));
    JsonNode body = patch.get("parameters").get(0);
    assertEquals("body", body.get("in").asText());
    assertEquals("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch", body.at("/schema/$ref").asText());
    assertTrue(patch.get("consumes").toString().contains("application/merge-patch+json"));
    for (JsonNode p : patch.get("parameters")) {
      if (!p.get("in").asText().equals("body")) assertTrue(p.get("type").isTextual(), p.toString());
    }
    assertEquals("#/definitions/io.k8s.api.apps.v1.Deployment", patch.at("/responses/200/schema/$ref").asText());
    assertTrue(v2.get("paths").has("/api/v1/namespaces/{namespace}/pods"));
  }

  @Test
  void callersReceiveCopiesTheyMayChange() {
    OpenApi.v3GroupVersion("api/v1").removeAll();
    OpenApi.v2().removeAll();
    OpenApi.v3Index().removeAll();
    assertTrue(OpenApi.v3GroupVersion("api/v1").has("paths"));
    assertTrue(OpenApi.v2().has("definitions"));
    assertTrue(OpenApi.v3Index().has("paths"));
  }

  private static ObjectNode v3(ResourceType type) {
    return OpenApi.v3GroupVersion(type.group().isEmpty() ? "api/v1" : "apis/" + type.apiVersion());
  }

  private static JsonNode schemaWithGvk(JsonNode schemas, String group, String version, String kind) {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode schema : schemas) {
      for (JsonNode gvk : schema.path("x-kubernetes-group-version-kind")) {
        if (gvk.get("group").asText().equals(group) && gvk.get("version").asText().equals(version)
            && gvk.get("kind").asText().equals(kind)) {
          found.add(schema);
        }
      }
    }
    assertEquals(1, found.size(), "schemas for " + group + "/" + version + "/" + kind);
    return found.get(0);
  }

  private static boolean gvkIs(JsonNode op, String group, String version, String kind) {
    JsonNode gvk = op.get("x-kubernetes-group-version-kind");
    return gvk.get("group").asText().equals(group) && gvk.get("version").asText().equals(version)
        && gvk.get("kind").asText().equals(kind);
  }

  private static void assertAction(JsonNode pathItem, String method, String action, String operationId) {
    assertNotNull(pathItem, operationId);
    JsonNode op = pathItem.get(method);
    assertNotNull(op, operationId);
    assertEquals(action, op.get("x-kubernetes-action").asText());
    assertEquals(operationId, op.get("operationId").asText());
    assertTrue(op.get("x-kubernetes-group-version-kind").isObject(), operationId);
    assertTrue(op.at("/responses/200").isObject(), operationId);
  }

  private static List<String> paramNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.path("parameters").forEach(p -> names.add(p.path("name").asText()));
    return names;
  }

  private static void assertRefsResolve(JsonNode node, JsonNode schemas, String prefix) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null) {
        assertTrue(ref.asText().startsWith(prefix), ref.asText());
        assertTrue(schemas.has(ref.asText().substring(prefix.length())), ref.asText());
      }
    }
    node.forEach(child -> assertRefsResolve(child, schemas, prefix));
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
