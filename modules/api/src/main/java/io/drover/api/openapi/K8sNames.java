package io.drover.api.openapi;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.runtime.RawExtension;
import java.util.Set;

/**
 * The Kubernetes OpenAPI name of a fabric8 model class: {@code io.fabric8.kubernetes.api.model.Pod} is
 * {@code io.k8s.api.core.v1.Pod}, {@code ...model.apps.Deployment} is {@code io.k8s.api.apps.v1.Deployment}.
 */
final class K8sNames {
  private K8sNames() {}

  private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";
  private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

  /** fabric8 keeps apimachinery's meta/v1 types in the same package as core/v1; these are the meta ones. */
  private static final Set<String> META_TYPES = Set.of("APIGroup", "APIGroupList", "APIResource",
      "APIResourceList", "APIVersions", "Condition", "CreateOptions", "DeleteOptions", "Duration",
      "FieldSelectorRequirement", "FieldsV1", "GetOptions", "GroupKind", "GroupVersionForDiscovery",
      "LabelSelector", "LabelSelectorRequirement", "ListMeta", "ListOptions", "ManagedFieldsEntry", "MicroTime",
      "ObjectMeta", "OwnerReference", "Patch", "PatchOptions", "Preconditions", "RootPaths",
      "ServerAddressByClientCIDR", "Status", "StatusCause", "StatusDetails", "TypeMeta", "UpdateOptions",
      "WatchEvent");

  static String of(Class<?> type) {
    if (type == Quantity.class) return "io.k8s.apimachinery.pkg.api.resource.Quantity";
    if (type == IntOrString.class) return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    if (type == RawExtension.class) return "io.k8s.apimachinery.pkg.runtime.RawExtension";
    String name = type.getSimpleName();
    String pkg = type.getPackageName();
    if (pkg.equals(FABRIC8)) return (META_TYPES.contains(name) ? META : "io.k8s.api.core.v1.") + name;
    if (!pkg.startsWith(FABRIC8 + ".")) return type.getName();
    // fabric8 packages are <group>[.<version>]: "apps" (v1 only), "autoscaling.v1", "policy.v1", "metrics.v1beta1".
    String[] parts = pkg.substring(FABRIC8.length() + 1).split("\\.");
    String group = parts[0];
    String version = parts.length > 1 ? parts[1] : "v1";
    if (group.equals("metrics")) return "io.k8s.metrics.pkg.apis.metrics." + version + "." + name;
    return "io.k8s.api." + group + "." + version + "." + name;
  }
}
