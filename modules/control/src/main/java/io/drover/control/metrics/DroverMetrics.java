package io.drover.control.metrics;

import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.StoredObject;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * This member's Prometheus metrics. One registry per actor system, never the library's global default: tests run
 * several members in one JVM, and each must report only its own. The admin endpoint serves them at /metrics.
 */
public final class DroverMetrics implements Extension {
  private static final ExtensionId<DroverMetrics> ID = new ExtensionId<>() {
    @Override
    public DroverMetrics createExtension(ActorSystem<?> system) {
      return new DroverMetrics();
    }
  };

  /** Pod phases as Kubernetes has them; each is reported, zero or not, so the series do not come and go. */
  static final List<String> POD_PHASES = List.of("Pending", "Running", "Succeeded", "Failed", "Unknown");

  /** Journal writes take milliseconds: finer buckets at the low end than the library's default. */
  private static final double[] JOURNAL_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
      1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter textFormat = PrometheusTextFormatWriter.create();

  private final Counter apiRequests = Counter.builder()
      .name("drover_apiserver_request_total")
      .help("API requests by Kubernetes verb, plural resource, subresource and HTTP status code")
      .labelNames("verb", "resource", "subresource", "code")
      .register(registry);
  private final Histogram apiRequestDuration = Histogram.builder()
      .name("drover_apiserver_request_duration_seconds")
      .help("Time from receiving an API request to the start of its response (for watches and streams: until the "
          + "stream starts)")
      .labelNames("verb", "resource", "subresource")
      .classicOnly()
      .register(registry);
  private final Counter schedulingAttempts = Counter.builder()
      .name("drover_scheduler_attempts_total")
      .help("Scheduling attempts of this member's scheduler by result: scheduled, unschedulable (fits no node), "
          + "error (every reservation refused, or the binding failed; retried)")
      .labelNames("result")
      .register(registry);
  private final Histogram schedulingDuration = Histogram.builder()
      .name("drover_scheduler_scheduling_duration_seconds")
      .help("Time of one scheduling attempt: filter and score, reserve on the node, bind")
      .labelNames("result")
      .classicOnly()
      .register(registry);
  private final Histogram journalWriteDuration = Histogram.builder()
      .name("drover_journal_write_duration_seconds")
      .help("Time an object entity waits for the journal to store one event of an object write")
      .classicOnly()
      .classicUpperBounds(JOURNAL_BUCKETS)
      .register(registry);

  private DroverMetrics() {
    // Known label values start at zero, so a rate() sees the first attempt of each result.
    List.of("scheduled", "unschedulable", "error").forEach(schedulingAttempts::initLabelValues);
  }

  public static DroverMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** One API request, counted where the API routes it; startedNanos is System.nanoTime() at its arrival. */
  public void apiRequest(String verb, String resource, String subresource, int code, long startedNanos) {
    apiRequests.labelValues(verb, resource, subresource, Integer.toString(code)).inc();
    apiRequestDuration.labelValues(verb, resource, subresource).observe(secondsSince(startedNanos));
  }

  public void schedulingAttempt(String result, long startedNanos) {
    schedulingAttempts.labelValues(result).inc();
    schedulingDuration.labelValues(result).observe(secondsSince(startedNanos));
  }

  public void journalWrite(long startedNanos) {
    journalWriteDuration.observe(secondsSince(startedNanos));
  }

  /**
   * Gauges read from the read side at each scrape: objects by kind, pods by phase. The read side holds the whole
   * cluster's objects, so every control-plane member reports the same totals (aggregate with max, not sum).
   */
  public void observe(ObjectStore store) {
    GaugeWithCallback.builder()
        .name("drover_entities")
        .help("Objects in this member's read side by kind (cluster-wide totals)")
        .labelNames("kind")
        .callback(callback -> countsByKind(store).forEach((kind, count) -> callback.call(count, kind)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("drover_pods")
        .help("Pods by status.phase in this member's read side (cluster-wide totals)")
        .labelNames("phase")
        .callback(callback -> podsByPhase(store.list(ResourceRegistry.POD, null).items())
            .forEach((phase, count) -> callback.call(count, phase)))
        .register(registry);
  }

  static Map<String, Integer> countsByKind(ObjectStore store) {
    Map<String, Integer> counts = new TreeMap<>();
    for (ResourceType type : ResourceRegistry.ALL) {
      counts.merge(type.kind(), store.count(type), Integer::sum);
    }
    return counts;
  }

  /** A pod without a phase yet is Pending, as Kubernetes reports it. */
  static Map<String, Integer> podsByPhase(List<StoredObject> pods) {
    Map<String, Integer> counts = new TreeMap<>();
    POD_PHASES.forEach(phase -> counts.put(phase, 0));
    for (StoredObject pod : pods) {
      String phase = Json.text(pod.object(), "status.phase");
      counts.merge(phase == null || phase.isEmpty() ? "Pending" : phase, 1, Integer::sum);
    }
    return counts;
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      textFormat.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  private static double secondsSince(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
