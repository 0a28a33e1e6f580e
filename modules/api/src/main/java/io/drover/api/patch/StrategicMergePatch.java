package io.drover.api.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.patch.PatchSchema.Field;
import io.drover.api.patch.PatchStrategies.PatchMeta;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a strategic merge patch the way the apiserver does: a port of the apply half of
 * k8s.io/apimachinery/pkg/util/strategicpatch ({@code StrategicMergeMapPatch}, which merges parallel lists and
 * ignores unmatched nulls), followed by what decoding into the typed object does to what the merge copies from the
 * patch unexamined: nulls and leftover {@code $} directives vanish.
 *
 * <p>Directives: {@code null} deletes a field; {@code $patch: replace|delete} on a map and on a list item
 * ({@code $patch: merge} is refused, as upstream does); {@code $setElementOrder/<list>};
 * {@code $retainKeys}; {@code $deleteFromPrimitiveList/<list>}. Lists whose field has strategy "merge" are merged by
 * their merge key (lists of scalars as sets); other lists are replaced.
 *
 * <p>Errors: the apiserver answers 400 for malformed directive lists and 422 for lists of lists; for the remaining
 * faults in a patch (a list item without its merge key, an unknown {@code $patch} value) it passes on a plain error
 * that becomes a 500. Those are faults of the request, so this answers them 400 BadRequest.
 */
final class StrategicMergePatch {
  private StrategicMergePatch() {}

  private static final String DIRECTIVE = "$patch";
  private static final String DELETE = "delete";
  private static final String REPLACE = "replace";
  private static final String MERGE = "merge";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder";

  /** Returns the merged object; neither argument is modified. */
  static ObjectNode apply(ObjectNode current, ObjectNode patch, PatchSchema schema) {
    return mergeMap(current.deepCopy(), patch.deepCopy(), schema);
  }

  // The methods below work on private copies and modify them, as the Go code does with its maps.

