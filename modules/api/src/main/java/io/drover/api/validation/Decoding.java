package io.drover.api.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed decoding as the apiserver's JSON serializer does it: every value must have the JSON type of its Go
 * field (a string where an int32 is expected is a 400, not a coercion), quantities and base64 bytes must
 * parse, and fields the type does not know are collected as paths for strict field validation.
 */
final class Decoding {
  private static final String QUANTITY_ERROR =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

  private final ResourceType type;
  private final List<String> unknown;

  private Decoding(ResourceType type, List<String> unknown) {
    this.type = type;
    this.unknown = unknown;
  }

  static void decode(ResourceType type, ObjectNode object, List<String> unknown) {
    Decoding decoding = new Decoding(type, unknown);
    decoding.walk(object, Json.MAPPER.constructType(type.modelClass()), "", "", type.kind());
    if (type == ResourceRegistry.SECRET) decoding.checkBase64(object, "data");
    if (type == ResourceRegistry.CONFIG_MAP) decoding.checkBase64(object, "binaryData");
    try {
      Json.MAPPER.treeToValue(object, type.modelClass());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      // The walk above catches what Go rejects; this is the net for anything the model itself refuses.
      throw decodeError(type, e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /**
   * @param path JSON path with indices, as strict decoding reports unknown fields ("spec.containers[0].x")
   * @param goPath the same without indices, as encoding/json names a field in type errors
   * @param owner the Go struct declaring the field at this path
   */
  private void walk(JsonNode node, JavaType javaType, String path, String goPath, String owner) {
    if (node == null || node.isNull()) return;
    Class<?> raw = javaType.getRawClass();
    if (raw == Object.class || JsonNode.class.isAssignableFrom(raw)) return;
    if (raw == String.class) {
      expect(node.isTextual(), node, javaType, goPath, owner);
    } else if (raw == Integer.class || raw == int.class) {
      expectInteger(node, Integer.MIN_VALUE, Integer.MAX_VALUE, javaType, goPath, owner);
    } else if (raw == Long.class || raw == long.class) {
      expectInteger(node, Long.MIN_VALUE, Long.MAX_VALUE, javaType, goPath, owner);
    } else if (raw == Boolean.class || raw == boolean.class) {
      expect(node.isBoolean(), node, javaType, goPath, owner);
    } else if (Number.class.isAssignableFrom(raw) || raw == double.class) {
      expect(node.isNumber(), node, javaType, goPath, owner);
    } else if (raw == IntOrString.class) {
      expect(node.isTextual() || node.isIntegralNumber(), node, javaType, goPath, owner);
    } else if (raw == Quantity.class) {
      checkQuantity(node);
    } else if (raw == MicroTime.class) {
      expect(node.isTextual(), node, javaType, goPath, owner);
    } else if (javaType.isCollectionLikeType() || javaType.isArrayType()) {
      expect(node.isArray(), node, javaType, goPath, owner);
      for (int i = 0; i < node.size(); i++) {
        walk(node.get(i), javaType.getContentType(), Errors.index(path, i), goPath, owner);
      }
    } else if (javaType.isMapLikeType()) {
      expect(node.isObject(), node, javaType, goPath, owner);
      node.fields().forEachRemaining(e ->
          walk(e.getValue(), javaType.getContentType(), Errors.child(path, e.getKey()), goPath, owner));
    } else if (!OPAQUE.get(raw)) { // opaque types decode themselves (e.g. embedded objects): nothing to walk
      Map<String, JavaType> properties = PROPERTIES.get(raw);
      expect(node.isObject(), node, javaType, goPath, owner);
      if (properties.isEmpty()) return; // free-form (e.g. managedFields[].fieldsV1)
      node.fields().forEachRemaining(e -> {
        JavaType propertyType = properties.get(e.getKey());
        String childPath = Errors.child(path, e.getKey());
        if (propertyType == null) {
          unknown.add(childPath);
        } else {
          walk(e.getValue(), propertyType, childPath, Errors.child(goPath, e.getKey()), raw.getSimpleName());
        }
      });
    }
  }

  private void expectInteger(JsonNode node, long min, long max, JavaType javaType, String goPath, String owner) {
    if (!node.isNumber()) {
      expect(false, node, javaType, goPath, owner);
    } else if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
      throw typeError("number " + node.asText(), javaType, goPath, owner);
    }
  }

  private void expect(boolean ok, JsonNode node, JavaType javaType, String goPath, String owner) {
    if (!ok) throw typeError(jsonKind(node), javaType, goPath, owner);
  }

  private ApiException typeError(String got, JavaType javaType, String goPath, String owner) {
    return decodeError(type, "json: cannot unmarshal " + got + " into Go struct field " + owner + "." + goPath
        + " of type " + goType(javaType));
  }

  /**
   * A quantity must parse, and be of a size arithmetic can work with: summing or comparing "1e99999999" with
   * "1m" (a ResourceQuota adding a pod's limits) builds a number of 10^8 digits and holds a thread for minutes.
   * The bounds are far outside any real amount (1Ei is 1.2e18 bytes, 1n is 1e-9).
   */
  private void checkQuantity(JsonNode node) {
    if (!node.isTextual() && !node.isNumber()) throw decodeError(type, QUANTITY_ERROR);
    String text = node.asText();
    if (text.length() > MAX_QUANTITY_LENGTH) throw decodeError(type, QUANTITY_RANGE_ERROR);
    java.math.BigDecimal amount;
    try {
      amount = Quantity.getAmountInBytes(new Quantity(text));
    } catch (RuntimeException e) {
      throw decodeError(type, QUANTITY_ERROR);
    }
    // precision - scale is the number of digits before the point (cheap: no digits are computed).
    int magnitude = amount.precision() - amount.scale();
    if (amount.signum() != 0 && (magnitude > MAX_QUANTITY_DIGITS || magnitude < -MAX_QUANTITY_DIGITS)) {
      throw decodeError(type, QUANTITY_RANGE_ERROR);
    }
  }

  private static final int MAX_QUANTITY_LENGTH = 64;
  private static final int MAX_QUANTITY_DIGITS = 30;
  private static final String QUANTITY_RANGE_ERROR = "quantities must be at most " + MAX_QUANTITY_LENGTH
      + " characters and between 1e-" + MAX_QUANTITY_DIGITS + " and 1e" + MAX_QUANTITY_DIGITS + " in size";

  /** []byte fields travel as base64; Go's decoder rejects anything StdEncoding cannot decode. */
  private void checkBase64(ObjectNode object, String field) {
    Nodes.strings(object, field).values().forEach(value -> {
      int bad = Base64Check.firstError(value);
      if (bad >= 0) throw decodeError(type, "illegal base64 data at input byte " + bad);
    });
  }

  private static ApiException decodeError(ResourceType type, String detail) {
    return ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
        + type.kind() + ": " + detail);
  }

  private static String jsonKind(JsonNode node) {
    if (node.isTextual()) return "string";
    if (node.isNumber()) return "number";
    if (node.isBoolean()) return "bool";
    if (node.isArray()) return "array";
    return "object";
  }

  /** The Go type a Java model type stands for, for messages only. */
  private static String goType(JavaType javaType) {
    Class<?> raw = javaType.getRawClass();
    if (raw == String.class) return "string";
    if (raw == Integer.class || raw == int.class) return "int32";
    if (raw == Long.class || raw == long.class) return "int64";
    if (raw == Boolean.class || raw == boolean.class) return "bool";
    if (Number.class.isAssignableFrom(raw)) return "float64";
    if (raw == IntOrString.class) return "intstr.IntOrString";
    if (javaType.isCollectionLikeType() || javaType.isArrayType()) return "[]" + goType(javaType.getContentType());
    if (javaType.isMapLikeType()) return "map[string]" + goType(javaType.getContentType());
    return "v1." + raw.getSimpleName();
  }

  /** JSON property name to declared type, per model class (what the decoder knows; the rest is unknown). */
  private static final ClassValue<Map<String, JavaType>> PROPERTIES = new ClassValue<>() {
    @Override
    protected Map<String, JavaType> computeValue(Class<?> raw) {
      JavaType javaType = Json.MAPPER.constructType(raw);
      BeanDescription description = Json.MAPPER.getDeserializationConfig().introspect(javaType);
      Map<String, JavaType> properties = new LinkedHashMap<>();
      for (BeanPropertyDefinition property : description.findProperties()) {
        if (property.couldDeserialize()) properties.put(property.getName(), property.getPrimaryType());
      }
      return Collections.unmodifiableMap(properties);
    }
  };

  /** Types the model decodes by hand or polymorphically: interfaces, abstract classes, custom deserializers. */
  private static final ClassValue<Boolean> OPAQUE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> raw) {
      if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) return true;
      BeanDescription description = Json.MAPPER.getDeserializationConfig().introspect(Json.MAPPER.constructType(raw));
      return Json.MAPPER.getDeserializationConfig().getAnnotationIntrospector()
          .findDeserializer(description.getClassInfo()) != null;
    }
  };

  /** Where Go's base64.StdEncoding.Decode would fail, or -1. Newlines are skipped, padding is required. */
  static final class Base64Check {
    private Base64Check() {}

    static int firstError(String text) {
      String s = text.replace("\r", "").replace("\n", "");
      int padding = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '=') {
          if (i % 4 < 2) return i; // padding may only fill the last one or two places of a quantum
          padding++;
          continue;
        }
        boolean alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
            || c == '/';
        if (!alphabet || padding > 0) return i;
      }
      if (s.length() % 4 != 0) return s.length() - s.length() % 4;
      return -1;
    }
  }
}
