package io.drover.control.store;

import io.drover.api.ApiException;

/**
 * What a write request asks beyond its body: {@code ?dryRun=All} and {@code ?fieldValidation=}, and who asked
 * (null for the control plane's own writes).
 */
public record WriteOptions(boolean dryRun, FieldValidation fieldValidation, Requester requester) {

  public WriteOptions(boolean dryRun, FieldValidation fieldValidation) {
    this(dryRun, fieldValidation, null);
  }

  /** The authenticated user of an API request, for admission that depends on who asks (RBAC escalation). */
  public record Requester(String user, java.util.List<String> groups) {}

  public WriteOptions by(Requester who) {
    return new WriteOptions(dryRun, fieldValidation, who);
  }

  public static final WriteOptions DEFAULT = new WriteOptions(false, FieldValidation.WARN);

  /** How unknown or duplicate fields are treated (Kubernetes' fieldValidation; Warn is the server default). */
  public enum FieldValidation {
    IGNORE, WARN, STRICT;

    public static FieldValidation parse(String value) {
      if (value == null || value.isEmpty()) return WARN;
      return switch (value) {
        case "Ignore" -> IGNORE;
        case "Warn" -> WARN;
        case "Strict" -> STRICT;
        default -> throw ApiException.badRequest("fieldValidation must be one of Ignore, Warn or Strict, got \""
            + value + "\"");
      };
    }
  }

  public static WriteOptions parse(String dryRun, String fieldValidation) {
    if (dryRun != null && !dryRun.isEmpty() && !dryRun.equals("All")) {
      throw ApiException.badRequest("dryRun may only be \"All\", got \"" + dryRun + "\"");
    }
    return new WriteOptions("All".equals(dryRun), FieldValidation.parse(fieldValidation));
  }
}
