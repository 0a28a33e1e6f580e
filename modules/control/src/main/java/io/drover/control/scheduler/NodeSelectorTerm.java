package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.select.LabelSelector.Operator;
import io.drover.api.select.LabelSelector.Requirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code nodeSelectorTerms[]} entry (or a preferred term's {@code preference}): its matchExpressions against
 * the node's labels AND its matchFields against {@code metadata.name}. A term with no requirements, or one that
 * does not parse, matches no node (component-helpers nodeaffinity ignores terms it cannot parse).
 */
record NodeSelectorTerm(List<Requirement> expressions, List<Requirement> fields, boolean matchable) {
  static final String NAME_FIELD = "metadata.name";

  static NodeSelectorTerm of(JsonNode term) {
    List<Requirement> expressions = new ArrayList<>();
    List<Requirement> fields = new ArrayList<>();
    boolean valid = true;
    for (JsonNode e : term.path("matchExpressions")) {
      Requirement r = requirement(e);
      if (r == null || !validExpression(r)) valid = false;
      else expressions.add(r);
    }
    for (JsonNode f : term.path("matchFields")) {
      Requirement r = requirement(f);
      boolean ok = r != null && r.key().equals(NAME_FIELD) && r.values().size() == 1
          && (r.operator() == Operator.IN || r.operator() == Operator.NOT_IN);
      if (!ok) valid = false;
      else fields.add(r);
    }
    boolean empty = expressions.isEmpty() && fields.isEmpty();
    return new NodeSelectorTerm(List.copyOf(expressions), List.copyOf(fields), valid && !empty);
  }

  static List<NodeSelectorTerm> listOf(JsonNode terms) {
    List<NodeSelectorTerm> result = new ArrayList<>();
    if (terms != null) terms.forEach(t -> result.add(of(t)));
    return List.copyOf(result);
  }

  boolean matches(NodeInfo node) {
    if (!matchable) return false;
    for (Requirement r : expressions) {
      if (!r.matches(node.labels())) return false;
    }
    Map<String, String> nodeFields = Map.of(NAME_FIELD, node.name());
    for (Requirement r : fields) {
      if (!r.matches(nodeFields)) return false;
    }
    return true;
  }

  private static Requirement requirement(JsonNode requirement) {
    Operator operator = switch (requirement.path("operator").asText()) {
      case "In" -> Operator.IN;
      case "NotIn" -> Operator.NOT_IN;
      case "Exists" -> Operator.EXISTS;
      case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
      case "Gt" -> Operator.GREATER_THAN;
      case "Lt" -> Operator.LESS_THAN;
      default -> null;
    };
    if (operator == null) return null;
    List<String> values = new ArrayList<>();
    requirement.path("values").forEach(v -> values.add(v.asText()));
    return new Requirement(requirement.path("key").asText(""), operator, values);
  }

  /** labels.NewRequirement's value-count rules, and Gt/Lt need one integer. */
  private static boolean validExpression(Requirement r) {
    return switch (r.operator()) {
      case IN, NOT_IN -> !r.values().isEmpty();
      case EXISTS, DOES_NOT_EXIST -> r.values().isEmpty();
      case GREATER_THAN, LESS_THAN -> r.values().size() == 1 && isInteger(r.values().get(0));
      default -> false;
    };
  }

  private static boolean isInteger(String value) {
    try {
      Long.parseLong(value);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
