package io.drover.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * One kind the API serves: how it is named in URLs and discovery, its scope, and the fabric8 model class
 * that gives its exact JSON shape.
 *
 * @param group API group, "" for the core group
 * @param subresources served subresources, e.g. "status", "scale"
 */
public record ResourceType(String group, String version, String kind, String plural, String singular,
    boolean namespaced, List<String> shortNames, List<String> categories, List<String> subresources,
    Class<? extends HasMetadata> modelClass) {

  public static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  public String listKind() {
    return kind + "List";
  }

  /** How the apiserver names the resource in messages: {@code configmaps}, {@code deployments.apps}. */
  public String resourceLabel() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  public boolean hasStatus() {
    return subresources.contains("status");
  }

  public boolean hasScale() {
    return subresources.contains("scale");
  }

  /** The entity key (and shard key) of one object: {@code apps/Deployment/ns/name}, core group as "core". */
  public String objectKey(String namespace, String name) {
    return (group.isEmpty() ? "core" : group) + "/" + kind + "/" + (namespaced ? namespace : "") + "/" + name;
  }
}
