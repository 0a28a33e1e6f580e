package io.drover.agent.pod;

import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a command in a container and returns its exit code, or throws TimeoutException after the timeout. */
@FunctionalInterface
public interface CommandExecutor {
  int run(List<String> command, Duration timeout) throws IOException, TimeoutException, InterruptedException;

  /** Executes through the runtime's exec, discarding output and killing the command when it times out. */
  static CommandExecutor inContainer(ContainerRuntime runtime, String containerId) {
    return (command, timeout) -> {
      ExecSession session = runtime.exec(containerId, command, false);
      try (session) {
        session.stdin().close();
        drain(session.stdout());
        drain(session.stderr());
        return session.exitCode().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw new IOException(e.getCause());
      }
    };
  }

  private static void drain(InputStream in) {
    Thread drainer = new Thread(() -> {
      try (in) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException closed) {
        // the session ended; nothing is left to read
      }
    }, "probe-exec-drain");
    drainer.setDaemon(true);
    drainer.start();
  }
}
