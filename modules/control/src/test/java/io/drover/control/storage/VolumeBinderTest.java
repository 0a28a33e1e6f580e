package io.drover.control.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Static volumes: Available, bound to the smallest fitting claim of their class, Released when it goes. */
class VolumeBinderTest {
  static ObjectNode json(String text) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static StoredObject volume(String name, String size, String className, String claimRef) {
    ObjectNode v = json("""
        {'metadata':{'name':'%s'},'spec':{'capacity':{'storage':'%s'},'accessModes':['ReadWriteOnce'],
         'storageClassName':'%s','hostPath':{'path':'/tmp/%s'}%s},'status':{'phase':'%s'}}""".formatted(name, size,
        className, name, claimRef == null ? "" : ",'claimRef':{'namespace':'ns','name':'" + claimRef + "','uid':'c1'}",
        claimRef == null ? "Available" : "Bound"));
    return new StoredObject(ResourceRegistry.PERSISTENT_VOLUME, "", name, v, 1, 1);
  }

  static StoredObject claim(String name, String size, String className) {
    ObjectNode c = json("""
        {'metadata':{'name':'%s','namespace':'ns','uid':'u-%s'},'spec':{'accessModes':['ReadWriteOnce'],
         'storageClassName':'%s','resources':{'requests':{'storage':'%s'}}},'status':{'phase':'Pending'}}"""
        .formatted(name, name, className, size));
    return new StoredObject(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, "ns", name, c, 1, 1);
  }

  @Test
  void aClaimGetsTheSmallestAvailableVolumeOfItsClassThatFits() {
    List<StoredObject> volumes = List.of(volume("big", "10Gi", "", null), volume("small", "1Gi", "", null),
        volume("tiny", "100Mi", "", null), volume("other", "1Gi", "manual", null));
    var plan = VolumeBinder.plan(List.of(claim("data", "500Mi", "")), volumes, List.of());
    assertEquals(1, plan.bindings().size());
    assertEquals("small", plan.bindings().get(0).volume().name());
  }

  @Test
  void claimsOfWaitingClassesAreLeftToTheirProvisionerAndGoneClaimsReleaseTheirVolume() {
    StoredObject lateClass = new StoredObject(ResourceRegistry.STORAGE_CLASS, "", "local-path",
        json("{'metadata':{'name':'local-path'},'volumeBindingMode':'WaitForFirstConsumer'}"), 1, 1);
    var plan = VolumeBinder.plan(List.of(claim("data", "1Gi", "local-path")),
        List.of(volume("v", "1Gi", "local-path", null), volume("old", "1Gi", "", "gone")), List.of(lateClass));
    assertEquals(List.of(), plan.bindings());
    assertEquals(List.of("old"), plan.released().stream().map(StoredObject::name).toList());
  }
}
