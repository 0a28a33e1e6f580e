package io.drover.control.scheduler;

/** Keeps pods off cordoned nodes ({@code spec.unschedulable}) unless they tolerate the unschedulable taint. */
public final class NodeUnschedulable implements FilterPlugin {
  public static final String NAME = "NodeUnschedulable";
  public static final String REASON = "node(s) were unschedulable";

  private static final Taint UNSCHEDULABLE_TAINT =
      new Taint("node.kubernetes.io/unschedulable", "", Taint.NO_SCHEDULE);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    if (node.unschedulable() && !Toleration.anyTolerates(pod.tolerations(), UNSCHEDULABLE_TAINT)) {
      return Status.unresolvable(REASON);
    }
    return Status.SUCCESS;
  }
}
