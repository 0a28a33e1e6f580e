package io.drover.apiserver;

import io.drover.agent.PodIo;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.apiserver.portforward.PortForwardSession;
import io.drover.control.store.StoredObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code pods/portforward} as kubectl 1.30+ asks for it: a WebSocket with the protocol
 * {@code SPDY/3.1+portforward.k8s.io} (KEP-4006) whose binary messages carry SPDY as one byte stream, served by a
 * {@link PortForwardSession} on the member whose agent runs the pod. The session connects to the pod's IP from this
 * host, not from inside the pod's network namespace as the kubelet does: a server that listens on the pod's 127.0.0.1
 * only is not reachable this way. (With hostNetwork, or without a pod network, the pod's IP is the node's address.)
 */
final class PortForward {
  static final String PROTOCOL = "SPDY/3.1+portforward.k8s.io";

  private final ActorSystem<?> system;
  private final Duration connectTimeout;

  PortForward(ActorSystem<?> system) {
    this.system = system;
    this.connectTimeout = system.settings().config().getDuration("drover.api.port-forward-connect-timeout");
  }

  /**
   * The client's WebSocket upgrade with the port-forward protocol; otherwise 400. kubectl falls back to SPDY upgrades
   * (not served) when the WebSocket is refused, and then shows this message.
   */
  static WebSocketUpgrade upgrade(HttpRequest request) {
    WebSocketUpgrade upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade).orElseThrow(() ->
        ApiException.badRequest("port-forward needs a WebSocket upgrade with the protocol " + PROTOCOL
            + " (kubectl 1.30 or later); SPDY upgrades are not served"));
    List<String> offered = WebSocketProtocols.offered(request);
    if (!offered.contains(PROTOCOL)) {
      throw ApiException.badRequest("port-forward supports the WebSocket protocol " + PROTOCOL + ", not " + offered);
    }
    return upgrade;
  }

  /**
   * Accepts the upgrade on the pod's member: the session connects to where the agent says the pod's ports are. When
   * they cannot be reached, the upgrade still succeeds and each connection fails with the reason on its error stream,
   * where kubectl shows it (as the kubelet reports its failures); an HTTP error would make kubectl retry with a SPDY
   * upgrade, which is not served, and show only that refusal.
   */
  HttpResponse accept(WebSocketUpgrade upgrade, StoredObject pod, PodIo agent) {
    String uid = Json.text(pod.object(), "metadata.uid");
    PortForwardSession.Target target;
    try {
      target = PortForwardSession.Target.at(pod.name(), uid, agent.portAddress(pod.namespace(), pod.name(), uid));
    } catch (IOException e) {
      target = PortForwardSession.Target.unreachable(pod.name(), uid, e.getMessage());
    }
    Flow<Message, Message, NotUsed> messages = Flow.<Message>create()
        .flatMapConcat(PortForward::bytes)
        .via(PortForwardSession.flow(system, target, connectTimeout))
        .map(bytes -> (Message) BinaryMessage.create(bytes));
    return WebSocketProtocols.accept(upgrade, messages, PROTOCOL);
  }

  /**
   * A message's bytes, streamed: SPDY frames do not follow message boundaries. kubectl sends only binary messages;
   * a text message is read and dropped.
   */
  private static Source<ByteString, NotUsed> bytes(Message message) {
    if (message.isText()) {
      return message.asTextMessage().getStreamedText().filter(text -> false).map(text -> ByteString.emptyByteString())
          .mapMaterializedValue(m -> NotUsed.getInstance());
    }
    return message.asBinaryMessage().getStreamedData().mapMaterializedValue(m -> NotUsed.getInstance());
  }
}
