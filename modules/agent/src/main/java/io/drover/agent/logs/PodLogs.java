package io.drover.agent.logs;

import io.drover.api.ApiException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Container logs as {@code kubectl logs} wants them, read from the CRI-format files the runtime writes
 * ({@code <RFC3339Nano> <stdout|stderr> <F|P> <content>}), one file per container run:
 * {@code <podDir>/<container>/<attempt>.log}.
 */
public final class PodLogs {
  /** RFC 3339 with nanoseconds in UTC, as the shim writes it (drover-shim.c, timestamp()). */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private PodLogs() {}

  /** The query of a log request (pods/log): container, previous, follow, tailLines, sinceSeconds, timestamps. */
  public record Options(boolean previous, boolean follow, Long tailLines, Long sinceSeconds, boolean timestamps,
      Long limitBytes) {}

  /** One parsed log line. */
  record Line(String timestamp, String stream, boolean partial, String content) {
    static Optional<Line> parse(String raw) {
      String[] parts = raw.split(" ", 4);
      if (parts.length < 3) return Optional.empty();
      return Optional.of(new Line(parts[0], parts[1], "P".equals(parts[2]), parts.length == 4 ? parts[3] : ""));
    }

    /** The line as it is stored, newline included: the inverse of {@link #parse}. */
    String entry() {
      return timestamp + " " + stream + " " + (partial ? "P" : "F") + " " + content + "\n";
    }

    String render(boolean withTimestamp) {
      return (withTimestamp ? timestamp + " " : "") + content + (partial ? "" : "\n");
    }
  }

