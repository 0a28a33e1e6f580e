package io.drover.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain HTTP requests to a member's API, for tests that send what no client library would. */
final class RawApi {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RawApi() {}

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
