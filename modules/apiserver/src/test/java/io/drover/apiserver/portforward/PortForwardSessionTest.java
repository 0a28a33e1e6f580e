package io.drover.apiserver.portforward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySettingsFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The session against real TCP servers on loopback, driven by a SPDY client made of Netty's codec (as kubectl's
 * spdystream would send: SYN_STREAM with lower-case headers, DATA, PING, RST_STREAM, GOAWAY). The client's bytes reach
 * the session in pieces (7 bytes, 16411 for large frames), so no frame arrives whole.
 */
class PortForwardSessionTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final Duration DEADLINE = Duration.ofSeconds(10);
  static final PortForwardSession.Target POD = PortForwardSession.Target.at("web", "u-1", "127.0.0.1");

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void stopWhatTheTestStarted() throws Exception {
    for (AutoCloseable closeable : started) closeable.close();
  }

  @Test
  void twoRequestsOnOneSessionCarryDataBothWaysEachOnItsOwnConnection() {
    PodServer echo = start(new PodServer(PodServer.Mode.ECHO));
    Client client = start(new Client(POD));
    client.open(1, 3, echo.port(), 0);
    client.open(5, 7, echo.port(), 1);
    client.send(data(3, "one", false));
    client.send(data(7, "two", false));
    client.await(() -> client.text(3).equals("one") && client.text(7).equals("two"), "both echoes");
    client.send(data(3, " and more", false));
    client.await(() -> client.text(3).equals("one and more"), "the second echo");
    assertEquals(2, echo.accepted.get(), "one connection per request");

    client.send(data(3, "", true));
    client.send(data(7, "", true));
    client.await(() -> client.ended(1) && client.ended(3) && client.ended(5) && client.ended(7), "every stream's end");
    for (int stream : List.of(1, 3, 5, 7)) {
      assertEquals("reply", client.events(stream).get(0), "stream " + stream + " is accepted before anything else");
    }
    assertEquals("", client.text(1), "no error");
    assertEquals("", client.text(5), "no error");
    assertEquals("two", client.text(7));
  }

  @Test
  void aRequestsStreamsMayOpenInEitherOrderAndDataMayComeBeforeThePair() {
    PodServer echo = start(new PodServer(PodServer.Mode.ECHO));
    Client client = start(new Client(POD));
    client.send(syn(1, "data", echo.port(), 7));
    client.send(data(1, "early", false));
    client.send(syn(3, "error", echo.port(), 7));
    client.await(() -> client.text(1).equals("early"), "the echo");
    client.send(data(1, "", true));
    client.await(() -> client.ended(1) && client.ended(3), "both streams' end");
  }

  @Test
  void theClientsFinShutsDownTheConnectionsOutputAndThePodStillAnswers() {
    PodServer pod = start(new PodServer(PodServer.Mode.ANSWER_AT_EOF));
    Client client = start(new Client(POD));
    client.open(1, 3, pod.port(), 0);
    client.send(data(3, "hello", true));
    client.await(() -> client.ended(3) && client.ended(1), "the data and error streams' end");
    assertEquals("got 5 bytes: hello", client.text(3));
    assertEquals("", client.text(1));
  }

  @Test
  void aRefusedConnectionIsReportedOnTheErrorStreamAsTheKubeletWordsIt() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    Client client = start(new Client(POD));
    client.open(1, 3, closed, 0);
    client.await(() -> client.ended(1) && client.ended(3), "both streams' end");
    assertEquals("error forwarding port " + closed + " to pod web, uid u-1: dial tcp 127.0.0.1:" + closed
        + ": connect: connection refused", client.text(1));
    assertEquals("", client.text(3));
  }

  @Test
  void whenThePodsPortsCannotBeReachedEachConnectionFailsWithTheReason() {
    Client client = start(new Client(PortForwardSession.Target.unreachable("sim-pod", "u-2",
        "the sim runtime runs no processes: nothing listens on the pod's ports")));
    client.open(1, 3, 8080, 0);
    client.send(data(3, "dropped", true));
    client.await(() -> client.ended(1) && client.ended(3), "both streams' end");
    assertEquals("error forwarding port 8080 to pod sim-pod, uid u-2: the sim runtime runs no processes: nothing "
        + "listens on the pod's ports", client.text(1));
    assertEquals("", client.text(3));
  }

  @Test
  void pingsFromTheClientAreAnsweredAndSettingsAndWindowUpdatesIgnored() {
    Client client = start(new Client(POD));
    client.send(new DefaultSpdySettingsFrame());
    client.send(new DefaultSpdyWindowUpdateFrame(0, 65536));
    client.send(new DefaultSpdyPingFrame(2)); // an even id answers a ping of the server's: nothing to do
    client.send(new DefaultSpdyPingFrame(1));
    client.await(() -> client.pings.contains(1), "the answer to ping 1");
    assertEquals(List.of(1), client.pings);
  }

  @Test
  void goAwayClosesEveryConnectionAndEndsTheSession() {
    PodServer echo = start(new PodServer(PodServer.Mode.ECHO));
    Client client = start(new Client(POD));
    client.open(1, 3, echo.port(), 0);
    client.open(5, 7, echo.port(), 1);
    client.send(data(3, "a", false));
    client.send(data(7, "b", false));
    client.await(() -> client.text(3).equals("a") && client.text(7).equals("b"), "both connections");
    client.send(new DefaultSpdyGoAwayFrame(7));
    client.await(() -> echo.closedByPeer.get() == 2, "the pod to see both connections closed");
    client.await(() -> client.output.toCompletableFuture().isDone(), "the session's output to end");
  }

  @Test
  void aResetDataStreamClosesItsConnectionAndEndsItsErrorStream() {
    PodServer echo = start(new PodServer(PodServer.Mode.ECHO));
    Client client = start(new Client(POD));
    client.open(1, 3, echo.port(), 0);
    client.send(data(3, "a", false));
    client.await(() -> client.text(3).equals("a"), "the connection");
    client.send(new DefaultSpdyRstStreamFrame(3, SpdyStreamStatus.CANCEL));
    client.await(() -> echo.closedByPeer.get() == 1 && client.ended(1), "the connection closed, no error");
    assertEquals("", client.text(1));
    assertFalse(client.ended(3), "nothing more goes to a reset stream");
  }

  @Test
  void aStreamWithoutAValidPortOrTypeIsRefused() {
    Client client = start(new Client(POD));
    DefaultSpdySynStreamFrame noPort = new DefaultSpdySynStreamFrame(1, 0, (byte) 0);
    noPort.headers().set("streamtype", "data").set("requestid", "0");
    client.send(noPort);
    client.send(syn(3, "bogus", 80, 1));
    client.await(() -> client.resets.containsKey(1) && client.resets.containsKey(3), "both refused");
    assertEquals(SpdyStreamStatus.REFUSED_STREAM, client.resets.get(1));
  }

  @Test
  void aPodThatDoesNotReadHoldsUpTheClientInsteadOfFillingMemory() {
    PodServer pod = start(new PodServer(PodServer.Mode.HOLD_THEN_ANSWER_AT_EOF));
    Client client = start(new Client(POD));
    client.open(1, 3, pod.port(), 0);
    int frame = 32 * 1024;
    long total = 24L << 20;
    AtomicLong sent = new AtomicLong();
    Thread sender = new Thread(() -> {
      byte[] chunk = new byte[frame];
      for (long at = 0; at < total; at += frame) {
        client.send(new DefaultSpdyDataFrame(3, Unpooled.wrappedBuffer(chunk)));
        sent.addAndGet(frame);
      }
      client.send(data(3, "", true));
    }, "spdy-client");
    sender.setDaemon(true);
    sender.start();
    // The socket buffers (4 MiB at most here, 8 KiB on the pod's side) and a few chunks in the session fill up, then
    // the session stops taking frames.
    long[] seen = {-1};
    client.await(() -> {
      long now = sent.get();
      boolean still = now == seen[0];
      seen[0] = now;
      if (!still) sleep(300);
      return still;
    }, "the client to be held up");
    assertTrue(sent.get() < 12L << 20, "held up after " + sent.get() + " bytes");
    pod.release();
    client.await(() -> client.ended(3), "the pod's answer");
    assertEquals("got " + total + " bytes", client.text(3));
  }

  @Test
  void megabytesCrossBothWaysIntact() {
    PodServer echo = start(new PodServer(PodServer.Mode.ECHO));
    Client client = start(new Client(POD));
    client.open(1, 3, echo.port(), 0);
    byte[] payload = new byte[4 << 20];
    new Random(42).nextBytes(payload);
    for (int at = 0; at < payload.length; at += 32 * 1024) {
      client.send(new DefaultSpdyDataFrame(3, Unpooled.wrappedBuffer(payload, at, 32 * 1024)));
    }
    client.send(data(3, "", true));
    client.await(() -> client.ended(3), "the echo's end");
    assertArrayEquals(payload, client.bytes(3));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private <T extends AutoCloseable> T start(T closeable) {
    started.add(closeable);
    return closeable;
  }

  static SpdyFrame syn(int id, String type, int port, int requestId) {
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    syn.headers().set("streamtype", type).set("port", Integer.toString(port))
        .set("requestid", Integer.toString(requestId));
    return syn;
  }

  static SpdyFrame data(int id, String text, boolean last) {
    DefaultSpdyDataFrame data = new DefaultSpdyDataFrame(id,
        Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    data.setLast(last);
    return data;
  }

  /** The client's side of one session: frames encoded by Netty's codec in, the session's frames decoded out. */
  static final class Client implements AutoCloseable {
    /** Client to server and server to client have a codec each: they are used from different threads. */
    private final EmbeddedChannel encoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final EmbeddedChannel decoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    private final SourceQueueWithComplete<ByteString> toServer;
    final CompletionStage<Done> output;
    private final Map<Integer, Received> streams = new ConcurrentHashMap<>();
    final List<Integer> pings = new CopyOnWriteArrayList<>();
    final Map<Integer, SpdyStreamStatus> resets = new ConcurrentHashMap<>();

    Client(PortForwardSession.Target target) {
      Pair<SourceQueueWithComplete<ByteString>, CompletionStage<Done>> wired =
          Source.<ByteString>queue(16, OverflowStrategy.backpressure())
              .via(PortForwardSession.flow(testKit.system(), target, Duration.ofSeconds(5)))
              .toMat(Sink.foreach(this::received), Keep.both())
              .run(testKit.system());
      toServer = wired.first();
      output = wired.second();
    }

    /** Opens a request's two streams as kubectl does: error first, then data. */
    void open(int errorStream, int dataStream, int port, int requestId) {
      send(syn(errorStream, "error", port, requestId));
      send(syn(dataStream, "data", port, requestId));
    }

    synchronized void send(SpdyFrame frame) {
      encoder.writeOutbound(frame);
      for (ByteBuf chunk = encoder.readOutbound(); chunk != null; chunk = encoder.readOutbound()) {
        byte[] bytes = new byte[chunk.readableBytes()];
        chunk.readBytes(bytes);
        chunk.release();
        int pieceSize = bytes.length < 1024 ? 7 : 16411;
        for (int at = 0; at < bytes.length; at += pieceSize) {
          ByteString piece = ByteString.fromArray(bytes, at, Math.min(pieceSize, bytes.length - at));
          toServer.offer(piece).toCompletableFuture().join();
        }
      }
    }

    private void received(ByteString bytes) {
      decoder.writeInbound(Unpooled.wrappedBuffer(bytes.toArray()));
      decoder.checkException();
      for (Object frame = decoder.readInbound(); frame != null; frame = decoder.readInbound()) {
        if (frame instanceof SpdySynReplyFrame reply) {
          stream(reply.streamId()).events.add("reply");
        } else if (frame instanceof SpdyDataFrame data) {
          Received stream = stream(data.streamId());
          byte[] content = new byte[data.content().readableBytes()];
          data.content().readBytes(content);
          data.release();
          synchronized (stream.bytes) {
            stream.bytes.write(content, 0, content.length);
          }
          if (content.length > 0) stream.events.add("data");
          if (data.isLast()) stream.events.add("fin");
        } else if (frame instanceof SpdyPingFrame ping) {
          pings.add(ping.id());
        } else if (frame instanceof SpdyRstStreamFrame reset) {
          resets.put(reset.streamId(), reset.status());
        }
      }
    }

    private Received stream(int id) {
      return streams.computeIfAbsent(id, i -> new Received());
    }

    byte[] bytes(int stream) {
      Received received = stream(stream);
      synchronized (received.bytes) {
        return received.bytes.toByteArray();
      }
    }

    String text(int stream) {
      return new String(bytes(stream), StandardCharsets.UTF_8);
    }

    boolean ended(int stream) {
      return stream(stream).events.contains("fin");
    }

    List<String> events(int stream) {
      return stream(stream).events;
    }

    void await(BooleanSupplier condition, String what) {
      long end = System.nanoTime() + DEADLINE.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + "; got " + streams);
        sleep(10);
      }
    }

    @Override
    public void close() {
      toServer.complete();
      encoder.finishAndReleaseAll();
      decoder.finishAndReleaseAll();
    }

    record Received(ByteArrayOutputStream bytes, List<String> events) {
      Received() {
        this(new ByteArrayOutputStream(), new CopyOnWriteArrayList<>());
      }
    }
  }

  /** A TCP server on loopback standing in for a pod's port: a thread per connection, counted. */
  static final class PodServer implements AutoCloseable {
    enum Mode {
      /** Writes back what it reads at once; closes at the client's end. */
      ECHO,
      /** Reads to the client's end, then answers {@code got N bytes} (and {@code : TEXT} if short) and closes. */
      ANSWER_AT_EOF,
      /** As ANSWER_AT_EOF, but reads nothing until {@link #release()}. */
      HOLD_THEN_ANSWER_AT_EOF
    }

    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Mode mode;
    final AtomicInteger accepted = new AtomicInteger();
    /** Connections that ended from the client's side (end of input or reset) before the server closed them. */
    final AtomicInteger closedByPeer = new AtomicInteger();

    private final CountDownLatch hold;

    PodServer(Mode mode) {
      this.mode = mode;
      this.hold = new CountDownLatch(mode == Mode.HOLD_THEN_ANSWER_AT_EOF ? 1 : 0);
      try {
        socket = new ServerSocket();
        socket.setReceiveBufferSize(8192); // inherited by accepted connections: a pod that reads nothing fills up soon
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      threads.execute(this::accept);
    }

    int port() {
      return socket.getLocalPort();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          accepted.incrementAndGet();
          threads.execute(() -> serve(connection));
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    void release() {
      hold.countDown();
    }

    private void serve(Socket connection) {
      try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
        hold.await();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (mode == Mode.ECHO) {
            out.write(buffer, 0, n);
            out.flush();
          } else {
            all.write(buffer, 0, n);
          }
        }
        closedByPeer.incrementAndGet();
        if (mode != Mode.ECHO) {
          String answer = "got " + all.size() + " bytes"
              + (all.size() <= 100 ? ": " + all.toString(StandardCharsets.UTF_8) : "");
          out.write(answer.getBytes(StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        closedByPeer.incrementAndGet(); // reset
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      threads.shutdownNow();
    }
  }
}
