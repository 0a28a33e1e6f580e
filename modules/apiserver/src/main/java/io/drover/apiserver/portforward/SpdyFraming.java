package io.drover.apiserver.portforward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * SPDY/3.1 frames from and to bytes, by Netty's codec (the framing and the zlib header compression with SPDY's
 * dictionary). The codec is a channel handler; an {@link EmbeddedChannel} runs it without any I/O: bytes written in
 * come out as frames, frames written out come out as bytes. Header compression keeps its state from frame to frame,
 * so each direction of a session has a codec of its own, made when the stage is materialized and used by that stage
 * alone.
 */
final class SpdyFraming {
  /**
   * Plain heap buffers: the GC frees them, so a frame that a stream drops (on cancellation, say) cannot leak, and
   * Netty's leak detector has nothing to report.
   */
  private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

  /**
   * Data frames longer than this come out in pieces. kubectl writes up to 32 KiB per frame (Go's io.Copy buffer);
   * Netty's default of 8 KiB would make four hand-offs of each.
   */
  private static final int MAX_CHUNK = 64 * 1024;
  /** The largest header block accepted: Netty's default; port-forward headers are a few bytes. */
  private static final int MAX_HEADERS = 16 * 1024;

  private SpdyFraming() {}

  /**
   * Bytes to frames. The bytes may split or join frames anywhere (kubectl's WebSocket messages do not follow frame
   * boundaries). A malformed stream fails the stage with Netty's SpdyProtocolException.
   */
  static Flow<ByteString, SpdyFrame, NotUsed> decoder() {
    return Flow.<ByteString>create().statefulMapConcat(() -> {
      EmbeddedChannel channel = channel();
      return bytes -> decode(channel, bytes);
    });
  }

  /** Frames to bytes, one chunk per frame. */
  static Flow<SpdyFrame, ByteString, NotUsed> encoder() {
    return Flow.<SpdyFrame>create().statefulMapConcat(() -> {
      EmbeddedChannel channel = channel();
      return frame -> List.of(encode(channel, frame));
    });
  }

  private static EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.config().setAllocator(HEAP);
    // Header names are not validated: SPDY wants them lower case, but a peer's case is no reason to fail; lookups
    // in SpdyHeaders ignore case anyway.
    channel.pipeline().addLast(new SpdyFrameCodec(SpdyVersion.SPDY_3_1, MAX_CHUNK, MAX_HEADERS, 6, 15, 8, false));
    return channel;
  }

  private static List<SpdyFrame> decode(EmbeddedChannel channel, ByteString bytes) {
    channel.writeInbound(channel.alloc().buffer(bytes.size()).writeBytes(bytes.asByteBuffer()));
    channel.checkException();
    List<SpdyFrame> frames = new ArrayList<>();
    for (Object frame = channel.readInbound(); frame != null; frame = channel.readInbound()) {
      frames.add((SpdyFrame) frame);
    }
    return frames;
  }

  private static ByteString encode(EmbeddedChannel channel, SpdyFrame frame) {
    channel.writeOutbound(frame);
    channel.checkException();
    ByteStringBuilder bytes = ByteString.createBuilder();
    for (ByteBuf chunk = channel.readOutbound(); chunk != null; chunk = channel.readOutbound()) {
      byte[] copy = new byte[chunk.readableBytes()];
      chunk.readBytes(copy);
      chunk.release();
      bytes.putBytes(copy);
    }
    return bytes.result();
  }
}
