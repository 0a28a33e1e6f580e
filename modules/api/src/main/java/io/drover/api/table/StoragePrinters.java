package io.drover.api.table;

import static io.drover.api.table.Cells.text;
import static io.drover.api.table.Column.ageColumn;
import static io.drover.api.table.Column.column;
import static io.drover.api.table.Column.nameColumn;
import static io.drover.api.table.Column.wide;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Columns of StatefulSets, ControllerRevisions and the storage kinds, as pkg/printers/internalversion prints them. */
final class StoragePrinters {
  private StoragePrinters() {}

  static Map<String, List<Column>> columns() {
    return Map.of(
        "StatefulSet", List.of(
            nameColumn(),
            column("Ready", "Number of the pod with ready state", (o, now) -> Cells.integer(o, "status.readyReplicas", 0)
                + "/" + Cells.integer(o, "spec.replicas", 0)),
            ageColumn(),
            wide("Containers", Cells.CONTAINERS_DOC, Cells::containerNames),
            wide("Images", Cells.IMAGES_DOC, Cells::containerImages)),
        "ControllerRevision", List.of(
            nameColumn(),
            column("Controller", "Controller of the object", (o, now) -> controller(o)),
            Column.integer("Revision", "Revision of the ControllerRevision", (o, now) -> Cells.integer(o, "revision", 0)),
            ageColumn()),
        "PersistentVolumeClaim", List.of(
            nameColumn(),
            column("Status", "The phase of the claim.", (o, now) -> phase(o)),
            column("Volume", "The PersistentVolume bound to the claim.", (o, now) -> text(o, "spec.volumeName")),
            column("Capacity", "The storage the bound volume has.", (o, now) -> text(o, "status.capacity.storage")),
            column("Access Modes", "The access modes of the bound volume.",
                (o, now) -> accessModes(o.path("status").path("accessModes"))),
            column("StorageClass", "StorageClass of the pvc", (o, now) -> text(o, "spec.storageClassName")),
            column("VolumeAttributesClass", "VolumeAttributesClass of the pvc",
                (o, now) -> Cells.orNone(text(o, "spec.volumeAttributesClassName"))),
            ageColumn(),
            wide("VolumeMode", "The volume mode of the claim.", (o, now) -> text(o, "spec.volumeMode"))),
        "PersistentVolume", List.of(
            nameColumn(),
            column("Capacity", "The storage of the volume.", (o, now) -> text(o, "spec.capacity.storage")),
            column("Access Modes", "The access modes of the volume.",
                (o, now) -> accessModes(o.path("spec").path("accessModes"))),
            column("Reclaim Policy", "What happens to the volume when its claim is released.",
                (o, now) -> text(o, "spec.persistentVolumeReclaimPolicy")),
            column("Status", "The phase of the volume.", (o, now) -> phase(o)),
            column("Claim", "The claim bound to the volume.", (o, now) -> claim(o)),
            column("StorageClass", "StorageClass of the pv", (o, now) -> text(o, "spec.storageClassName")),
            column("VolumeAttributesClass", "VolumeAttributesClass of the pv",
                (o, now) -> Cells.orNone(text(o, "spec.volumeAttributesClassName"))),
            column("Reason", "Reason the volume is in its phase.", (o, now) -> text(o, "status.reason")),
            ageColumn(),
            wide("VolumeMode", "The volume mode of the volume.", (o, now) -> text(o, "spec.volumeMode"))),
        "Endpoints", List.of(
            nameColumn(),
            column("Endpoints", "Endpoints of the endpoints.", (o, now) -> endpoints(o)),
            ageColumn()),
        "EndpointSlice", List.of(
            nameColumn(),
            column("AddressType", "Type of address in the slice.", (o, now) -> text(o, "addressType")),
            column("Ports", "Ports of the slice.", (o, now) -> slicePorts(o)),
            column("Endpoints", "Endpoints of the slice.", (o, now) -> sliceEndpoints(o)),
            ageColumn()),
        "StorageClass", List.of(
            new Column("Name", "string", "name", 0, Cells.NAME_DOC, (o, now) -> text(o, "metadata.name")
                + (isDefault(o) ? " (default)" : "")),
            column("Provisioner", "Indicates the type of the provisioner.", (o, now) -> text(o, "provisioner")),
            column("ReclaimPolicy", "Indicates the type of the reclaim policy.", (o, now) -> text(o, "reclaimPolicy")),
            column("VolumeBindingMode", "Indicates the type of the volume binding mode.",
                (o, now) -> text(o, "volumeBindingMode")),
            column("AllowVolumeExpansion", "Indicates whether the storage class allow volume expand.",
                (o, now) -> Boolean.toString(o.path("allowVolumeExpansion").asBoolean(false))),
            ageColumn()));
  }

