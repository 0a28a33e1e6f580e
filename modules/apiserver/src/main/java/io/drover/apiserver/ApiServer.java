package io.drover.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.drover.agent.PodIo;
import io.drover.api.ApiException;
import io.drover.apiserver.auth.ApiSecurity;
import io.drover.apiserver.auth.Authenticator;
import io.drover.apiserver.auth.UserInfo;
import io.drover.api.Json;
import io.drover.api.discovery.Discovery;
import io.drover.api.openapi.OpenApi;
import io.drover.control.metrics.DroverMetrics;
import io.drover.control.metrics.PodMetricsSource;
import io.drover.control.store.JournalHealth;
import io.drover.control.store.ObjectService;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes REST API of one member: version, discovery, OpenAPI, health, and the resources. Every error is
 * answered as a Kubernetes Status; nothing a client sends can fail the server.
 */
public final class ApiServer {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** The Kubernetes version Drover speaks; the kubectl dispatcher on these machines picks its binary by it. */
  public static final String KUBERNETES_MINOR = "32";

  private final ActorSystem<?> system;
  private final ResourceHandler resources;
  private final MetricsApi metrics;
  private final AutoscalingV1 autoscalingV1;
  private final long maxBodyBytes;
  private final Duration requestTimeout;
  private final DroverMetrics requestMetrics;
  private final ApiSecurity security;
  private final AccessReviews access;
  private volatile AuditLog audit;

  /**
   * @param security HTTPS and authentication, or plain HTTP (insecure-http)
   * @param authorizer RBAC: every authenticated request is checked against it
   * @param tokens signs the tokens of the serviceaccounts/token subresource
   */
  public ApiServer(ActorSystem<?> system, ObjectService service, java.util.function.Supplier<Optional<PodIo>> agent,
      ApiSecurity security, io.drover.control.rbac.RbacAuthorizer authorizer,
      io.drover.control.security.ServiceAccountTokens tokens) {
    Config config = system.settings().config().getConfig("drover.api");
    this.system = system;
    this.security = security;
    this.access = new AccessReviews(authorizer);
    this.maxBodyBytes = config.getBytes("max-body-bytes");
    this.requestTimeout = config.getDuration("request-timeout");
    this.requestMetrics = DroverMetrics.get(system);
    this.resources = new ResourceHandler(system, service, agent, config.getDuration("max-watch-timeout"),
        config.getInt("max-list-limit"), Clock.systemUTC(), security, tokens);
    this.autoscalingV1 = new AutoscalingV1(system, resources, requestTimeout.toMillis());
    this.metrics = new MetricsApi(system, service, agent, config.getDuration("metrics-scrape-timeout"),
        security);
    OpenApi.v3Index(); // built once now rather than on the first kubectl apply
    Duration bookmarkInterval = config.getDuration("bookmark-interval");
    system.scheduler().scheduleAtFixedRate(bookmarkInterval, bookmarkInterval, service.store()::bookmark,
        system.executionContext());
  }

  /** The pods' usage as metrics.k8s.io serves it, for the autoscaler. */
  public PodMetricsSource metrics() {
    return metrics;
  }

  public CompletionStage<ServerBinding> bind(String host, int port) {
    org.apache.pekko.http.javadsl.ServerBuilder server = Http.get(system).newServerAt(host, port);
    // A connection has first-request-timeout for the TLS handshake and its first request's headers, then
    // next-request-timeout after each answer for the next request's: a client that trickles its headers (slowloris)
    // would otherwise hold the connection for the whole idle-timeout, which is long because watches may be quiet.
    // One request at a time per connection, as HTTP/1.1 answers in order.
    var connection = ConnectionTimeouts.around(
        system.settings().config().getDuration("drover.api.first-request-timeout"),
        system.settings().config().getDuration("drover.api.next-request-timeout"), this::handle);
    return security.serverContext().map(server::enableHttps).orElse(server).bindFlow(connection);
  }

  /** Writes every request to this audit log from now on (null: none). */
  public void auditTo(AuditLog audit) {
    this.audit = audit;
  }

