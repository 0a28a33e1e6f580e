package io.drover.apiserver;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.FlowShape;

/**
 * WebSocket subprotocols that Pekko HTTP cannot model. Its Sec-WebSocket-Protocol header takes only tokens, but
 * Kubernetes names protocols such as {@code SPDY/3.1+portforward.k8s.io}: Pekko keeps such a header raw, does not
 * list it among the requested protocols and refuses to choose it. These helpers read, echo and request such a
 * protocol through the raw header, and leave token protocols ({@code v5.channel.k8s.io}) to Pekko.
 */
final class WebSocketProtocols {
  static final String HEADER = "Sec-WebSocket-Protocol";

  private WebSocketProtocols() {}

  /** Every protocol the client offers, whether Pekko could parse its header or not. */
  static List<String> offered(HttpRequest request) {
    List<String> offered = new ArrayList<>();
    for (HttpHeader header : request.getHeaders()) {
      if (!header.is(HEADER.toLowerCase())) continue;
      for (String protocol : header.value().split(",")) {
        if (!protocol.isBlank()) offered.add(protocol.trim());
      }
    }
    return offered;
  }

  /** The 101 answer that accepts the upgrade with the chosen protocol (which the client offered). */
  static HttpResponse accept(WebSocketUpgrade upgrade, Graph<FlowShape<Message, Message>, ?> handler,
      String protocol) {
    for (String modelled : upgrade.getRequestedProtocols()) {
      if (modelled.equals(protocol)) return upgrade.handleMessagesWith(handler, protocol);
    }
    return upgrade.handleMessagesWith(handler).addHeader(RawHeader.create(HEADER, protocol));
  }

  /** A client's upgrade request that offers the protocol. */
  static WebSocketRequest offer(WebSocketRequest request, String protocol) {
    return isToken(protocol) ? request.requestSubprotocol(protocol)
        : request.addHeader(RawHeader.create(HEADER, protocol));
  }

  /** RFC 7230 token characters: what Pekko's header model accepts. */
  private static boolean isToken(String protocol) {
    return !protocol.isEmpty() && protocol.chars().allMatch(c -> c > 32 && c < 127
        && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0);
  }
}
