package io.drover.control.scheduler;

import java.util.List;

/**
 * Spreads the pods of one controller (same namespace and controller owner uid, e.g. one ReplicaSet) across nodes,
 * like kube-scheduler's former SelectorSpread on hostnames: a node with fewer of them scores higher,
 * {@code 100 * (max - count) / max}. Pods being deleted do not count; pods without a controller are not scored.
 */
public final class ControllerSpread implements ScorePlugin {
  public static final String NAME = "ControllerSpread";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    return pod.controllerUid() == null ? Status.SKIP : Status.SUCCESS;
  }

  /** Raw score: how many pods of the same controller the node already runs. */
  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    return node.podsOfController(pod.namespace(), pod.controllerUid());
  }

  @Override
  public long[] normalize(CycleState state, PodInfo pod, long[] scores) {
    long max = 0;
    for (long score : scores) max = Math.max(max, score);
    long[] result = new long[scores.length];
    for (int i = 0; i < scores.length; i++) {
      double score = max == 0 ? MAX_SCORE : MAX_SCORE * ((double) (max - scores[i]) / (double) max);
      result[i] = (long) score;
    }
    return result;
  }
}
