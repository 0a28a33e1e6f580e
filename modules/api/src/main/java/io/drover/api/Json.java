package io.drover.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.Iterator;

/** The one JSON and YAML codec for Kubernetes objects, and small helpers over Jackson trees. */
public final class Json {
  private Json() {}

  public static final ObjectMapper MAPPER = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Text at a dotted path ("metadata.name"), or null when absent or not a value. */
  public static String text(JsonNode node, String dottedPath) {
    JsonNode at = at(node, dottedPath);
    return at == null || at.isNull() || at.isMissingNode() || at.isContainerNode() ? null : at.asText();
  }

  /** The text at a dotted path, or {@code absent} when there is none. */
  public static String text(JsonNode node, String dottedPath, String absent) {
    String value = text(node, dottedPath);
    return value == null ? absent : value;
  }

  /** The node at a dotted path, or null. */
  public static JsonNode at(JsonNode node, String dottedPath) {
    JsonNode current = node;
    for (String part : dottedPath.split("\\.")) {
      if (current == null || !current.isObject()) return null;
      current = current.get(part);
    }
    return current;
  }

  /** The object field {@code name} of {@code parent}, created when absent or not an object. */
  public static ObjectNode object(ObjectNode parent, String name) {
    JsonNode child = parent.get(name);
    if (child instanceof ObjectNode o) return o;
    return parent.putObject(name);
  }

  /** Whether an object has no fields, treating null as empty. */
  public static boolean isEmpty(JsonNode node) {
    if (node == null || node.isNull()) return true;
    Iterator<?> it = node.elements();
    return (node.isObject() || node.isArray()) && !it.hasNext();
  }
}
