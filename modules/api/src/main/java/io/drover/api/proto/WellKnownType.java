package io.drover.api.proto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The apimachinery types whose JSON is not their proto shape: each renders itself as the Go type's
 * MarshalJSON does and reads that JSON back into its message.
 */
enum WellKnownType {
  /** resource.Quantity {string} as "100m". */
  QUANTITY("k8s.io.apimachinery.pkg.api.resource.Quantity", "k8s.io.apimachinery.pkg.api.resource.QuantityValue") {
    @Override
    JsonNode toJson(Message m) {
      FieldDescriptor string = field(m, "string");
      return TextNode.valueOf(m.hasField(string) ? (String) m.getField(string) : "0");
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      if (!json.isTextual() && !json.isNumber()) throw mismatch(path, "a quantity");
      b.setField(field(b, "string"), json.asText());
    }
  },

  /** util.intstr.IntOrString {type, intVal, strVal} as 1 or "25%". */
  INT_OR_STRING("k8s.io.apimachinery.pkg.util.intstr.IntOrString") {
    @Override
    JsonNode toJson(Message m) {
      boolean isString = ((Long) m.getField(field(m, "type"))) == 1L;
      return isString ? TextNode.valueOf((String) m.getField(field(m, "strVal")))
          : JsonNodeFactory.instance.numberNode((Integer) m.getField(field(m, "intVal")));
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      if (json.isTextual()) {
        b.setField(field(b, "type"), 1L).setField(field(b, "strVal"), json.asText());
      } else if (json.isIntegralNumber() && json.canConvertToInt()) {
        b.setField(field(b, "type"), 0L).setField(field(b, "intVal"), json.intValue());
      } else {
        throw mismatch(path, "an integer or a string");
      }
    }
  },

  /** meta/v1 Time as RFC 3339 in seconds, "2024-01-01T00:00:00Z"; the empty message is Go's zero time, null. */
  TIME("k8s.io.apimachinery.pkg.apis.meta.v1.Time") {
    @Override
    JsonNode toJson(Message m) {
      Instant at = instant(m, false);
      return at == null ? NullNode.getInstance() : TextNode.valueOf(SECONDS.format(at));
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      setInstant(json, b, path);
    }
  },

  /** meta/v1 MicroTime as RFC 3339 with six fractional digits, "2024-01-01T00:00:00.000000Z". */
  MICRO_TIME("k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime") {
    @Override
    JsonNode toJson(Message m) {
      Instant at = instant(m, true);
      return at == null ? NullNode.getInstance() : TextNode.valueOf(MICROS.format(at));
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      setInstant(json, b, path);
    }
  },

  /** meta/v1 Duration {duration: nanoseconds} as Go duration text, "1h0m0s". */
  DURATION("k8s.io.apimachinery.pkg.apis.meta.v1.Duration") {
    @Override
    JsonNode toJson(Message m) {
      return TextNode.valueOf(GoDuration.format((Long) m.getField(field(m, "duration"))));
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      Long nanos = json.isTextual() ? GoDuration.parse(json.asText()) : null;
      if (nanos == null) throw mismatch(path, "a duration such as \"1h0m0s\"");
      b.setField(field(b, "duration"), nanos);
    }
  },

  /**
   * runtime.RawExtension {raw} and meta/v1 FieldsV1 {Raw}: bytes that hold an embedded object, written as
   * that object; a nested protobuf envelope is decoded in turn.
   */
  RAW_JSON("k8s.io.apimachinery.pkg.runtime.RawExtension", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1") {
    @Override
    JsonNode toJson(Message m) {
      ByteString raw = (ByteString) m.getField(m.getDescriptorForType().getFields().get(0));
      if (raw.isEmpty()) return NullNode.getInstance();
      byte[] bytes = raw.toByteArray();
      if (ProtobufCodec.hasMagic(bytes)) return ProtobufCodec.decode(bytes);
      try {
        return Json.MAPPER.readTree(bytes);
      } catch (IOException e) {
        throw ApiException.badRequest("embedded object in " + m.getDescriptorForType().getName()
            + " is not JSON: " + e.getMessage());
      }
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      b.setField(b.getDescriptorForType().getFields().get(0), ByteString.copyFrom(Json.bytes(json)));
    }
  },

