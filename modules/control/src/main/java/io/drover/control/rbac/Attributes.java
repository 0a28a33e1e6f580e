package io.drover.control.rbac;

import io.drover.api.ApiException;
import io.drover.api.select.FieldSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a request asks to do and who asks, as an authorizer sees it (authorizer.Attributes of k8s.io/apiserver).
 * A resource request names a verb on a resource of a group, maybe a subresource, a namespace and an object name;
 * any other request (discovery, /healthz, /version, ...) is a non-resource request on a {@code path}.
 *
 * @param user the authenticated user name, e.g. {@code jane} or {@code system:serviceaccount:dev:builder}
 * @param groups the user's groups, e.g. {@code system:authenticated}
 * @param verb get, list, watch, create, update, patch, delete, deletecollection, or a special verb (proxy, bind,
 *     impersonate, ...); for non-resource requests the lower-case HTTP method
 * @param apiGroup "" for the core group
 * @param resource plural, e.g. {@code pods}
 * @param subresource e.g. {@code log}, "" for none
 * @param namespace "" for cluster-scoped requests and for lists across all namespaces
 * @param name "" when the request names no object (create, list)
 * @param path the URL path of a non-resource request
 */
public record Attributes(String user, List<String> groups, String verb, String apiGroup, String resource,
    String subresource, String namespace, String name, boolean resourceRequest, String path) {

  public Attributes {
    groups = List.copyOf(groups);
  }

  public static Attributes resource(String user, List<String> groups, String verb, String apiGroup, String resource,
      String subresource, String namespace, String name) {
    return new Attributes(user, groups, verb, apiGroup, resource, subresource, namespace, name, true, "");
  }

  public static Attributes nonResource(String user, List<String> groups, String verb, String path) {
    return new Attributes(user, groups, verb, "", "", "", "", "", false, path);
  }

  private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  /**
   * The attributes of an HTTP request, as kube-apiserver's RequestInfoFactory reads them: {@code /api/v1/...} and
   * {@code /apis/GROUP/VERSION/...} are resource requests (a GET without a name is a list, or a watch with
   * {@code watch=true}; a list or watch with {@code fieldSelector=metadata.name=x} names {@code x}; a DELETE
   * without a name is a deletecollection), everything else is a non-resource request on the path.
   *
   * @param query the query parameters (only {@code watch} and {@code fieldSelector} are read)
   */
  public static Attributes ofRequest(String user, List<String> groups, String method, String path,
      Map<String, List<String>> query) {
    String httpVerb = method.toLowerCase(Locale.ROOT);
    Attributes nonResource = nonResource(user, groups, httpVerb, path);
    List<String> parts = new ArrayList<>(Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList());
    if (parts.size() < 3 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) return nonResource;
    boolean grouped = parts.get(0).equals("apis");
    if (grouped && parts.size() < 4) return nonResource;
    String apiGroup = grouped ? parts.get(1) : "";
    List<String> rest = parts.subList(grouped ? 3 : 2, parts.size());

    String verb;
    if (SPECIAL_VERBS.contains(rest.get(0))) {
      if (rest.size() < 2) return nonResource; // kube-apiserver answers this request with an error
      verb = rest.get(0);
      rest = rest.subList(1, rest.size());
    } else {
      verb = switch (method) {
        case "POST" -> "create";
        case "GET", "HEAD" -> "get";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> "delete";
        default -> "";
      };
    }
    String namespace = "";
    if (rest.get(0).equals("namespaces") && rest.size() > 1) {
      namespace = rest.get(1);
      // namespaces/NS/status and namespaces/NS/finalize are the namespace's own subresources
      if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0);
    String name = rest.size() >= 2 ? rest.get(1) : "";
    String subresource = rest.size() >= 3 && !verb.equals("proxy") ? rest.get(2) : "";

    if (name.isEmpty() && verb.equals("get")) {
      verb = watching(query) ? "watch" : "list";
      name = nameFromFieldSelector(query);
    }
    if (name.isEmpty() && verb.equals("delete")) verb = "deletecollection";
    return resource(user, groups, verb, apiGroup, resource, subresource, namespace, name);
  }

  private static boolean watching(Map<String, List<String>> query) {
    List<String> values = query.getOrDefault("watch", List.of());
    if (values.isEmpty()) return false;
    String value = values.get(0).toLowerCase(Locale.ROOT);
    return !value.equals("false") && !value.equals("0");
  }

  /** fieldSelector {@code metadata.name=x} names x, if x is a valid path segment (as for an object's URL). */
  private static String nameFromFieldSelector(Map<String, List<String>> query) {
    List<String> values = query.getOrDefault("fieldSelector", List.of());
    if (values.isEmpty()) return "";
    try {
      String name = FieldSelector.parse(values.get(0)).requiredValue("metadata.name");
      boolean validSegment = name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..")
          && !name.contains("/") && !name.contains("%");
      return validSegment ? name : "";
    } catch (ApiException unparsable) {
      return "";
    }
  }
}
