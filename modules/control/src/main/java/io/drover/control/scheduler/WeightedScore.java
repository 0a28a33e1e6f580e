package io.drover.control.scheduler;

/** A score plugin and its weight in a profile: the node's total is the sum of weight × normalized score. */
public record WeightedScore(ScorePlugin plugin, int weight) {
  public WeightedScore {
    if (weight < 1) throw new IllegalArgumentException("score weight must be positive: " + weight);
  }
}