  /** formatEndpoints: "ip:port,..." for up to three, then " + N more...", or "<none>". */
  private static String endpoints(JsonNode endpoints) {
    List<String> all = new ArrayList<>();
    int count = 0;
    for (JsonNode subset : endpoints.path("subsets")) {
      for (JsonNode address : subset.path("addresses")) {
        if (subset.path("ports").isEmpty()) {
          count++;
          if (all.size() < 3) all.add(address.path("ip").asText());
        }
        for (JsonNode port : subset.path("ports")) {
          count++;
          if (all.size() < 3) all.add(address.path("ip").asText() + ":" + port.path("port").asText());
        }
      }
    }
    if (count == 0) return "<none>";
    return String.join(",", all) + (count > 3 ? " + " + (count - 3) + " more..." : "");
  }

  private static String slicePorts(JsonNode slice) {
    List<String> ports = new ArrayList<>();
    slice.path("ports").forEach(p -> ports.add(p.path("port").asText("")));
    if (ports.isEmpty()) return "<unset>";
    return ports.size() > 3 ? String.join(",", ports.subList(0, 3)) + " + " + (ports.size() - 3) + " more..."
        : String.join(",", ports);
  }

  private static String sliceEndpoints(JsonNode slice) {
    List<String> addresses = new ArrayList<>();
    int count = 0;
    for (JsonNode endpoint : slice.path("endpoints")) {
      for (JsonNode address : endpoint.path("addresses")) {
        count++;
        if (addresses.size() < 3) addresses.add(address.asText());
      }
    }
    if (count == 0) return "<unset>";
    return String.join(",", addresses) + (count > 3 ? " + " + (count - 3) + " more..." : "");
  }

  /** The phase, or Terminating once deleted (while a finalizer keeps the object). */
  private static String phase(JsonNode object) {
    return object.path("metadata").has("deletionTimestamp") ? "Terminating" : text(object, "status.phase");
  }

  /** storageclass.kubernetes.io/is-default-class: "true" marks the class claims without one get. */
  static boolean isDefault(JsonNode storageClass) {
    return "true".equals(storageClass.path("metadata").path("annotations")
        .path("storageclass.kubernetes.io/is-default-class").asText(""));
  }

  /** GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
  private static String accessModes(JsonNode modes) {
    List<String> have = new ArrayList<>();
    modes.forEach(m -> have.add(m.asText()));
    List<String> out = new ArrayList<>();
    if (have.contains("ReadWriteOnce")) out.add("RWO");
    if (have.contains("ReadOnlyMany")) out.add("ROX");
    if (have.contains("ReadWriteMany")) out.add("RWX");
    if (have.contains("ReadWriteOncePod")) out.add("RWOP");
    return String.join(",", out);
  }

  private static String claim(JsonNode volume) {
    JsonNode ref = volume.path("spec").path("claimRef");
    if (ref.isMissingNode() || ref.isNull()) return "";
    return ref.path("namespace").asText("") + "/" + ref.path("name").asText("");
  }

  private static String controller(JsonNode object) {
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false)) {
        String apiVersion = ref.path("apiVersion").asText("");
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        return ref.path("kind").asText("").toLowerCase(java.util.Locale.ROOT) + (group.isEmpty() ? "" : "." + group)
            + "/" + ref.path("name").asText("");
      }
    }
    return "<none>";
  }
}
