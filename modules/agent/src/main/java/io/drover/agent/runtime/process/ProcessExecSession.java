package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A command run in a container by {@code nsenter} (a child of the JVM, unlike containers). With a TTY it runs
 * under util-linux {@code script}, which gives it a pseudo-terminal and merges stderr into stdout.
 */
final class ProcessExecSession implements ExecSession {
  private final Process process;
  private final boolean tty;

  ProcessExecSession(Process process, boolean tty) {
    this.process = process;
    this.tty = tty;
  }

  @Override
  public OutputStream stdin() {
    return process.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return process.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return tty ? InputStream.nullInputStream() : process.getErrorStream();
  }

  @Override
  public CompletionStage<Integer> exitCode() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /** Sets the terminal's size with stty, which also signals SIGWINCH to the command. */
  @Override
  public void resize(int width, int height) {
    if (!tty) return;
    terminal().ifPresent(pts -> {
      try {
        Process stty = new ProcessBuilder("stty", "-F", pts, "cols", Integer.toString(width), "rows",
            Integer.toString(height)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        if (!stty.waitFor(5, TimeUnit.SECONDS)) stty.destroyForcibly();
      } catch (IOException e) {
        // the command may just have ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** The pseudo-terminal script opened: the standard input of the processes below it. */
  private Optional<String> terminal() {
    return process.descendants().map(p -> {
      try {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "fd", "0")).toString();
      } catch (IOException e) {
        return "";
      }
    }).filter(link -> link.startsWith("/dev/pts/")).findFirst();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
