package io.drover.agent.pod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A container's argv: command then args, each expanded with the resolved environment (kubelet's
 * ExpandContainerCommandAndArgs).
 */
public final class Command {
  private Command() {}

  /** Waiting reason the agent reports when {@link #argv} is empty. */
  public static final String NEEDS_COMMAND_REASON = PodConfigException.CREATE_CONTAINER_CONFIG_ERROR;

  /** Waiting message the agent reports when {@link #argv} is empty. */
  public static final String NEEDS_COMMAND_MESSAGE = "the process runtime runs host processes and needs "
      + "spec.containers[].command or args; image entrypoints are not available";

  /**
   * The argv: command then args. Without a command, args alone, as an image without entrypoint runs them
   * ({@code kubectl run x --image=busybox -- sh}); empty when the container has neither.
   */
  public static List<String> argv(JsonNode container, Map<String, String> env) {
    List<String> command = expand(container.path("command"), env);
    List<String> argv = new ArrayList<>(command);
    argv.addAll(expand(container.path("args"), env));
    return List.copyOf(argv);
  }

  /** A command or args list with each element expanded; empty when absent. */
  public static List<String> expand(JsonNode parts, Map<String, String> env) {
    List<String> expanded = new ArrayList<>();
    for (JsonNode part : parts) expanded.add(Expansion.expand(part.asText(), env));
    return List.copyOf(expanded);
  }
}
