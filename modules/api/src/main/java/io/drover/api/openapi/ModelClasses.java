package io.drover.api.openapi;

import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.discovery.GroupVersionKind;
import java.util.Map;
import java.util.Optional;

/** Finds the fabric8 class that models a kind, for kinds served directly and kinds subresources answer with. */
final class ModelClasses {
  private ModelClasses() {}

  /** Kinds only subresources use; looked up by name because their fabric8 module may not be on the classpath. */
  private static final Map<String, String> SUBRESOURCE_KINDS = Map.of(
      "autoscaling/v1/Scale", "io.fabric8.kubernetes.api.model.autoscaling.v1.Scale",
      "policy/v1/Eviction", "io.fabric8.kubernetes.api.model.policy.v1.Eviction",
      "v1/Binding", "io.fabric8.kubernetes.api.model.Binding");

  static Optional<Class<?>> forKind(GroupVersionKind gvk) {
    Optional<ResourceType> served = ResourceRegistry.byKind(gvk.apiVersion(), gvk.kind());
    if (served.isPresent()) return Optional.of(served.get().modelClass());
    return load(SUBRESOURCE_KINDS.get(gvk.apiVersion() + "/" + gvk.kind()));
  }

  /** fabric8's list class for a kind ({@code PodList} next to {@code Pod}), when it has one. */
  static Optional<Class<?>> listOf(ResourceType type) {
    return load(type.modelClass().getName() + "List");
  }

  private static Optional<Class<?>> load(String className) {
    if (className == null) return Optional.empty();
    try {
      return Optional.of(Class.forName(className, false, ModelClasses.class.getClassLoader()));
    } catch (ClassNotFoundException e) {
      return Optional.empty();
    }
  }
}
