package io.drover.agent.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.agent.runtime.ContainerRuntime;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.agent.runtime.ContainerState;
import io.drover.agent.runtime.ContainerStats;
import io.drover.agent.runtime.ExecSession;
import io.drover.agent.runtime.Isolation;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CommandExecutorTest {

  /** A runtime whose exec sessions finish with the given future. */
  private static ContainerRuntime runtime(CompletableFuture<Integer> exit, AtomicBoolean closed) {
    return new ContainerRuntime() {
      public String name() { return "fake"; }
      public Isolation isolation() { return new Isolation(false, false, "fake"); }
      public ContainerState start(ContainerSpec spec) { throw new UnsupportedOperationException(); }
      public Optional<ContainerState> state(String id) { return Optional.empty(); }
      public void stop(String id, Duration grace) {}
      public void remove(String id) {}
      public List<ContainerState> list() { return List.of(); }
      public Optional<ContainerStats> stats(String id) { return Optional.empty(); }
      public ExecSession exec(String id, List<String> command, boolean tty) {
        return new ExecSession() {
          public OutputStream stdin() { return OutputStream.nullOutputStream(); }
          public InputStream stdout() { return new ByteArrayInputStream("ok\n".getBytes()); }
          public InputStream stderr() { return InputStream.nullInputStream(); }
          public CompletionStage<Integer> exitCode() { return exit; }
          public void resize(int width, int height) {}
          public void close() { closed.set(true); }
        };
      }
    };
  }

  @Test
  void returnsTheExitCodeAndClosesTheSession() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    CommandExecutor exec = CommandExecutor.inContainer(runtime(CompletableFuture.completedFuture(3), closed), "c1");
    assertEquals(3, exec.run(List.of("check"), Duration.ofSeconds(1)));
    assertTrue(closed.get());
  }

  @Test
  void timesOutAndKillsTheCommand() {
    AtomicBoolean closed = new AtomicBoolean();
    CommandExecutor exec = CommandExecutor.inContainer(runtime(new CompletableFuture<>(), closed), "c1");
    assertThrows(TimeoutException.class, () -> exec.run(List.of("hang"), Duration.ofMillis(50)));
    assertTrue(closed.get());
  }
}
