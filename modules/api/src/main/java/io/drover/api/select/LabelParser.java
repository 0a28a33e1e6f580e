package io.drover.api.select;

import io.drover.api.validation.Formats;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.drover.api.Json;
import io.drover.api.select.LabelSelector.Operator;
import io.drover.api.select.LabelSelector.Requirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The label selector lexer and recursive-descent parser of k8s.io/apimachinery/pkg/labels/selector.go, ported
 * token for token so that what parses and the error messages match the apiserver.
 */
final class LabelParser {

  /** A refused selector; the message is the apiserver's. */
  static final class SyntaxError extends RuntimeException {
    SyntaxError(String message) {
      super(message, null, false, false);
    }
  }

  private enum Token {
    ERROR, END, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN, IDENTIFIER, IN, LESS_THAN,
    NOT_EQUALS, NOT_IN, OPEN_PAR
  }

  private record Item(Token token, String literal) {}

  private static final Map<String, Token> KEYWORDS = Map.ofEntries(
      Map.entry(")", Token.CLOSED_PAR), Map.entry(",", Token.COMMA), Map.entry("!", Token.DOES_NOT_EXIST),
      Map.entry("==", Token.DOUBLE_EQUALS), Map.entry("=", Token.EQUALS), Map.entry(">", Token.GREATER_THAN),
      Map.entry("in", Token.IN), Map.entry("<", Token.LESS_THAN), Map.entry("!=", Token.NOT_EQUALS),
      Map.entry("notin", Token.NOT_IN), Map.entry("(", Token.OPEN_PAR));

  // The order selection.go lists binary operators in, as printed in "expected:" messages.
  private static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

  private final String input;
  private int position;
  private final List<Item> items = new ArrayList<>();
  private int cursor;

  LabelParser(String input) {
    this.input = input;
  }

  // ---- lexer ----

  private char read() {
    char c = 0;
    if (position < input.length()) {
      c = input.charAt(position);
      position++;
    }
    return c;
  }

