package io.drover.api.patch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.fge.jsonpatch.JsonPatch;
import com.github.fge.jsonpatch.JsonPatchException;
import com.github.fge.jsonpatch.mergepatch.JsonMergePatch;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Applies the PATCH bodies kubectl and client libraries send, answering errors with the codes the apiserver uses
 * (k8s.io/apiserver/pkg/endpoints/handlers/patch.go).
 *
 * <p>JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) come from the java-json-tools json-patch library;
 * strategic merge patch is {@link StrategicMergePatch}, driven by the fabric8 model class of the kind.
 *
 * <p>Server-side apply ({@link PatchType#APPLY_PATCH}) is simplified: the applied configuration (YAML or JSON) is
 * merged onto the current object with strategic-merge semantics. There is no managedFields tracking, so there are
 * no field managers, no conflicts ({@code force} changes nothing) and fields a manager stops applying are not
 * removed; a {@code null} in the applied configuration deletes the field, as in a strategic merge patch.
 */
public final class Patches {
  private Patches() {}

  /** The apiserver's limit on operations in one JSON patch. */
  private static final int MAX_JSON_PATCH_OPERATIONS = 10_000;

  private static final ObjectReader JSON = Json.MAPPER.reader()
      .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final ObjectReader YAML = Json.YAML.reader();

  /**
   * Returns the patched object; {@code current} is never modified.
   *
   * @throws ApiException 400 BadRequest for a malformed patch body; 422 Invalid when a JSON patch operation cannot
   *     apply (path missing, test failed, unknown operation) or a strategic merge patch nests lists; 413 for more than 10000
   *     JSON patch operations
   */
  public static ObjectNode apply(PatchType patchType, ResourceType type, ObjectNode current, byte[] patchBody) {
    return switch (patchType) {
      case JSON_PATCH -> jsonPatch(current, patchBody);
      case MERGE_PATCH -> mergePatch(current, patchBody);
      case STRATEGIC_MERGE_PATCH ->
          StrategicMergePatch.apply(current, object(read(JSON, patchBody)), PatchSchema.of(type.modelClass()));
      case APPLY_PATCH ->
          StrategicMergePatch.apply(current, object(read(isJson(patchBody) ? JSON : YAML, patchBody)),
              PatchSchema.of(type.modelClass()));
    };
  }

  private static ObjectNode jsonPatch(ObjectNode current, byte[] body) {
    JsonNode operations = read(JSON, body);
    if (!operations.isArray()) {
      throw ApiException.badRequest("json: cannot unmarshal " + operations.getNodeType().toString()
          .toLowerCase(Locale.ROOT) + " into Go value of type jsonpatch.Patch");
    }
    for (JsonNode operation : operations) {
      if (!operation.isObject()) {
        throw ApiException.badRequest("json: cannot unmarshal " + operation.getNodeType().toString()
            .toLowerCase(Locale.ROOT) + " into Go value of type jsonpatch.Operation");
      }
    }
    if (operations.size() > MAX_JSON_PATCH_OPERATIONS) {
      throw new ApiException(413, "RequestEntityTooLarge", "Request entity too large: The allowed maximum "
          + "operations in a JSON patch is " + MAX_JSON_PATCH_OPERATIONS + ", got " + operations.size());
    }
    // The apiserver's library finds unknown operations and missing fields only while applying: 422, not 400.
    JsonNode patched;
    try {
      for (JsonNode operation : operations) {
        if (!operation.path("path").isTextual()) throw cannotApply();
        // The library dereferences "from" of move and copy without checking it (a NullPointerException: 500).
        String op = operation.path("op").asText("");
        if ((op.equals("move") || op.equals("copy")) && !operation.path("from").isTextual()) throw cannotApply();
      }
      patched = JsonPatch.fromJson(operations).apply(current.deepCopy());
    } catch (IOException | JsonPatchException e) {
      throw cannotApply();
    }
    if (!patched.isObject()) throw cannotApply();
    return (ObjectNode) patched;
  }

  /**
   * The apiserver answers an operation that cannot apply with a generic 422 whose message hides the library's
   * reason (NewGenericServerResponse without a cause).
   */
  private static ApiException cannotApply() {
    return new ApiException(422, "Invalid", "the server rejected our request due to an error in our request",
        null, null, null, List.of(), null);
  }

  private static ObjectNode mergePatch(ObjectNode current, byte[] body) {
    ObjectNode patch = object(read(JSON, body));
    try {
      return (ObjectNode) JsonMergePatch.fromJson(patch).apply(current.deepCopy());
    } catch (JsonPatchException e) {
      throw ApiException.badRequest("Invalid JSON Patch: " + e.getMessage());
    }
  }

  private static JsonNode read(ObjectReader reader, byte[] body) {
    if (body == null || body.length == 0) throw ApiException.badRequest("the patch body is empty");
    try {
      JsonNode node = reader.readTree(body);
      if (node == null || node.isMissingNode()) throw ApiException.badRequest("the patch body is empty");
      return node;
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("error decoding patch: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("error decoding patch: " + e.getMessage());
    }
  }

  private static ObjectNode object(JsonNode patch) {
    if (patch instanceof ObjectNode object) return object;
    throw ApiException.badRequest("json: cannot unmarshal " + patch.getNodeType().toString().toLowerCase(Locale.ROOT)
        + " into Go value of type map[string]interface {}");
  }

  /** kubectl sends server-side apply bodies as JSON under the YAML media type; anything else is read as YAML. */
  private static boolean isJson(byte[] body) {
    for (byte b : body) {
      if (!Character.isWhitespace(b)) return b == '{';
    }
    return false;
  }
}
