package io.drover.api.select;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A field selector with the apiserver's semantics (k8s.io/apimachinery/pkg/fields): an AND of {@code field=value}
 * and {@code field!=value} terms over a kind's selectable fields. A field an object lacks reads as "".
 */
public final class FieldSelector {

  /** One term; {@code equal} false means {@code !=}. */
  public record Term(String field, boolean equal, String value) {
    boolean matches(Map<String, String> fields) {
      String actual = fields.getOrDefault(field, "");
      return equal == actual.equals(value);
    }

    @Override
    public String toString() {
      return field + (equal ? "=" : "!=") + escapeValue(value);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<Term> terms;

  private FieldSelector(List<Term> terms) {
    this.terms = List.copyOf(terms);
  }

  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /**
   * Parses {@code metadata.name=x,status.phase!=Running} ({@code ==} is {@code =}). In values, {@code \,}
   * {@code \=} and {@code \\} stand for the literal characters; an unescaped {@code ,} separates terms. Null or
   * blank selects everything.
   *
   * @throws ApiException 400 BadRequest with the apiserver's message for a term without an operator or a bad escape
   */
  public static FieldSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) return EVERYTHING;
    List<String> parts = splitTerms(selector);
    parts.sort(null);
    List<Term> terms = new ArrayList<>();
    for (String part : parts) {
      if (part.isEmpty()) continue;
      Term term = splitTerm(part);
      if (term == null) {
        throw ApiException.badRequest("invalid selector: '" + selector + "'; can't understand '" + part + "'");
      }
      terms.add(term);
    }
    return new FieldSelector(terms);
  }

  /** A selector requiring every pair of the map, e.g. {@code metadata.name=x}. */
  public static FieldSelector of(Map<String, String> equalities) {
    List<Term> terms = new ArrayList<>();
    equalities.forEach((field, value) -> terms.add(new Term(field, true, value)));
    return new FieldSelector(terms);
  }

  // A backslash escapes the next character, so "\," does not end a term (fields.splitTerms).
  private static List<String> splitTerms(String selector) {
    List<String> terms = new ArrayList<>();
    int start = 0;
    boolean escaped = false;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == ',') {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    return terms;
  }

  // The first operator found from the left splits the term; "!=" and "==" win over "=" at the same place.
  private static Term splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      String rest = term.substring(i);
      for (String operator : List.of("!=", "==", "=")) {
        if (rest.startsWith(operator)) {
          String value = unescapeValue(term.substring(i + operator.length()));
          return new Term(term.substring(0, i), !operator.equals("!="), value);
        }
      }
    }
    return null;
  }

  /** fields.EscapeValue: backslash, comma and equals sign get a leading backslash. */
  public static String escapeValue(String value) {
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=");
  }

  /** fields.UnescapeValue, with its error messages (a rune prints as its number there). */
  static String unescapeValue(String value) {
    if (value.indexOf('\\') < 0 && value.indexOf(',') < 0 && value.indexOf('=') < 0) return value;
    StringBuilder out = new StringBuilder();
    boolean escaped = false;
    for (int i = 0; i < value.length(); ) {
      int c = value.codePointAt(i);
      i += Character.charCount(c);
      if (escaped) {
        if (c != '\\' && c != ',' && c != '=') {
          throw ApiException.badRequest("invalid field selector: invalid escape sequence: \\"
              + new String(Character.toChars(c)));
        }
        out.appendCodePoint(c);
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == ',' || c == '=') {
        throw ApiException.badRequest("invalid field selector: unescaped character in value: " + c);
      } else {
        out.appendCodePoint(c);
      }
    }
    if (escaped) throw ApiException.badRequest("invalid field selector: invalid escape sequence: \\");
    return out.toString();
  }

  public boolean matches(Map<String, String> fields) {
    Map<String, String> actual = fields == null ? Map.of() : fields;
    for (Term term : terms) {
      if (!term.matches(actual)) return false;
    }
    return true;
  }

  public boolean isEmpty() {
    return terms.isEmpty();
  }

  public List<Term> terms() {
    return terms;
  }

  /**
   * The value the selector demands for a field through {@code field=value}, or null (RequiresExactMatch): lets
   * storage answer {@code metadata.name=x} with one lookup.
   */
  public String requiredValue(String field) {
    for (Term term : terms) {
      if (term.equal() && term.field().equals(field)) return term.value();
    }
    return null;
  }

  /**
   * The selectable fields of one object of this type, as the apiserver's registry computes them (GetAttrs).
   * Namespaced kinds: {@code metadata.name}, {@code metadata.namespace}; cluster-scoped: {@code metadata.name};
   * plus the kind's own fields (pods: {@code spec.nodeName}, {@code status.phase}, ...).
   */
  public static Map<String, String> fieldsOf(ResourceType type, ObjectNode object) {
    return SelectableFields.of(type, object);
  }

  /**
   * This selector with field labels converted for the type, as the apiserver does before filtering (a pod's
   * legacy {@code spec.host} becomes {@code spec.nodeName}).
   *
   * @throws ApiException 400 BadRequest when a term names a field the type does not support, with the
   *     apiserver's message ("field label not supported: X", or for kinds without own fields
   *     {@code "X" is not a known field selector: only "metadata.name", "metadata.namespace"})
   */
  public FieldSelector forType(ResourceType type) {
    List<Term> converted = new ArrayList<>();
    for (Term term : terms) {
      converted.add(new Term(SelectableFields.convertLabel(type, term.field()), term.equal(), term.value()));
    }
    return new FieldSelector(converted);
  }

  /** Throws 400 BadRequest when the selector names a field the type does not support; see {@link #forType}. */
  public void checkSupported(ResourceType type) {
    forType(type);
  }

  @Override
  public String toString() {
    return terms.stream().map(Term::toString).collect(Collectors.joining(","));
  }
}
