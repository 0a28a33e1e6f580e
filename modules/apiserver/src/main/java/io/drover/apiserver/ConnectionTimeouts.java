package io.drover.apiserver;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * How long an API connection may wait for its next request, as kube-apiserver's ReadHeaderTimeout and IdleTimeout
 * bound it: a new connection has {@code firstRequest} for the TLS handshake and its first request's headers, and
 * after each answer has been sent, {@code nextRequest} for the next request's headers. A client that trickles its
 * headers a byte at a time (slowloris) is cut off either way, on its first request or a later one.
 *
 * <p>Pekko's own idle-timeout cannot do this: it counts any byte as activity, and it must be long because a watch
 * may be quiet for minutes. Here the clock does not run while a request is being answered, a watch or a log follow
 * included, nor ever again once a connection has switched to a WebSocket (exec, port-forward).
 */
final class ConnectionTimeouts {
  private ConnectionTimeouts() {}

  /** The connection's request handling, one request at a time, with both timeouts around it. */
  static Flow<HttpRequest, HttpResponse, NotUsed> around(Duration firstRequest, Duration nextRequest,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    return Flow.fromMaterializer((materializer, attributes) -> {
      Gate gate = new Gate(firstRequest, nextRequest);
      return Flow.of(HttpRequest.class).via(gate).mapAsync(1, handler::apply).map(gate::whenSent);
    }).mapMaterializedValue(future -> NotUsed.getInstance());
  }

  /**
   * Lets requests through and runs the clock while none is outstanding. {@link #whenSent} tells it when an answer's
   * last byte has gone out (or the client stopped reading it).
   */
  private static final class Gate extends GraphStage<FlowShape<HttpRequest, HttpRequest>> {
    private static final String NEXT_REQUEST = "next-request";
    private final Inlet<HttpRequest> in = Inlet.create("ConnectionTimeouts.in");
    private final Outlet<HttpRequest> out = Outlet.create("ConnectionTimeouts.out");
    private final FlowShape<HttpRequest, HttpRequest> shape = FlowShape.of(in, out);
    private final Duration firstRequest;
    private final Duration nextRequest;
    /** Set when the stage starts: called with true when an answer is sent, false when the connection upgraded. */
    private volatile AsyncCallback<Boolean> answered;

    Gate(Duration firstRequest, Duration nextRequest) {
      this.firstRequest = firstRequest;
      this.nextRequest = nextRequest;
    }

    @Override
    public FlowShape<HttpRequest, HttpRequest> shape() {
      return shape;
    }

    /** The response as it is to be sent, telling the gate when its entity has been sent in full. */
    HttpResponse whenSent(HttpResponse response) {
      AsyncCallback<Boolean> callback = answered;
      if (response.status().intValue() == 101) {
        callback.invoke(false);
        return response;
      }
      ResponseEntity entity = response.entity();
      if (entity instanceof HttpEntity.Strict || entity.isKnownEmpty()) {
        // In memory: it goes out at once.
        callback.invoke(true);
        return response;
      }
      if (entity instanceof HttpEntity.Chunked chunked) {
        return response.withEntity(HttpEntities.createChunked(chunked.getContentType(),
            chunked.getChunks().watchTermination((m, done) -> whenDone(done, callback))
                .mapMaterializedValue(m -> NotUsed.getInstance())
                .map(chunk -> chunk.data())));
      }
      if (entity instanceof HttpEntity.Default sized) {
        return response.withEntity(HttpEntities.create(sized.getContentType(), sized.getContentLengthOption()
            .orElse(-1L), sized.getDataBytes().watchTermination((m, done) -> whenDone(done, callback))));
      }
      return response.withEntity(HttpEntities.createCloseDelimited(entity.getContentType(),
          entity.getDataBytes().watchTermination((m, done) -> whenDone(done, callback))));
    }

    private static NotUsed whenDone(CompletionStage<?> done, AsyncCallback<Boolean> callback) {
      done.whenComplete((d, e) -> callback.invoke(true));
      return NotUsed.getInstance();
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new TimerGraphStageLogic(shape) {
        /** Requests let through whose answers have not been sent yet. */
        private int outstanding;
        private boolean upgraded;

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              outstanding++;
              cancelTimer(NEXT_REQUEST);
              push(out, grab(in));
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              pull(in);
            }
          });
        }

        @Override
        public void preStart() {
          answered = createAsyncCallback(this::onAnswered);
          scheduleOnce(NEXT_REQUEST, firstRequest);
        }

        private void onAnswered(Boolean sent) {
          if (!sent) {
            upgraded = true;
            cancelTimer(NEXT_REQUEST);
            return;
          }
          outstanding = Math.max(0, outstanding - 1);
          if (outstanding == 0 && !upgraded) {
            scheduleOnce(NEXT_REQUEST, nextRequest);
          }
        }

        @Override
        public void onTimer(Object key) {
          if (outstanding == 0 && !upgraded) {
            // Completing, not failing: a failed handler flow makes Pekko HTTP write a 500 on the connection before it
            // closes it, and a client whose request crossed the timeout on the wire took that 500 as its answer. A
            // clean close is what it can retry, as Go's server closes an idle connection.
            completeStage();
          }
        }
      };
    }
  }
}
