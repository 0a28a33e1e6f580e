package io.drover.control.scheduler;

import java.util.List;

/** Ranks the nodes that passed every filter (framework.ScorePlugin, with PreScore and NormalizeScore). */
public interface ScorePlugin extends Plugin {
  long MAX_SCORE = 100;

  /** Runs once per cycle over the feasible nodes; {@link Status#SKIP} leaves this plugin out of the ranking. */
  default Status preScore(CycleState state, PodInfo pod, List<NodeInfo> nodes) {
    return Status.SUCCESS;
  }

  /** The raw score of one node; {@link #normalize} turns raw scores into 0..{@value #MAX_SCORE}. */
  long score(CycleState state, PodInfo pod, NodeInfo node);

  /** Rescales the raw scores of all feasible nodes (same order) into 0..100; the default keeps them. */
  default long[] normalize(CycleState state, PodInfo pod, long[] scores) {
    return scores;
  }

  /**
   * helper.DefaultNormalizeScore: scales scores so the highest becomes 100; {@code reverse} turns "more is worse"
   * counts into scores (the highest count gets 0). All zero: 0 each, or 100 each when reversed.
   */
  static long[] scaleToMax(long[] scores, boolean reverse) {
    long max = 0;
    for (long score : scores) max = Math.max(max, score);
    long[] result = new long[scores.length];
    for (int i = 0; i < scores.length; i++) {
      long scaled = max == 0 ? 0 : MAX_SCORE * scores[i] / max;
      result[i] = reverse ? MAX_SCORE - scaled : scaled;
    }
    return result;
  }
}
