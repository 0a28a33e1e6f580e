package io.drover.control.scheduler;

import java.util.List;

/**
 * The outcome of running a plugin (framework.Status): a code, the human-readable reasons that end up in the
 * FailedScheduling message, and the plugin that produced it.
 */
public record Status(Code code, List<String> reasons, String plugin) {

  public enum Code {
    SUCCESS,
    /** The plugin failed internally; the whole cycle stops. */
    ERROR,
    /** The node does not fit now; evicting pods (preemption) might help. */
    UNSCHEDULABLE,
    /** The node cannot fit the pod whatever happens to the pods on it. */
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    /** From a pre-step: the plugin has nothing to say this cycle, so its filter or score is not run. */
    SKIP
  }

  public static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), "");
  public static final Status SKIP = new Status(Code.SKIP, List.of(), "");

  public Status {
    reasons = List.copyOf(reasons);
  }

  public static Status unschedulable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE, List.of(reasons), "");
  }

  public static Status unresolvable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), "");
  }

  public static Status error(String message) {
    return new Status(Code.ERROR, List.of(message), "");
  }

  public Status withPlugin(String name) {
    return new Status(code, reasons, name);
  }

  public boolean isSuccess() {
    return code == Code.SUCCESS;
  }

  /** Whether the pod was turned away (as opposed to success, skip or an internal error). */
  public boolean isRejected() {
    return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
  }

  /** The reasons joined as framework.Status.Message() does. */
  public String message() {
    return String.join(", ", reasons);
  }
}
