package io.drover.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.api.validation.Formats.NameFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exact strings of k8s.io/apimachinery/pkg/util/validation, including RegexError's two spaces before
 * "or" between examples.
 */
class FormatsTest {

  @Test
  void subdomainMessageQuotesTheRegexLikeGo() {
    assertEquals(List.of("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
        + "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
        Formats.dns1123Subdomain("Bad_Name"));
    assertEquals(List.of(), Formats.dns1123Subdomain("web.example.com"));
  }

  @Test
  void labelRejectsDotsWithItsOwnMessageAndLengthFirst() {
    assertEquals(List.of("must not contain dots"), Formats.dns1123Label("a.b"));
    assertEquals(List.of("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
        + "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
        + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"), Formats.dns1123Label("-web"));
    assertEquals("must be no more than 63 characters", Formats.dns1123Label("a".repeat(64)).get(0));
  }

  @Test
  void dns1035LabelMustStartWithALetter() {
    assertEquals(1, Formats.dns1035Label("1web").size());
    assertEquals(List.of(), Formats.dns1035Label("web-1"));
  }

  @Test
  void qualifiedNameReportsPrefixAndNameParts() {
    assertEquals(List.of(), Formats.qualifiedName("example.com/MyName"));
    assertEquals(List.of("prefix part must be non-empty"), Formats.qualifiedName("/name"));
    assertEquals(List.of("name part must be non-empty", "name part must consist of alphanumeric characters, '-', "
        + "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        + "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        Formats.qualifiedName("example.com/"));
    assertEquals("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
        + "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
        + "'example.com/MyName')", Formats.qualifiedName("a/b/c").get(0));
    assertEquals("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
        + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
        + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        Formats.qualifiedName("Example.com/name").get(0));
  }

  @Test
  void labelValuesMayBeEmptyButNotLongOrOddlyShaped() {
    assertEquals(List.of(), Formats.labelValue(""));
    assertEquals(List.of(), Formats.labelValue("v1.2_3-x"));
    assertEquals("must be no more than 63 characters", Formats.labelValue("a".repeat(64)).get(0));
    assertEquals(List.of("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
        + "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
        + "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"), Formats.labelValue("-x"));
  }

  @Test
  void envVarNamesMayNotStartWithADigit() {
    assertEquals(List.of(), Formats.envVarName("MY_ENV.name-1"));
    assertEquals(List.of("a valid environment variable name must consist of alphabetic characters, digits, '_', "
        + "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', "
        + "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"), Formats.envVarName("1ENV"));
    assertEquals(List.of("must not be '..'"), Formats.envVarName(".."));
  }

  @Test
  void configMapKeysAllowDotsButNotDotDotPrefix() {
    assertEquals(List.of(), Formats.configMapKey("app.properties"));
    assertEquals(List.of("must not start with '..'"), Formats.configMapKey("..data"));
    assertEquals(1, Formats.configMapKey("a b").size());
    assertEquals("must be no more than 253 characters", Formats.configMapKey("k".repeat(254)).get(0));
  }

  @Test
  void portNamesAndNumbers() {
    assertEquals(List.of("must be between 1 and 65535, inclusive"), Formats.portNum(0));
    assertEquals(List.of(), Formats.portNum(65535));
    assertEquals(List.of("must contain at least one letter (a-z)"), Formats.portName("8080"));
    assertEquals(List.of("must not contain consecutive hyphens"), Formats.portName("a--b"));
    assertEquals(List.of("must be no more than 15 characters"), Formats.portName("a".repeat(16)));
  }

  @Test
  void generateNamePrefixMayEndInADash() {
    assertEquals(List.of(), NameFormat.DNS_SUBDOMAIN.check("web-", true));
    assertEquals(1, NameFormat.DNS_SUBDOMAIN.check("web-", false).size());
  }
}
