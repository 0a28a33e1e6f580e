package io.drover.api.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.patch.PatchStrategies.PatchMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PatchStrategiesTest {

  private static JavaType propertyType(Class<?> modelClass, String name) {
    for (BeanPropertyDefinition property :
        Json.MAPPER.getSerializationConfig().introspect(Json.MAPPER.constructType(modelClass)).findProperties()) {
      if (property.getName().equals(name)) return property.getPrimaryType();
    }
    return null;
  }

  @Test
  void everyEntryNamesAListOfItsFabric8ClassAndItsMergeKeyExistsOnTheItems() {
    for (Map.Entry<Class<?>, Map<String, PatchMeta>> type : PatchStrategies.TABLE.entrySet()) {
      for (Map.Entry<String, PatchMeta> field : type.getValue().entrySet()) {
        String where = type.getKey().getSimpleName() + "." + field.getKey();
        JavaType fieldType = propertyType(type.getKey(), field.getKey());
        assertNotNull(fieldType, where + " is not a property");
        assertTrue(fieldType.isCollectionLikeType(), where + " is not a list");
        String mergeKey = field.getValue().mergeKey();
        if (mergeKey != null) {
          assertNotNull(propertyType(fieldType.getContentType().getRawClass(), mergeKey),
              where + " items have no " + mergeKey);
        }
      }
    }
  }

  @Test
  void podSpecInsideADeploymentTemplateIsFoundThroughTheModel() {
    PatchSchema podSpec = PatchSchema.of(Deployment.class).field("spec").schema()
        .field("template").schema().field("spec").schema();

    assertEquals(PatchMeta.mergeBy("name"), podSpec.field("containers").meta());
    assertEquals(PatchMeta.mergeBy("containerPort"),
        podSpec.field("containers").schema().field("ports").meta());
    assertEquals(PatchMeta.NONE, podSpec.field("tolerations").meta());
  }

  @Test
  void everyServedKindHasAModelTheSchemaCanWalk() {
    for (ResourceType type : ResourceRegistry.ALL) {
      assertEquals(PatchMeta.mergeScalars(), PatchSchema.of(type.modelClass()).field("metadata").schema()
          .field("finalizers").meta(), type.kind());
    }
  }

  @Test
  void mapValuesAndUnknownFieldsHaveNoStrategy() {
    PatchSchema metadata = PatchSchema.of(Deployment.class).field("metadata").schema();

    assertEquals(PatchMeta.NONE, metadata.field("labels").schema().field("app").meta());
    assertEquals(PatchMeta.NONE, metadata.field("noSuchField").meta());
    assertEquals(PatchSchema.UNKNOWN, metadata.field("noSuchField").schema());
  }
}
