package io.drover.agent.runtime;

import java.io.IOException;

/**
 * The runtime cannot run a command in this container at all (the sim runtime runs no processes). Unlike other
 * exec failures it is not a fault of the server: the API reports it as BadRequest (400) with this message, where
 * kubectl prints it.
 */
public final class ExecUnavailableException extends IOException {
  public ExecUnavailableException(String message) {
    super(message);
  }
}