  private void unread() {
    position--;
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isSpecial(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
  }

  private Item lex() {
    char c = read();
    while (isWhitespace(c)) c = read();
    if (c == 0) return new Item(Token.END, "");
    unread();
    return isSpecial(c) ? scanSpecial() : scanIdentifierOrKeyword();
  }

  private Item scanIdentifierOrKeyword() {
    StringBuilder buffer = new StringBuilder();
    while (true) {
      char c = read();
      if (c == 0) break;
      if (isSpecial(c) || isWhitespace(c)) {
        unread();
        break;
      }
      buffer.append(c);
    }
    String text = buffer.toString();
    return new Item(KEYWORDS.getOrDefault(text, Token.IDENTIFIER), text);
  }

  // Longest run of special characters that is still an operator: "!=" rather than "!" then "=".
  private Item scanSpecial() {
    Item last = null;
    StringBuilder buffer = new StringBuilder();
    while (true) {
      char c = read();
      if (c == 0) break;
      if (!isSpecial(c)) {
        unread();
        break;
      }
      buffer.append(c);
      Token token = KEYWORDS.get(buffer.toString());
      if (token != null) {
        last = new Item(token, buffer.toString());
      } else if (last != null) {
        unread();
        break;
      }
    }
    if (last == null) return new Item(Token.ERROR, "error expected: keyword found '" + buffer + "'");
    return last;
  }

  // ---- parser ----

  /** In a value position "in" and "notin" are plain identifiers. */
  private Token asValue(Token token) {
    return token == Token.IN || token == Token.NOT_IN ? Token.IDENTIFIER : token;
  }

  private Item lookahead() {
    Item item = items.get(cursor);
    return new Item(asValue(item.token()), item.literal());
  }

  private Item consume(boolean valueContext) {
    Item item = items.get(cursor++);
    return valueContext ? new Item(asValue(item.token()), item.literal()) : item;
  }

  List<Requirement> parse() {
    Item item;
    do {
      item = lex();
      items.add(item);
    } while (item.token() != Token.END);

    List<Requirement> requirements = new ArrayList<>();
    while (true) {
      Item next = lookahead();
      switch (next.token()) {
        case IDENTIFIER, DOES_NOT_EXIST -> {
          try {
            requirements.add(parseRequirement());
          } catch (SyntaxError e) {
            throw new SyntaxError("unable to parse requirement: " + e.getMessage());
          }
          Item after = consume(true);
          switch (after.token()) {
            case END -> {
              return requirements;
            }
            case COMMA -> {
              Item following = lookahead();
              if (following.token() != Token.IDENTIFIER && following.token() != Token.DOES_NOT_EXIST) {
                throw new SyntaxError("found '" + following.literal() + "', expected: identifier after ','");
              }
            }
            default -> throw new SyntaxError(
                "found '" + after.literal() + "', expected: ',' or 'end of string'");
          }
        }
        case END -> {
          return requirements;
        }
        default -> throw new SyntaxError(
            "found '" + next.literal() + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

  private Requirement parseRequirement() {
    Item key = consume(true);
    Operator operator = null;
    if (key.token() == Token.DOES_NOT_EXIST) {
      operator = Operator.DOES_NOT_EXIST;
      key = consume(true);
    }
    if (key.token() != Token.IDENTIFIER) {
      throw new SyntaxError("found '" + key.literal() + "', expected: identifier");
    }
    List<String> keyErrors = Formats.qualifiedName(key.literal());
    if (!keyErrors.isEmpty()) {
      // The parser validates with a nil field path, which Go prints as "<nil>".
      throw new SyntaxError(invalid("<nil>", key.literal(), String.join("; ", keyErrors)));
    }
    Token after = lookahead().token();
    if (after == Token.END || after == Token.COMMA) {
      if (operator != Operator.DOES_NOT_EXIST) operator = Operator.EXISTS;
    }
    if (operator == Operator.EXISTS || operator == Operator.DOES_NOT_EXIST) {
      return requirement(key.literal(), operator, List.of());
    }
    operator = parseOperator();
    List<String> values = switch (operator) {
      case IN, NOT_IN -> parseValues();
      default -> parseExactValue();
    };
    return requirement(key.literal(), operator, values);
  }

  private Operator parseOperator() {
    Item item = consume(false);
    return switch (item.token()) {
      case IN -> Operator.IN;
      case EQUALS -> Operator.EQUALS;
      case DOUBLE_EQUALS -> Operator.DOUBLE_EQUALS;
      case GREATER_THAN -> Operator.GREATER_THAN;
      case LESS_THAN -> Operator.LESS_THAN;
      case NOT_IN -> Operator.NOT_IN;
      case NOT_EQUALS -> Operator.NOT_EQUALS;
      default -> throw new SyntaxError("found '" + item.literal() + "', expected: " + BINARY_OPERATORS);
    };
  }

  private List<String> parseValues() {
    Item open = consume(true);
    if (open.token() != Token.OPEN_PAR) {
      throw new SyntaxError("found '" + open.literal() + "' expected: '('");
    }
    Item next = lookahead();
    switch (next.token()) {
      case IDENTIFIER, COMMA -> {
        List<String> values = parseIdentifiers();
        if (consume(true).token() != Token.CLOSED_PAR) {
          throw new SyntaxError("found '" + next.literal() + "', expected: ')'");
        }
        return values;
      }
      case CLOSED_PAR -> {
        consume(true);
        return List.of("");
      }
      default -> throw new SyntaxError("found '" + next.literal() + "', expected: ',', ')' or identifier");
    }
  }

  // A comma-separated list of possibly empty identifiers, as a sorted set like Go's sets.String.
  private List<String> parseIdentifiers() {
    TreeSet<String> values = new TreeSet<>();
    while (true) {
      Item item = consume(true);
      switch (item.token()) {
        case IDENTIFIER -> {
          values.add(item.literal());
          Item next = lookahead();
          switch (next.token()) {
            case COMMA -> {
              continue;
            }
            case CLOSED_PAR -> {
              return new ArrayList<>(values);
            }
            default -> throw new SyntaxError("found '" + next.literal() + "', expected: ',' or ')'");
          }
        }
        case COMMA -> {
          if (values.isEmpty()) values.add("");
          Token next = lookahead().token();
          if (next == Token.CLOSED_PAR) {
            values.add("");
            return new ArrayList<>(values);
          }
          if (next == Token.COMMA) {
            consume(true);
            values.add("");
          }
        }
        default -> throw new SyntaxError("found '" + item.literal() + "', expected: ',', or identifier");
      }
    }
  }

  private List<String> parseExactValue() {
    Token next = lookahead().token();
    if (next == Token.END || next == Token.COMMA) return List.of("");
    Item item = consume(true);
    if (item.token() == Token.IDENTIFIER) return List.of(item.literal());
    throw new SyntaxError("found '" + item.literal() + "', expected: identifier");
  }

  // ---- labels.NewRequirement ----

  /** Validates like labels.NewRequirement (without a field path) and builds the requirement. */
  static Requirement requirement(String key, Operator operator, List<String> values) {
    List<String> errors = new ArrayList<>();
    List<String> keyErrors = Formats.qualifiedName(key);
    if (!keyErrors.isEmpty()) errors.add(invalid("key", key, String.join("; ", keyErrors)));
    switch (operator) {
      case IN, NOT_IN -> {
        if (values.isEmpty()) {
          errors.add(invalidList(values, "for 'in', 'notin' operators, values set can't be empty"));
        }
      }
      case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
        if (values.size() != 1) errors.add(invalidList(values, "exact-match compatibility requires one single value"));
      }
      case EXISTS, DOES_NOT_EXIST -> {
        if (!values.isEmpty()) {
          errors.add(invalidList(values, "values set must be empty for exists and does not exist"));
        }
      }
      case GREATER_THAN, LESS_THAN -> {
        if (values.size() != 1) {
          errors.add(invalidList(values, "for 'Gt', 'Lt' operators, exactly one value is required"));
        }
        for (int i = 0; i < values.size(); i++) {
          try {
            Long.parseLong(values.get(i));
          } catch (NumberFormatException e) {
            errors.add(invalid("values[" + i + "]", values.get(i),
                "for 'Gt', 'Lt' operators, the value must be an integer"));
          }
        }
      }
    }
    for (int i = 0; i < values.size(); i++) {
      List<String> valueErrors = Formats.labelValue(values.get(i));
      if (!valueErrors.isEmpty()) {
        errors.add(invalid("values[" + i + "][" + key + "]", values.get(i), String.join("; ", valueErrors)));
      }
    }
    if (!errors.isEmpty()) throw new SyntaxError(aggregate(errors));
    return new Requirement(key, operator, values);
  }

  private static String invalid(String field, String value, String detail) {
    return field + ": Invalid value: " + Formats.quote(value) + ": " + detail;
  }

  private static String invalidList(List<String> values, String detail) {
    String json;
    try {
      // Go marshals the nil slice NewRequirement receives for "no values" as null.
      json = values.isEmpty() ? "null" : Json.MAPPER.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return "values: Invalid value: " + json + ": " + detail;
  }

  // utilerrors.NewAggregate(...).Error(): one message alone, several de-duplicated inside brackets.
  private static String aggregate(List<String> errors) {
    List<String> distinct = errors.stream().distinct().toList();
    return distinct.size() == 1 ? distinct.get(0) : "[" + String.join(", ", distinct) + "]";
  }
}
