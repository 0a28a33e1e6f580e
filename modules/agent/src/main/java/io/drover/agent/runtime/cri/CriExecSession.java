package io.drover.agent.runtime.cri;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.runtime.ChunkStream;
import io.drover.agent.runtime.ExecSession;
import io.drover.api.Json;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpClientUpgradeHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A command running in a CRI container, through the runtime's streaming server: CRI's Exec answers a URL, which
 * this session upgrades to SPDY/3.1 with the Kubernetes remotecommand protocol v4.channel.k8s.io, as kubelet's and
 * kubectl's Go client do. The client opens one SPDY stream per channel, told apart by their {@code streamtype}
 * header: error (the final Status), stdin, stdout, stderr (without a TTY) and resize (with one).
 *
 * <p>SPDY rather than the streaming server's WebSocket protocols: those (up to v4) cannot signal the end of stdin,
 * so {@code kubectl exec -i ... cat} and {@code kubectl cp} into a pod waited forever. Here closing {@link #stdin()}
 * half-closes the stdin stream (a DATA frame with FIN) and the command reads end of file.
 *
 * <p>The status carries the exit code; a command that could not run at all gets its message on stderr and exit
 * code 126, as a shell's. Output waits in memory only up to {@link #PAUSE_READING_AT} bytes per stream: beyond
 * that the connection stops reading, so a slow reader slows the command down instead of filling the heap.
 */
final class CriExecSession implements ExecSession {
  static final String PROTOCOL = "v4.channel.k8s.io";
  private static final String SPDY = "SPDY/3.1";
  static final int PAUSE_READING_AT = 1 << 20;
  private static final int RESUME_READING_AT = 256 << 10;
  /** Stdin goes out in frames of at most this size (SPDY's initial stream window is 64 KiB). */
  private static final int MAX_FRAME = 32 << 10;
  private static final byte[] END = new byte[0];

  // Client-initiated SPDY streams have odd ids, in the order they are opened.
  private static final int ERROR_STREAM = 1;
  private static final int STDIN_STREAM = 3;
  private static final int STDOUT_STREAM = 5;
  private static final int STDERR_STREAM = 7;
  private static final int RESIZE_STREAM = 9;

  private final boolean tty;
  /** Whether the request streams stdin (an attach without stdin has no stdin stream). */
  private final boolean stdinOpen;
  private final Duration timeout;
  /** Each output stream's bytes as they arrive; reading them down to RESUME_READING_AT resumes the connection. */
  private final ChunkStream stdout = new ChunkStream(this::resumeReadingBelow);
  private final ChunkStream stderr = new ChunkStream(this::resumeReadingBelow);
  private final ByteArrayOutputStream errorStream = new ByteArrayOutputStream();
  private final CompletableFuture<Void> upgraded = new CompletableFuture<>();
  private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
  private volatile Channel channel;
  private volatile boolean stdinClosed;

  private CriExecSession(boolean stdin, boolean tty, Duration timeout) {
    this.stdinOpen = stdin;
    this.tty = tty;
    this.timeout = timeout;
  }

  /**
   * Opens the streaming URL the runtime's Exec or Attach answered (a request with stdout, stdin when {@code stdin},
   * and stderr unless {@code tty}: the server waits for exactly those streams).
   */
  static CriExecSession open(EventLoopGroup loop, String url, boolean stdin, boolean tty, Duration timeout)
      throws IOException {
    URI uri = URI.create(url);
    if (!"http".equals(uri.getScheme())) {
      throw new IOException("exec stream " + url + ": only plain http streaming servers are supported "
          + "(containerd: enable_tls_streaming = false, the default)");
    }
    CriExecSession session = new CriExecSession(stdin, tty, timeout);
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            HttpClientCodec http = new HttpClientCodec();
            ch.pipeline().addLast("http", http);
            ch.pipeline().addLast("upgrade", new HttpClientUpgradeHandler(http, session.new SpdyUpgrade(), 64 << 10));
            ch.pipeline().addLast("rejected", session.new UpgradeRefused());
          }
        });
    try {
      session.channel = bootstrap.connect(uri.getHost(), port).sync().channel();
      session.channel.closeFuture().addListener(f -> session.connectionClosed());
      String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      HttpRequest upgrade = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target,
          Unpooled.EMPTY_BUFFER);
      upgrade.headers().set(HttpHeaderNames.HOST, uri.getHost() + ":" + port)
          .set(HttpHeaderNames.CONTENT_LENGTH, 0)
          .set("X-Stream-Protocol-Version", PROTOCOL);
      session.channel.writeAndFlush(upgrade);
      session.upgraded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      session.abort();
      throw new IOException("exec stream " + url + ": " + e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      session.abort();
      throw new IOException("exec stream " + url + " did not open within " + timeout, e);
    } catch (InterruptedException e) {
      session.abort();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (RuntimeException e) {
      session.abort();
      throw new IOException("exec stream " + url + ": " + e.getMessage(), e);
    }
    return session;
  }

  @Override
  public OutputStream stdin() {
    if (!stdinOpen) return OutputStream.nullOutputStream();
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (stdinClosed) throw new IOException("stdin is closed");
        for (int start = off; start < off + len; start += MAX_FRAME) {
          int n = Math.min(MAX_FRAME, off + len - start);
          send(new DefaultSpdyDataFrame(STDIN_STREAM, Unpooled.copiedBuffer(b, start, n)));
        }
      }

      /** Half-closes the stdin stream: the command reads end of file. */
      @Override
      public void close() throws IOException {
        if (stdinClosed) return;
        stdinClosed = true;
        DefaultSpdyDataFrame end = new DefaultSpdyDataFrame(STDIN_STREAM);
        end.setLast(true);
        send(end);
      }
    };
  }

  @Override
  public InputStream stdout() {
    return stdout;
  }

  @Override
  public InputStream stderr() {
    return tty ? InputStream.nullInputStream() : stderr;
  }

  @Override
  public CompletionStage<Integer> exitCode() {
    return exitCode;
  }

  @Override
  public void resize(int width, int height) {
    if (!tty) return;
    try {
      byte[] size = ("{\"Width\":" + width + ",\"Height\":" + height + "}").getBytes(StandardCharsets.UTF_8);
      send(new DefaultSpdyDataFrame(RESIZE_STREAM, Unpooled.wrappedBuffer(size)));
    } catch (IOException e) {
      // the command may just have ended
    }
  }

  /** Closes the connection; the streaming server then ends the command's streams. */
  @Override
  public void close() {
    abort();
    finish(137, null);
  }

  private void abort() {
    Channel ch = channel;
    if (ch != null) ch.close();
  }

  /** Sends a frame and waits until it is written, so a fast stdin cannot queue without bound. */
  private void send(SpdyFrame frame) throws IOException {
    Channel ch = channel;
    if (ch == null || !ch.isActive()) throw new IOException("exec stream is closed");
    try {
      if (!ch.writeAndFlush(frame).await(timeout.toMillis())) {
        throw new IOException("exec stream: a write did not complete within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** After the upgrade: one SPDY stream per channel the Exec request asked for, error first (as Go's client). */
  private void openStreams(ChannelHandlerContext ctx) {
    openStream(ctx, ERROR_STREAM, "error");
    if (stdinOpen) openStream(ctx, STDIN_STREAM, "stdin");
    openStream(ctx, STDOUT_STREAM, "stdout");
    if (tty) {
      openStream(ctx, RESIZE_STREAM, "resize");
    } else {
      openStream(ctx, STDERR_STREAM, "stderr");
    }
    ctx.flush();
  }

  private static void openStream(ChannelHandlerContext ctx, int id, String type) {
    DefaultSpdySynStreamFrame open = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    open.headers().set("streamtype", type);
    ctx.write(open);
  }

  private void onData(SpdyDataFrame frame) {
    ByteBuf content = frame.content();
    byte[] data = new byte[content.readableBytes()];
    content.readBytes(data);
    switch (frame.streamId()) {
      case STDOUT_STREAM -> stdout.offer(data, frame.isLast());
      // stderr ends with the status, not its own FIN: a command that could not run has its message added there.
      case STDERR_STREAM -> stderr.offer(data, false);
      case ERROR_STREAM -> {
        synchronized (errorStream) {
          errorStream.writeBytes(data);
        }
        if (frame.isLast()) statusComplete();
      }
      default -> { }
    }
  }

  /** The error stream ended: its Status (v4) says how the command ended; nothing at all means success. */
  private void statusComplete() {
    byte[] payload;
    synchronized (errorStream) {
      payload = errorStream.toByteArray();
    }
    if (payload.length == 0) {
      exitCode.complete(0);
    } else {
      try {
        JsonNode status = Json.MAPPER.readTree(payload);
        int code = exitCodeOf(status);
        if (code < 0) stderr.offer((status.path("message").asText("exec failed") + "\n")
            .getBytes(StandardCharsets.UTF_8), false);
        exitCode.complete(code < 0 ? 126 : code);
      } catch (IOException e) {
        stderr.offer((new String(payload, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8), false);
        exitCode.complete(126);
      }
    }
    stderr.offer(END, true);
  }

  /** The connection is gone: whatever has not ended, ends now. */
  private void connectionClosed() {
    upgraded.completeExceptionally(new IOException("the streaming server closed the connection"));
    if (!exitCode.isDone()) {
      boolean hasStatus;
      synchronized (errorStream) {
        hasStatus = errorStream.size() > 0;
      }
      if (hasStatus) {
        statusComplete();
      } else {
        finish(126, "exec stream closed before the command's exit status arrived\n");
      }
    }
    stdout.offer(END, true);
    stderr.offer(END, true);
  }

  /** Ends the output streams and completes the exit code (the first call wins). */
  private void finish(int code, String failure) {
    if (failure != null && !exitCode.isDone()) stderr.offer(failure.getBytes(StandardCharsets.UTF_8), false);
    stdout.offer(END, true);
    stderr.offer(END, true);
    exitCode.complete(code);
  }

  /** The exit code in a v4 Status: 0 for Success, the ExitCode cause for NonZeroExitCode, else -1 (see message). */
  static int exitCodeOf(JsonNode status) {
    if ("Success".equals(status.path("status").asText())) return 0;
    for (JsonNode cause : status.path("details").path("causes")) {
      if ("ExitCode".equals(cause.path("reason").asText())) return cause.path("message").asInt(-1);
    }
    return -1;
  }

  /** Upgrades the POST to SPDY/3.1: Netty's HTTP codec leaves, its SPDY frame codec and the session's handler come. */
  private final class SpdyUpgrade implements HttpClientUpgradeHandler.UpgradeCodec {
    @Override
    public CharSequence protocol() {
      return SPDY;
    }

    @Override
    public Collection<CharSequence> setUpgradeHeaders(ChannelHandlerContext ctx, HttpRequest upgradeRequest) {
      return List.of();
    }

    @Override
    public void upgradeTo(ChannelHandlerContext ctx, FullHttpResponse response) {
      String chosen = response.headers().get("X-Stream-Protocol-Version");
      if (chosen != null && !PROTOCOL.equals(chosen)) {
        upgraded.completeExceptionally(new IOException("the streaming server chose protocol " + chosen
            + ", not " + PROTOCOL));
        ctx.close();
        return;
      }
      ctx.pipeline().addAfter(ctx.name(), "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
      ctx.pipeline().addAfter("spdy", "session", new Frames());
      ctx.pipeline().remove("rejected");
    }
  }

  /** Before the upgrade: a response other than 101 (an expired token is 404) fails the open with its text. */
  private final class UpgradeRefused extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      String body = response.content().toString(StandardCharsets.UTF_8).strip();
      upgraded.completeExceptionally(new IOException("the streaming server answered " + response.status()
          + (body.isEmpty() ? "" : ": " + body)));
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      upgraded.completeExceptionally(cause);
      ctx.close();
    }
  }

  /** The SPDY session's frames. */
  private final class Frames extends SimpleChannelInboundHandler<SpdyFrame> {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event == HttpClientUpgradeHandler.UpgradeEvent.UPGRADE_SUCCESSFUL) openStreams(ctx);
      ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame frame) {
      if (frame instanceof SpdySynReplyFrame reply) {
        // The streaming server accepts the streams in order; stdout's acceptance means all are there.
        if (reply.streamId() == (tty ? RESIZE_STREAM : STDERR_STREAM)) upgraded.complete(null);
      } else if (frame instanceof SpdyDataFrame data) {
        onData(data);
        if (stdout.queued() > PAUSE_READING_AT || stderr.queued() > PAUSE_READING_AT) {
          ctx.channel().config().setAutoRead(false);
        }
      } else if (frame instanceof SpdyPingFrame ping) {
        ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
      } else if (frame instanceof SpdyRstStreamFrame reset) {
        // Containerd ends a finished exec by resetting its streams (CANCEL) and going away. stderr still ends with
        // the status, which may come with the connection's close.
        if (reset.streamId() == STDOUT_STREAM) stdout.offer(END, true);
        if (reset.streamId() == ERROR_STREAM && !exitCode.isDone()) statusComplete();
      } else if (frame instanceof SpdyGoAwayFrame) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      upgraded.completeExceptionally(cause);
      finish(126, "exec stream failed: " + cause.getMessage() + "\n");
      ctx.close();
    }
  }

  private void resumeReadingBelow(long stillQueued) {
    if (stillQueued >= RESUME_READING_AT) return;
    Channel ch = channel;
    if (ch != null && !ch.config().isAutoRead()) {
      ch.config().setAutoRead(true);
      ch.read();
    }
  }
}
