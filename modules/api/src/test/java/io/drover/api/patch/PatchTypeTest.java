package io.drover.api.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatchTypeTest {

  @Test
  void contentTypeParametersAndCaseAreIgnored() {
    assertEquals(Optional.of(PatchType.STRATEGIC_MERGE_PATCH),
        PatchType.fromContentType("application/strategic-merge-patch+json; charset=utf-8"));
    assertEquals(Optional.of(PatchType.MERGE_PATCH), PatchType.fromContentType("Application/Merge-Patch+JSON"));
    assertEquals(Optional.of(PatchType.JSON_PATCH), PatchType.fromContentType("application/json-patch+json"));
    assertEquals(Optional.of(PatchType.APPLY_PATCH),
        PatchType.fromContentType("application/apply-patch+yaml;charset=utf-8"));
  }

  @Test
  void otherContentTypesAreNotPatches() {
    assertEquals(Optional.empty(), PatchType.fromContentType("application/json"));
    assertEquals(Optional.empty(), PatchType.fromContentType(""));
    assertEquals(Optional.empty(), PatchType.fromContentType(null));
  }

  @Test
  void mediaTypeRoundTrips() {
    for (PatchType type : PatchType.values()) {
      assertEquals(Optional.of(type), PatchType.fromContentType(type.mediaType()));
    }
  }
}