  /** Answers one request; failures of any kind become a Status response. */
  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    long started = System.nanoTime();
    java.time.Instant received = java.time.Instant.now();
    java.util.concurrent.atomic.AtomicReference<Sender> sender = new java.util.concurrent.atomic.AtomicReference<>();
    CompletionStage<HttpResponse> response;
    try {
      // Every request's body is read to its end before it is answered, also when the answer does not need it (a
      // 404 for a POST): answering while the client still sends closes the connection under it, and the client
      // sees a reset or an empty response instead of the Status.
      response = withBody(request, body -> authenticated(request, body, sender));
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return response.exceptionally(error -> {
      ApiException api = ObjectService.unwrap(error);
      if (api == null) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
            ? c.getCause() : error;
        if (cause instanceof EntityStreamSizeException) {
          api = ApiException.tooLarge(maxBodyBytes);
        } else if (cause instanceof java.util.concurrent.TimeoutException) {
          // A client that sends its body slower than the request timeout (a slow upload, or one that stalls).
          api = new ApiException(408, "Timeout", "the request body did not arrive within " + requestTimeout.toSeconds()
              + " s", null, null, null, java.util.List.of(), null);
        } else {
          log.error("{} {} failed", request.method().value(), request.getUri().path(), cause);
          api = ApiException.internal(String.valueOf(cause.getMessage()));
        }
      }
      return HttpBodies.status(api);
    }).thenApply(answer -> {
      // The one place every request passes: the API metrics by Kubernetes verb, resource and status code.
      RequestInfo info = RequestInfo.of(request.method().value(), request.getUri().path(),
          request.getUri().query().get("watch").map(w -> w.equals("true") || w.equals("1")).orElse(false));
      requestMetrics.apiRequest(info.verb(), info.resource(), info.subresource(), answer.status().intValue(), started);
      audit(request, sender.get(), received, answer.status().intValue());
      return answer;
    });
  }

  /**
   * Routes a request once its sender is known and RBAC allows it. Without credentials only the health and version
   * endpoints answer (kube-apiserver's system:public-info-viewer); anything else is a 401, as is a credential that
   * does not check out. An authenticated request RBAC does not allow is a 403 naming user, verb and resource.
   */
  private CompletionStage<HttpResponse> authenticated(HttpRequest request, byte[] body,
      java.util.concurrent.atomic.AtomicReference<Sender> sender) {
    Authenticator.Result who = security.authenticate(request);
    if (who.failed()) {
      log.debug("{} {} unauthorized: {}", request.method().value(), request.getUri().path(), who.failure());
      return done(HttpBodies.status(ApiException.unauthorized()));
    }
    UserInfo user = who.user();
    boolean publicPath = isPublic(request.getUri().path());
    if (user.isAnonymous() && !publicPath) return done(HttpBodies.status(ApiException.unauthorized()));
    UserInfo requester = user;
    if (AccessReviews.impersonates(request)) {
      // kubectl --as/--as-group: the requester must be allowed to impersonate; the request then acts as that user.
      sender.set(new Sender(requester, null, null));
      if (user.isAnonymous()) return done(HttpBodies.status(ApiException.unauthorized()));
      user = access.impersonate(requester, request);
    }
    io.drover.control.rbac.Attributes attributes = AccessReviews.attributes(user, request);
    sender.set(new Sender(user, attributes, requester == user ? null : requester));
    if (!publicPath) {
      io.drover.control.rbac.Decision decision = access.authorize(attributes);
      if (!decision.allowed()) {
        log.debug("{} {} forbidden for {}", request.method().value(), request.getUri().path(), user.name());
        return done(HttpBodies.status(AccessReviews.forbidden(attributes, decision.reason())));
      }
    }
    return route(request.addAttribute(ApiSecurity.USER, user), body);
  }

  /**
   * Who a request acts as and what it asks, as authorization saw it, and who really sent it when that was an
   * impersonation (null otherwise): for the audit log.
   */
  private record Sender(UserInfo user, io.drover.control.rbac.Attributes attributes, UserInfo impersonator) {}

  private void audit(HttpRequest request, Sender sender, java.time.Instant received, int code) {
    AuditLog auditLog = audit;
    if (auditLog == null) return;
    try {
      String method = request.method().value();
      UserInfo user = sender == null ? null : sender.impersonator() != null ? sender.impersonator() : sender.user();
      UserInfo impersonated = sender == null || sender.impersonator() == null ? null : sender.user();
      io.drover.control.rbac.Attributes attributes = sender == null ? null : sender.attributes();
      String uri = request.getUri().path() + request.getUri().rawQueryString().map(q -> "?" + q).orElse("");
      String source = request.getAttribute(org.apache.pekko.http.javadsl.model.AttributeKeys.remoteAddress)
          .flatMap(a -> a.getAddress()).map(java.net.InetAddress::getHostAddress).orElse("");
      boolean longRunning = attributes != null && (attributes.verb().equals("watch")
          || List.of("exec", "attach", "portforward", "log").contains(attributes.subresource()));
      auditLog.record(java.util.UUID.randomUUID().toString(), received, user, attributes, method, uri, source,
          request.getHeader("User-Agent").map(h -> h.value()).orElse(null), code, longRunning, impersonated);
    } catch (RuntimeException e) {
      log.warn("cannot audit {} {}: {}", request.method().value(), request.getUri().path(), e.toString());
    }
  }

  /** The paths anyone may read: health and version. */
  static boolean isPublic(String path) {
    return path.equals("/version") || path.equals("/version/") || path.equals("/healthz")
        || path.startsWith("/healthz/") || path.equals("/livez") || path.startsWith("/livez/")
        || path.equals("/readyz") || path.startsWith("/readyz/");
  }

  private CompletionStage<HttpResponse> route(HttpRequest request, byte[] body) {
    String path = request.getUri().path();
    String[] segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    String accept = request.getHeader("Accept").map(h -> h.value()).orElse("");
    boolean get = request.method().value().equals("GET");
    if (segments.length == 0) {
      return done(get ? HttpBodies.json(200, rootPaths()) : notFound());
    }
    switch (segments[0]) {
      case "version":
        return done(HttpBodies.json(200, version()));
      case "healthz", "livez":
        return done(HttpBodies.text(200, "ok"));
      case "readyz":
        return readyz(request);
      case "openapi":
        if (segments.length == 2 && segments[1].equals("v2") && !accept.isEmpty() && !accept.contains("json")
            && !accept.contains("*/*")) {
          // kubectl asks for v2 only as protobuf, which Drover does not produce; v3 is what it uses.
          return done(HttpBodies.status(new ApiException(406, "NotAcceptable",
              "only application/json is available for /openapi/v2; use /openapi/v3")));
        }
        return done(openApi(segments));
      case "api":
        if (segments.length == 1) {
          return done(discovery(accept, Discovery::aggregatedCore, Discovery.apiVersions()));
        }
        if (!segments[1].equals("v1")) return done(notFound());
        if (segments.length == 2) return done(found(Discovery.resourceList("", "v1")));
        return resource(request, body, "", "v1", Arrays.copyOfRange(segments, 2, segments.length));
      case "apis":
        if (segments.length == 1) {
          return done(discovery(accept, Discovery::aggregatedGroups, Discovery.apiGroupList()));
        }
        if (segments.length == 2) return done(found(Discovery.apiGroup(segments[1])));
        if (segments.length == 3) return done(found(Discovery.resourceList(segments[1], segments[2])));
        if (AccessReviews.serves(segments[1], segments[2], Arrays.copyOfRange(segments, 3, segments.length))) {
          return done(access.review(request, request.getAttribute(ApiSecurity.USER).orElseThrow(), segments[3],
              body));
        }
        if (segments[1].equals("metrics.k8s.io") && segments[2].equals("v1beta1")) {
          return metrics.handle(request, Arrays.copyOfRange(segments, 3, segments.length));
        }
        return resource(request, body, segments[1], segments[2], Arrays.copyOfRange(segments, 3, segments.length));
      case "drover":
        // Between members: GET /drover/v1/nodes/NODE/usage, what this member's agent measured (MetricsApi).
        if (get && segments.length == 5 && segments[1].equals("v1") && segments[2].equals("nodes")
            && segments[4].equals("usage")) {
          return done(metrics.usage(segments[3]));
        }
        return done(notFound());
      default:
        return done(notFound());
    }
  }

  private CompletionStage<HttpResponse> resource(HttpRequest request, byte[] body, String group, String version,
      String[] rest) {
    if (AutoscalingV1.serves(group, version, rest)) return autoscalingV1.handle(request, rest, body);
    Optional<ResourcePath> path = ResourcePath.parse(group, version, rest);
    if (path.isEmpty()) return done(notFound());
    return resources.handle(request, path.get(), body);
  }

  /** Reads the body of a write (bounded by max-body-bytes) and hands it on; reads get an empty one. */
  private CompletionStage<HttpResponse> withBody(HttpRequest request,
      Function<byte[], CompletionStage<HttpResponse>> handler) {
    String method = request.method().value();
    boolean hasBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
        || method.equals("DELETE");
    if (!hasBody) {
      request.discardEntityBytes(system);
      return handler.apply(new byte[0]);
    }
    // A body over the limit is read to its end and dropped before the 413 goes out, for the same reason. Pekko's parsing.max-content-length stays the outer bound of what is read.
    // Continue on the actor system's dispatcher: Pekko's stage would otherwise run it on the common pool, which
    // on a 2-core machine starts a new thread per task.
    return request.entity().getDataBytes()
        .completionTimeout(requestTimeout)
        .runFold(new BoundedBody(maxBodyBytes), BoundedBody::add, system)
        .thenComposeAsync(body -> {
          if (body.tooLarge) throw ApiException.tooLarge(maxBodyBytes);
          return handler.apply(body.bytes.toByteArray());
        }, system.executionContext());
  }

  /** The bytes of a body up to a limit; past it only that it was too large. */
  private static final class BoundedBody {
    final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    final long limit;
    boolean tooLarge;

    BoundedBody(long limit) {
      this.limit = limit;
    }

    BoundedBody add(org.apache.pekko.util.ByteString chunk) {
      if (!tooLarge && bytes.size() + (long) chunk.size() > limit) {
        tooLarge = true;
        bytes.reset();
      }
      if (!tooLarge) bytes.writeBytes(chunk.toArray());
      return this;
    }
  }

  /**
   * Ready when this member is Up in the cluster and the journal database answers. As Kubernetes answers: "ok", or
   * one line per check and "readyz check failed" with 503; {@code ?verbose} lists the checks when ready too.
   */
  private CompletionStage<HttpResponse> readyz(HttpRequest request) {
    MemberStatus status = Cluster.get(system).selfMember().status();
    boolean verbose = request.getUri().query().get("verbose").isPresent();
    return JournalHealth.get(system).check().thenApply(journal -> {
      boolean up = status.equals(MemberStatus.up());
      boolean ready = up && journal.healthy();
      if (ready && !verbose) return HttpBodies.text(200, "ok");
      String checks = (up ? "[+]cluster-member ok\n" : "[-]cluster-member failed: this member is " + status + "\n")
          + (journal.healthy() ? "[+]journal ok\n" : "[-]journal failed: " + journal.error() + "\n")
          + "readyz check " + (ready ? "passed" : "failed");
      return HttpBodies.text(ready ? 200 : 503, checks);
    });
  }

  /** Aggregated discovery when the client asks for it (with the exact Content-Type it expects), else legacy. */
  private static HttpResponse discovery(String accept, Function<String, ObjectNode> aggregated, ObjectNode legacy) {
    if (accept.contains("as=APIGroupDiscoveryList")) {
      if (accept.contains("v=v2;") || accept.contains("v=v2,") || accept.matches(".*v=v2(;|,|$).*")) {
        return HttpBodies.json(200, aggregated.apply("apidiscovery.k8s.io/v2"),
            contentType(Discovery.AGGREGATED_V2));
      }
      if (accept.contains("v=v2beta1")) {
        return HttpBodies.json(200, aggregated.apply("apidiscovery.k8s.io/v2beta1"),
            contentType(Discovery.AGGREGATED_V2BETA1));
      }
    }
    return HttpBodies.json(200, legacy);
  }

  private static ContentType contentType(String value) {
    return ContentTypes.parse(value);
  }

  private static HttpResponse openApi(String[] segments) {
    if (segments.length == 2 && segments[1].equals("v2")) return found(OpenApi.v2());
    if (segments.length == 2 && segments[1].equals("v3")) return found(OpenApi.v3Index());
    if (segments.length > 2 && segments[1].equals("v3")) {
      return found(OpenApi.v3GroupVersion(String.join("/", Arrays.copyOfRange(segments, 2, segments.length))));
    }
    return notFound();
  }

  static ObjectNode version() {
    ObjectNode version = Json.MAPPER.createObjectNode();
    version.put("major", "1").put("minor", KUBERNETES_MINOR)
        .put("gitVersion", "v1." + KUBERNETES_MINOR + ".0+drover")
        .put("gitCommit", "drover").put("gitTreeState", "clean").put("buildDate", "2026-01-01T00:00:00Z")
        .put("goVersion", "java" + Runtime.version().feature()).put("compiler", "javac")
        .put("platform", System.getProperty("os.name").toLowerCase() + "/"
            + System.getProperty("os.arch").replace("x86_64", "amd64"));
    return version;
  }

  private static ObjectNode rootPaths() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    var paths = root.putArray("paths");
    for (String p : new String[] {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3",
        "/readyz", "/version"}) {
      paths.add(p);
    }
    return root;
  }

  private static HttpResponse found(ObjectNode body) {
    return body == null ? notFound() : HttpBodies.json(200, body);
  }

  private static HttpResponse notFound() {
    return HttpBodies.status(ApiException.notFound("the server could not find the requested resource"));
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
