package io.drover.api.openapi;

import io.drover.api.ResourceType;
import io.drover.api.discovery.GroupVersionKind;
import io.drover.api.discovery.Subresource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The REST endpoints of one resource, described independently of the OpenAPI version they are rendered in.
 * Shaped after kube-apiserver's documents: operation ids such as {@code listCoreV1NamespacedPod}, the action in
 * {@code x-kubernetes-action}, and on every write the {@code fieldValidation} parameter that tells kubectl it may
 * leave validation to the server.
 */
final class Endpoints {
  private Endpoints() {}

  record Param(String name, String in, String type, boolean required, String description) {}

  record Body(String schema, List<String> contentTypes, boolean required) {}

  record Response(String code, String description, String schema) {}

  record Operation(String method, String action, String operationId, String description, GroupVersionKind gvk,
      List<Param> params, Body body, List<Response> responses) {}

  record PathItem(String path, List<Param> params, List<Operation> operations) {}

  /** Schema names one resource's endpoints refer to; {@code subresources} maps a subresource to its schema. */
  record Schemas(String kind, String list, String status, String deleteOptions, String patch,
      Map<String, String> subresources) {}

  /**
   * Patch bodies the documents announce. The server also takes application/strategic-merge-patch+json, but
   * announcing it makes kubectl apply compute strategic merge patches from these schemas, which lack the
   * patch-merge-key metadata fabric8 does not carry; without it kubectl uses its compiled-in types, which have it.
   */
  static final List<String> PATCH_TYPES = List.of("application/apply-patch+yaml", "application/json-patch+json",
      "application/merge-patch+json");
  static final List<String> ANY_TYPE = List.of("*/*");

