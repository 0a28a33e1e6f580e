package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.apiserver.auth.ApiSecurity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;

/**
 * Sends a pod's log and exec requests to the member whose agent runs the pod, as kube-apiserver sends them to the
 * kubelet: the Node's InternalIP and kubelet endpoint port name that member's API. The request goes there unchanged
 * (same path and query, so the other member validates and serves it as if the client had asked it) and the answer
 * streams back. A header marks forwarded requests so that a stale Node can never make two members bounce a request.
 */
final class NodeProxy {
  static final String FORWARDED_HEADER = "X-Drover-Forwarded-To-Node";

  private NodeProxy() {}

  /** Forwards a plain request (logs, including -f) and streams the other member's response back. */
  static CompletionStage<HttpResponse> forward(ActorSystem<?> system, ApiSecurity security, ObjectService service,
      HttpRequest request, String node) {
    Endpoint endpoint = endpoint(service, request, node);
    HttpRequest forwarded = HttpRequest.GET(relative(request)).addHeader(RawHeader.create(FORWARDED_HEADER, node));
    // A connection of its own (no pool): a followed log may stay open for hours and must not queue other requests.
    return Source.single(forwarded)
        .via(security.isSecure()
            ? Http.get(system).connectionTo(endpoint.host()).toPort(endpoint.port())
                .withCustomHttpsConnectionContext(security.memberClientContext()).https()
            : Http.get(system).connectionTo(endpoint.host()).toPort(endpoint.port()).http())
        .runWith(Sink.head(), Materializer.matFromSystem(system))
        .handle((response, error) -> {
          if (error != null) throw unreachable(node, endpoint, error);
          return response;
        });
  }

  /**
   * Forwards a WebSocket (exec, port-forward): connects to the other member first and accepts the client's upgrade
   * only once that member has accepted, so a refusal there (say, the container just stopped) reaches the client as its
   * Status.
   */
  static CompletionStage<HttpResponse> forwardWebSocket(ActorSystem<?> system, ApiSecurity security,
      ObjectService service, HttpRequest request, WebSocketUpgrade upgrade, String protocol, String node) {
    Endpoint endpoint = endpoint(service, request, node);
    WebSocketRequest forwarded = WebSocketProtocols.offer(WebSocketRequest.create((security.isSecure() ? "wss" : "ws")
        + "://" + endpoint.host() + ":" + endpoint.port() + relative(request)), protocol)
        .addHeader(RawHeader.create(FORWARDED_HEADER, node));
    Materializer materializer = Materializer.matFromSystem(system);
    // The other member's side of the socket, as a publisher (its messages) and a subscriber (messages to it).
    Flow<Message, Message, Pair<Publisher<Message>, Subscriber<Message>>> remoteSide = Flow.fromSinkAndSourceCoupledMat(
        Sink.<Message>asPublisher(AsPublisher.WITHOUT_FANOUT), Source.<Message>asSubscriber(), Keep.both());
    Pair<CompletionStage<org.apache.pekko.http.javadsl.model.ws.WebSocketUpgradeResponse>,
        Pair<Publisher<Message>, Subscriber<Message>>> connected =
        security.isSecure()
            ? Http.get(system).singleWebSocketRequest(forwarded, remoteSide, security.memberClientContext(),
                materializer)
            : Http.get(system).singleWebSocketRequest(forwarded, remoteSide, materializer);
    Publisher<Message> fromRemote = connected.second().first();
    Subscriber<Message> toRemote = connected.second().second();
    return connected.first().handle((answer, error) -> {
      if (error != null || !answer.isValid()) {
        Source.<Message>empty().runWith(Sink.fromSubscriber(toRemote), materializer);
        Source.fromPublisher(fromRemote).runWith(Sink.cancelled(), materializer);
        if (error != null) throw unreachable(node, endpoint, error);
        return answer.response(); // the other member's refusal, a Status
      }
      return WebSocketProtocols.accept(upgrade, Flow.fromSinkAndSourceCoupled(Sink.fromSubscriber(toRemote),
          Source.fromPublisher(fromRemote)), protocol);
    });
  }

  /** Where a member's API serves a node's pods. */
  record Endpoint(String host, int port) {}

  private static Endpoint endpoint(ObjectService service, HttpRequest request, String node) {
    if (request.getHeader(FORWARDED_HEADER).isPresent()) {
      // Forwarded here because the Node names this member, but this member's agent does not run that node.
      throw unavailable("node " + node + " is not served by the member its Node object names (the Node is stale: "
          + "its member restarted under another name or address, or left)");
    }
    StoredObject object = service.store().get(ResourceRegistry.NODE, "", node)
        .orElseThrow(() -> unavailable("the pod's node " + node + " is not registered"));
    Endpoint endpoint = endpointOf(object.object());
    if (endpoint == null) {
      throw unavailable("node " + node + " publishes no endpoint for logs and exec (status.addresses InternalIP "
          + "and status.daemonEndpoints.kubeletEndpoint.Port); its agent may still be starting");
    }
    return endpoint;
  }

  /** The member API a Node names (InternalIP and kubelet endpoint port), or null when it names none yet. */
  static Endpoint endpointOf(JsonNode node) {
    JsonNode status = node.path("status");
    int port = status.path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
    String host = null;
    for (JsonNode address : status.path("addresses")) {
      if ("InternalIP".equals(address.path("type").asText())) host = address.path("address").asText();
    }
    return host == null || host.isEmpty() || port <= 0 ? null : new Endpoint(host, port);
  }

  private static String relative(HttpRequest request) {
    return request.getUri().path() + request.getUri().rawQueryString().map(q -> "?" + q).orElse("");
  }

  private static ApiException unreachable(String node, Endpoint endpoint, Throwable error) {
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    return unavailable("cannot reach node " + node + " at " + endpoint.host() + ":" + endpoint.port() + ": "
        + cause.getMessage());
  }

  private static ApiException unavailable(String message) {
    return new ApiException(503, "ServiceUnavailable", message);
  }
}
