package io.drover.control.scheduler;

import java.util.List;

/**
 * Taints keep pods away from nodes. As a filter: every NoSchedule and NoExecute taint must be tolerated. As a
 * score: the fewer PreferNoSchedule taints a pod does not tolerate, the better the node.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin {
  public static final String NAME = "TaintToleration";

  private static final CycleState.Key<List<Toleration>> PREFER_TOLERATIONS =
      new CycleState.Key<>("PreScore" + NAME);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    for (Taint taint : node.taints()) {
      boolean binding = taint.effect().equals(Taint.NO_SCHEDULE) || taint.effect().equals(Taint.NO_EXECUTE);
      if (binding && !Toleration.anyTolerates(pod.tolerations(), taint)) {
        return Status.unresolvable("node(s) had untolerated taint {" + taint.key() + ": " + taint.value() + "}");
      }
    }
    return Status.SUCCESS;
  }

  /** Only tolerations that can apply to PreferNoSchedule taints take part in scoring. */
  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    state.write(PREFER_TOLERATIONS, pod.tolerations().stream()
        .filter(t -> t.effect().isEmpty() || t.effect().equals(Taint.PREFER_NO_SCHEDULE))
        .toList());
    return Status.SUCCESS;
  }

  /** Raw score: how many PreferNoSchedule taints the pod does not tolerate. */
  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    List<Toleration> tolerations = state.read(PREFER_TOLERATIONS);
    long count = 0;
    for (Taint taint : node.taints()) {
      if (taint.effect().equals(Taint.PREFER_NO_SCHEDULE) && !Toleration.anyTolerates(tolerations, taint)) count++;
    }
    return count;
  }

  @Override
  public long[] normalize(CycleState state, PodInfo pod, long[] scores) {
    return ScorePlugin.scaleToMax(scores, true);
  }
}
