package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.PodIo;
import io.drover.agent.logs.PodLogs;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.ExecUnavailableException;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectService;
import io.drover.control.workload.DisruptionBudgets;
import io.drover.control.store.StoredObject;
import java.io.IOException;
import java.io.OutputStream;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

/**
 * The pod subresources that reach into the node agent: {@code log}, {@code exec}, {@code portforward}, and the
 * scheduler's {@code binding}.
 */
final class PodSubresources {
  /** Channel numbers of the Kubernetes remotecommand WebSocket protocols. */
  private static final int STDIN = 0, STDOUT = 1, STDERR = 2, STATUS = 3, RESIZE = 4, CLOSE = 255;
  private static final List<String> EXEC_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");

  private final ActorSystem<?> system;
  private final ObjectService service;
  private final java.util.function.Supplier<Optional<PodIo>> agent;
  private final Clock clock;
  private final io.drover.apiserver.auth.ApiSecurity security;
  private final PortForward portForward;

  PodSubresources(ActorSystem<?> system, ObjectService service, java.util.function.Supplier<Optional<PodIo>> agent, Clock clock,
      io.drover.apiserver.auth.ApiSecurity security) {
    this.security = security;
    this.system = system;
    this.service = service;
    this.agent = agent;
    this.clock = clock;
    this.portForward = new PortForward(system);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request, ResourcePath path, byte[] body) {
    String method = request.method().value();
    return switch (path.subresource()) {
      case "binding" -> {
        if (!method.equals("POST")) throw ApiException.methodNotAllowed("bindings can only be created (POST)");
        ObjectNode binding = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
        String node = Json.text(binding, "target.name");
        if (node == null || node.isEmpty()) {
          throw ApiException.invalid("Binding", "", path.name(), List.of(new ApiException.Cause(
              "FieldValueRequired", "Required value", "target.name")));
        }
        yield service.bind(path.namespace(), path.name(), node)
            .thenApply(r -> HttpBodies.json(201, HttpBodies.success()));
      }
      case "eviction" -> {
        if (!method.equals("POST")) throw ApiException.methodNotAllowed("evictions can only be created (POST)");
        ObjectNode eviction = HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
        yield DisruptionBudgets.evict(service, path.namespace(), path.name(), eviction, clock.instant())
            .thenApply(r -> HttpBodies.json(201, HttpBodies.success()));
      }
      case "log" -> log(request, path);
      case "exec" -> exec(request, path);
      case "attach" -> attach(request, path);
      case "portforward" -> portForward(request, path);
      default -> throw ApiException.notFound("the server could not find the requested resource");
    };
  }

