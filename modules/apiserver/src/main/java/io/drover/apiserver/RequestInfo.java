package io.drover.apiserver;

import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a request does in Kubernetes' terms (the apiserver's RequestInfo), to label the API metrics: the verb (get,
 * list, watch, create, update, patch, delete, deletecollection), the plural resource and the subresource. Paths
 * that name no served resource (discovery, OpenAPI, health, a typo) get the lower-case HTTP method and an empty
 * resource, so the label values stay a small fixed set whatever clients send.
 */
record RequestInfo(String verb, String resource, String subresource) {
  private static final Set<String> PLURALS = Stream.concat(ResourceRegistry.ALL.stream(),
      ResourceRegistry.READ_ONLY.stream()).map(ResourceType::plural).collect(Collectors.toUnmodifiableSet());
  private static final Set<String> SUBRESOURCES = Stream.concat(ResourceRegistry.ALL.stream(),
      ResourceRegistry.READ_ONLY.stream()).flatMap(t -> t.subresources().stream())
      .collect(Collectors.toUnmodifiableSet());

  /** @param watch whether the query asks to watch (watch=true or watch=1) */
  static RequestInfo of(String method, String path, boolean watch) {
    String httpVerb = method.toLowerCase(Locale.ROOT);
    String[] segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    String[] rest;
    if (segments.length >= 2 && segments[0].equals("api")) {
      rest = Arrays.copyOfRange(segments, 2, segments.length);
    } else if (segments.length >= 3 && segments[0].equals("apis")) {
      rest = Arrays.copyOfRange(segments, 3, segments.length);
    } else {
      return new RequestInfo(httpVerb, "", "");
    }
    // namespaces/NS/PLURAL[/NAME[/SUB]], else PLURAL[/NAME[/SUB]] (which covers namespaces/NS/status).
    if (rest.length >= 3 && rest[0].equals("namespaces") && PLURALS.contains(rest[2])) {
      rest = Arrays.copyOfRange(rest, 2, rest.length);
    }
    if (rest.length == 0 || rest.length > 3 || !PLURALS.contains(rest[0])
        || (rest.length == 3 && !SUBRESOURCES.contains(rest[2]))) {
      return new RequestInfo(httpVerb, "", "");
    }
    boolean named = rest.length >= 2;
    String subresource = rest.length == 3 ? rest[2] : "";
    String verb = switch (method) {
      case "GET", "HEAD" -> watch ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> httpVerb;
    };
    return new RequestInfo(verb, rest[0], subresource);
  }
}
