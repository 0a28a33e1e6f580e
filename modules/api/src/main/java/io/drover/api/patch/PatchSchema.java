package io.drover.api.patch;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.drover.api.Json;
import io.drover.api.patch.PatchStrategies.PatchMeta;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which fabric8 model type sits at one position of an object being patched, found with Jackson's own type
 * introspection, so the strategic merge knows the patch metadata of each field (the role Go struct tags play in
 * k8s.io/apimachinery/pkg/util/strategicpatch).
 */
final class PatchSchema {
  static final PatchSchema UNKNOWN = new PatchSchema(null);

  /** The metadata of one field and the schema of its value, or of each item when the value is a list. */
  record Field(PatchMeta meta, PatchSchema schema) {
    static final Field UNKNOWN = new Field(PatchMeta.NONE, PatchSchema.UNKNOWN);
  }

  private static final Map<Class<?>, Map<String, JavaType>> PROPERTIES = new ConcurrentHashMap<>();

  private final JavaType type;

  private PatchSchema(JavaType type) {
    this.type = type;
  }

  static PatchSchema of(Class<?> modelClass) {
    return of(Json.MAPPER.constructType(modelClass));
  }

  private static PatchSchema of(JavaType type) {
    boolean known = type.isMapLikeType() || type.getRawClass().getName().startsWith("io.fabric8.");
    return known ? new PatchSchema(type) : UNKNOWN;
  }

  Field field(String name) {
    if (type == null) return Field.UNKNOWN;
    // Every key of a map (labels, data, ...) holds the map's value type.
    if (type.isMapLikeType()) return new Field(PatchMeta.NONE, of(type.getContentType()));
    JavaType fieldType = properties(type).get(name);
    if (fieldType == null) return Field.UNKNOWN;
    JavaType valueType = fieldType.isCollectionLikeType() || fieldType.isArrayType()
        ? fieldType.getContentType() : fieldType;
    return new Field(PatchStrategies.lookup(type.getRawClass(), name), of(valueType));
  }

  private static Map<String, JavaType> properties(JavaType beanType) {
    return PROPERTIES.computeIfAbsent(beanType.getRawClass(), c -> {
      Map<String, JavaType> byName = new HashMap<>();
      for (BeanPropertyDefinition property :
          Json.MAPPER.getSerializationConfig().introspect(beanType).findProperties()) {
        byName.put(property.getName(), property.getPrimaryType());
      }
      return Map.copyOf(byName);
    });
  }
}
