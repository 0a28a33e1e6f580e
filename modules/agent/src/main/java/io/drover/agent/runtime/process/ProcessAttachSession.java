package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ChunkStream;
import io.drover.agent.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * Attached to a process container's own stdio, which its shim serves (drover-shim.c): output is what the shim logs
 * from now on, read back from the container's log as it grows and split into stdout and stderr by the entries'
 * stream; input goes to the shim's stdin FIFO and terminal sizes to its resize FIFO. The output ends when the
 * container has ended and its log is read to the end.
 */
final class ProcessAttachSession implements ExecSession {
  private static final long POLL_MILLIS = 50;
  /** Output held for a client that reads slower than the container writes; beyond it the follower waits. */
  private static final long QUEUED_BYTES = 1 << 20;

  private final boolean tty;
  private final OutputStream stdin;
  private final Path resizeFifo;
  private final ChunkStream stdout = new ChunkStream();
  private final ChunkStream stderr = new ChunkStream();
  private final CompletableFuture<Integer> ended = new CompletableFuture<>();
  private final Thread follower;
  private volatile boolean closed;

  /**
   * @param stdinFifo the shim's stdin FIFO, or null when no input goes to the container
   * @param resizeFifo the shim's resize FIFO, or null without a terminal
   */
  ProcessAttachSession(String containerId, Path logFile, Path stdinFifo, Path resizeFifo, boolean tty,
      BooleanSupplier running) throws IOException {
    this.tty = tty;
    this.resizeFifo = resizeFifo;
    RandomAccessFile log = new RandomAccessFile(logFile.toFile(), "r");
    log.seek(log.length());
    // Read and write: opening a FIFO for writing alone blocks until it has a reader, which a shim that just ended
    // no longer is. The shim sees this writer's close as the end of this client's input.
    this.stdin = stdinFifo == null ? OutputStream.nullOutputStream()
        : Channels.newOutputStream(FileChannel.open(stdinFifo, StandardOpenOption.READ, StandardOpenOption.WRITE));
    this.follower = new Thread(() -> follow(log, running), "attach-" + containerId);
    follower.setDaemon(true);
    follower.start();
  }

  /** Copies log entries as they are appended until the container has ended (or the session is closed). */
  private void follow(RandomAccessFile log, BooleanSupplier running) {
    byte[] pending = new byte[0];
    try (log) {
      boolean last = false;
      while (!closed) {
        boolean ran = running.getAsBoolean();
        if (log.length() < log.getFilePointer()) log.seek(0); // rotated: go on from the new start
        int available = (int) Math.min(log.length() - log.getFilePointer(), 1 << 20);
        if (available > 0) {
          byte[] read = new byte[pending.length + available];
          System.arraycopy(pending, 0, read, 0, pending.length);
          log.readFully(read, pending.length, available);
          pending = copyEntries(read);
        } else if (last) {
          break;
        } else if (!ran) {
          last = true; // one more read: what the shim wrote before it recorded the exit
        } else {
          Thread.sleep(POLL_MILLIS);
        }
      }
    } catch (IOException e) {
      // the log could not be read: the session ends
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closed
    } finally {
      for (ChunkStream stream : List.of(stdout, stderr)) {
        if (closed) {
          stream.abort(); // the client is gone and may have stopped reading
        } else {
          stream.offer(new byte[0], true);
        }
      }
      ended.complete(0);
    }
  }

  /** Passes on the content of each complete entry in {@code bytes}; returns the incomplete rest. */
  private byte[] copyEntries(byte[] bytes) throws InterruptedException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') continue;
      copyEntry(bytes, start, i, out, err);
      start = i + 1;
    }
    stdout.put(out.toByteArray(), QUEUED_BYTES);
    stderr.put(err.toByteArray(), QUEUED_BYTES);
    byte[] rest = new byte[bytes.length - start];
    System.arraycopy(bytes, start, rest, 0, rest.length);
    return rest;
  }

  /** One CRI log entry, {@code TIMESTAMP STREAM F|P CONTENT}: its content, with the newline a full line ends in. */
  private void copyEntry(byte[] bytes, int from, int to, java.io.ByteArrayOutputStream out,
      java.io.ByteArrayOutputStream err) {
    int[] spaces = new int[3];
    int found = 0;
    for (int i = from; i < to && found < 3; i++) {
      if (bytes[i] == ' ') spaces[found++] = i;
    }
    if (found < 2) return;
    int tagEnd = found == 3 ? spaces[2] : to;
    boolean partial = tagEnd - spaces[1] == 2 && bytes[spaces[1] + 1] == 'P';
    String stream = new String(bytes, spaces[0] + 1, spaces[1] - spaces[0] - 1, StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream target = !tty && stream.equals("stderr") ? err : out;
    if (found == 3) target.write(bytes, spaces[2] + 1, to - spaces[2] - 1);
    if (!partial) target.write('\n');
  }

  @Override
  public OutputStream stdin() {
    return stdin;
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
    return ended;
  }

  /** Tells the shim the terminal's new size; the kernel signals SIGWINCH to the container. */
  @Override
  public void resize(int width, int height) {
    if (resizeFifo == null) return;
    try (FileChannel fifo = FileChannel.open(resizeFifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      fifo.write(java.nio.ByteBuffer.wrap((width + " " + height + "\n").getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      // the container may just have ended
    }
  }

  /** Detaches: the container goes on running (with stdinOnce its input has ended). */
  @Override
  public void close() {
    closed = true;
    try {
      stdin.close();
    } catch (IOException e) {
      // already closed
    }
    follower.interrupt();
  }
}
