package io.drover.agent.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Output of a command or container handed from the thread that receives it to the one that reads it (the API's
 * stream), as chunks. It ends once: what is offered after the end is ignored. The producer either offers without
 * waiting and slows its source down itself ({@code onTaken} says how much is still queued), or {@link #put}s and
 * waits while the reader is behind.
 */
public final class ChunkStream extends InputStream {
  private static final byte[] END = new byte[0];
  private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final LongConsumer onTaken;
  private volatile boolean endOffered;
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  public ChunkStream() {
    this(stillQueued -> { });
  }

  /** @param onTaken called on the reader's thread with the bytes still queued each time it takes a chunk */
  public ChunkStream(LongConsumer onTaken) {
    this.onTaken = onTaken;
  }

  /** Adds a chunk without waiting; {@code last} ends the stream after it. */
  public synchronized void offer(byte[] chunk, boolean last) {
    if (endOffered) return;
    if (chunk.length > 0) {
      queued.addAndGet(chunk.length);
      chunks.add(chunk);
    }
    if (last) {
      endOffered = true;
      chunks.add(END);
    }
  }

  /** Waits while more than {@code limit} bytes are queued (the reader is behind), then adds the chunk. */
  public synchronized void put(byte[] chunk, long limit) throws InterruptedException {
    while (queued.get() > limit && !endOffered) wait();
    offer(chunk, false);
  }

  /** Ends the stream at once, dropping what has not been read: its reader is gone or no longer wanted. */
  public synchronized void abort() {
    chunks.clear();
    queued.set(0);
    endOffered = true;
    chunks.add(END);
    notifyAll();
  }

  /** Bytes offered and not read yet. */
  public long queued() {
    return queued.get();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) return 0;
    while (position >= current.length) {
      if (ended) return -1;
      try {
        current = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for output");
      }
      position = 0;
      if (current.length == 0) {
        ended = true;
        return -1;
      }
      long stillQueued = queued.addAndGet(-current.length);
      synchronized (this) {
        notifyAll(); // a producer waiting in put
      }
      onTaken.accept(stillQueued);
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, into, offset, n);
    position += n;
    return n;
  }
}
