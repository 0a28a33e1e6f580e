package io.drover.apiserver;

import io.drover.api.ApiException;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.Optional;

/**
 * A parsed resource URL: {@code /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]]} or
 * {@code /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME[/SUB]]}. namespace is null for cluster-wide requests.
 */
public record ResourcePath(ResourceType type, String namespace, String name, String subresource) {

  public boolean isCollection() {
    return name == null;
  }

  /**
   * Parses the segments after the group-version prefix; empty when the path names no served resource.
   * {@code namespaces/x/status} is the namespace's subresource; {@code namespaces/x/pods} the pods in x.
   */
  public static Optional<ResourcePath> parse(String group, String version, String[] rest) {
    if (rest.length == 0) return Optional.empty();
    if (rest[0].equals("namespaces") && rest.length >= 3) {
      Optional<ResourceType> namespaced = ResourceRegistry.byPlural(group, version, rest[2])
          .filter(ResourceType::namespaced);
      if (namespaced.isPresent()) {
        if (rest.length > 5) return Optional.empty();
        return Optional.of(new ResourcePath(namespaced.get(), rest[1], rest.length > 3 ? rest[3] : null,
            rest.length > 4 ? rest[4] : null));
      }
    }
    Optional<ResourceType> type = ResourceRegistry.byPlural(group, version, rest[0]);
    if (type.isEmpty() || rest.length > 3) return Optional.empty();
    return Optional.of(new ResourcePath(type.get(), null, rest.length > 1 ? rest[1] : null,
        rest.length > 2 ? rest[2] : null));
  }

  /** The subresource must be one the type serves. */
  public void checkSubresource() {
    if (subresource != null && !type.subresources().contains(subresource)) {
      throw ApiException.notFound("the server could not find the requested resource");
    }
  }
}