  /**
   * Appends complete lines to a container's log, in the format the shim writes and {@link #read} reads back: for a
   * runtime that writes log lines itself (the sim runtime). Text with newlines becomes one entry per line. The
   * file is created when missing, its directory is not.
   */
  public static void append(Path file, Instant at, String stream, String text) throws IOException {
    StringBuilder entries = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      entries.append(new Line(TIMESTAMP.format(at), stream, false, line).entry());
    }
    // One write on an O_APPEND file, as the shim does, so entries of concurrent writers never interleave.
    Files.writeString(file, entries, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The log file of a container's current run (highest attempt), or of the run before it (previous). */
  public static Optional<Path> logFile(Path podDir, String container, boolean previous) {
    Path dir = podDir.resolve(container);
    if (!Files.isDirectory(dir)) return Optional.empty();
    List<Path> runs;
    try (Stream<Path> files = Files.list(dir)) {
      runs = files.filter(p -> p.getFileName().toString().matches("\\d+\\.log"))
          .sorted(Comparator.comparingInt(PodLogs::attemptOf).reversed()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int index = previous ? 1 : 0;
    return runs.size() > index ? Optional.of(runs.get(index)) : Optional.empty();
  }

  private static int attemptOf(Path file) {
    String name = file.getFileName().toString();
    return Integer.parseInt(name.substring(0, name.length() - 4));
  }

  /**
   * The rendered log of one run. Without follow it ends at the end of the file; with follow it keeps reading new
   * lines (polling every {@code pollInterval}) until {@code running} turns false and the file is drained.
   */
  public static Source<ByteString, NotUsed> read(Path file, Options options, BooleanSupplier running,
      Duration pollInterval, Instant now) {
    Instant since = options.sinceSeconds() == null ? null : now.minusSeconds(options.sinceSeconds());
    long start = startOffset(file, options.tailLines());
    long limit = options.limitBytes() == null ? Long.MAX_VALUE : options.limitBytes();
    return Source.unfoldResource(
            () -> new Tail(file, start),
            tail -> tail.next(options.follow(), running, pollInterval),
            Tail::close)
        .map(Line::parse)
        .filter(Optional::isPresent)
        .map(Optional::get)
        .filter(line -> since == null || !Instant.parse(line.timestamp()).isBefore(since))
        .map(line -> ByteString.fromString(line.render(options.timestamps()), StandardCharsets.UTF_8))
        .statefulMapConcat(() -> {
          long[] sent = {0};
          return bytes -> {
            if (sent[0] >= limit) return List.of();
            ByteString out = sent[0] + bytes.size() > limit ? bytes.take((int) (limit - sent[0])) : bytes;
            sent[0] += out.size();
            return List.of(out);
          };
        });
  }

  /** Where to start reading so that only the last n complete lines are read (the whole file when n is null). */
  static long startOffset(Path file, Long tailLines) {
    if (tailLines == null || tailLines < 0) return 0;
    if (tailLines == 0) {
      try {
        return Files.size(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long position = in.length();
      long newlines = 0;
      byte[] buffer = new byte[8192];
      while (position > 0) {
        int chunk = (int) Math.min(buffer.length, position);
        position -= chunk;
        in.seek(position);
        in.readFully(buffer, 0, chunk);
        for (int i = chunk - 1; i >= 0; i--) {
          if (buffer[i] == '\n') {
            // the newline ending the last line does not start a line
            if (position + i == in.length() - 1) continue;
            if (++newlines == tailLines) return position + i + 1;
          }
        }
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads whole lines from an offset; at the end of the file waits for more while following. */
  private static final class Tail {
    private final RandomAccessFile in;
    private final Deque<String> pending = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();

    Tail(Path file, long offset) throws IOException {
      this.in = new RandomAccessFile(file.toFile(), "r");
      in.seek(offset);
    }

    /** The next line, or empty at the end (which, when following, comes only once the run has ended). */
    Optional<String> next(boolean follow, BooleanSupplier running, Duration pollInterval) throws IOException,
        InterruptedException {
      if (pending.isEmpty()) {
        boolean wasRunning = running.getAsBoolean();
        if (!readAvailable()) {
          if (!follow || !wasRunning) return Optional.empty();
          // unfoldResource runs on the blocking IO dispatcher, not an actor. Yield an empty element after each
          // wait so that a client that went away cancels the stream.
          Thread.sleep(pollInterval.toMillis());
          return Optional.of("");
        }
      }
      return Optional.of(pending.poll());
    }

    private boolean readAvailable() throws IOException {
      if (in.length() < in.getFilePointer()) {
        in.seek(0); // the log was rotated (copied and truncated): go on from its new start
        partial.setLength(0);
      }
      long available = in.length() - in.getFilePointer();
      if (available <= 0) return false;
      byte[] bytes = new byte[(int) Math.min(available, 1 << 20)];
      in.readFully(bytes);
      partial.append(new String(bytes, StandardCharsets.UTF_8));
      int newline;
      List<String> lines = new ArrayList<>();
      while ((newline = partial.indexOf("\n")) >= 0) {
        lines.add(partial.substring(0, newline));
        partial.delete(0, newline + 1);
      }
      pending.addAll(lines);
      return !lines.isEmpty();
    }

    void close() throws IOException {
      in.close();
    }
  }

  /**
   * Rotates a container's log when it has grown past maxBytes: copies it to {@code <file>.1} (shifting older
   * copies up to {@code keep}) and truncates it. The shim writes with O_APPEND, so it simply goes on at the start
   * of the emptied file. Returns whether it rotated.
   */
  public static boolean rotateIfLarger(Path file, long maxBytes, int keep) throws IOException {
    if (!Files.exists(file) || Files.size(file) <= maxBytes) return false;
    for (int i = keep - 1; i >= 1; i--) {
      Path older = file.resolveSibling(file.getFileName() + "." + i);
      if (Files.exists(older)) {
        Files.move(older, file.resolveSibling(file.getFileName() + "." + (i + 1)),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.copy(file, file.resolveSibling(file.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(0);
    }
    return true;
  }

  /** A 400 for a container the pod does not have, in the apiserver's words. */
  public static ApiException noSuchContainer(String container, String pod, List<String> containers) {
    return ApiException.badRequest("container " + container + " is not valid for pod " + pod
        + (containers.isEmpty() ? "" : "; valid containers: " + String.join(" ", containers)));
  }
}