  private CompletionStage<HttpResponse> log(HttpRequest request, ResourcePath path) {
    Query query = request.getUri().query();
    StoredObject pod = service.get(ResourceRegistry.POD, path.namespace(), path.name());
    String container = container(pod, query.get("container").orElse(null));
    PodLogs.Options options = new PodLogs.Options(flag(query, "previous"), flag(query, "follow"),
        number(query, "tailLines"), number(query, "sinceSeconds"), flag(query, "timestamps"),
        number(query, "limitBytes"));
    Optional<PodIo> local = local(pod);
    if (local.isEmpty()) return NodeProxy.forward(system, security, service, request, nodeName(pod));
    PodIo io = local.get();
    String uid = Json.text(pod.object(), "metadata.uid");
    Path file = io.podDirectory(pod.namespace(), pod.name(), uid)
        .flatMap(dir -> PodLogs.logFile(dir, container, options.previous()))
        .orElseThrow(() -> ApiException.badRequest(options.previous()
            ? "previous terminated container \"" + container + "\" in pod \"" + pod.name() + "\" not found"
            : "container \"" + container + "\" in pod \"" + pod.name() + "\" is waiting to start: ContainerCreating"));
    Source<ByteString, NotUsed> lines = PodLogs.read(file, options,
        () -> io.isRunning(pod.namespace(), pod.name(), uid, container), Duration.ofMillis(200), clock.instant());
    return CompletableFuture.completedFuture(
        HttpResponse.create().withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, lines)));
  }

  private CompletionStage<HttpResponse> exec(HttpRequest request, ResourcePath path) {
    Query query = request.getUri().query();
    StoredObject pod = service.get(ResourceRegistry.POD, path.namespace(), path.name());
    String container = container(pod, query.get("container").orElse(null));
    // Pekko's Query.getAll lists repeated parameters last-first; argv order matters.
    List<String> command = new ArrayList<>(query.getAll("command"));
    java.util.Collections.reverse(command);
    if (command.isEmpty()) throw ApiException.badRequest("you must specify at least 1 command");
    boolean tty = flag(query, "tty");
    boolean stdin = flag(query, "stdin");
    WebSocketUpgrade upgrade = streamUpgrade(request, "exec");
    String protocol = streamProtocol(upgrade, "exec");
    requireRunning(pod);
    Optional<PodIo> local = local(pod);
    if (local.isEmpty()) return NodeProxy.forwardWebSocket(system, security, service, request, upgrade, protocol, nodeName(pod));
    PodIo io = local.get();
    ExecSession session;
    try {
      session = io.exec(pod.namespace(), pod.name(), Json.text(pod.object(), "metadata.uid"), container, command,
          tty);
    } catch (IOException e) {
      // As the kubelet does, the upgrade succeeds and the failure comes on the status channel, where kubectl prints
      // its message. An HTTP error instead would make kubectl retry over SPDY, which is not served here, and show
      // only that. A container that cannot run commands at all (the sim runtime) is the client's error, not ours.
      byte[] failure = e instanceof ExecUnavailableException
          ? failureStatus(400, "BadRequest", e.getMessage())
          : failureStatus(500, "InternalError", "exec failed: " + e.getMessage());
      return CompletableFuture.completedFuture(upgrade.handleMessagesWith(Sink.<Message>ignore(),
          Source.single(frame(STATUS, failure)), protocol));
    }
    return CompletableFuture.completedFuture(serve(upgrade, protocol, session, stdin, tty));
  }

  /**
   * Attaches to a running container's own stdio, as kubelet does for {@code kubectl attach} and {@code kubectl run
   * -i}: what the container writes from now on, and the client's input to its stdin when the container keeps stdin
   * open. The session ends with Success when the container ends; a client that goes away leaves it running.
   */
  private CompletionStage<HttpResponse> attach(HttpRequest request, ResourcePath path) {
    Query query = request.getUri().query();
    StoredObject pod = service.get(ResourceRegistry.POD, path.namespace(), path.name());
    String container = container(pod, query.get("container").orElse(null));
    WebSocketUpgrade upgrade = streamUpgrade(request, "attach");
    String protocol = streamProtocol(upgrade, "attach");
    requireRunning(pod);
    Optional<PodIo> local = local(pod);
    if (local.isEmpty()) {
      return NodeProxy.forwardWebSocket(system, security, service, request, upgrade, protocol, nodeName(pod));
    }
    JsonNode spec = containerSpec(pod, container);
    // The container's settings decide, as in kubelet: its terminal, and stdin only if it keeps one open (kubectl
    // itself warns when they differ from what was asked).
    boolean tty = spec.path("tty").asBoolean(false);
    boolean stdin = flag(query, "stdin") && spec.path("stdin").asBoolean(false);
    ExecSession session;
    try {
      session = local.get().attach(pod.namespace(), pod.name(), Json.text(pod.object(), "metadata.uid"), container,
          stdin, tty);
    } catch (IOException e) {
      byte[] failure = e instanceof ExecUnavailableException
          ? failureStatus(400, "BadRequest", e.getMessage())
          : failureStatus(500, "InternalError", "attach failed: " + e.getMessage());
      return CompletableFuture.completedFuture(upgrade.handleMessagesWith(Sink.<Message>ignore(),
          Source.single(frame(STATUS, failure)), protocol));
    }
    return CompletableFuture.completedFuture(serve(upgrade, protocol, session, stdin, tty));
  }

  private static WebSocketUpgrade streamUpgrade(HttpRequest request, String what) {
    return request.getAttribute(AttributeKeys.webSocketUpgrade).orElseThrow(() ->
        ApiException.badRequest(what + " needs a WebSocket upgrade with one of the protocols " + EXEC_PROTOCOLS));
  }

  private static String streamProtocol(WebSocketUpgrade upgrade, String what) {
    List<String> offered = new ArrayList<>();
    upgrade.getRequestedProtocols().forEach(offered::add);
    return EXEC_PROTOCOLS.stream().filter(offered::contains).findFirst()
        .orElseThrow(() -> ApiException.badRequest(what + " supports the WebSocket protocols " + EXEC_PROTOCOLS));
  }

  /** The remotecommand protocol over the WebSocket: stdin, resize and close in; output, then the status, out. */
  private HttpResponse serve(WebSocketUpgrade upgrade, String protocol, ExecSession session, boolean stdin,
      boolean tty) {
    if (!stdin) {
      closeQuietly(session.stdin());
    }
    Source<Message, NotUsed> stdout = channel(StreamConverters.fromInputStream(session::stdout), STDOUT);
    Source<Message, NotUsed> output = tty ? stdout
        : stdout.merge(channel(StreamConverters.fromInputStream(session::stderr), STDERR));
    Source<Message, NotUsed> outgoing = output
        .concat(Source.completionStage(session.exitCode()).map(code -> frame(STATUS, exitStatus(code))))
        .watchTermination((notUsed, done) -> {
          done.whenComplete((d, e) -> session.close());
          return NotUsed.getInstance();
        });
    Materializer materializer = Materializer.matFromSystem(system);
    Sink<Message, ?> incoming = Flow.<Message>create()
        .<ByteString>mapAsync(1, message -> message.isText()
            ? message.asTextMessage().toStrict(5000, materializer)
                .thenApply(t -> ByteString.fromString(t.getStrictText()))
            : message.asBinaryMessage().toStrict(5000, materializer).thenApply(BinaryMessage::getStrictData))
        .to(Sink.foreach(data -> input(session, data)));
    return upgrade.handleMessagesWith(incoming, outgoing, protocol);
  }

  /** The pod spec's container (or init container) of that name; the name has been checked. */
  private static JsonNode containerSpec(StoredObject pod, String name) {
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode c : pod.object().path("spec").path(list)) {
        if (name.equals(c.path("name").asText())) return c;
      }
    }
    return Json.MAPPER.createObjectNode();
  }

  /** Forwards the client's connections to the pod's ports, from the member whose agent runs the pod. */
  private CompletionStage<HttpResponse> portForward(HttpRequest request, ResourcePath path) {
    StoredObject pod = service.get(ResourceRegistry.POD, path.namespace(), path.name());
    WebSocketUpgrade upgrade = PortForward.upgrade(request);
    requireRunning(pod);
    Optional<PodIo> local = local(pod);
    if (local.isEmpty()) {
      return NodeProxy.forwardWebSocket(system, security, service, request, upgrade, PortForward.PROTOCOL,
          nodeName(pod));
    }
    return CompletableFuture.completedFuture(portForward.accept(upgrade, pod, local.get()));
  }

  private static void requireRunning(StoredObject pod) {
    if (!"Running".equals(Json.text(pod.object(), "status.phase"))) {
      throw ApiException.badRequest("unable to upgrade connection: pod is not running (phase "
          + Json.text(pod.object(), "status.phase") + ")");
    }
  }

  /** One client frame: stdin data, a resize, or (v5) the close of stdin. */
  private static void input(ExecSession session, ByteString data) throws IOException {
    if (data.isEmpty()) return;
    int channel = data.apply(0) & 0xff;
    ByteString payload = data.drop(1);
    switch (channel) {
      case STDIN -> {
        OutputStream in = session.stdin();
        in.write(payload.toArray());
        in.flush();
      }
      case RESIZE -> {
        JsonNode size = Json.MAPPER.readTree(payload.toArray());
        session.resize(size.path("Width").asInt(), size.path("Height").asInt());
      }
      case CLOSE -> {
        if (!payload.isEmpty() && (payload.apply(0) & 0xff) == STDIN) closeQuietly(session.stdin());
      }
      default -> { }
    }
  }

  private static Source<Message, NotUsed> channel(Source<ByteString, ?> bytes, int channel) {
    return bytes.map(chunk -> (Message) BinaryMessage.create(ByteString.fromArray(new byte[] {(byte) channel})
        .concat(chunk))).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private static Message frame(int channel, byte[] payload) {
    return BinaryMessage.create(ByteString.fromArray(new byte[] {(byte) channel}).concat(ByteString.fromArray(payload)));
  }

  /** The status kubectl reads on channel 3: Success, or NonZeroExitCode with the code (kubectl exits with it). */
  static byte[] exitStatus(int code) {
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.putObject("metadata");
    if (code == 0) {
      status.put("status", "Success");
    } else {
      status.put("status", "Failure").put("message", "command terminated with non-zero exit code: error executing "
          + "command, exit status " + code).put("reason", "NonZeroExitCode");
      ArrayNode causes = status.putObject("details").putArray("causes");
      causes.addObject().put("reason", "ExitCode").put("message", Integer.toString(code));
    }
    return Json.bytes(status);
  }

  /** A Failure status on channel 3 that is not an exit code: kubectl prints its message and exits 1. */
  static byte[] failureStatus(int code, String reason, String message) {
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    return Json.bytes(status);
  }

  private static String container(StoredObject pod, String requested) {
    List<String> names = new ArrayList<>();
    pod.object().path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
    List<String> all = new ArrayList<>(names);
    pod.object().path("spec").path("initContainers").forEach(c -> all.add(c.path("name").asText()));
    if (requested == null || requested.isEmpty()) {
      if (names.size() == 1) return names.get(0);
      throw ApiException.badRequest("a container name must be specified for pod " + pod.name()
          + ", choose one of: " + names);
    }
    if (!all.contains(requested)) throw PodLogs.noSuchContainer(requested, pod.name(), all);
    return requested;
  }

  private static String nodeName(StoredObject pod) {
    String node = Json.text(pod.object(), "spec.nodeName");
    if (node == null || node.isEmpty()) {
      throw ApiException.badRequest("pod " + pod.name() + " is not scheduled to a node yet");
    }
    return node;
  }

  /** This member's agent, when it runs the pod's node; empty when another member's agent does. */
  private Optional<PodIo> local(StoredObject pod) {
    String node = nodeName(pod);
    return agent.get().filter(a -> a.nodeName().equals(node));
  }

  private static boolean flag(Query query, String name) {
    return query.get(name).map(v -> v.equals("true") || v.equals("1")).orElse(false);
  }

  private static Long number(Query query, String name) {
    Optional<String> value = query.get(name);
    if (value.isEmpty() || value.get().isEmpty()) return null;
    try {
      return Long.parseLong(value.get());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid " + name + " \"" + value.get() + "\"");
    }
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

}
