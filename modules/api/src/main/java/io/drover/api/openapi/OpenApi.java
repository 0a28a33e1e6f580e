package io.drover.api.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.api.discovery.GroupVersionKind;
import io.drover.api.discovery.Subresource;
import io.drover.api.openapi.Endpoints.Operation;
import io.drover.api.openapi.Endpoints.Param;
import io.drover.api.openapi.Endpoints.PathItem;
import io.drover.api.openapi.Endpoints.Response;
import io.drover.api.openapi.Endpoints.Schemas;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Patch;
import io.fabric8.kubernetes.api.model.Status;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenAPI documents kubectl downloads before create, apply and replace, and for explain: the v3 index, one
 * v3 document per group version (as kube-apiserver splits them), and the single swagger 2.0 document kubectl
 * falls back to. Schemas are generated from the fabric8 model classes of {@link ResourceRegistry#ALL}, paths from
 * the registry's resources and subresources. Documents are built once; each call returns a copy.
 */
public final class OpenApi {
  private OpenApi() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String TITLE = "Kubernetes";
  private static final String VERSION = "v1.32.0";
  private static final String V3_PREFIX = "/openapi/v3/";
  private static final List<String> PRODUCES = List.of("application/json", "application/yaml");

  /** GET /openapi/v3: each group version's document and the URL (with a content hash) to fetch it from. */
  public static ObjectNode v3Index() {
    return V3.INDEX.deepCopy();
  }

  /**
   * GET /openapi/v3/api/v1, /openapi/v3/apis/apps/v1; {@code path} may also be given as "api/v1" and may carry
   * the index's "?hash=..." query. Null when no such group version is served.
   */
  public static ObjectNode v3GroupVersion(String path) {
    ObjectNode doc = V3.DOCS.get(groupVersionKey(path));
    return doc == null ? null : doc.deepCopy();
  }

  /** GET /openapi/v2: the swagger 2.0 document of every served kind. */
  public static ObjectNode v2() {
    return V2.DOC.deepCopy();
  }

  private static String groupVersionKey(String path) {
    if (path == null) return "";
    String key = path;
    int query = key.indexOf('?');
    if (query >= 0) key = key.substring(0, query);
    if (key.startsWith(V3_PREFIX)) key = key.substring(V3_PREFIX.length());
    while (key.startsWith("/")) key = key.substring(1);
    while (key.endsWith("/")) key = key.substring(0, key.length() - 1);
    return key;
  }

  /** "api/v1" or "apis/apps/v1": how the v3 index names a group version. */
  private static String groupVersionKey(ResourceType type) {
    return type.group().isEmpty() ? "api/" + type.version() : "apis/" + type.apiVersion();
  }

  private static Map<String, List<ResourceType>> byGroupVersion() {
    Map<String, List<ResourceType>> groupVersions = new LinkedHashMap<>();
    for (ResourceType type : ResourceRegistry.ALL) {
      groupVersions.computeIfAbsent(groupVersionKey(type), k -> new ArrayList<>()).add(type);
    }
    return groupVersions;
  }

  /** Generates the schemas of {@code types} into {@code schemas} and returns their endpoints. */
  private static List<PathItem> describe(List<ResourceType> types, SchemaGenerator schemas) {
    String status = schemas.define(Status.class);
    String deleteOptions = schemas.define(DeleteOptions.class);
    String patch = schemas.define(Patch.class);
    List<PathItem> paths = new ArrayList<>();
    for (ResourceType type : types) {
      String kind = schemas.define(type.modelClass());
      schemas.annotateKind(kind, GroupVersionKind.of(type), kindDescription(type));
      String list = ModelClasses.listOf(type).map(schemas::define)
          .orElseGet(() -> schemas.defineList(kind + "List", kind));
      schemas.annotateKind(list, new GroupVersionKind(type.group(), type.version(), type.listKind()),
          type.listKind() + " is a list of " + type.kind() + " objects.");
      Map<String, String> subresources = new LinkedHashMap<>();
      for (Subresource sub : Subresource.of(type)) {
        if (sub.streaming()) continue;
        ModelClasses.forKind(sub.responseKind()).ifPresent(model -> {
          String name = schemas.define(model);
          schemas.annotateKind(name, sub.responseKind(), sub.responseKind().kind() + " is the "
              + sub.responseKind().apiVersion() + " kind the " + sub.name() + " subresource reads and writes.");
          subresources.put(sub.name(), name);
        });
      }
      paths.addAll(Endpoints.of(type, new Schemas(kind, list, status, deleteOptions, patch, subresources)));
    }
    return paths;
  }

  /** fabric8 carries no documentation at run time, so each kind gets a sentence built from the registry. */
  private static String kindDescription(ResourceType type) {
    return type.kind() + " is a " + (type.namespaced() ? "namespaced" : "cluster-scoped") + " "
        + type.apiVersion() + " resource, served at " + type.resourceLabel() + ".";
  }

  private static ObjectNode info() {
    return NODES.objectNode().put("title", TITLE).put("version", VERSION);
  }

  private static String tag(ResourceType type) {
    String group = Endpoints.groupPart(type.group());
    return Character.toLowerCase(group.charAt(0)) + group.substring(1) + "_" + type.version();
  }

  private static ObjectNode common(Operation op, String tag) {
    ObjectNode node = NODES.objectNode();
    node.put("description", op.description());
    node.put("operationId", op.operationId());
    node.putArray("tags").add(tag);
    node.put("x-kubernetes-action", op.action());
    node.set("x-kubernetes-group-version-kind", op.gvk().toJson());
    return node;
  }

  private static void strings(ObjectNode node, String field, List<String> values) {
    ArrayNode array = node.putArray(field);
    values.forEach(array::add);
  }

  /** One OpenAPI 3.0 document per group version, as kube-apiserver serves them. */
  private static final class V3 {
    static final Map<String, ObjectNode> DOCS;
    static final ObjectNode INDEX;

    static {
      Map<String, ObjectNode> docs = new LinkedHashMap<>();
      ObjectNode index = NODES.objectNode();
      ObjectNode indexPaths = index.putObject("paths");
      byGroupVersion().forEach((key, types) -> {
        ObjectNode doc = document(types);
        docs.put(key, doc);
        indexPaths.putObject(key).put("serverRelativeURL", V3_PREFIX + key + "?hash=" + hash(doc));
      });
      DOCS = Collections.unmodifiableMap(docs);
      INDEX = index;
    }

    private static ObjectNode document(List<ResourceType> types) {
      SchemaGenerator schemas = new SchemaGenerator("#/components/schemas/", true);
      List<PathItem> items = describe(types, schemas);
      String tag = tag(types.get(0));
      ObjectNode doc = NODES.objectNode();
      doc.put("openapi", "3.0.0");
      doc.set("info", info());
      TreeMap<String, ObjectNode> paths = new TreeMap<>();
      for (PathItem item : items) paths.put(item.path(), pathItem(item, schemas, tag));
      doc.putObject("paths").setAll(paths);
      doc.putObject("components").putObject("schemas").setAll(schemas.schemas());
      return doc;
    }

    private static ObjectNode pathItem(PathItem item, SchemaGenerator schemas, String tag) {
      ObjectNode node = NODES.objectNode();
      for (Operation op : item.operations()) node.set(op.method(), operation(op, schemas, tag));
      ArrayNode params = node.putArray("parameters");
      item.params().forEach(p -> params.add(param(p)));
      return node;
    }

    private static ObjectNode operation(Operation op, SchemaGenerator schemas, String tag) {
      ObjectNode node = common(op, tag);
      if (!op.params().isEmpty()) {
        ArrayNode params = node.putArray("parameters");
        op.params().forEach(p -> params.add(param(p)));
      }
      if (op.body() != null) {
        ObjectNode body = node.putObject("requestBody");
        ObjectNode content = body.putObject("content");
        ObjectNode ref = schemas.ref(op.body().schema());
        op.body().contentTypes().forEach(type -> content.putObject(type).set("schema", ref.deepCopy()));
        if (op.body().required()) body.put("required", true);
      }
      ObjectNode responses = node.putObject("responses");
      for (Response response : op.responses()) {
        ObjectNode r = responses.putObject(response.code());
        ObjectNode content = r.putObject("content");
        List<String> types = op.action().equals("list")
            ? List.of("application/json", "application/json;stream=watch", "application/yaml") : PRODUCES;
        types.forEach(type -> content.putObject(type).set("schema", schemas.ref(response.schema())));
        r.put("description", response.description());
      }
      responses.putObject("401").put("description", "Unauthorized");
      return node;
    }

    private static ObjectNode param(Param p) {
      ObjectNode node = NODES.objectNode();
      node.put("description", p.description());
      node.put("in", p.in());
      node.put("name", p.name());
      if (p.required()) node.put("required", true);
      node.putObject("schema").put("type", p.type()).put("uniqueItems", true);
      return node;
    }

    private static String hash(ObjectNode doc) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-512").digest(Json.bytes(doc));
        return HexFormat.of().withUpperCase().formatHex(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e); // every JRE provides SHA-512
      }
    }
  }

  /** The swagger 2.0 document, one for all groups. */
  private static final class V2 {
    static final ObjectNode DOC = document();

    private static ObjectNode document() {
      SchemaGenerator schemas = new SchemaGenerator("#/definitions/", false);
      TreeMap<String, ObjectNode> paths = new TreeMap<>();
      byGroupVersion().forEach((key, types) -> {
        String tag = tag(types.get(0));
        for (PathItem item : describe(types, schemas)) paths.put(item.path(), pathItem(item, schemas, tag));
      });
      ObjectNode doc = NODES.objectNode();
      doc.put("swagger", "2.0");
      doc.set("info", info());
      doc.putObject("paths").setAll(paths);
      doc.putObject("definitions").setAll(schemas.schemas());
      return doc;
    }

    private static ObjectNode pathItem(PathItem item, SchemaGenerator schemas, String tag) {
      ObjectNode node = NODES.objectNode();
      for (Operation op : item.operations()) node.set(op.method(), operation(op, schemas, tag));
      ArrayNode params = node.putArray("parameters");
      item.params().forEach(p -> params.add(param(p)));
      return node;
    }

    private static ObjectNode operation(Operation op, SchemaGenerator schemas, String tag) {
      ObjectNode node = common(op, tag);
      strings(node, "consumes", op.body() == null ? Endpoints.ANY_TYPE : op.body().contentTypes());
      strings(node, "produces", PRODUCES);
      strings(node, "schemes", List.of("https"));
      if (!op.params().isEmpty() || op.body() != null) {
        ArrayNode params = node.putArray("parameters");
        if (op.body() != null) {
          ObjectNode body = params.addObject();
          body.put("in", "body");
          body.put("name", "body");
          if (op.body().required()) body.put("required", true);
          body.set("schema", schemas.ref(op.body().schema()));
        }
        op.params().forEach(p -> params.add(param(p)));
      }
      ObjectNode responses = node.putObject("responses");
      for (Response response : op.responses()) {
        ObjectNode r = responses.putObject(response.code());
        r.put("description", response.description());
        r.set("schema", schemas.ref(response.schema()));
      }
      responses.putObject("401").put("description", "Unauthorized");
      return node;
    }

    private static ObjectNode param(Param p) {
      ObjectNode node = NODES.objectNode();
      node.put("description", p.description());
      node.put("in", p.in());
      node.put("name", p.name());
      if (p.required()) node.put("required", true);
      node.put("type", p.type());
      node.put("uniqueItems", true);
      return node;
    }
  }
}
