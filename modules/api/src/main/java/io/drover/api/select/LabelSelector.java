package io.drover.api.select;

import io.drover.api.validation.Formats;
import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A label selector with the apiserver's semantics (k8s.io/apimachinery/pkg/labels): an AND of requirements, parsed
 * from the {@code labelSelector} query string or converted from a {@code metav1.LabelSelector} object.
 *
 * <p>Immutable. {@link #toString()} is the canonical form the apiserver prints (requirements sorted by key, set
 * values sorted), which is also what a Scale's {@code status.selector} carries.
 */
public final class LabelSelector {

  /** The operators of k8s.io/apimachinery/pkg/selection, with their spelling in canonical strings. */
  public enum Operator {
    IN(" in "), NOT_IN(" notin "), EQUALS("="), DOUBLE_EQUALS("=="), NOT_EQUALS("!="), EXISTS(""),
    DOES_NOT_EXIST(""), GREATER_THAN(">"), LESS_THAN("<");

    private final String infix;

    Operator(String infix) {
      this.infix = infix;
    }
  }

  /** One requirement: {@code key op values}. Values are kept as given; {@link #toString()} sorts them. */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      values = List.copyOf(values);
    }

    public boolean matches(Map<String, String> labels) {
      boolean has = labels.containsKey(key);
      return switch (operator) {
        case IN, EQUALS, DOUBLE_EQUALS -> has && values.contains(labels.get(key));
        case NOT_IN, NOT_EQUALS -> !has || !values.contains(labels.get(key));
        case EXISTS -> has;
        case DOES_NOT_EXIST -> !has;
        case GREATER_THAN, LESS_THAN -> has && values.size() == 1 && compares(labels.get(key));
      };
    }

    private boolean compares(String labelValue) {
      try {
        long actual = Long.parseLong(labelValue);
        long bound = Long.parseLong(values.get(0));
        return operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
      } catch (NumberFormatException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      if (operator == Operator.EXISTS) return key;
      if (operator == Operator.DOES_NOT_EXIST) return "!" + key;
      String joined = values.size() == 1 ? values.get(0) : values.stream().sorted().collect(Collectors.joining(","));
      boolean set = operator == Operator.IN || operator == Operator.NOT_IN;
      return key + operator.infix + (set ? "(" + joined + ")" : joined);
    }
  }

  private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
  private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);

  private final List<Requirement> requirements;
  private final boolean nothing;

  private LabelSelector(List<Requirement> requirements, boolean nothing) {
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::key));
    this.requirements = List.copyOf(sorted);
    this.nothing = nothing;
  }

  /** Matches every set of labels (labels.Everything()). */
  public static LabelSelector everything() {
    return EVERYTHING;
  }

  /** Matches no set of labels (labels.Nothing()); its string form is empty. */
  public static LabelSelector nothing() {
    return NOTHING;
  }

  /**
   * Parses the {@code labelSelector} syntax: {@code a=b,c!=d,e in (x,y),f notin (z),g,!h,a==b,n>3}. Null or blank
   * selects everything.
   *
   * @throws ApiException 400 BadRequest with the apiserver's message for bad syntax, keys or values
   */
  public static LabelSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) return EVERYTHING;
    try {
      return new LabelSelector(new LabelParser(selector).parse(), false);
    } catch (LabelParser.SyntaxError e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /**
   * A {@code metav1.LabelSelector} ({@code matchLabels}, {@code matchExpressions}) as the apps controllers read
   * it (LabelSelectorAsSelector): null or absent matches nothing, an empty object matches everything.
   *
   * @throws ApiException 400 BadRequest for an unknown operator or invalid key, value or value count
   */
  public static LabelSelector fromJson(JsonNode labelSelector) {
    if (labelSelector == null || labelSelector.isNull() || labelSelector.isMissingNode()) return NOTHING;
    JsonNode matchLabels = labelSelector.path("matchLabels");
    JsonNode matchExpressions = labelSelector.path("matchExpressions");
    if (matchLabels.size() + matchExpressions.size() == 0) return EVERYTHING;
    List<Requirement> requirements = new ArrayList<>();
    try {
      for (Map.Entry<String, JsonNode> label : matchLabels.properties()) {
        requirements.add(LabelParser.requirement(label.getKey(), Operator.EQUALS, List.of(label.getValue().asText())));
      }
      for (JsonNode expression : matchExpressions) {
        Operator operator = switch (expression.path("operator").asText()) {
          case "In" -> Operator.IN;
          case "NotIn" -> Operator.NOT_IN;
          case "Exists" -> Operator.EXISTS;
          case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
          default -> throw new LabelParser.SyntaxError(
              Formats.quote(expression.path("operator").asText()) + " is not a valid label selector operator");
        };
        List<String> values = new ArrayList<>();
        expression.path("values").forEach(v -> values.add(v.asText()));
        requirements.add(LabelParser.requirement(expression.path("key").asText(), operator, values));
      }
    } catch (LabelParser.SyntaxError e) {
      throw ApiException.badRequest(e.getMessage());
    }
    return new LabelSelector(requirements, false);
  }

  /** Like {@link #fromJson} but an absent selector matches everything (for optional filters). */
  public static LabelSelector fromJsonNullAsEverything(JsonNode labelSelector) {
    if (labelSelector == null || labelSelector.isNull() || labelSelector.isMissingNode()) return EVERYTHING;
    return fromJson(labelSelector);
  }

  /**
   * Equality on every pair of a plain map, such as a Service's {@code spec.selector} (SelectorFromSet): an empty
   * or null map matches everything. Not validated.
   */
  public static LabelSelector fromSet(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) return EVERYTHING;
    List<Requirement> requirements = new ArrayList<>();
    labels.forEach((k, v) -> requirements.add(new Requirement(k, Operator.EQUALS, List.of(v))));
    return new LabelSelector(requirements, false);
  }

  /** The {@code metadata.labels} of an object as a map, empty when absent. */
  public static Map<String, String> labelsOf(JsonNode object) {
    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode node = object == null ? null : Json.at(object, "metadata.labels");
    if (node != null && node.isObject()) {
      node.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    }
    return labels;
  }

  public boolean matches(Map<String, String> labels) {
    if (nothing) return false;
    Map<String, String> actual = labels == null ? Map.of() : labels;
    for (Requirement requirement : requirements) {
      if (!requirement.matches(actual)) return false;
    }
    return true;
  }

  /** Whether the selector does not restrict anything. The "nothing" selector is not empty. */
  public boolean isEmpty() {
    return !nothing && requirements.isEmpty();
  }

  /** Whether this is the selector that matches nothing. */
  public boolean isNothing() {
    return nothing;
  }

  /** Requirements sorted by key. */
  public List<Requirement> requirements() {
    return requirements;
  }

  @Override
  public String toString() {
    return requirements.stream().map(Requirement::toString).collect(Collectors.joining(","));
  }
}
