package io.drover.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain HTTP requests to a member's API, for tests that send what no client library would. */
final class RawApi {
  private static final HttpClient HTTP = TestServers.http().connectTimeout(Duration.ofSeconds(5)).build();

  private RawApi() {}

  /** A YAML alias bomb ("billion laughs"): 9^8 strings once expanded, a few hundred bytes as sent. */
  static final String ALIAS_BOMB = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: laughs}
      data:
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
      """;

  /** Sends a request (no Content-Type and no body when null) and answers the response as text. */
  static HttpResponse<String> send(String api, String method, String path, String contentType, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30));
    if (contentType != null) request.header("Content-Type", contentType);
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
