package io.drover.api.proto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Message;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One walk over the descriptors between a Kubernetes proto message and its JSON: field names are the JSON
 * names, maps are objects, bytes are base64, the apimachinery types in {@link WellKnownType} render as
 * their Go JSON, and {@link GoFields} supplies what gogo's encoding hides (pointer fields, inlined structs).
 * protobuf-java-util's JsonFormat is no help here: it writes int64 as strings and cannot be taught these types.
 */
final class ProtoJson {
  private ProtoJson() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  // ---- proto -> JSON

  static ObjectNode toJson(Message message) {
    ObjectNode out = NODES.objectNode();
    writeFields(message, out);
    return out;
  }

  private static void writeFields(Message message, ObjectNode out) {
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.isMapField()) {
        List<?> entries = (List<?>) message.getField(field);
        if (!entries.isEmpty()) out.set(GoFields.jsonName(field), mapToJson(field, entries));
      } else if (field.isRepeated()) {
        if (message.getRepeatedFieldCount(field) == 0) continue;
        ArrayNode items = out.putArray(GoFields.jsonName(field));
        for (Object item : (List<?>) message.getField(field)) items.add(valueToJson(field, item));
      } else if (message.hasField(field)) {
        Object value = message.getField(field);
        if (field.getJavaType() == JavaType.MESSAGE) {
          if (GoFields.isInline(field)) {
            writeFields((Message) value, out);
          } else {
            out.set(GoFields.jsonName(field), valueToJson(field, value));
          }
        } else if (!isZero(value) || GoFields.keepsZero(field)) {
          out.set(GoFields.jsonName(field), valueToJson(field, value));
        }
      }
    }
  }

  private static ObjectNode mapToJson(FieldDescriptor field, List<?> entries) {
    FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
    FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
    ObjectNode map = NODES.objectNode();
    for (Object entry : entries) {
      Message e = (Message) entry;
      map.set(String.valueOf(e.getField(keyField)), valueToJson(valueField, e.getField(valueField)));
    }
    return map;
  }

  /** One value of a field (an element when the field is repeated). */
  private static JsonNode valueToJson(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case MESSAGE -> messageToJson((Message) value);
      case STRING -> TextNode.valueOf((String) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case INT -> field.getType() == FieldDescriptor.Type.UINT32 || field.getType() == FieldDescriptor.Type.FIXED32
          ? NODES.numberNode(Integer.toUnsignedLong((Integer) value)) : NODES.numberNode((Integer) value);
      case LONG -> field.getType() == FieldDescriptor.Type.UINT64 || field.getType() == FieldDescriptor.Type.FIXED64
          ? NODES.numberNode(new BigInteger(Long.toUnsignedString((Long) value))) : number((Long) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BYTE_STRING -> TextNode.valueOf(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> TextNode.valueOf(((EnumValueDescriptor) value).getName());
    };
  }

  /** An int64 as the node Jackson's parser would make for it (IntNode when it fits), so trees compare equal. */
  private static JsonNode number(long value) {
    return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
  }

  private static JsonNode messageToJson(Message message) {
    WellKnownType special = WellKnownType.of(message.getDescriptorForType());
    return special != null ? special.toJson(message) : toJson(message);
  }

  private static boolean isZero(Object value) {
    if (value instanceof String s) return s.isEmpty();
    if (value instanceof Boolean b) return !b;
    if (value instanceof Number n) return n.doubleValue() == 0d;
    if (value instanceof ByteString bytes) return bytes.isEmpty();
    if (value instanceof EnumValueDescriptor e) return e.getNumber() == 0;
    return false;
  }

  // ---- JSON -> proto

  /**
   * Fills {@code builder} from a JSON object. Keys without a proto field are skipped, as Go's JSON decoding
   * skips unknown fields; a value of the wrong JSON type is a 400.
   */
  static void fromJson(ObjectNode json, Message.Builder builder, String path) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (GoFields.isInline(field)) {
        Message.Builder inline = builder.newBuilderForField(field);
        fromJson(json, inline, path);
        builder.setField(field, inline.build());
        continue;
      }
      JsonNode value = json.get(GoFields.jsonName(field));
      if (value == null) continue;
      String at = path.isEmpty() ? GoFields.jsonName(field) : path + "." + GoFields.jsonName(field);
      if (value.isNull()) {
        WellKnownType special = field.getJavaType() == JavaType.MESSAGE && !field.isRepeated()
            ? WellKnownType.of(field.getMessageType()) : null;
        if (special != null && special.nullIsEmptyMessage()) {
          builder.setField(field, builder.newBuilderForField(field).build());
        }
      } else if (field.isMapField()) {
        if (!value.isObject()) throw WellKnownType.mismatch(at, "an object");
        FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
        for (Map.Entry<String, JsonNode> e : value.properties()) {
          if (e.getValue().isNull()) continue;
          Message.Builder entry = builder.newBuilderForField(field);
          entry.setField(keyField, keyFromText(keyField, e.getKey(), at));
          entry.setField(valueField, valueFromJson(valueField, e.getValue(), entry, at + "." + e.getKey()));
          builder.addRepeatedField(field, entry.build());
        }
      } else if (field.isRepeated()) {
        if (!value.isArray()) throw WellKnownType.mismatch(at, "an array");
        for (JsonNode item : value) {
          if (!item.isNull()) builder.addRepeatedField(field, valueFromJson(field, item, builder, at));
        }
      } else {
        builder.setField(field, valueFromJson(field, value, builder, at));
      }
    }
  }

  /** One value of {@code field}; {@code owner} is the builder that makes sub-builders for message values. */
  private static Object valueFromJson(FieldDescriptor field, JsonNode json, Message.Builder owner, String path) {
    switch (field.getJavaType()) {
      case MESSAGE -> {
        Message.Builder sub = owner.newBuilderForField(field);
        Descriptor type = field.getMessageType();
        WellKnownType special = WellKnownType.of(type);
        if (special != null) {
          special.fromJson(json, sub, path);
        } else if (json.isObject()) {
          fromJson((ObjectNode) json, sub, path);
        } else {
          throw WellKnownType.mismatch(path, "an object");
        }
        return sub.build();
      }
      case STRING -> {
        if (!json.isTextual()) throw WellKnownType.mismatch(path, "a string");
        return json.asText();
      }
      case BOOLEAN -> {
        if (!json.isBoolean()) throw WellKnownType.mismatch(path, "a boolean");
        return json.booleanValue();
      }
      case INT -> {
        if (!json.isIntegralNumber() || !json.canConvertToLong()) throw WellKnownType.mismatch(path, "an integer");
        long v = json.longValue();
        boolean unsigned = field.getType() == FieldDescriptor.Type.UINT32
            || field.getType() == FieldDescriptor.Type.FIXED32;
        if (unsigned ? v < 0 || v > 0xFFFF_FFFFL : v != (int) v) {
          throw WellKnownType.mismatch(path, "a 32-bit integer");
        }
        return (int) v;
      }
      case LONG -> {
        if (!json.isIntegralNumber() || !json.canConvertToLong()) throw WellKnownType.mismatch(path, "an integer");
        return json.longValue();
      }
      case FLOAT -> {
        if (!json.isNumber()) throw WellKnownType.mismatch(path, "a number");
        return json.floatValue();
      }
      case DOUBLE -> {
        if (!json.isNumber()) throw WellKnownType.mismatch(path, "a number");
        return json.doubleValue();
      }
      case BYTE_STRING -> {
        try {
          if (!json.isTextual()) throw new IllegalArgumentException();
          return ByteString.copyFrom(Base64.getDecoder().decode(json.asText()));
        } catch (IllegalArgumentException e) {
          throw WellKnownType.mismatch(path, "a base64 string");
        }
      }
      case ENUM -> {
        EnumValueDescriptor v = json.isTextual() ? field.getEnumType().findValueByName(json.asText()) : null;
        if (v == null) throw WellKnownType.mismatch(path, "one of " + field.getEnumType().getValues());
        return v;
      }
    }
    throw new IllegalStateException("unhandled field type " + field.getJavaType());
  }

  private static Object keyFromText(FieldDescriptor keyField, String key, String path) {
    if (keyField.getJavaType() == JavaType.STRING) return key;
    try {
      return switch (keyField.getJavaType()) {
        case INT -> Integer.parseInt(key);
        case LONG -> Long.parseLong(key);
        case BOOLEAN -> Boolean.parseBoolean(key);
        default -> throw new IllegalStateException("unhandled map key type " + keyField.getJavaType());
      };
    } catch (NumberFormatException e) {
      throw WellKnownType.mismatch(path, "numeric map keys");
    }
  }
}
