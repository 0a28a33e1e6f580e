package io.drover.api.table;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import java.time.Instant;
import java.util.List;

/**
 * Server-side table output ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}), the form
 * {@code kubectl get} prints: column definitions plus one row of cells per object, with the same columns and cell
 * values as the apiserver's printers.
 */
public final class Tables {
  private Tables() {}

  /**
   * The {@code meta.k8s.io/v1 Table} for objects of one type.
   *
   * @param listResourceVersion the list's (or single object's) resourceVersion; omitted when null or empty
   * @param continueToken set as {@code metadata.continue} when not null or empty
   * @param includeObject what each row carries in {@code object}: "None" (null), "Metadata" or null/empty (a
   *     {@code PartialObjectMetadata} with the full metadata), "Object" (the whole object)
   * @param now the instant ages are measured against
   * @throws ApiException 400 BadRequest for any other includeObject value
   */
  public static ObjectNode table(ResourceType type, List<ObjectNode> objects, String listResourceVersion,
      String continueToken, String includeObject, Instant now) {
    String include = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
    if (!include.equals("None") && !include.equals("Metadata") && !include.equals("Object")) {
      throw ApiException.badRequest("unrecognized includeObject value: \"" + includeObject + "\"");
    }
    List<Column> columns = Printers.BY_KIND.getOrDefault(type.kind(), Printers.DEFAULT);

    ObjectNode table = Json.MAPPER.createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (listResourceVersion != null && !listResourceVersion.isEmpty()) {
      metadata.put("resourceVersion", listResourceVersion);
    }
    if (continueToken != null && !continueToken.isEmpty()) metadata.put("continue", continueToken);

    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      definitions.addObject().put("name", column.name()).put("type", column.type()).put("format", column.format())
          .put("description", column.description()).put("priority", column.priority());
    }

    ArrayNode rows = table.putArray("rows");
    for (ObjectNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column column : columns) {
        Object value = column.cell().value(object, now);
        if (value instanceof Long number) {
          cells.add(number);
        } else {
          cells.add(String.valueOf(value));
        }
      }
      if (type.kind().equals("Pod")) addPodConditions(row, object);
      switch (include) {
        case "None" -> row.putNull("object");
        case "Object" -> row.set("object", fullObject(type, object));
        default -> row.set("object", partialObjectMetadata(object));
      }
    }
    return table;
  }

  // Finished pods carry a Completed row condition, as the pod printer sets it.
  private static void addPodConditions(ObjectNode row, ObjectNode pod) {
    String phase = Cells.text(pod, "status.phase");
    String message = switch (phase) {
      case "Succeeded" -> "The pod has completed successfully.";
      case "Failed" -> "The pod failed.";
      default -> null;
    };
    if (message != null) {
      row.putArray("conditions").addObject().put("type", "Completed").put("status", "True").put("reason", phase)
          .put("message", message);
    }
  }

  private static ObjectNode partialObjectMetadata(ObjectNode object) {
    ObjectNode partial = Json.MAPPER.createObjectNode();
    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata",
        object.get("metadata") instanceof ObjectNode m ? m.deepCopy() : Json.MAPPER.createObjectNode());
    return partial;
  }

  private static ObjectNode fullObject(ResourceType type, ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    if (!copy.hasNonNull("kind")) copy.put("kind", type.kind());
    if (!copy.hasNonNull("apiVersion")) copy.put("apiVersion", type.apiVersion());
    return copy;
  }
}
