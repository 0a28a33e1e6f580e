package io.drover.agent.runtime.cri;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.agent.runtime.ExecSession;
import io.drover.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command running in a CRI container, through the runtime's streaming server: CRI's Exec answers a URL, which
 * this session opens as a WebSocket with the Kubernetes channel protocol (v4.channel.k8s.io): every binary message
 * starts with its channel, 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 a terminal resize. The Status carries
 * the exit code; a command that could not run at all gets its message on stderr and exit code 126, as a shell's.
 *
 * <p>The v4 protocol cannot signal the end of stdin, so closing {@link #stdin()} only stops sending: a command that
 * reads stdin to its end keeps waiting. Containerd 1.6's streaming server offers nothing newer over WebSocket.
 */
final class CriExecSession implements ExecSession {
  static final String PROTOCOL = "v4.channel.k8s.io";
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int STATUS = 3;
  private static final int RESIZE = 4;
  private static final byte[] END = new byte[0];

  private final ChannelStream stdout = new ChannelStream();
  private final ChannelStream stderr = new ChannelStream();
  private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
  private final boolean tty;
  private volatile WebSocket socket;

  private CriExecSession(boolean tty) {
    this.tty = tty;
  }

  /** Opens the streaming URL the runtime's Exec answered. */
  static CriExecSession open(HttpClient client, String url, boolean tty, Duration timeout) throws IOException {
    CriExecSession session = new CriExecSession(tty);
    URI uri = URI.create(url.replaceFirst("^http", "ws"));
    try {
      session.socket = client.newWebSocketBuilder().subprotocols(PROTOCOL).connectTimeout(timeout)
          .buildAsync(uri, session.new Listener()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("exec stream " + url + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("exec stream " + url + " did not open within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return session;
  }

  @Override
  public OutputStream stdin() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        send(STDIN, Arrays.copyOfRange(b, off, off + len));
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
      send(RESIZE, ("{\"Width\":" + width + ",\"Height\":" + height + "}").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the command may just have ended
    }
  }

  @Override
  public void close() {
    WebSocket ws = socket;
    if (ws != null && !ws.isOutputClosed()) ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
    if (ws != null) ws.abort();
    finish(137, null);
  }

  private void send(int channel, byte[] data) throws IOException {
    byte[] frame = new byte[data.length + 1];
    frame[0] = (byte) channel;
    System.arraycopy(data, 0, frame, 1, data.length);
    try {
      socket.sendBinary(ByteBuffer.wrap(frame), true).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("exec stream: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Ends the output streams and completes the exit code (the first call wins). */
  private void finish(int code, String failure) {
    if (failure != null) stderr.offer(failure.getBytes(StandardCharsets.UTF_8));
    stdout.offer(END);
    stderr.offer(END);
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

  private final class Listener implements WebSocket.Listener {
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partial.writeBytes(chunk);
      if (last) {
        byte[] message = partial.toByteArray();
        partial.reset();
        if (message.length > 0) onMessage(message[0] & 0xff, Arrays.copyOfRange(message, 1, message.length));
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      finish(0, null); // no Status before the close: the command ended without one, as Success
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      finish(-1, "exec stream failed: " + error.getMessage() + "\n");
    }

    private void onMessage(int channel, byte[] payload) {
      switch (channel) {
        case STDOUT -> {
          if (payload.length > 0) stdout.offer(payload);
        }
        case STDERR -> {
          if (payload.length > 0) stderr.offer(payload);
        }
        case STATUS -> {
          try {
            JsonNode status = Json.MAPPER.readTree(payload);
            int code = exitCodeOf(status);
            finish(code < 0 ? 126 : code, code < 0 ? status.path("message").asText("exec failed") + "\n" : null);
          } catch (IOException e) {
            finish(126, new String(payload, StandardCharsets.UTF_8) + "\n");
          }
        }
        default -> { }
      }
    }
  }

  /** An input stream fed by the WebSocket's messages of one channel; an empty array marks its end. */
  private static final class ChannelStream extends InputStream {
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    void offer(byte[] chunk) {
      chunks.add(chunk);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      while (position >= current.length) {
        if (ended) return -1;
        try {
          current = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        position = 0;
        if (current.length == 0) {
          ended = true;
          return -1;
        }
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      return n;
    }
  }
}
