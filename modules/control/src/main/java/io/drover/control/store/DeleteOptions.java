package io.drover.control.store;

import io.drover.api.ApiException;

/**
 * A delete request's options (meta/v1 DeleteOptions, from the body or query): preconditions, grace period,
 * propagation policy (Orphan, Background, Foreground) and dry-run.
 */
public record DeleteOptions(String preconditionUid, String preconditionResourceVersion, Long gracePeriodSeconds,
    String propagationPolicy, boolean dryRun) {

  public static final DeleteOptions DEFAULT = new DeleteOptions(null, null, null, null, false);

  public DeleteOptions {
    if (propagationPolicy != null && !propagationPolicy.isEmpty()
        && !(propagationPolicy.equals("Orphan") || propagationPolicy.equals("Background")
        || propagationPolicy.equals("Foreground"))) {
      throw ApiException.invalid("DeleteOptions", "", "", java.util.List.of(new ApiException.Cause(
          "FieldValueNotSupported", "Unsupported value: \"" + propagationPolicy
          + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"", "propagationPolicy")));
    }
    if (gracePeriodSeconds != null && gracePeriodSeconds < 0) {
      throw ApiException.invalid("DeleteOptions", "", "", java.util.List.of(new ApiException.Cause(
          "FieldValueInvalid", "Invalid value: " + gracePeriodSeconds + ": must be greater than or equal to 0",
          "gracePeriodSeconds")));
    }
  }
}
