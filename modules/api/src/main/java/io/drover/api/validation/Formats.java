package io.drover.api.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The string formats of k8s.io/apimachinery/pkg/util/validation (validation.go) and api/validation
 * (generic.go). Each check returns the messages Go returns, empty when the value is valid.
 */
public final class Formats {
  private Formats() {}

  private static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case "
      + "alphanumeric characters or '-', and must start and end with an alphanumeric character";
  private static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
  private static final String DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case "
      + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  private static final String DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
  private static final String DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric "
      + "characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  private static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final String QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', "
      + "and must start and end with an alphanumeric character";
  private static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";
  private static final String LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric "
      + "characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  private static final String ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*";
  private static final String ENV_VAR_NAME_MSG = "a valid environment variable name must consist of alphabetic "
      + "characters, digits, '_', '-', or '.', and must not start with a digit";
  private static final String CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+";
  private static final String CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, "
      + "'-', '_' or '.'";
  private static final String PERCENT_FMT = "[0-9]+%";
  private static final String PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'";

  private static final Pattern DNS1123_LABEL = Pattern.compile(DNS1123_LABEL_FMT);
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_SUBDOMAIN_FMT);
  private static final Pattern DNS1035_LABEL = Pattern.compile(DNS1035_LABEL_FMT);
  private static final Pattern QUALIFIED_NAME = Pattern.compile(QUALIFIED_NAME_FMT);
  private static final Pattern LABEL_VALUE = Pattern.compile(LABEL_VALUE_FMT);
  private static final Pattern ENV_VAR_NAME = Pattern.compile(ENV_VAR_NAME_FMT);
  private static final Pattern CONFIG_MAP_KEY = Pattern.compile(CONFIG_MAP_KEY_FMT);
  private static final Pattern PERCENT = Pattern.compile(PERCENT_FMT);
  private static final Pattern PORT_NAME_CHARSET = Pattern.compile("[-a-z0-9]+");
  private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");

  static final int DNS1123_LABEL_MAX = 63;
  static final int DNS1123_SUBDOMAIN_MAX = 253;

  static List<String> dns1123Label(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > DNS1123_LABEL_MAX) errs.add(maxLen(DNS1123_LABEL_MAX));
    if (!DNS1123_LABEL.matcher(value).matches()) {
      // A valid subdomain that is not a label can only have failed on its dots.
      errs.add(DNS1123_SUBDOMAIN.matcher(value).matches() ? "must not contain dots"
          : regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"));
    }
    return errs;
  }

  public static List<String> dns1123Subdomain(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > DNS1123_SUBDOMAIN_MAX) errs.add(maxLen(DNS1123_SUBDOMAIN_MAX));
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      errs.add(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
    }
    return errs;
  }

  static List<String> dns1035Label(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > DNS1123_LABEL_MAX) errs.add(maxLen(DNS1123_LABEL_MAX));
    if (!DNS1035_LABEL.matcher(value).matches()) {
      errs.add(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"));
    }
    return errs;
  }

  /** IsQualifiedName: label keys, annotation keys, finalizers; an optional DNS subdomain prefix and '/'. */
  public static List<String> qualifiedName(String value) {
    List<String> errs = new ArrayList<>();
    String[] parts = value.split("/", -1);
    String name;
    switch (parts.length) {
      case 1 -> name = parts[0];
      case 2 -> {
        String prefix = parts[0];
        name = parts[1];
        if (prefix.isEmpty()) {
          errs.add("prefix part " + EMPTY);
        } else {
          dns1123Subdomain(prefix).forEach(m -> errs.add("prefix part " + m));
        }
      }
      default -> {
        errs.add("a qualified name " + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        return errs;
      }
    }
    if (name.isEmpty()) {
      errs.add("name part " + EMPTY);
    } else if (name.length() > 63) {
      errs.add("name part " + maxLen(63));
    }
    if (!QUALIFIED_NAME.matcher(name).matches()) {
      errs.add("name part " + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"));
    }
    return errs;
  }

  public static List<String> labelValue(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > 63) errs.add(maxLen(63));
    if (!LABEL_VALUE.matcher(value).matches()) {
      errs.add(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
    }
    return errs;
  }

  static List<String> envVarName(String value) {
    List<String> errs = new ArrayList<>();
    if (!ENV_VAR_NAME.matcher(value).matches()) {
      errs.add(regexError(ENV_VAR_NAME_MSG, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"));
    }
    errs.addAll(chDirPrefix(value));
    return errs;
  }

  static List<String> configMapKey(String value) {
    List<String> errs = new ArrayList<>();
    if (value.length() > DNS1123_SUBDOMAIN_MAX) errs.add(maxLen(DNS1123_SUBDOMAIN_MAX));
    if (!CONFIG_MAP_KEY.matcher(value).matches()) {
      errs.add(regexError(CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
    }
    errs.addAll(chDirPrefix(value));
    return errs;
  }

  static List<String> portNum(long port) {
    return 1 <= port && port <= 65535 ? List.of() : List.of(inclusiveRange(1, 65535));
  }

  static List<String> portName(String port) {
    List<String> errs = new ArrayList<>();
    if (port.length() > 15) errs.add(maxLen(15));
    if (!PORT_NAME_CHARSET.matcher(port).matches()) {
      errs.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if (!HAS_LETTER.matcher(port).matches()) errs.add("must contain at least one letter (a-z)");
    if (port.contains("--")) errs.add("must not contain consecutive hyphens");
    if (!port.isEmpty() && (port.startsWith("-") || port.endsWith("-"))) {
      errs.add("must not begin or end with a hyphen");
    }
    return errs;
  }

  static List<String> percent(String value) {
    return PERCENT.matcher(value).matches() ? List.of() : List.of(regexError(PERCENT_MSG, PERCENT_FMT, "1%", "93%"));
  }

  /** A name check as a ValidateNameFunc: generateName prefixes may end in '-' (maskTrailingDash). */
  enum NameFormat {
    DNS_SUBDOMAIN, DNS_LABEL, DNS1035_LABEL, PATH_SEGMENT;

    List<String> check(String name, boolean prefix) {
      String value = prefix ? maskTrailingDash(name) : name;
      return switch (this) {
        case DNS_SUBDOMAIN -> dns1123Subdomain(value);
        case DNS_LABEL -> dns1123Label(value);
        case DNS1035_LABEL -> dns1035Label(value);
        case PATH_SEGMENT -> pathSegmentName(name, prefix);
      };
    }
  }

  /** ValidatePathSegmentName: the only rule for kinds without their own (here: Event). */
  static List<String> pathSegmentName(String name, boolean prefix) {
    List<String> errs = new ArrayList<>();
    if (!prefix && (name.equals(".") || name.equals(".."))) errs.add("may not be '" + name + "'");
    if (name.contains("/")) errs.add("may not contain '/'");
    if (name.contains("%")) errs.add("may not contain '%'");
    return errs;
  }

  private static String maskTrailingDash(String name) {
    return name.length() > 1 && name.endsWith("-") ? name.substring(0, name.length() - 2) + "a" : name;
  }

  private static List<String> chDirPrefix(String value) {
    if (value.equals(".")) return List.of("must not be '.'");
    if (value.equals("..")) return List.of("must not be '..'");
    if (value.startsWith("..")) return List.of("must not start with '..'");
    return List.of();
  }

  private static final String EMPTY = "must be non-empty";

  static String maxLen(int length) {
    return "must be no more than " + length + " characters";
  }

  static String inclusiveRange(long lo, long hi) {
    return "must be between " + lo + " and " + hi + ", inclusive";
  }

  /** Go's RegexError, byte for byte: examples end in "', " and are joined by " or " (two spaces result). */
  static String regexError(String msg, String fmt, String... examples) {
    if (examples.length == 0) return msg + " (regex used for validation is '" + fmt + "')";
    StringBuilder s = new StringBuilder(msg).append(" (e.g. ");
    for (int i = 0; i < examples.length; i++) {
      if (i > 0) s.append(" or ");
      s.append('\'').append(examples[i]).append("', ");
    }
    return s.append("regex used for validation is '").append(fmt).append("')").toString();
  }

  /** Go's strconv.Quote (%q), as the apiserver and kubelet render values in messages and files. */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\u0007' -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\u000b' -> out.append("\\v");
        default -> {
          if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
          else if (Character.isISOControl(c)) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }
}
