package io.drover.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.apiserver.auth.UserInfo;
import io.drover.control.rbac.Attributes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON line per API request, in the shape of Kubernetes' audit.k8s.io/v1 Event at level Metadata
 * (who, verb, resource, namespace, name, response code, source address, user agent). Lines are written by a thread
 * of its own from a bounded queue, so a slow disk never holds up a request; when the queue is full a line is dropped
 * and counted (as kube-apiserver's batch backend does). The file rotates by size, keeping a number of old files.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  /** Tells the writer to finish; compared by identity, it cannot be confused with a line. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String STOP = new String("stop");

  private final Path file;
  private final long maxBytes;
  private final int maxBackups;
  private final BlockingQueue<String> lines;
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private OutputStream out;
  private long size;

  public AuditLog(Path file, long maxBytes, int maxBackups, int queueCapacity) throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.maxBackups = maxBackups;
    this.lines = new ArrayBlockingQueue<>(queueCapacity);
    Files.createDirectories(file.toAbsolutePath().getParent());
    open();
    this.writer = new Thread(this::writeLines, "drover-audit-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** One request, as it was answered. */
  public void record(String auditId, Instant received, UserInfo user, Attributes attributes, String method,
      String requestUri, String sourceIp, String userAgent, int code, boolean longRunning) {
    record(auditId, received, user, attributes, method, requestUri, sourceIp, userAgent, code, longRunning, null);
  }

  /** One request; {@code impersonated} is who the user acted as (kubectl --as), or null. */
  public void record(String auditId, Instant received, UserInfo user, Attributes attributes, String method,
      String requestUri, String sourceIp, String userAgent, int code, boolean longRunning, UserInfo impersonated) {
    ObjectNode event = Json.MAPPER.createObjectNode()
        .put("kind", "Event").put("apiVersion", "audit.k8s.io/v1").put("level", "Metadata")
        .put("auditID", auditId).put("stage", longRunning ? "ResponseStarted" : "ResponseComplete")
        .put("requestURI", requestUri).put("verb", attributes == null ? method.toLowerCase(java.util.Locale.ROOT)
            : attributes.verb());
    ObjectNode who = event.putObject("user").put("username", user == null ? "" : user.name());
    if (user != null) {
      if (!user.uid().isEmpty()) who.put("uid", user.uid());
      user.groups().forEach(who.putArray("groups")::add);
    }
    if (impersonated != null) {
      ObjectNode as = event.putObject("impersonatedUser").put("username", impersonated.name());
      impersonated.groups().forEach(as.putArray("groups")::add);
    }
    event.putArray("sourceIPs").add(sourceIp);
    if (userAgent != null) event.put("userAgent", userAgent);
    if (attributes != null && attributes.resourceRequest()) {
      ObjectNode ref = event.putObject("objectRef").put("resource", attributes.resource());
      if (!attributes.namespace().isEmpty()) ref.put("namespace", attributes.namespace());
      if (!attributes.name().isEmpty()) ref.put("name", attributes.name());
      if (!attributes.apiGroup().isEmpty()) ref.put("apiGroup", attributes.apiGroup());
      if (!attributes.subresource().isEmpty()) ref.put("subresource", attributes.subresource());
    }
    event.putObject("responseStatus").put("code", code);
    event.put("requestReceivedTimestamp", received.toString()).put("stageTimestamp", Instant.now().toString());
    if (!lines.offer(Json.write(event))) {
      if (dropped.incrementAndGet() % 1000 == 1) {
        log.warn("the audit log cannot keep up: {} lines dropped so far ({})", dropped.get(), file);
      }
    }
  }

  /** Lines dropped because the writer could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  private void writeLines() {
    try {
      while (true) {
        String line = lines.take();
        if (line == STOP) break;
        write(line);
        // Write what else is waiting, then flush once: one system call for a burst of requests.
        for (String next = lines.poll(); next != null; next = lines.poll()) {
          if (next == STOP) {
            flush();
            return;
          }
          write(next);
        }
        flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        out.close();
      } catch (IOException e) {
        log.warn("cannot close the audit log {}: {}", file, e.getMessage());
      }
    }
  }

  private void write(String line) {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      if (size > 0 && size + bytes.length > maxBytes) rotate();
      out.write(bytes);
      size += bytes.length;
    } catch (IOException e) {
      dropped.incrementAndGet();
      log.warn("cannot write the audit log {}: {}", file, e.getMessage());
    }
  }

  private void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      log.warn("cannot write the audit log {}: {}", file, e.getMessage());
    }
  }

  /** audit.log becomes audit.log.1, .1 becomes .2, ... and the oldest beyond max-backups goes. */
  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(backup(maxBackups));
    for (int i = maxBackups - 1; i >= 1; i--) {
      if (Files.exists(backup(i))) Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
    }
    if (maxBackups > 0) {
      Files.move(file, backup(1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(file);
    }
    open();
  }

  private Path backup(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  private void open() throws IOException {
    out = new java.io.BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND), 64 * 1024);
    size = Files.size(file);
  }

  /** Writes what is queued and closes the file. */
  @Override
  public void close() throws InterruptedException {
    while (!lines.offer(STOP, 1, TimeUnit.SECONDS)) {
      if (!writer.isAlive()) return;
    }
    writer.join(TimeUnit.SECONDS.toMillis(10));
  }

  /** The backups that exist now, newest first (for tests and operators). */
  List<Path> backups() {
    List<Path> found = new java.util.ArrayList<>();
    for (int i = 1; i <= maxBackups; i++) if (Files.exists(backup(i))) found.add(backup(i));
    return found;
  }
}
