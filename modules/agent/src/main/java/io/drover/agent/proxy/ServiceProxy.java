package io.drover.agent.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service proxy of a worker (kube-proxy in userspace mode, on Pekko Streams TCP): a listener on every Service
 * port's cluster IP and on the node's address for every NodePort; each accepted connection goes to one of the
 * port's endpoints, round robin (or the client's earlier endpoint with sessionAffinity ClientIP), and an endpoint
 * that refuses is skipped for the next one. When endpoints change, new connections follow at once while open ones
 * carry on to their end (they drain); a listener whose Service port is gone stops accepting.
 *
 * <p>Cluster IPs come from 127.0.0.0/8 by default, all loopback on Linux, so they need no set-up on one host.
 */
public final class ServiceProxy {
  private static final Logger log = LoggerFactory.getLogger(ServiceProxy.class);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** Endpoints tried for one connection before it is closed. */
  static final int MAX_ATTEMPTS = 3;

  private ServiceProxy() {}

  public sealed interface Command {}

  private record Changed() implements Command {}

  private record Bound(ProxyRules.Listener listener, Tcp.ServerBinding binding) implements Command {}

  private record BindFailed(ProxyRules.Listener listener, String reason) implements Command {}

  /** Where a listener is: its address. */
  private record Address(String host, int port) {}

  public static Behavior<Command> create(ObjectService service, String nodeAddress) {
    return Behaviors.setup(ctx -> {
      service.store().follow(o -> o.type() == ResourceRegistry.SERVICE || o.type() == ResourceRegistry.ENDPOINT_SLICE,
          e -> ctx.getSelf().tell(new Changed()), ctx.getSystem());
      Run run = new Run(ctx, service, nodeAddress);
      ctx.getSelf().tell(new Changed());
      return run.behavior();
    });
  }

  /** The endpoints of each Service port and where its next connection goes; read by the connection handlers. */
  static final class Backends {
    private volatile Map<ProxyRules.ServicePort, List<InetSocketAddress>> table = Map.of();
    private final Map<ProxyRules.ServicePort, AtomicInteger> next = new ConcurrentHashMap<>();
    private final Map<String, Pair<InetSocketAddress, Instant>> affinity = new ConcurrentHashMap<>();

    void set(Map<ProxyRules.ServicePort, List<InetSocketAddress>> backends) {
      table = Map.copyOf(backends);
    }

    /** The endpoints to try for a connection from clientIp, in order. */
    List<InetSocketAddress> order(ProxyRules.ServicePort port, String clientIp, int affinitySeconds) {
      List<InetSocketAddress> all = table.getOrDefault(port, List.of());
      if (all.isEmpty()) return List.of();
      List<InetSocketAddress> order = new ArrayList<>();
      if (affinitySeconds > 0) {
        Pair<InetSocketAddress, Instant> sticky = affinity.get(port.key() + "|" + clientIp);
        if (sticky != null && sticky.second().isAfter(Instant.now()) && all.contains(sticky.first())) {
          order.add(sticky.first());
        }
      }
      int start = Math.floorMod(next.computeIfAbsent(port, p -> new AtomicInteger()).getAndIncrement(), all.size());
      for (int i = 0; i < all.size() && order.size() < MAX_ATTEMPTS; i++) {
        InetSocketAddress candidate = all.get((start + i) % all.size());
        if (!order.contains(candidate)) order.add(candidate);
      }
      return order;
    }

    void remember(ProxyRules.ServicePort port, String clientIp, InetSocketAddress backend, int affinitySeconds) {
      if (affinitySeconds > 0) {
        affinity.put(port.key() + "|" + clientIp, Pair.create(backend, Instant.now().plusSeconds(affinitySeconds)));
      }
    }
  }

  private static final class Run {
    private final ActorContext<Command> ctx;
    private final ObjectService service;
    private final String nodeAddress;
    private final Backends backends = new Backends();
    private final Map<Address, ProxyRules.Listener> wanted = new HashMap<>();
    private final Map<Address, Tcp.ServerBinding> bound = new HashMap<>();
    private final Map<Address, ProxyRules.Listener> binding = new HashMap<>();
    /** Listeners are looked up per connection, so a changed affinity or target applies without rebinding. */
    private final Map<Address, ProxyRules.Listener> live = new ConcurrentHashMap<>();
    private final Map<Address, String> failures = new HashMap<>();

    Run(ActorContext<Command> ctx, ObjectService service, String nodeAddress) {
      this.ctx = ctx;
      this.service = service;
      this.nodeAddress = nodeAddress;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, c -> {
            reconcile();
            return Behaviors.same();
          })
          .onMessage(Bound.class, b -> {
            Address address = new Address(b.listener().host(), b.listener().port());
            binding.remove(address);
            failures.remove(address);
            if (wanted.containsKey(address)) bound.put(address, b.binding());
            else b.binding().unbind();
            return Behaviors.same();
          })
          .onMessage(BindFailed.class, f -> {
            Address address = new Address(f.listener().host(), f.listener().port());
            binding.remove(address);
            if (!f.reason().equals(failures.put(address, f.reason()))) {
              // On one host several members' proxies share the cluster IPs: the first to bind serves.
              log.info("service proxy cannot listen on {}:{} for {}: {}", address.host(), address.port(),
                  f.listener().target().key(), f.reason());
            }
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            bound.values().forEach(Tcp.ServerBinding::unbind);
            return Behaviors.same();
          })
          .build();
    }

