package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Set;

/** An httpGet probe over plain HTTP: 200-399 is success; kubelet's default User-Agent and Accept headers. */
final class HttpGetProbe implements ProbeRunner {
  static final String USER_AGENT = "kube-probe/1.32";
  private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NORMAL)
      .build();

  private final JsonNode httpGet;
  private final JsonNode container;
  private final String defaultHost;

  HttpGetProbe(JsonNode httpGet, JsonNode container, String defaultHost) {
    this.httpGet = httpGet;
    this.container = container;
    this.defaultHost = defaultHost;
  }

  @Override
  public ProbeResult probe(Duration timeout) {
    String scheme = httpGet.path("scheme").asText("HTTP");
    if (!scheme.equalsIgnoreCase("HTTP")) return ProbeResult.failure("scheme " + scheme + " is not supported");
    URI uri;
    try {
      uri = uri(ProbeRunner.port(httpGet.path("port"), container));
    } catch (IllegalArgumentException e) {
      return ProbeResult.failure(e.getMessage());
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(timeout)
        .setHeader("User-Agent", USER_AGENT).setHeader("Accept", "*/*");
    for (JsonNode header : httpGet.path("httpHeaders")) {
      String name = header.path("name").asText();
      if (!RESTRICTED.contains(name.toLowerCase())) request.setHeader(name, header.path("value").asText());
    }
    try {
      int status = CLIENT.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      return status >= 200 && status < 400 ? ProbeResult.ok()
          : ProbeResult.failure("HTTP probe failed with statuscode: " + status);
    } catch (HttpTimeoutException e) {
      return ProbeResult.failure("Get \"" + uri + "\": context deadline exceeded");
    } catch (IOException e) {
      return ProbeResult.failure("Get \"" + uri + "\": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.failure("Get \"" + uri + "\": interrupted");
    }
  }

  private URI uri(int port) {
    String host = httpGet.path("host").asText("");
    if (host.isEmpty()) host = defaultHost;
    if (host.contains(":")) host = "[" + host + "]";
    String path = httpGet.path("path").asText("");
    if (!path.startsWith("/")) path = "/" + path;
    return URI.create("http://" + host + ":" + port + path);
  }
}
