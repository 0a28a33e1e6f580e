package io.drover.control.scheduler;

/**
 * A pod that names its node ({@code spec.nodeName}) fits only there. Such pods normally bypass the scheduler;
 * the filter keeps a scheduler that is handed one anyway honest.
 */
public final class NodeName implements FilterPlugin {
  public static final String NAME = "NodeName";
  public static final String REASON = "node(s) didn't match the requested node name";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    if (pod.nodeName().isEmpty() || pod.nodeName().equals(node.name())) return Status.SUCCESS;
    return Status.unresolvable(REASON);
  }
}
