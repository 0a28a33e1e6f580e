package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Whether a DaemonSet's pod should run on a node, as the DaemonSet controller decides it (nodeShouldRunDaemonPod):
 * the node selector, required node affinity and NoSchedule/NoExecute taints count; free resources do not (the
 * scheduler still places the pod, and a node too full for it leaves it Pending with the reason).
 */
public final class DaemonPlacement {
  private DaemonPlacement() {}

  public static boolean fits(ObjectNode pod, ObjectNode node) {
    PodInfo podInfo = PodInfo.of(pod);
    NodeInfo nodeInfo = new NodeInfo(node, List.of());
    CycleState state = new CycleState();
    NodeAffinity affinity = new NodeAffinity();
    PreFilterResult pre = affinity.preFilter(state, podInfo, List.of(nodeInfo));
    if (pre.status().isRejected()) return false;
    if (pre != PreFilterResult.SKIP && !affinity.filter(state, podInfo, nodeInfo).isSuccess()) return false;
    return new TaintToleration().filter(state, podInfo, nodeInfo).isSuccess();
  }
}
