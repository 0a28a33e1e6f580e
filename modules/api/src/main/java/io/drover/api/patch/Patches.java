package io.drover.api.patch;
// PLACEHOLDER: replaced by the patch helper's delivery.
public final class Patches {
  public static com.fasterxml.jackson.databind.node.ObjectNode apply(PatchType patchType, io.drover.api.ResourceType type,
      com.fasterxml.jackson.databind.node.ObjectNode current, byte[] patchBody) {
    throw io.drover.api.ApiException.internal("PLACEHOLDER");
  }
}
