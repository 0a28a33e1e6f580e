package io.drover.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** Runs the real kubectl binary against a test server; every process it starts is stopped by it. */
final class Kubectl {
  /** Threads that read kubectl's outputs (the common pool has one thread on two cores: no good for blocking). */
  private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors
      .newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "kubectl-output");
        thread.setDaemon(true);
        return thread;
      });
  private final Path kubeconfig;

  Kubectl(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  record Result(int exitCode, String stdout, String stderr) {
    Result assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("kubectl exited " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
      }
      return this;
    }
  }

  Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs kubectl with {@code stdin} piped in (e.g. a manifest for {@code apply -f -}). */
  Result runWithInput(String stdin, String... args) {
    Process process = start(args);
    // Both outputs are read while kubectl runs (a full stderr pipe would stall it), and a kubectl that does not end
    // is stopped after a minute instead of hanging the test.
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), READERS);
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), READERS);
    try {
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError("kubectl did not finish within 60 s: " + String.join(" ", args));
      }
      return new Result(process.exitValue(), new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8),
          new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } catch (IOException | ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0]; // the process was stopped
    }
  }

  /** A long-running kubectl (e.g. {@code get -w}) whose output and error lines are collected as they come. */
  final class Background implements AutoCloseable {
    private final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();

    private Background(Process process) {
      this.process = process;
      collect(process.getInputStream(), lines, "kubectl-output");
      collect(process.getErrorStream(), errors, "kubectl-errors");
    }

    private static void collect(java.io.InputStream stream, List<String> into, String name) {
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) into.add(line);
        } catch (IOException ignored) {
          // the process was stopped
        }
      }, name);
      reader.setDaemon(true);
      reader.start();
    }

    /** The exit code once kubectl has ended by itself within the deadline; fails otherwise. */
    int awaitExit(Duration deadline) {
      try {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError("kubectl still runs after " + deadline + "; errors " + errors);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      return process.exitValue();
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** Polls until a collected line satisfies the predicate, or fails after the deadline. */
    String awaitLine(Predicate<String> predicate, Duration deadline) {
      long end = System.nanoTime() + deadline.toNanos();
      while (System.nanoTime() < end) {
        for (String line : lines) {
          if (predicate.test(line)) return line;
        }
        Polling.pause();
      }
      throw new AssertionError("no matching line within " + deadline + "; got " + lines);
    }

    @Override
    public void close() {
      // /usr/bin/kubectl is a dispatcher that runs the versioned kubectl as its child: stop both.
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  Background background(String... args) {
    return new Background(start(args));
  }

  private Process start(String... args) {
    List<String> command = new ArrayList<>();
    command.add("kubectl");
    command.add("--kubeconfig=" + kubeconfig);
    command.add("--request-timeout=30s");
    command.add("--cache-dir=" + kubeconfig.getParent().resolve("kubecache"));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().remove("KUBECONFIG");
      return builder.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start kubectl", e);
    }
  }
}
