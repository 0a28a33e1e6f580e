package io.drover.api.openapi;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.discovery.GroupVersionKind;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.runtime.RawExtension;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds OpenAPI schemas by walking fabric8 model classes with Jackson's own introspection, so the schema lists
 * exactly the JSON properties the model reads and writes. Nested model types become named schemas reached by
 * {@code $ref}; a type is generated once however often it is referenced (recursion included).
 * One instance builds one document's schema set; it is not shared between threads.
 */
final class SchemaGenerator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";

  /** Descriptions of the fields every Kubernetes object has (from the API conventions). */
  private static final Map<String, String> OBJECT_FIELDS = Map.of(
      "apiVersion", "APIVersion defines the versioned schema of this representation of an object.",
      "kind", "Kind is a string value representing the REST resource this object represents. In CamelCase.",
      "metadata", "Standard object's metadata.",
      "spec", "Specification of the desired behavior of the object.",
      "status", "Most recently observed status of the object. Populated by the system. Read-only.");

  /** Descriptions of the fields every Kubernetes list has. */
  private static final Map<String, String> LIST_FIELDS = Map.of(
      "apiVersion", OBJECT_FIELDS.get("apiVersion"),
      "kind", OBJECT_FIELDS.get("kind"),
      "metadata", "Standard list metadata.",
      "items", "The objects in the list.");

  /** Types that serialize as a scalar, whatever their Java shape. */
  private static final Map<Class<?>, ObjectNode> SCALARS = Map.of(
      Quantity.class, scalar("string", null,
          "Quantity is a fixed-point representation of a number, such as 500m or 1Gi."),
      IntOrString.class, scalar("string", "int-or-string", "IntOrString holds either an int or a string.")
          .put("x-kubernetes-int-or-string", true),
      MicroTime.class, scalar("string", "date-time", "MicroTime is a timestamp with microsecond precision."),
      Duration.class, scalar("string", null, "Duration is a length of time, such as 30s or 1h5m."),
      FieldsV1.class, scalar("object", null, "FieldsV1 stores a set of fields in a JSON-like structure."),
      RawExtension.class, scalar("object", null, "RawExtension holds an embedded object of any kind."));

  private final String refPrefix;
  private final boolean openApiV3;
  private final SortedMap<String, ObjectNode> schemas = new TreeMap<>();
  private final Map<String, Class<?>> definedBy = new HashMap<>();

  /**
   * @param refPrefix "#/components/schemas/" (v3) or "#/definitions/" (v2)
   * @param openApiV3 v3 ignores siblings of $ref, so a described reference is wrapped in allOf
   */
  SchemaGenerator(String refPrefix, boolean openApiV3) {
    this.refPrefix = refPrefix;
    this.openApiV3 = openApiV3;
  }

  /** Generates the schema of {@code type} and everything it references; returns its schema name. */
  String define(Class<?> type) {
    String name = K8sNames.of(type);
    Class<?> previous = definedBy.putIfAbsent(name, type);
    if (previous != null) {
      if (previous != type) throw new IllegalStateException(name + " names both " + previous + " and " + type);
      return name;
    }
    ObjectNode scalar = SCALARS.get(type);
    if (scalar != null) {
      schemas.put(name, scalar.deepCopy());
      return name;
    }
    ObjectNode schema = NODES.objectNode();
    schemas.put(name, schema); // before the properties, so a type that contains itself finds its name
    schema.put("type", "object");
    // Only objects and lists get the conventional descriptions: a condition's "status" is not an object status.
    Map<String, String> descriptions = HasMetadata.class.isAssignableFrom(type) ? OBJECT_FIELDS
        : KubernetesResourceList.class.isAssignableFrom(type) ? LIST_FIELDS : Map.of();
    SortedMap<String, ObjectNode> properties = new TreeMap<>();
    BeanDescription bean = Json.MAPPER.getSerializationConfig().introspect(Json.MAPPER.constructType(type));
    for (BeanPropertyDefinition property : bean.findProperties()) {
      if (!property.couldSerialize() || property.getPrimaryType() == null) continue;
      String description = descriptions.get(property.getName());
      ObjectNode value = schemaOf(property.getPrimaryType());
      properties.put(property.getName(), description == null ? value : described(value, description));
    }
    if (!properties.isEmpty()) schema.putObject("properties").setAll(properties);
    return name;
  }

  /** A list kind with no fabric8 class: {@code {apiVersion, kind, metadata: ListMeta, items: [item]}}. */
  String defineList(String listName, String itemName) {
    if (schemas.containsKey(listName)) return listName;
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties.set("apiVersion", scalar("string", null, LIST_FIELDS.get("apiVersion")));
    ObjectNode items = properties.putObject("items").put("description", LIST_FIELDS.get("items"));
    items.put("type", "array").set("items", ref(itemName));
    properties.set("kind", scalar("string", null, LIST_FIELDS.get("kind")));
    properties.set("metadata", described(ref(define(ListMeta.class)), LIST_FIELDS.get("metadata")));
    schemas.put(listName, schema);
    return listName;
  }

  /** Marks {@code name} as the schema of a served kind, as kubectl explain and validation look it up. */
  void annotateKind(String name, GroupVersionKind gvk, String description) {
    ObjectNode schema = schemas.get(name);
    if (description != null && !schema.has("description")) {
      // Keep "description" first, as kube-apiserver does; it reads better in a dumped document.
      ObjectNode ordered = NODES.objectNode().put("description", description);
      ordered.setAll(schema);
      schema.removeAll();
      schema.setAll(ordered);
    }
    ArrayNode gvks = schema.withArray("x-kubernetes-group-version-kind");
    for (var existing : gvks) {
      if (existing.equals(gvk.toJson())) return;
    }
    gvks.add(gvk.toJson());
  }

  ObjectNode ref(String name) {
    return NODES.objectNode().put("$ref", refPrefix + name);
  }

  SortedMap<String, ObjectNode> schemas() {
    return schemas;
  }

  private ObjectNode schemaOf(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (raw == byte[].class) return scalar("string", "byte", null);
    if (type.isArrayType() || type.isCollectionLikeType()) {
      ObjectNode array = NODES.objectNode().put("type", "array");
      array.set("items", schemaOf(type.getContentType()));
      return array;
    }
    if (type.isMapLikeType()) {
      ObjectNode map = NODES.objectNode().put("type", "object");
      map.set("additionalProperties", schemaOf(type.getContentType()));
      return map;
    }
    if (raw.isEnum() || raw == String.class || raw == Character.class || raw == char.class) {
      return scalar("string", null, null);
    }
    if (raw == Integer.class || raw == int.class || raw == Short.class || raw == short.class) {
      return scalar("integer", "int32", null);
    }
    if (raw == Long.class || raw == long.class) return scalar("integer", "int64", null);
    if (raw == Boolean.class || raw == boolean.class) return scalar("boolean", null, null);
    if (Number.class.isAssignableFrom(raw) || raw == double.class || raw == float.class) {
      return scalar("number", "double", null);
    }
    if (SCALARS.containsKey(raw) || isModelClass(raw)) return ref(define(raw));
    // Object, JsonNode, interfaces such as KubernetesResource: any JSON value.
    return NODES.objectNode().put("x-kubernetes-preserve-unknown-fields", true);
  }

  private ObjectNode described(ObjectNode schema, String description) {
    if (!schema.has("$ref") || !openApiV3) return schema.put("description", description);
    ObjectNode wrapped = NODES.objectNode();
    wrapped.putArray("allOf").add(schema);
    return wrapped.put("description", description);
  }

  private static boolean isModelClass(Class<?> raw) {
    return raw.getName().startsWith(FABRIC8) && !raw.isInterface() && !Modifier.isAbstract(raw.getModifiers());
  }

  private static ObjectNode scalar(String type, String format, String description) {
    ObjectNode node = NODES.objectNode();
    if (description != null) node.put("description", description);
    node.put("type", type);
    if (format != null) node.put("format", format);
    return node;
  }
}