  private static final Param PRETTY = query("pretty", "string", "If 'true', then the output is pretty printed.");
  private static final Param NAMESPACE = new Param("namespace", "path", "string", true,
      "object name and auth scope, such as for teams and projects");
  private static final Param DRY_RUN = query("dryRun", "string",
      "When present, indicates that modifications should not be persisted. Valid values are: - All");
  private static final Param FIELD_MANAGER = query("fieldManager", "string",
      "fieldManager is a name associated with the actor or entity that is making these changes.");
  private static final Param FIELD_VALIDATION = query("fieldValidation", "string",
      "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing"
          + " unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict: fail the request with a"
          + " BadRequest error if any unknown or duplicate fields are present.");
  private static final Param FORCE = query("force", "boolean",
      "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests.");
  private static final List<Param> LIST = List.of(
      query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
      query("continue", "string", "The continue option should be set when retrieving more results from the server."),
      query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields."),
      query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels."),
      query("limit", "integer", "limit is a maximum number of responses to return for a list call."),
      query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request"
          + " may be served from."),
      query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied."),
      query("sendInitialEvents", "boolean", "sendInitialEvents=true may be set together with watch=true."),
      query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
      query("watch", "boolean", "Watch for changes to the described resources and return them as a stream."));
  private static final List<Param> DELETE = List.of(DRY_RUN,
      query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
      query("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
      query("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan',"
          + " 'Background' or 'Foreground'."));
  private static final List<Param> WRITE = List.of(DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION);
  private static final List<Param> PATCH = List.of(DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE);

  static List<PathItem> of(ResourceType type, Schemas schemas) {
    GroupVersionKind gvk = GroupVersionKind.of(type);
    String prefix = type.group().isEmpty() ? "/api/" + type.version() : "/apis/" + type.apiVersion();
    String collection = prefix + (type.namespaced() ? "/namespaces/{namespace}/" : "/") + type.plural();
    String item = collection + "/{name}";
    Param name = new Param("name", "path", "string", true, "name of the " + type.kind());
    List<Param> collectionParams = type.namespaced() ? List.of(NAMESPACE, PRETTY) : List.of(PRETTY);
    List<Param> itemParams = type.namespaced() ? List.of(name, NAMESPACE, PRETTY) : List.of(name, PRETTY);
    String kind = type.kind();
    String id = operationId(type, "", "");
    List<Response> one = ok(schemas.kind());

    List<PathItem> paths = new ArrayList<>();
    paths.add(new PathItem(collection, collectionParams, List.of(
        new Operation("get", "list", "list" + id, "list or watch objects of kind " + kind, gvk, LIST, null,
            ok(schemas.list())),
        new Operation("post", "post", "create" + id, "create a " + kind, gvk, WRITE,
            new Body(schemas.kind(), ANY_TYPE, true), created(schemas.kind(), true)),
        new Operation("delete", "deletecollection", "delete" + operationId(type, "Collection", ""),
            "delete collection of " + kind, gvk, concat(DELETE, LIST),
            new Body(schemas.deleteOptions(), ANY_TYPE, false), ok(schemas.status())))));
    paths.add(new PathItem(item, itemParams, List.of(
        new Operation("get", "get", "read" + id, "read the specified " + kind, gvk, List.of(), null, one),
        new Operation("put", "put", "replace" + id, "replace the specified " + kind, gvk, WRITE,
            new Body(schemas.kind(), ANY_TYPE, true), created(schemas.kind(), false)),
        new Operation("patch", "patch", "patch" + id, "partially update the specified " + kind, gvk, PATCH,
            new Body(schemas.patch(), PATCH_TYPES, true), created(schemas.kind(), false)),
        new Operation("delete", "delete", "delete" + id, "delete a " + kind, gvk, DELETE,
            new Body(schemas.deleteOptions(), ANY_TYPE, false), List.of(new Response("200", "OK", schemas.kind()),
                new Response("202", "Accepted", schemas.kind()))))));
    if (type.namespaced()) {
      paths.add(new PathItem(prefix + "/" + type.plural(), List.of(PRETTY), List.of(
          new Operation("get", "list", "list" + gvPart(type) + kind + "ForAllNamespaces",
              "list or watch objects of kind " + kind, gvk, LIST, null, ok(schemas.list())))));
    }
    for (Subresource sub : Subresource.of(type)) {
      String schema = schemas.subresources().get(sub.name());
      if (schema != null) {
        paths.add(subresource(type, sub, item + "/" + sub.name(), itemParams, schema, schemas.patch()));
      }
    }
    return paths;
  }

  private static PathItem subresource(ResourceType type, Subresource sub, String path, List<Param> params,
      String schema, String patchSchema) {
    String id = operationId(type, "", capitalize(sub.name()));
    String of = sub.name() + " of the specified " + type.kind();
    List<Operation> operations = new ArrayList<>();
    for (String verb : sub.verbs()) {
      switch (verb) {
        case "get" -> operations.add(new Operation("get", "get", "read" + id, "read " + of, sub.responseKind(),
            List.of(), null, ok(schema)));
        case "create" -> operations.add(new Operation("post", "post", "create" + id,
            "create " + sub.name() + " of a " + type.kind(), sub.responseKind(), WRITE,
            new Body(schema, ANY_TYPE, true), created(schema, true)));
        case "update" -> operations.add(new Operation("put", "put", "replace" + id, "replace " + of,
            sub.responseKind(), WRITE, new Body(schema, ANY_TYPE, true), created(schema, false)));
        case "patch" -> operations.add(new Operation("patch", "patch", "patch" + id, "partially update " + of,
            sub.responseKind(), PATCH, new Body(patchSchema, PATCH_TYPES, true), created(schema, false)));
        default -> { } // other verbs have no operation of their own
      }
    }
    return new PathItem(path, params, operations);
  }

  /** {@code CoreV1NamespacedPod}, {@code CoreV1CollectionNamespacedPod}, {@code AppsV1NamespacedDeploymentScale}. */
  private static String operationId(ResourceType type, String infix, String suffix) {
    return gvPart(type) + infix + (type.namespaced() ? "Namespaced" : "") + type.kind() + suffix;
  }

  /** {@code CoreV1}, {@code AppsV1}, {@code RbacAuthorizationV1} (the ".k8s.io" suffix dropped). */
  static String gvPart(ResourceType type) {
    return groupPart(type.group()) + capitalize(type.version());
  }

  static String groupPart(String group) {
    if (group.isEmpty()) return "Core";
    StringBuilder out = new StringBuilder();
    for (String word : group.replaceFirst("\\.k8s\\.io$", "").split("[.-]")) out.append(capitalize(word));
    return out.toString();
  }

  private static String capitalize(String word) {
    return word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  private static List<Response> ok(String schema) {
    return List.of(new Response("200", "OK", schema));
  }

  private static List<Response> created(String schema, boolean accepted) {
    return accepted
        ? List.of(new Response("200", "OK", schema), new Response("201", "Created", schema),
            new Response("202", "Accepted", schema))
        : List.of(new Response("200", "OK", schema), new Response("201", "Created", schema));
  }

  private static Param query(String name, String type, String description) {
    return new Param(name, "query", type, false, description);
  }

  private static List<Param> concat(List<Param> a, List<Param> b) {
    return Stream.concat(a.stream(), b.stream().filter(p -> !a.contains(p))).toList();
  }
}
