package io.drover.control.event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.ObjectService;
import io.drover.control.store.WriteOptions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events about objects (what {@code kubectl describe} and {@code get events} show), as a
 * component such as "default-scheduler" or "kubelet". Fire and forget: a lost event never fails the work it
 * describes.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  private final ObjectService service;
  private final String component;
  private final String host;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  public EventRecorder(ObjectService service, String component, String host, Clock clock) {
    this.service = service;
    this.component = component;
    this.host = host;
    this.clock = clock;
  }

  public void normal(ObjectNode involved, String reason, String message) {
    record(involved, "Normal", reason, message, null);
  }

  public void warning(ObjectNode involved, String reason, String message) {
    record(involved, "Warning", reason, message, null);
  }

  /** fieldPath names a part of the object, e.g. "spec.containers{web}". */
  public void record(ObjectNode involved, String type, String reason, String message, String fieldPath) {
    String namespace = Json.text(involved, "metadata.namespace");
    String name = Json.text(involved, "metadata.name");
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode event = Json.MAPPER.createObjectNode();
    ObjectNode meta = event.putObject("metadata");
    // Unique like the apiserver's: object name + a hex timestamp.
    meta.put("name", name + "." + Long.toHexString(System.nanoTime() + sequence.incrementAndGet()));
    meta.put("namespace", namespace == null ? "default" : namespace);
    ObjectNode ref = event.putObject("involvedObject");
    ref.put("kind", Json.text(involved, "kind")).put("apiVersion", Json.text(involved, "apiVersion"))
        .put("name", name).put("uid", Json.text(involved, "metadata.uid"))
        .put("resourceVersion", Json.text(involved, "metadata.resourceVersion"));
    if (namespace != null) ref.put("namespace", namespace);
    if (fieldPath != null) ref.put("fieldPath", fieldPath);
    event.put("reason", reason).put("message", message).put("type", type);
    event.putObject("source").put("component", component).put("host", host);
    event.put("reportingComponent", component).put("reportingInstance", host);
    event.put("firstTimestamp", now).put("lastTimestamp", now);
    event.put("count", 1);
    event.put("action", reason);
    service.create(ResourceRegistry.EVENT, meta.path("namespace").asText(), event, WriteOptions.DEFAULT)
        .whenComplete((result, error) -> {
          if (error != null) log.debug("event {} for {}/{} not recorded: {}", reason, namespace, name, error.toString());
        });
  }
}