  private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchSchema schema) {
    JsonNode directive = patch.get(DIRECTIVE);
    if (directive != null) return mapDirective(directive, patch);
    applyRetainKeys(original, patch);
    mergeOrderedLists(original, patch, schema);
    for (String key : fieldNames(patch)) {
      JsonNode patchValue = patch.get(key);
      boolean deleteList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
      if (deleteList) {
        key = suffixAfter(key, DELETE_FROM_PRIMITIVE_LIST, "invalid patch format of primitive list");
      } else if (key.startsWith("$")) {
        continue; // an unknown directive: decoding into the typed object would drop it
      }
      if (patchValue.isNull()) {
        original.remove(key);
        continue;
      }
      JsonNode originalValue = original.get(key);
      if (originalValue == null || kind(originalValue) != kind(patchValue)) {
        if (!deleteList) putCleaned(original, key, patchValue);
        continue;
      }
      Field field = schema.field(key);
      if (originalValue.isObject() && field.meta().replaces()) {
        putCleaned(original, key, patchValue);
      } else if (originalValue.isObject()) {
        original.set(key, mergeMap((ObjectNode) originalValue, (ObjectNode) patchValue, field.schema()));
      } else if (originalValue.isArray()) {
        original.set(key, mergeListField(originalValue, patchValue, field, deleteList));
      } else {
        original.set(key, patchValue);
      }
    }
    return original;
  }

  private static ObjectNode mapDirective(JsonNode directive, ObjectNode patch) {
    if (directive.isTextual() && directive.asText().equals(REPLACE)) {
      patch.remove(DIRECTIVE);
      return (ObjectNode) clean(patch);
    }
    if (directive.isTextual() && directive.asText().equals(DELETE)) return Json.MAPPER.createObjectNode();
    throw badPatchType(directive, patch);
  }

  /** Drops the fields of original missing from {@code $retainKeys}; every field the patch sets must be listed. */
  private static void applyRetainKeys(ObjectNode original, ObjectNode patch) {
    JsonNode retainKeys = patch.remove(RETAIN_KEYS);
    if (retainKeys == null) return;
    if (!retainKeys.isArray()) throw ApiException.badRequest("invalid patch format of retainKeys");
    Set<String> retained = new HashSet<>();
    retainKeys.forEach(k -> retained.add(k.asText()));
    for (Map.Entry<String, JsonNode> entry : patch.properties()) {
      String key = entry.getKey();
      if (entry.getValue().isNull() || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
          || key.startsWith(SET_ELEMENT_ORDER)) {
        continue;
      }
      if (!retained.contains(key)) throw ApiException.badRequest("invalid patch format of retainKeys");
    }
    original.properties().removeIf(entry -> !retained.contains(entry.getKey()));
  }

  /**
   * Merges each list named by a {@code $setElementOrder/<list>} directive and puts the result in that order: the
   * directive's order first, then the patch's, then the live object's. Removes both from the patch.
   */
  private static void mergeOrderedLists(ObjectNode original, ObjectNode patch, PatchSchema schema) {
    for (String directiveKey : fieldNames(patch)) {
      if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
      JsonNode order = patch.remove(directiveKey);
      String key = suffixAfter(directiveKey, SET_ELEMENT_ORDER, "invalid patch format of setElementOrder list");
      if (!order.isArray()) throw ApiException.badRequest("invalid patch format of setElementOrder list");
      JsonNode originalList = original.get(key);
      JsonNode patchList = patch.get(key);
      if (originalList != null && !originalList.isArray() || patchList != null && !patchList.isArray()) {
        throw ApiException.badRequest("expected a list at " + key + " to go with " + directiveKey);
      }
      Field field = schema.field(key);
      String mergeKey = field.meta().mergeKey();
      List<JsonNode> orderItems = items(order);
      List<JsonNode> originalItems = originalList == null ? List.of() : items(originalList);
      List<JsonNode> patchItems = patchList == null ? List.of() : items(patchList);
      validateAgainstOrder(patchItems, orderItems, mergeKey);

      List<JsonNode> merged;
      if (originalList != null && patchList != null) {
        merged = items(mergeListField(originalList, patchList, field, false));
      } else if (patchList != null) {
        merged = items(clean(patchList));
      } else if (originalList != null) {
        merged = originalItems;
      } else {
        continue;
      }
      if (elementKind(originalItems, patchItems) == null) continue; // nothing to order
      original.set(key, array(ordered(merged, orderItems, originalItems, mergeKey)));
      patch.remove(key);
    }
  }

  /** The items of the patch list (directives aside) must appear in the directive list, in the same order. */
  private static void validateAgainstOrder(List<JsonNode> patchItems, List<JsonNode> order, String mergeKey) {
    if (order.isEmpty() || patchItems.isEmpty()) return;
    List<JsonNode> kept = patchItems.stream().filter(item -> !(item.isObject() && item.has(DIRECTIVE))).toList();
    requireMergeKey(concat(kept, order), mergeKey);
    int p = 0;
    for (int o = 0; p < kept.size() && o < order.size(); o++) {
      if (sameValue(keyOf(kept.get(p), mergeKey), keyOf(order.get(o), mergeKey))) p++;
    }
    if (p < kept.size()) {
      throw ApiException.badRequest("the order in patch list:\n" + Json.write(array(patchItems))
          + "\n doesn't match " + SET_ELEMENT_ORDER + " list:\n" + Json.write(array(order)));
    }
  }

  private static JsonNode mergeListField(JsonNode original, JsonNode patch, Field field, boolean deleteList) {
    PatchMeta meta = field.meta();
    if (meta.merges() || deleteList) {
      return array(mergeList(items(original), items(patch), field.schema(), meta.mergeKey(), deleteList));
    }
    return clean(patch);
  }

  private static List<JsonNode> mergeList(List<JsonNode> original, List<JsonNode> patch, PatchSchema itemSchema,
      String mergeKey, boolean deleteList) {
    JsonNodeType kind = elementKind(original, patch);
    if (kind == null) return original;
    if (kind != JsonNodeType.OBJECT) {
      if (deleteList) {
        return original.stream().filter(item -> indexOf(patch, item, null) < 0).toList();
      }
      return ordered(distinct(concat(original, patch)), patch, original, mergeKey);
    }
    if (mergeKey == null) throw ApiException.badRequest("cannot merge lists without merge key");
    Lists lists = applyItemDirectives(original, patch, mergeKey);
    List<JsonNode> merged = new ArrayList<>(lists.original());
    for (JsonNode item : lists.patch()) {
      if (!item.has(mergeKey)) throw noMergeKey(item, mergeKey);
      int at = indexOf(merged, item, mergeKey);
      if (at >= 0) {
        merged.set(at, mergeMap((ObjectNode) merged.get(at), (ObjectNode) item, itemSchema));
      } else {
        merged.add(clean(item));
      }
    }
    return ordered(merged, lists.patch(), lists.original(), mergeKey);
  }

  private record Lists(List<JsonNode> original, List<JsonNode> patch) {}

  /**
   * Applies the {@code $patch} items of a list patch: {@code delete} removes the original items with that key,
   * {@code replace} makes the list the patch's other items. Returns the lists left to merge.
   */
  private static Lists applyItemDirectives(List<JsonNode> original, List<JsonNode> patch, String mergeKey) {
    List<JsonNode> remaining = new ArrayList<>(original);
    List<JsonNode> plain = new ArrayList<>();
    boolean replace = false;
    for (JsonNode item : patch) {
      JsonNode directive = item.get(DIRECTIVE);
      if (directive == null) {
        plain.add(item);
      } else if (isDirective(item, DELETE)) {
        JsonNode key = item.get(mergeKey);
        if (key == null) throw noMergeKey(item, mergeKey);
        remaining.removeIf(o -> sameValue(o.get(mergeKey), key));
      } else if (isDirective(item, REPLACE)) {
        replace = true;
      } else if (isDirective(item, MERGE)) {
        throw ApiException.badRequest("merging lists cannot yet be specified in the patch");
      } else {
        throw badPatchType(directive, item);
      }
    }
    return replace ? new Lists(items(clean(array(plain))), List.of()) : new Lists(remaining, plain);
  }

  /** Puts merged items in order: patch items in the patch's order, interleaved with the server-only items. */
  private static List<JsonNode> ordered(List<JsonNode> merged, List<JsonNode> patchOrder, List<JsonNode> serverOrder,
      String mergeKey) {
    Partition parts = partition(merged, patchOrder, mergeKey);
    return normalizeElementOrder(parts.inPatch(), parts.serverOnly(), patchOrder, serverOrder, mergeKey);
  }

  private record Partition(List<JsonNode> inPatch, List<JsonNode> serverOnly) {}

  /** Splits items into those present in {@code by} (by merge key, or by value for scalars) and the rest. */
  private static Partition partition(List<JsonNode> items, List<JsonNode> by, String mergeKey) {
    List<JsonNode> inPatch = new ArrayList<>();
    List<JsonNode> serverOnly = new ArrayList<>();
    for (JsonNode item : items) {
      if (mergeKey != null && !item.has(mergeKey)) throw noMergeKey(item, mergeKey);
      (indexOf(by, item, mergeKey) >= 0 ? inPatch : serverOnly).add(item);
    }
    return new Partition(inPatch, serverOnly);
  }

  /**
   * Sorts the patch items by {@code patchOrder} and the server-only items by {@code serverOrder}, then interleaves
   * them keeping both relative orders (upstream's normalizeElementOrder and mergeSortedSlice).
   */
  private static List<JsonNode> normalizeElementOrder(List<JsonNode> patchItems, List<JsonNode> serverOnly,
      List<JsonNode> patchOrder, List<JsonNode> serverOrder, String mergeKey) {
    List<JsonNode> right = sortBy(patchItems, patchOrder, mergeKey);
    List<JsonNode> left = sortBy(serverOnly, serverOrder, mergeKey);
    List<JsonNode> all = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < left.size() && j < right.size()) {
      int li = indexOf(serverOrder, left.get(i), mergeKey);
      int ri = indexOf(serverOrder, right.get(j), mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) {
        all.add(left.get(i++));
      } else {
        all.add(right.get(j++));
      }
    }
    all.addAll(left.subList(i, left.size()));
    all.addAll(right.subList(j, right.size()));
    return all;
  }

  private static List<JsonNode> sortBy(List<JsonNode> items, List<JsonNode> order, String mergeKey) {
    requireMergeKey(concat(items, order), mergeKey);
    return items.stream()
        .sorted(Comparator.comparingInt(item -> {
          int at = indexOf(order, item, mergeKey);
          return at < 0 ? Integer.MAX_VALUE : at;
        }))
        .toList();
  }

  private static void requireMergeKey(List<JsonNode> items, String mergeKey) {
    if (mergeKey == null) return;
    for (JsonNode item : items) {
      if (!item.isObject()) throw ApiException.badRequest("expected a map, but received " + Json.write(item));
      if (!item.has(mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }

  /**
   * A value copied from the patch as is, as the typed object would see it: without nulls, without maps that carry
   * a {@code $patch} directive and without other {@code $} keys. Null means the value itself is dropped.
   */
  private static JsonNode clean(JsonNode value) {
    if (value.isObject()) {
      if (value.has(DIRECTIVE)) return null;
      ObjectNode cleaned = Json.MAPPER.createObjectNode();
      for (Map.Entry<String, JsonNode> entry : value.properties()) {
        if (entry.getKey().startsWith("$") || entry.getValue().isNull()) continue;
        JsonNode child = clean(entry.getValue());
        if (child != null) cleaned.set(entry.getKey(), child);
      }
      return cleaned;
    }
    if (value.isArray()) {
      ArrayNode cleaned = Json.MAPPER.createArrayNode();
      for (JsonNode item : value) {
        JsonNode child = clean(item);
        if (child != null) cleaned.add(child);
      }
      return cleaned;
    }
    return value;
  }

  private static void putCleaned(ObjectNode target, String key, JsonNode value) {
    JsonNode cleaned = clean(value);
    if (cleaned == null) {
      target.remove(key);
    } else {
      target.set(key, cleaned);
    }
  }

  /** The kind shared by all items (OBJECT, STRING, NUMBER, ...), null when there are none. */
  private static JsonNodeType elementKind(List<JsonNode> first, List<JsonNode> second) {
    JsonNodeType kind = null;
    for (JsonNode item : concat(first, second)) {
      JsonNodeType itemKind = kind(item);
      if (itemKind == JsonNodeType.ARRAY) {
        throw new ApiException(422, "Invalid", "lists of lists are not supported");
      }
      if (kind != null && kind != itemKind) {
        throw ApiException.badRequest("list element types are not identical: " + Json.write(array(first)) + ", "
            + Json.write(array(second)));
      }
      kind = itemKind;
    }
    return kind;
  }

  /** The JSON kind, with every number alike (Go decodes all of them as float64). */
  private static JsonNodeType kind(JsonNode node) {
    return node.getNodeType() == JsonNodeType.POJO ? JsonNodeType.OBJECT : node.getNodeType();
  }

  private static int indexOf(List<JsonNode> items, JsonNode item, String mergeKey) {
    JsonNode wanted = keyOf(item, mergeKey);
    for (int i = 0; i < items.size(); i++) {
      if (sameValue(keyOf(items.get(i), mergeKey), wanted)) return i;
    }
    return -1;
  }

  private static JsonNode keyOf(JsonNode item, String mergeKey) {
    return mergeKey == null ? item : item.get(mergeKey);
  }

  /** Equality as Go compares decoded JSON scalars: numbers by value, whatever their Jackson node class. */
  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a == null || b == null) return a == b;
    if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
    return a.equals(b);
  }

  private static boolean isDirective(JsonNode item, String directive) {
    JsonNode value = item.get(DIRECTIVE);
    return value != null && value.isTextual() && value.asText().equals(directive);
  }

  private static List<JsonNode> distinct(List<JsonNode> items) {
    List<JsonNode> unique = new ArrayList<>();
    for (JsonNode item : items) {
      if (indexOf(unique, item, null) < 0) unique.add(item);
    }
    return unique;
  }

  private static String suffixAfter(String key, String prefix, String error) {
    int slash = key.indexOf('/');
    if (slash < 0 || !key.substring(0, slash).equals(prefix)) throw ApiException.badRequest(error);
    return key.substring(slash + 1);
  }

  private static List<String> fieldNames(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<JsonNode> items(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
      items.add(it.next());
    }
    return items;
  }

  private static ArrayNode array(List<JsonNode> items) {
    return Json.MAPPER.createArrayNode().addAll(items);
  }

  private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
    List<JsonNode> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static ApiException noMergeKey(JsonNode item, String mergeKey) {
    return ApiException.badRequest("map: " + Json.write(item) + " does not contain declared merge key: " + mergeKey);
  }

  private static ApiException badPatchType(JsonNode directive, JsonNode map) {
    return ApiException.badRequest("unknown patch type: " + directive.asText() + " in map: " + Json.write(map));
  }
}