    private void reconcile() {
      List<JsonNode> services = service.store().list(ResourceRegistry.SERVICE, null).items().stream()
          .map(StoredObject::object).map(o -> (JsonNode) o).toList();
      List<JsonNode> slices = service.store().list(ResourceRegistry.ENDPOINT_SLICE, null).items().stream()
          .map(StoredObject::object).map(o -> (JsonNode) o).toList();
      ProxyRules.Rules rules = ProxyRules.rules(services, slices, nodeAddress);
      backends.set(rules.backends());
      wanted.clear();
      for (ProxyRules.Listener listener : rules.listeners()) {
        wanted.put(new Address(listener.host(), listener.port()), listener);
      }
      live.clear();
      live.putAll(wanted);
      // Gone: stop accepting; open connections carry on.
      bound.entrySet().removeIf(e -> {
        if (wanted.containsKey(e.getKey())) return false;
        e.getValue().unbind();
        return true;
      });
      for (Map.Entry<Address, ProxyRules.Listener> e : wanted.entrySet()) {
        if (bound.containsKey(e.getKey()) || binding.containsKey(e.getKey())) continue;
        binding.put(e.getKey(), e.getValue());
        bind(e.getKey(), e.getValue());
      }
    }

    private void bind(Address address, ProxyRules.Listener listener) {
      ActorSystem<?> system = ctx.getSystem();
      CompletionStage<Tcp.ServerBinding> result = Tcp.get(system)
          .bind(address.host(), address.port(), 128, List.of(), true, Optional.empty())
          .to(Sink.foreach(connection -> {
            // Nothing may escape here: an exception would end the listener, not just this connection.
            try {
              ProxyRules.Listener current = live.getOrDefault(address, listener);
              connection.handleWith(Flow.completionStageFlow(connect(system, current,
                  connection.remoteAddress().getAddress().getHostAddress())), system);
            } catch (RuntimeException e) {
              log.warn("service proxy on {}:{}: {}", address.host(), address.port(), e.toString());
              connection.handleWith(closed(), system);
            }
          }))
          .run(system);
      ctx.pipeToSelf(result, (b, error) -> error == null ? new Bound(listener, b)
          : new BindFailed(listener, error.getMessage()));
    }

    /** No endpoint took the connection: it is closed (kube-proxy rejects it). */
    private static Flow<ByteString, ByteString, NotUsed> closed() {
      return Flow.fromSinkAndSource(Sink.<ByteString>ignore(), Source.<ByteString>empty())
          .mapMaterializedValue(m -> NotUsed.getInstance());
    }

    /**
     * A flow to one of the Service port's endpoints: each is connected to in turn (at most {@link #MAX_ATTEMPTS})
     * until one accepts; none: the client's connection is closed.
     */
    private CompletionStage<Flow<ByteString, ByteString, NotUsed>> connect(ActorSystem<?> system,
        ProxyRules.Listener listener, String clientIp) {
      List<InetSocketAddress> order = backends.order(listener.target(), clientIp, listener.affinitySeconds());
      return attempt(system, listener, clientIp, order, 0);
    }

    private CompletionStage<Flow<ByteString, ByteString, NotUsed>> attempt(ActorSystem<?> system,
        ProxyRules.Listener listener, String clientIp, List<InetSocketAddress> order, int index) {
      if (index >= order.size()) return CompletableFuture.completedFuture(closed());
      InetSocketAddress backend = order.get(index);
      InetSocketAddress resolved = new InetSocketAddress(backend.getHostString(), backend.getPort());
      Pair<Pair<Subscriber<ByteString>, CompletionStage<Tcp.OutgoingConnection>>, Publisher<ByteString>> wired =
          Source.<ByteString>asSubscriber()
              .viaMat(Tcp.get(system).outgoingConnection(resolved, Optional.empty(), List.of(), true,
                  Optional.of(CONNECT_TIMEOUT), Optional.empty()), Keep.both())
              .toMat(Sink.asPublisher(org.apache.pekko.stream.javadsl.AsPublisher.WITHOUT_FANOUT), Keep.both())
              .run(system);
      Subscriber<ByteString> toBackend = wired.first().first();
      Publisher<ByteString> fromBackend = wired.second();
      return wired.first().second().handle((connected, error) -> {
        if (error != null) return null;
        backends.remember(listener.target(), clientIp, backend, listener.affinitySeconds());
        Flow<ByteString, ByteString, NotUsed> flow = Flow.fromSinkAndSourceCoupled(Sink.fromSubscriber(toBackend),
            Source.fromPublisher(fromBackend)).mapMaterializedValue(m -> NotUsed.getInstance());
        return flow;
      }).thenCompose(flow -> flow != null ? CompletableFuture.completedFuture(flow)
          : attempt(system, listener, clientIp, order, index + 1));
    }
  }
}
