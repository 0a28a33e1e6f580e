package io.drover.api.patch;

import java.util.Locale;
import java.util.Optional;

/** The PATCH body formats the apiserver accepts, named by their Content-Type. */
public enum PatchType {
  JSON_PATCH("application/json-patch+json"),
  MERGE_PATCH("application/merge-patch+json"),
  STRATEGIC_MERGE_PATCH("application/strategic-merge-patch+json"),
  APPLY_PATCH("application/apply-patch+yaml");

  private final String mediaType;

  PatchType(String mediaType) {
    this.mediaType = mediaType;
  }

  public String mediaType() {
    return mediaType;
  }

  /** The patch type of a Content-Type header, ignoring parameters such as {@code ;charset=utf-8}. */
  public static Optional<PatchType> fromContentType(String contentType) {
    if (contentType == null) return Optional.empty();
    String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    for (PatchType type : values()) {
      if (type.mediaType.equals(base)) return Optional.of(type);
    }
    return Optional.empty();
  }
}
