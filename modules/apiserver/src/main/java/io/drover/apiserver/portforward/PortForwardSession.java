package io.drover.apiserver.portforward;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.MergeHub;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one port-forward connection, as the kubelet serves it
 * (k8s.io/kubelet/pkg/cri/streaming/portforward/httpstream.go): SPDY/3.1 on a byte stream. For every local connection
 * it accepts, the client (kubectl) opens two streams with the headers {@code streamtype} ({@code error}, then
 * {@code data}), {@code port} and {@code requestid}. Each stream is accepted at once with a SYN_REPLY (kubectl waits
 * for it before it opens the next). The data stream is joined to a new TCP connection to the pod's port: the client's
 * FIN on the data stream shuts down the connection's output; the pod's end of the connection is a FIN on the data
 * stream, then on the error stream. What fails (the pod refused the connection, say) is written as text on the error
 * stream, where kubectl prints it.
 *
 * <p>Backpressure goes end to end and nothing is buffered without bound: frames from the client are handled one at a
 * time and a data frame is handed on only when its connection takes it (so a slow pod holds up the session, as with
 * the kubelet's spdystream); each pod connection is read only as fast as the WebSocket takes its frames. There is no
 * SPDY flow control on either side: kubectl's spdystream sends no WINDOW_UPDATE and needs none (megabytes cross
 * without one), and no SETTINGS; both are ignored if they come. Outgoing frames of one stream keep their order (a
 * stream's SYN_REPLY comes before its data: kubectl would block otherwise); frames of different streams interleave.
 */
public final class PortForwardSession {
  private static final Logger log = LoggerFactory.getLogger(PortForwardSession.class);
  /** Frames of one stream that may wait for the WebSocket, and chunks from the client that may wait for a pod. */
  private static final int BUFFERED_FRAMES = 16;
  private static final int BUFFERED_CHUNKS = 8;
  private static final CompletionStage<Object> DONE = CompletableFuture.completedFuture(Done.getInstance());

  static final String STREAM_TYPE = "streamtype";
  static final String PORT = "port";
  static final String REQUEST_ID = "requestid";
  static final String ERROR = "error";
  static final String DATA = "data";

  /**
   * The pod whose ports are forwarded.
   *
   * @param name the pod's name, for messages (as its uid)
   * @param host the address its ports are reached at (its IP), or null when they cannot be reached
   * @param unreachable why they cannot be reached (null when they can): every connection fails with it
   */
  public record Target(String name, String uid, String host, String unreachable) {
    public static Target at(String name, String uid, String host) {
      return new Target(name, uid, host, null);
    }

    public static Target unreachable(String name, String uid, String reason) {
      return new Target(name, uid, null, reason);
    }
  }

  private final ActorSystem<?> system;
  private final Target target;
  private final Duration connectTimeout;
  private final Materializer materializer;
  /** Every TCP connection of the session, so that its end closes them all. */
  private final SharedKillSwitch connections = KillSwitches.shared("port-forward");
  private final Map<String, Request> requests = new ConcurrentHashMap<>();
  private final Map<Integer, Request> byStream = new ConcurrentHashMap<>();
  /** Where each stream's producer sends its frames to the client. */
  private Sink<SpdyFrame, NotUsed> toClient;
  /** Frames that belong to no request's streams: PING answers and refusals. */
  private SourceQueueWithComplete<SpdyFrame> control;

  private PortForwardSession(ActorSystem<?> system, Target target, Duration connectTimeout, Materializer materializer) {
    this.system = system;
    this.target = target;
    this.connectTimeout = connectTimeout;
    this.materializer = materializer;
  }

  /**
   * The session as a flow from the client's bytes to the bytes for the client; each materialization is a session of
   * its own. It ends when the client's bytes end or it sends GOAWAY (closing every TCP connection), or when the
   * client stops reading (the output is cancelled).
   *
   * @param connectTimeout how long a connection to the pod's port may take to be accepted
   */
  public static Flow<ByteString, ByteString, NotUsed> flow(ActorSystem<?> system, Target target,
      Duration connectTimeout) {
    return Flow.<ByteString, ByteString, NotUsed>fromMaterializer((materializer, attributes) ->
        new PortForwardSession(system, target, connectTimeout, materializer).wire())
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private Flow<ByteString, ByteString, NotUsed> wire() {
    Pair<Sink<SpdyFrame, NotUsed>, Source<SpdyFrame, NotUsed>> hub =
        MergeHub.of(SpdyFrame.class, BUFFERED_FRAMES).preMaterialize(materializer);
    toClient = hub.first();
    Pair<SourceQueueWithComplete<SpdyFrame>, Source<SpdyFrame, NotUsed>> queue =
        Source.<SpdyFrame>queue(BUFFERED_FRAMES, OverflowStrategy.backpressure()).preMaterialize(materializer);
    control = queue.first();
    queue.second().runWith(toClient, materializer);
    Sink<ByteString, NotUsed> incoming = SpdyFraming.decoder()
        .takeWhile(frame -> !(frame instanceof SpdyGoAwayFrame))
        .mapAsync(1, this::onFrame)
        .to(Sink.onComplete(result -> {
          if (result.isFailure()) log.debug("port-forward to pod {} ended: {}", target.name(), result.failed().get());
          connections.shutdown();
        }));
    return Flow.fromSinkAndSourceCoupled(incoming, hub.second().via(SpdyFraming.encoder()));
  }

  private CompletionStage<?> onFrame(SpdyFrame frame) {
    if (frame instanceof SpdySynStreamFrame syn) return onSynStream(syn);
    if (frame instanceof SpdyDataFrame data) return onData(data);
    if (frame instanceof SpdyRstStreamFrame reset) {
      onReset(reset.streamId());
    } else if (frame instanceof SpdyPingFrame ping && ping.id() % 2 != 0) {
      // Odd ids are the client's own pings (kubectl sends one every 10 s); even ones would answer ours.
      return control.offer(new DefaultSpdyPingFrame(ping.id()));
    }
    // SETTINGS and WINDOW_UPDATE need nothing: kubectl's spdystream has no flow control, so neither has this side.
    return DONE;
  }

  private CompletionStage<?> onSynStream(SpdySynStreamFrame syn) {
    int id = syn.streamId();
    String type = syn.headers().getAsString(STREAM_TYPE);
    int port = port(syn.headers().getAsString(PORT));
    if (syn.isInvalid() || port == 0 || !(ERROR.equals(type) || DATA.equals(type))) {
      log.debug("port-forward to pod {}: refusing stream {} with headers {}", target.name(), id, syn.headers());
      return control.offer(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.REFUSED_STREAM));
    }
    String requestId = syn.headers().getAsString(REQUEST_ID);
    if (requestId == null) {
      // Clients before requestid (Kubernetes 1.5) open error and data streams in turn, as the kubelet assumes too.
      requestId = Integer.toString(type.equals(ERROR) ? id : id - 2);
    }
    Request request = requests.computeIfAbsent(requestId, key -> new Request(port));
    boolean error = type.equals(ERROR);
    if (request.port != port || (error ? request.errorStream : request.dataStream) != 0) {
      log.debug("port-forward to pod {}: request {} has a {} stream already or another port", target.name(),
          requestId, type);
      return control.offer(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
    }
    byStream.put(id, request);
    if (error) {
      request.errorStream = id;
      errorStream(request, syn);
    } else {
      request.dataStream = id;
      dataStream(request, syn, requestId);
    }
    return DONE;
  }

  /** The error stream: accepted at once; when the request is over, what failed (if anything) and its end. */
  private void errorStream(Request request, SpdySynStreamFrame syn) {
    int id = syn.streamId();
    Source.single(reply(syn))
        .concat(Source.completionStage(request.outcome).mapConcat(failure -> failure.isEmpty() ? List.of(fin(id))
            : List.of(data(id, ByteString.fromString(failure.get(), StandardCharsets.UTF_8)), fin(id))))
        .runWith(toClient, materializer);
  }

  /**
   * The data stream: accepted at once and joined to a new connection to the pod's port; the connection's bytes, then
   * its end. When it is over, so is the request: the error stream ends, the connection is closed. (The kubelet waits
   * for both streams before it connects; here what fails waits for the error stream instead, in {@code outcome}.)
   */
  private void dataStream(Request request, SpdySynStreamFrame syn, String requestId) {
    int id = syn.streamId();
    Source<SpdyFrame, SourceQueueWithComplete<ByteString>> fromPod = target.unreachable() == null
        ? connection(request, id) : unreachable(request, id);
    request.toPod = Source.single(reply(syn))
        .concatMat(fromPod, Keep.right())
        // After a reset the stream is gone for the client: nothing more goes there. (concatLazy: concat would pull
        // the FIN's source at once, before the reset could be known.)
        .concatLazy(Source.lazySource(() -> request.reset ? Source.<SpdyFrame>empty() : Source.single(fin(id))))
        .watchTermination((toPod, done) -> {
          done.whenComplete((d, failure) -> {
            request.outcome.complete(Optional.empty());
            toPod.complete();
            requests.remove(requestId, request);
            byStream.remove(request.errorStream, request);
            byStream.remove(id, request);
          });
          return toPod;
        })
        .toMat(toClient, Keep.left())
        .run(materializer);
  }

  /** A new connection to the pod's port: its bytes as the data stream's frames. What fails is the outcome. */
  private Source<SpdyFrame, SourceQueueWithComplete<ByteString>> connection(Request request, int streamId) {
    InetSocketAddress address = new InetSocketAddress(target.host(), request.port);
    return Source.<ByteString>queue(BUFFERED_CHUNKS, OverflowStrategy.backpressure())
        .via(connections.flow())
        .via(request.closer.flow())
        .via(Tcp.get(system).outgoingConnection(address, Optional.empty(), List.of(), true,
            Optional.of(connectTimeout), Optional.empty()))
        .via(connections.flow())
        .via(request.closer.flow())
        .map(bytes -> data(streamId, bytes))
        .recoverWithRetries(1, new PFBuilder<Throwable, Graph<SourceShape<SpdyFrame>, NotUsed>>()
            .match(Throwable.class, failure -> {
              request.outcome.complete(Optional.of(message(request.port, reason(address, failure))));
              return Source.empty();
            }).build());
  }

  /** No connection: the pod's ports cannot be reached at all (its runtime runs no processes, say). */
  private Source<SpdyFrame, SourceQueueWithComplete<ByteString>> unreachable(Request request, int streamId) {
    request.outcome.complete(Optional.of(message(request.port, target.unreachable())));
    return Source.<ByteString>queue(1, OverflowStrategy.backpressure()).take(0).map(bytes -> data(streamId, bytes));
  }

  private CompletionStage<?> onData(SpdyDataFrame frame) {
    Request request = byStream.get(frame.streamId());
    // Data on an error stream (kubectl writes none) or on a stream whose connection is over goes nowhere.
    if (request == null || request.dataStream != frame.streamId()) return DONE;
    ByteString bytes = ByteString.fromByteBuffer(frame.content().nioBuffer());
    CompletionStage<?> taken = bytes.isEmpty() ? DONE
        : request.toPod.offer(bytes).handle((result, failure) -> Done.getInstance()); // a closed connection drops it
    return frame.isLast() ? taken.thenRun(request.toPod::complete) : taken;
  }

  /** kubectl resets the data stream once the pod's side has ended, or when its local connection failed. */
  private void onReset(int streamId) {
    Request request = byStream.get(streamId);
    if (request != null && request.dataStream == streamId) {
      request.reset = true;
      request.closer.shutdown();
    }
  }

  /**
   * A SYN_REPLY carries a header block, and kubectl's decompressor reads one: an empty block (Netty writes none for no
   * headers) would fail its zlib reader. The stream's type is a harmless header to repeat.
   */
  private static SpdyFrame reply(SpdySynStreamFrame syn) {
    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(syn.streamId());
    reply.headers().set(STREAM_TYPE, syn.headers().getAsString(STREAM_TYPE));
    return reply;
  }

  private static SpdyFrame data(int streamId, ByteString bytes) {
    return new DefaultSpdyDataFrame(streamId, Unpooled.wrappedBuffer(bytes.asByteBuffer()));
  }

  private static SpdyFrame fin(int streamId) {
    DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(streamId);
    fin.setLast(true);
    return fin;
  }

  /** 1-65535, or 0 when the header is missing or not a port. */
  private static int port(String header) {
    try {
      int port = header == null ? 0 : Integer.parseInt(header.trim());
      return port >= 1 && port <= 65535 ? port : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The kubelet's wording: {@code error forwarding port 80 to pod web, uid ...: dial tcp ...}. */
  private String message(int port, String reason) {
    return "error forwarding port " + port + " to pod " + target.name() + ", uid " + target.uid() + ": " + reason;
  }

  /** What went wrong with a pod connection, as Go's net package words it (kubectl users know those). */
  private String reason(InetSocketAddress address, Throwable failure) {
    String where = address.getHostString() + ":" + address.getPort();
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
    String what = String.valueOf(cause.getMessage());
    if (cause instanceof ConnectException && what.toLowerCase().contains("refused")) {
      return "dial tcp " + where + ": connect: connection refused";
    } else if (cause instanceof StreamTcpException && what.contains("Connect timeout")) {
      return "dial tcp " + where + ": i/o timeout (no answer within " + connectTimeout.toSeconds() + " s)";
    } else if (cause instanceof StreamTcpException && what.contains("failed because of ")) {
      return "dial tcp " + where + ": " + what.substring(what.indexOf("failed because of ") + 18);
    }
    return "tcp " + where + ": " + what;
  }


  /** One forwarded connection: the client's two streams and the TCP connection to the pod. */
  private static final class Request {
    final int port;
    /** Stream ids, 0 until the stream is opened; set by the frame handler, read by it and by stream callbacks. */
    volatile int errorStream;
    volatile int dataStream;
    /** Completed when the connection is over: with what failed, or empty. */
    final CompletableFuture<Optional<String>> outcome = new CompletableFuture<>();
    /** The client's bytes for the pod. */
    volatile SourceQueueWithComplete<ByteString> toPod;
    /** Ends this connection alone (the client reset its data stream). */
    final SharedKillSwitch closer = KillSwitches.shared("port-forward-request");
    volatile boolean reset;

    Request(int port) {
      this.port = port;
    }
  }
}
