package io.drover.api.patch;
// PLACEHOLDER: replaced by the patch helper's delivery.
public enum PatchType { JSON_PATCH("application/json-patch+json"), MERGE_PATCH("application/merge-patch+json"),
  STRATEGIC_MERGE_PATCH("application/strategic-merge-patch+json"), APPLY_PATCH("application/apply-patch+yaml");
  private final String mediaType;
  PatchType(String m) { mediaType = m; }
  public String mediaType() { return mediaType; }
  public static java.util.Optional<PatchType> fromContentType(String contentType) {
    if (contentType == null) return java.util.Optional.empty();
    String base = contentType.split(";")[0].trim();
    for (PatchType t : values()) if (t.mediaType.equals(base)) return java.util.Optional.of(t);
    return java.util.Optional.empty();
  }
}
