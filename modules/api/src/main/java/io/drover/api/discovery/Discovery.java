package io.drover.api.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discovery documents kubectl reads to learn which resources exist: the legacy APIVersions, APIGroupList,
 * APIGroup and APIResourceList, and the aggregated APIGroupDiscoveryList (apidiscovery.k8s.io v2 and v2beta1).
 * Everything comes from {@link ResourceRegistry#ALL} and the read-only {@link ResourceRegistry#READ_ONLY} kinds
 * (metrics.k8s.io); adding a ResourceType is enough to publish it.
 * Documents are built once; each call returns a copy the caller may change.
 */
public final class Discovery {
  private Discovery() {}

  /** Content type of an aggregated answer; kubectl misreads the body unless it is exactly this string. */
  public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
  public static final String AGGREGATED_V2BETA1 =
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** GET /api. */
  public static ObjectNode apiVersions() {
    return apiVersions("");
  }

  /** GET /api, naming the address clients should use. */
  public static ObjectNode apiVersions(String serverAddress) {
    ObjectNode doc = NODES.objectNode();
    doc.put("kind", "APIVersions");
    ArrayNode versions = doc.putArray("versions");
    Cache.GROUPS_BY_NAME.getOrDefault("", Map.of()).keySet().forEach(versions::add);
    ObjectNode cidr = doc.putArray("serverAddressByClientCIDRs").addObject();
    cidr.put("clientCIDR", "0.0.0.0/0");
    cidr.put("serverAddress", serverAddress);
    return doc;
  }

  /** GET /apis: every named group (the core group is served at /api). */
  public static ObjectNode apiGroupList() {
    return Cache.GROUP_LIST.deepCopy();
  }

  /** GET /apis/{group}, or null when the group is not served. */
  public static ObjectNode apiGroup(String group) {
    return copy(Cache.GROUPS.get(group));
  }

  /** GET /api/v1 or /apis/{group}/{version}, or null when that group version is not served. */
  public static ObjectNode resourceList(String group, String version) {
    return copy(Cache.RESOURCE_LISTS.get((group == null || group.isEmpty() ? "" : group + "/") + version));
  }

  /**
   * Aggregated discovery for GET /api. {@code apiVersionOfDoc} picks the document version:
   * "apidiscovery.k8s.io/v2beta1" (or the v2beta1 content type) for v2beta1, anything else for v2.
   */
  public static ObjectNode aggregatedCore(String apiVersionOfDoc) {
    return withApiVersion(Cache.AGGREGATED_CORE, apiVersionOfDoc);
  }

  /** Aggregated discovery for GET /apis: every named group; {@code apiVersionOfDoc} as for aggregatedCore. */
  public static ObjectNode aggregatedGroups(String apiVersionOfDoc) {
    return withApiVersion(Cache.AGGREGATED_GROUPS, apiVersionOfDoc);
  }

  private static ObjectNode withApiVersion(ObjectNode cached, String apiVersionOfDoc) {
    ObjectNode doc = cached.deepCopy();
    // v2 and v2beta1 share one shape; only the apiVersion names which one the client asked for.
    boolean beta = apiVersionOfDoc != null && apiVersionOfDoc.contains("v2beta1");
    doc.put("apiVersion", beta ? "apidiscovery.k8s.io/v2beta1" : "apidiscovery.k8s.io/v2");
    return doc;
  }

  private static ObjectNode copy(ObjectNode cached) {
    return cached == null ? null : cached.deepCopy();
  }

  private static ObjectNode buildApiGroup(String group, Iterable<String> versions) {
    ObjectNode doc = NODES.objectNode();
    doc.put("kind", "APIGroup");
    doc.put("apiVersion", "v1");
    doc.setAll(groupEntry(group, versions));
    return doc;
  }

  private static ObjectNode buildResourceList(List<ResourceType> types) {
    ObjectNode doc = NODES.objectNode();
    doc.put("kind", "APIResourceList");
    doc.put("apiVersion", "v1");
    doc.put("groupVersion", types.get(0).apiVersion());
    ArrayNode resources = doc.putArray("resources");
    for (ResourceType type : types) {
      resources.add(legacyResource(type));
      for (Subresource sub : Subresource.of(type)) {
        resources.add(legacySubresource(type, sub));
      }
    }
    return doc;
  }

  private static ObjectNode buildAggregated(Map<String, Map<String, List<ResourceType>>> groups) {
    ObjectNode doc = NODES.objectNode();
    doc.put("kind", "APIGroupDiscoveryList");
    doc.put("apiVersion", "apidiscovery.k8s.io/v2");
    doc.putObject("metadata");
    ArrayNode items = doc.putArray("items");
    for (var group : groups.entrySet()) {
      ObjectNode item = items.addObject();
      item.putObject("metadata").put("name", group.getKey());
      ArrayNode versions = item.putArray("versions");
      group.getValue().forEach((version, types) -> {
        ObjectNode versionNode = versions.addObject();
        versionNode.put("version", version);
        ArrayNode resources = versionNode.putArray("resources");
        types.forEach(type -> resources.add(aggregatedResource(type)));
        versionNode.put("freshness", "Current");
      });
    }
    return doc;
  }

  private static ObjectNode aggregatedResource(ResourceType type) {
    ObjectNode node = NODES.objectNode();
    node.put("resource", type.plural());
    node.set("responseKind", GroupVersionKind.of(type).toJson());
    node.put("scope", type.namespaced() ? "Namespaced" : "Cluster");
    node.put("singularResource", type.singular());
    strings(node, "verbs", verbs(type));
    if (!type.shortNames().isEmpty()) strings(node, "shortNames", type.shortNames());
    if (!type.categories().isEmpty()) strings(node, "categories", type.categories());
    List<Subresource> subresources = Subresource.of(type);
    if (!subresources.isEmpty()) {
      ArrayNode subs = node.putArray("subresources");
      for (Subresource sub : subresources) {
        ObjectNode subNode = subs.addObject();
        subNode.put("subresource", sub.name());
        subNode.set("responseKind", sub.responseKind().toJson());
        strings(subNode, "verbs", sub.verbs());
      }
    }
    return node;
  }

  private static ObjectNode legacyResource(ResourceType type) {
    ObjectNode node = NODES.objectNode();
    node.put("name", type.plural());
    node.put("singularName", type.singular());
    node.put("namespaced", type.namespaced());
    node.put("kind", type.kind());
    strings(node, "verbs", verbs(type));
    if (!type.shortNames().isEmpty()) strings(node, "shortNames", type.shortNames());
    if (!type.categories().isEmpty()) strings(node, "categories", type.categories());
    return node;
  }

  private static ObjectNode legacySubresource(ResourceType type, Subresource sub) {
    ObjectNode node = NODES.objectNode();
    node.put("name", type.plural() + "/" + sub.name());
    node.put("singularName", "");
    node.put("namespaced", type.namespaced());
    GroupVersionKind kind = sub.responseKind();
    // Like kube-apiserver, name group and version only when the subresource answers with another group's kind.
    if (!kind.group().equals(type.group()) || !kind.version().equals(type.version())) {
      node.put("group", kind.group());
      node.put("version", kind.version());
    }
    node.put("kind", kind.kind());
    strings(node, "verbs", sub.verbs());
    return node;
  }

  private static List<String> verbs(ResourceType type) {
    return ResourceRegistry.READ_ONLY.contains(type) ? List.of("get", "list") : ResourceType.VERBS;
  }

  private static ObjectNode groupEntry(String group, Iterable<String> versions) {
    ObjectNode entry = NODES.objectNode();
    entry.put("name", group);
    ArrayNode list = entry.putArray("versions");
    ObjectNode preferred = null;
    for (String version : versions) {
      ObjectNode v = list.addObject();
      v.put("groupVersion", group + "/" + version);
      v.put("version", version);
      if (preferred == null) preferred = v.deepCopy();
    }
    entry.set("preferredVersion", preferred);
    return entry;
  }

  private static void strings(ObjectNode node, String field, List<String> values) {
    ArrayNode array = node.putArray(field);
    values.forEach(array::add);
  }

  /** Every document, built once from the registry on first use. */
  private static final class Cache {
    /** Group to version to types, in registry order (core first; a group's first version is its preferred one). */
    static final Map<String, Map<String, List<ResourceType>>> GROUPS_BY_NAME = groupsByName();
    static final ObjectNode GROUP_LIST = buildGroupList();
    static final Map<String, ObjectNode> GROUPS = new HashMap<>();
    static final Map<String, ObjectNode> RESOURCE_LISTS = new HashMap<>();
    static final ObjectNode AGGREGATED_CORE;
    static final ObjectNode AGGREGATED_GROUPS;

    static {
      Map<String, Map<String, List<ResourceType>>> core = new LinkedHashMap<>();
      Map<String, Map<String, List<ResourceType>>> named = new LinkedHashMap<>();
      GROUPS_BY_NAME.forEach((group, versions) -> {
        (group.isEmpty() ? core : named).put(group, versions);
        if (!group.isEmpty()) GROUPS.put(group, buildApiGroup(group, versions.keySet()));
        versions.forEach((version, types) -> RESOURCE_LISTS.put(types.get(0).apiVersion(), buildResourceList(types)));
      });
      AGGREGATED_CORE = buildAggregated(core);
      AGGREGATED_GROUPS = buildAggregated(named);
    }

    private static Map<String, Map<String, List<ResourceType>>> groupsByName() {
      Map<String, Map<String, List<ResourceType>>> groups = new LinkedHashMap<>();
      Map<String, List<ResourceType>> byGroup = ResourceRegistry.byGroup();
      for (ResourceType type : ResourceRegistry.READ_ONLY) {
        byGroup.computeIfAbsent(type.group(), g -> new ArrayList<>()).add(type);
      }
      byGroup.forEach((group, types) -> {
        Map<String, List<ResourceType>> versions = new LinkedHashMap<>();
        for (ResourceType type : types) {
          versions.computeIfAbsent(type.version(), v -> new ArrayList<>()).add(type);
        }
        if (!versions.isEmpty()) groups.put(group, versions);
      });
      return groups;
    }

    private static ObjectNode buildGroupList() {
      ObjectNode doc = NODES.objectNode();
      doc.put("kind", "APIGroupList");
      doc.put("apiVersion", "v1");
      ArrayNode list = doc.putArray("groups");
      GROUPS_BY_NAME.forEach((group, versions) -> {
        if (!group.isEmpty()) list.add(groupEntry(group, versions.keySet()));
      });
      return doc;
    }
  }
}