  /** Go named string slices (meta/v1 Verbs, authn/authz ExtraValue) {items} as a JSON array. */
  STRING_LIST("k8s.io.apimachinery.pkg.apis.meta.v1.Verbs", "k8s.io.api.authorization.v1.ExtraValue",
      "k8s.io.api.authentication.v1.ExtraValue") {
    @Override
    JsonNode toJson(Message m) {
      ArrayNode items = JsonNodeFactory.instance.arrayNode();
      for (Object item : (Iterable<?>) m.getField(field(m, "items"))) items.add((String) item);
      return items;
    }

    @Override
    void fromJson(JsonNode json, Message.Builder b, String path) {
      if (!json.isArray()) throw mismatch(path, "an array of strings");
      for (JsonNode item : json) {
        if (!item.isTextual()) throw mismatch(path, "an array of strings");
        b.addRepeatedField(field(b, "items"), item.asText());
      }
    }
  };

  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssX")
      .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSX")
      .withZone(ZoneOffset.UTC);
  /** Go's zero time.Time (0001-01-01T00:00:00Z), which marshals as an empty message and JSON null. */
  private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

  private static final Map<String, WellKnownType> BY_NAME = Arrays.stream(values())
      .flatMap(t -> Arrays.stream(t.messageNames).map(n -> Map.entry(n, t)))
      .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

  private final String[] messageNames;

  WellKnownType(String... messageNames) {
    this.messageNames = messageNames;
  }

  abstract JsonNode toJson(Message message);

  abstract void fromJson(JsonNode json, Message.Builder builder, String path);

  /** The special type of a message, or null for an ordinary one. */
  static WellKnownType of(Descriptor type) {
    return BY_NAME.get(type.getFullName());
  }

  /** Whether JSON null stands for a present, empty message (Go's zero value marshals so) rather than absence. */
  boolean nullIsEmptyMessage() {
    return this == TIME || this == MICRO_TIME || this == RAW_JSON;
  }

  private static FieldDescriptor field(Message m, String name) {
    return m.getDescriptorForType().findFieldByName(name);
  }

  private static FieldDescriptor field(Message.Builder b, String name) {
    return b.getDescriptorForType().findFieldByName(name);
  }

  /** Time and MicroTime {seconds, nanos}; null for Go's zero time. Time's proto decoding drops the nanos. */
  private static Instant instant(Message m, boolean withFraction) {
    FieldDescriptor seconds = field(m, "seconds");
    FieldDescriptor nanos = field(m, "nanos");
    if (!m.hasField(seconds) && !m.hasField(nanos)) return null;
    Instant at = Instant.ofEpochSecond((Long) m.getField(seconds), withFraction ? (Integer) m.getField(nanos) : 0);
    return at.equals(GO_ZERO_TIME) ? null : at.truncatedTo(ChronoUnit.MICROS);
  }

  private static void setInstant(JsonNode json, Message.Builder b, String path) {
    Instant at;
    try {
      at = json.isTextual() ? OffsetDateTime.parse(json.asText()).toInstant() : null;
    } catch (DateTimeParseException e) {
      at = null;
    }
    if (at == null) throw mismatch(path, "an RFC 3339 time");
    if (at.equals(GO_ZERO_TIME)) return;
    b.setField(field(b, "seconds"), at.getEpochSecond()).setField(field(b, "nanos"), at.getNano());
  }

  static ApiException mismatch(String path, String expected) {
    return ApiException.badRequest("cannot decode " + path + ": expected " + expected);
  }
}
