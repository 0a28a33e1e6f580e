package io.drover.api.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One column of a kind's table: its definition as the apiserver publishes it in {@code columnDefinitions} and the
 * function that computes its cell. Priority 0 columns always show; priority 1 only with {@code -o wide}.
 *
 * @param type the OpenAPI type named in the definition ("string", "integer", "date")
 * @param format "name" for the column kubectl treats as the object's name, else ""
 */
record Column(String name, String type, String format, int priority, String description, Cell cell) {

  /** Computes a cell (a String, or a Long for counts) from the object, at {@code now} for ages. */
  @FunctionalInterface
  interface Cell {
    Object value(JsonNode object, Instant now);
  }

  static Column column(String name, String description, Cell cell) {
    return new Column(name, "string", "", 0, description, cell);
  }

  static Column integer(String name, String description, Cell cell) {
    return new Column(name, "integer", "", 0, description, cell);
  }

  static Column wide(String name, String description, Cell cell) {
    return new Column(name, "string", "", 1, description, cell);
  }

  /** The NAME column every kind starts with. */
  static Column nameColumn() {
    return new Column("Name", "string", "name", 0, Cells.NAME_DOC, (o, now) -> Cells.text(o, "metadata.name"));
  }

  /** The CREATED AT column of the apiserver's default table convertor: the creation time as stored (RFC 3339). */
  static Column createdAtColumn() {
    return new Column("Created At", "date", "", 0, Cells.AGE_DOC,
        (o, now) -> Cells.text(o, "metadata.creationTimestamp"));
  }

  /** The AGE column: time since creation. */
  static Column ageColumn() {
    return column("Age", Cells.AGE_DOC,
        (o, now) -> HumanDuration.since(Cells.time(o, "metadata.creationTimestamp"), now));
  }
}
