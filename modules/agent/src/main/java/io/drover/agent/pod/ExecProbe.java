package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** An exec probe: the command succeeds when it exits 0 within the timeout. */
final class ExecProbe implements ProbeRunner {
  private final CommandExecutor executor;
  private final List<String> command;

  ExecProbe(CommandExecutor executor, JsonNode exec) {
    this.executor = executor;
    List<String> parts = new ArrayList<>();
    for (JsonNode part : exec.path("command")) parts.add(part.asText());
    this.command = List.copyOf(parts);
  }

  @Override
  public ProbeResult probe(Duration timeout) {
    try {
      int exitCode = executor.run(command, timeout);
      return exitCode == 0 ? ProbeResult.ok()
          : ProbeResult.failure("command " + command + " exited with " + exitCode);
    } catch (TimeoutException e) {
      return ProbeResult.failure("command " + command + " timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ProbeResult.failure("command " + command + " was interrupted");
    } catch (Exception e) {
      return ProbeResult.failure("command " + command + " failed: " + e.getMessage());
    }
  }
}
