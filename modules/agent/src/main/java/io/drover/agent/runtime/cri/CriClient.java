package io.drover.agent.runtime.cri;

import io.drover.agent.runtime.cri.v1.ImageServiceGrpc;
import io.drover.agent.runtime.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC connection to a container runtime's CRI v1 socket (containerd's {@code containerd.sock}, whose CRI plugin
 * serves {@code runtime.v1.RuntimeService} and {@code runtime.v1.ImageService}). It only hands out stubs; what to
 * call and how to map the answers is the {@code cri} runtime's business.
 *
 * <p>The stubs are blocking, and a call can take long (an image pull, a stop with a grace period): callers run them
 * on the agent's blocking dispatcher, never inside an actor. Each call needs its own deadline, so take a fresh stub
 * per call ({@code client.runtime(timeout).version(...)}); a stub's deadline runs from when it was taken.
 *
 * <p>{@link #connect} does not touch the socket; the first call connects, and a call fails with {@code UNAVAILABLE}
 * while the runtime is down. The channel reconnects by itself once the runtime is back.
 */
public final class CriClient implements AutoCloseable {

  /** The kubelet's limit too: a runtime caps ExecSync output at 16 MiB per stream. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

  /** How long {@link #close} waits for calls in flight and for the event loop to end. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  private final EventLoopGroup eventLoop;
  private final ManagedChannel channel;

  private CriClient(EventLoopGroup eventLoop, ManagedChannel channel) {
    this.eventLoop = eventLoop;
    this.channel = channel;
  }

  /**
   * A client for the unix socket at {@code socket}.
   *
   * @throws IllegalStateException when Netty's native epoll transport, which unix sockets need, cannot load
   */
  public static CriClient connect(Path socket) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException(
          "unix domain sockets need Netty's native epoll transport", Epoll.unavailabilityCause());
    }
    EventLoopGroup eventLoop =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cri-client", true), EpollIoHandler.newFactory());
    try {
      ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .eventLoopGroup(eventLoop)
          .channelType(EpollDomainSocketChannel.class)
          .usePlaintext()
          // gRPC sets TCP keepalive on every channel; a unix socket has none, and Netty would warn at each connect.
          .withOption(ChannelOption.SO_KEEPALIVE, null)
          // The socket path is no valid :authority; runtimes ignore it.
          .overrideAuthority("localhost")
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          .build();
      return new CriClient(eventLoop, channel);
    } catch (RuntimeException e) {
      eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /** RuntimeService (sandboxes, containers, exec, stats, status) with calls that fail after {@code deadline}. */
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration deadline) {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** ImageService (list, status, pull, remove) with calls that fail after {@code deadline}. */
  public ImageServiceGrpc.ImageServiceBlockingStub images(Duration deadline) {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Closes the channel, cancelling calls still running after a short wait, then stops the event loop. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      }
      eventLoop.shutdownGracefully(0, CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS)
          .await(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      channel.shutdownNow();
      eventLoop.shutdownGracefully(0, 0, TimeUnit.NANOSECONDS);
      Thread.currentThread().interrupt();
    }
  }
}
