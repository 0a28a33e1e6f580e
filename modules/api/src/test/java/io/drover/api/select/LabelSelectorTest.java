package io.drover.api.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  private static String parseError(String selector) {
    ApiException e = assertThrows(ApiException.class, () -> LabelSelector.parse(selector));
    assertEquals(400, e.code());
    assertEquals("BadRequest", e.reason());
    return e.getMessage();
  }

  @Test
  void everyOperatorOfTheStringSyntaxMatchesLikeTheApiserver() {
    LabelSelector selector = LabelSelector.parse("a=b,c!=d,e in (x,y),f notin (z),g,!h");
    Map<String, String> matching = Map.of("a", "b", "c", "other", "e", "y", "f", "q", "g", "");
    assertTrue(selector.matches(matching));
    assertTrue(selector.matches(Map.of("a", "b", "e", "x", "g", "1")), "!= and notin accept a missing key");
    assertFalse(selector.matches(Map.of("a", "b", "c", "d", "e", "x", "g", "1")), "c!=d");
    assertFalse(selector.matches(Map.of("a", "b", "e", "w", "g", "1")), "e in (x,y)");
    assertFalse(selector.matches(Map.of("a", "b", "e", "x", "f", "z", "g", "1")), "f notin (z)");
    assertFalse(selector.matches(Map.of("a", "b", "e", "x")), "g must exist");
    assertFalse(selector.matches(Map.of("a", "b", "e", "x", "g", "1", "h", "")), "h must not exist");
    assertFalse(selector.matches(Map.of("e", "x", "g", "1")), "a=b needs the key");
  }

  @Test
  void doubleEqualsIsEqualityAndKeepsItsSpelling() {
    LabelSelector selector = LabelSelector.parse("app==web");
    assertTrue(selector.matches(Map.of("app", "web")));
    assertFalse(selector.matches(Map.of("app", "db")));
    assertEquals("app==web", selector.toString());
  }

  @Test
  void greaterAndLessThanCompareIntegers() {
    LabelSelector selector = LabelSelector.parse("gen>3,size<10");
    assertTrue(selector.matches(Map.of("gen", "4", "size", "9")));
    assertFalse(selector.matches(Map.of("gen", "3", "size", "9")));
    assertFalse(selector.matches(Map.of("gen", "x", "size", "9")), "a non-integer label never compares");
    assertFalse(selector.matches(Map.of("size", "9")));
  }

  @Test
  void emptyOrNullSelectorMatchesEverything() {
    assertTrue(LabelSelector.parse("").matches(Map.of()));
    assertTrue(LabelSelector.parse(null).isEmpty());
    assertTrue(LabelSelector.parse(" ").isEmpty());
    assertEquals("", LabelSelector.parse("").toString());
  }

  @Test
  void whitespaceAroundTokensIsIgnored() {
    LabelSelector selector = LabelSelector.parse(" app = web , tier in ( a , b ) ");
    assertEquals("app=web,tier in (a,b)", selector.toString());
  }

  @Test
  void canonicalStringSortsRequirementsByKeyAndSetValues() {
    assertEquals("app=web,tier in (a,b)", LabelSelector.parse("tier in (b,a),app=web").toString());
    assertEquals("!h,x notin (p,q),y", LabelSelector.parse("y,x notin (q,p,q),!h").toString());
  }

  @Test
  void emptySetValuesAndKeywordsAsValuesFollowTheGrammar() {
    LabelSelector emptyValue = LabelSelector.parse("a in ()");
    assertTrue(emptyValue.matches(Map.of("a", "")));
    assertFalse(emptyValue.matches(Map.of("a", "x")));
    assertEquals("a in ()", emptyValue.toString());
    assertEquals("a in (,x)", LabelSelector.parse("a in (,x)").toString());
    assertTrue(LabelSelector.parse("x in (in,notin)").matches(Map.of("x", "notin")));
    assertTrue(LabelSelector.parse("a=").matches(Map.of("a", "")), "a missing value is the empty value");
  }

  @Test
  void syntaxErrorsCarryTheApiserverMessages() {
    assertEquals("unable to parse requirement: found '' expected: '('", parseError("a in"));
    assertEquals("found '=', expected: !, identifier, or 'end of string'", parseError("=a"));
    assertEquals("found 'c', expected: ',' or 'end of string'", parseError("a=b c"));
    assertEquals("found '', expected: identifier after ','", parseError("a=b,"));
    assertEquals("unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt",
        parseError("a )"));
    assertEquals("unable to parse requirement: found '', expected: ',' or ')'", parseError("a in (x"));
    assertEquals("unable to parse requirement: found '!', expected: identifier", parseError("a=!b"));
    assertEquals("found '=', expected: ',' or 'end of string'", parseError("!a=b"));
  }

  @Test
  void invalidKeysAreRefusedWithTheValidationMessage() {
    assertEquals("unable to parse requirement: <nil>: Invalid value: \"app:web\": name part must consist of "
        + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
        + "'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
        + "[A-Za-z0-9]')", parseError("app:web"));
    assertTrue(parseError("Example.com/x=y").startsWith("unable to parse requirement: <nil>: Invalid value: "
        + "\"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of"));
    assertTrue(parseError("a/b/c").contains("a qualified name must consist of"));
    assertTrue(parseError("x".repeat(64)).contains("name part must be no more than 63 characters"));
  }

  @Test
  void invalidValuesAreRefusedWithTheirFieldPath() {
    assertEquals("unable to parse requirement: values[0][a]: Invalid value: \"b@\": a valid label must be an "
        + "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", parseError("a=b@"));
    assertEquals("unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the "
        + "value must be an integer", parseError("a>x"));
  }

  @Test
  void jsonSelectorNullMatchesNothingAndEmptyMatchesEverything() throws Exception {
    LabelSelector absent = LabelSelector.fromJson(null);
    assertFalse(absent.matches(Map.of()));
    assertFalse(absent.isEmpty());
    assertTrue(absent.isNothing());
    assertEquals("", absent.toString());
    assertFalse(LabelSelector.fromJson(json("null")).matches(Map.of("a", "b")));

    LabelSelector empty = LabelSelector.fromJson(json("{}"));
    assertTrue(empty.isEmpty());
    assertTrue(empty.matches(Map.of("a", "b")));
    assertTrue(LabelSelector.fromJson(json("{\"matchLabels\":{},\"matchExpressions\":[]}")).isEmpty());
  }

  @Test
  void jsonSelectorNullAsEverythingIsTheOptionalFilterReading() throws Exception {
    assertTrue(LabelSelector.fromJsonNullAsEverything(null).matches(Map.of("a", "b")));
    assertFalse(LabelSelector.fromJsonNullAsEverything(json("{\"matchLabels\":{\"a\":\"c\"}}"))
        .matches(Map.of("a", "b")));
  }

  @Test
  void jsonSelectorCombinesMatchLabelsAndExpressions() throws Exception {
    LabelSelector selector = LabelSelector.fromJson(json("""
        {"matchLabels":{"tier":"web","app":"shop"},
         "matchExpressions":[{"key":"env","operator":"In","values":["prod","stage"]},
                             {"key":"canary","operator":"DoesNotExist"},
                             {"key":"zone","operator":"NotIn","values":["b"]},
                             {"key":"owner","operator":"Exists"}]}"""));
    assertEquals("app=shop,!canary,env in (prod,stage),owner,tier=web,zone notin (b)", selector.toString());
    assertTrue(selector.matches(Map.of("app", "shop", "tier", "web", "env", "prod", "owner", "x")));
    assertFalse(selector.matches(Map.of("app", "shop", "tier", "web", "env", "prod", "owner", "x", "canary", "1")));
  }

  @Test
  void jsonSelectorWithUnknownOperatorOrBadValuesIsRefused() throws Exception {
    ApiException operator = assertThrows(ApiException.class, () -> LabelSelector.fromJson(
        json("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Equals\",\"values\":[\"b\"]}]}")));
    assertEquals("\"Equals\" is not a valid label selector operator", operator.getMessage());
    ApiException empty = assertThrows(ApiException.class, () -> LabelSelector.fromJson(
        json("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[]}]}")));
    assertEquals("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        empty.getMessage());
    ApiException both = assertThrows(ApiException.class, () -> LabelSelector.fromJson(
        json("{\"matchExpressions\":[{\"key\":\"-a\",\"operator\":\"Exists\",\"values\":[\"b\"]}]}")));
    assertTrue(both.getMessage().startsWith("[key: Invalid value: \"-a\": name part must consist"), both.getMessage());
    assertTrue(both.getMessage().contains(", values: Invalid value: [\"b\"]: values set must be empty for exists "
        + "and does not exist]"), both.getMessage());
  }

  @Test
  void setSelectorRequiresEveryPairAndEmptySelectsAll() {
    LabelSelector selector = LabelSelector.fromSet(Map.of("b", "2", "a", "1"));
    assertEquals("a=1,b=2", selector.toString());
    assertTrue(selector.matches(Map.of("a", "1", "b", "2", "c", "3")));
    assertFalse(selector.matches(Map.of("a", "1")));
    assertTrue(LabelSelector.fromSet(Map.of()).matches(Map.of()));
  }

  @Test
  void labelsOfReadsMetadataLabels() throws Exception {
    assertEquals(Map.of("app", "web"), LabelSelector.labelsOf(json("{\"metadata\":{\"labels\":{\"app\":\"web\"}}}")));
    assertEquals(Map.of(), LabelSelector.labelsOf(json("{\"metadata\":{}}")));
  }
}
