package io.drover.agent.runtime;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletionStage;

/** A command running in a container: its streams (stderr merged into stdout with a TTY) and exit code. */
public interface ExecSession extends AutoCloseable {
  OutputStream stdin();

  InputStream stdout();

  /** Empty stream when running with a TTY. */
  InputStream stderr();

  CompletionStage<Integer> exitCode();

  /** Terminal size change (TTY only; ignored otherwise). */
  void resize(int width, int height);

  /** Kills the command if still running. */
  @Override
  void close();
}
