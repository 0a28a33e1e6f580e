package io.drover.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * One watch stream ({@code ?watch=true}), read on its own daemon thread with a client of its own, like an informer in
 * another process: each event goes to the listener with the time it arrived.
 */
final class WatchStream implements AutoCloseable {
  interface Listener {
    /** One event: its type (ADDED, MODIFIED, DELETED, ERROR, BOOKMARK) and object. Called on the reader thread. */
    void onEvent(String type, JsonNode object, long arrivedNanos);

    /** The stream ended or broke (error null when the server ended it); not called after {@link #close()}. */
    void onEnd(Exception error);
  }

  private final Stream<String> lines;
  private volatile boolean closing;

  private WatchStream(Stream<String> lines) {
    this.lines = lines;
  }

  /** Opens the stream (answers once the response headers arrived) and starts reading it. */
  static WatchStream open(HttpClient http, URI uri, Listener listener) throws IOException, InterruptedException {
    HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
        BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      response.body().close();
      throw new IOException("watch " + uri + " answered " + response.statusCode());
    }
    WatchStream stream = new WatchStream(response.body());
    Thread reader = new Thread(() -> stream.read(listener), "bench-watch");
    reader.setDaemon(true); // a stream still blocked after the deadline must not keep the JVM alive
    reader.start();
    return stream;
  }

  private void read(Listener listener) {
    Exception error = null;
    try {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        long now = System.nanoTime();
        JsonNode event = Json.MAPPER.readTree(line);
        listener.onEvent(event.path("type").asText(), event.path("object"), now);
      }
    } catch (IOException e) { // a malformed event
      error = e;
    } catch (UncheckedIOException e) { // a broken stream
      error = e.getCause();
    } catch (RuntimeException e) {
      error = e;
    }
    if (!closing) listener.onEnd(error);
  }

  @Override
  public void close() {
    closing = true;
    lines.close();
  }
}
