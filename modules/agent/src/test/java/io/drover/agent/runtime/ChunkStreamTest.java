package io.drover.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class ChunkStreamTest {

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void chunksAreReadInOrderUntilTheEndAndWhatComesAfterTheEndIsIgnored() throws Exception {
    List<Long> stillQueued = new CopyOnWriteArrayList<>();
    ChunkStream stream = new ChunkStream(stillQueued::add);
    stream.offer(bytes("abc"), false);
    stream.offer(bytes("de"), true);
    stream.offer(bytes("late"), false);
    assertEquals(5, stream.queued());
    assertArrayEquals(bytes("abcde"), stream.readAllBytes());
    assertEquals(-1, stream.read());
    assertEquals(List.of(2L, 0L), stillQueued, "the producer learns what is left after each chunk taken");
  }

  @Test
  void putWaitsWhileTheReaderIsBehindAndGoesOnOnceItReads() throws Exception {
    ChunkStream stream = new ChunkStream();
    stream.put(bytes("0123456789"), 4); // nothing queued yet: in at once
    CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
      try {
        stream.put(bytes("next"), 4);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertFalse(completesSoon(second), "10 bytes queued, more than 4: the producer waits");
    byte[] first = new byte[10];
    assertEquals(10, stream.read(first, 0, 10));
    second.get(10, TimeUnit.SECONDS);
    stream.offer(new byte[0], true);
    assertArrayEquals(bytes("next"), stream.readAllBytes());
  }

  @Test
  void abortDropsWhatIsUnreadEndsTheStreamAndReleasesAWaitingProducer() throws Exception {
    ChunkStream stream = new ChunkStream();
    stream.offer(bytes("unread"), false);
    stream.offer(new byte[0], true);
    CompletableFuture<Void> blocked = new CompletableFuture<>();
    ChunkStream full = new ChunkStream();
    full.put(bytes("12345"), 0);
    Thread producer = new Thread(() -> {
      try {
        full.put(bytes("more"), 0);
        blocked.complete(null);
      } catch (InterruptedException e) {
        blocked.completeExceptionally(e);
      }
    });
    producer.start();
    assertFalse(completesSoon(blocked));
    full.abort();
    blocked.get(10, TimeUnit.SECONDS);
    assertEquals(-1, full.read(), "ended without what was queued");
    stream.abort();
    assertEquals(-1, stream.read(), "an ended stream aborted still ends, and nothing unread is left");
    assertTrue(stream.queued() == 0);
  }

  /** Whether the future completes within half a second (a producer that waits does not). */
  private static boolean completesSoon(CompletableFuture<?> future) {
    try {
      future.get(500, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException stillWaiting) {
      return false;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
