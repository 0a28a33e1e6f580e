package io.drover.agent.sim;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * How simulated containers behave, shared by the {@code sim} container runtime and the virtual node agents: how
 * long a container takes to start (uniform between min and max; a slow node multiplies it), how often a container
 * crashes and after how long, and how long a pod that is meant to finish (restartPolicy Never or OnFailure) runs.
 * Draws come from a {@link Random} the caller seeds, so a run with the same seed makes the same choices.
 *
 * @param crashProbability chance that one container start ends in a crash (exit code 1) after crashAfterMin..Max
 * @param slowNodeFraction share of nodes that are slow; which ones follows from the seed and the node's name
 * @param slowFactor how much longer containers take to start on a slow node
 * @param finishAfter how long a container of a pod with restartPolicy Never or OnFailure runs before exiting 0
 */
public record SimProfile(Duration startDelayMin, Duration startDelayMax, double crashProbability,
    Duration crashAfterMin, Duration crashAfterMax, double slowNodeFraction, double slowFactor, Duration finishAfter,
    long seed) {

  public SimProfile {
    if (startDelayMin.isNegative() || startDelayMax.compareTo(startDelayMin) < 0) {
      throw new IllegalArgumentException("start delay: need 0 <= min <= max, got " + startDelayMin + ".."
          + startDelayMax);
    }
    if (crashAfterMin.isNegative() || crashAfterMax.compareTo(crashAfterMin) < 0) {
      throw new IllegalArgumentException("crash after: need 0 <= min <= max, got " + crashAfterMin + ".."
          + crashAfterMax);
    }
    if (crashProbability < 0 || crashProbability > 1 || slowNodeFraction < 0 || slowNodeFraction > 1) {
      throw new IllegalArgumentException("crash probability and slow node fraction are between 0 and 1");
    }
    if (slowFactor < 1) throw new IllegalArgumentException("slow factor is at least 1, got " + slowFactor);
    if (finishAfter.isNegative()) throw new IllegalArgumentException("finish-after must not be negative");
  }

  /** Starts in 100..500 ms, never crashes, no slow nodes, finishing pods run 1 s. */
  public static SimProfile defaults() {
    return new SimProfile(Duration.ofMillis(100), Duration.ofMillis(500), 0, Duration.ofSeconds(10),
        Duration.ofSeconds(60), 0, 1, Duration.ofSeconds(1), 1);
  }

  /** From drover.sim (see config/application.conf). */
  public static SimProfile from(Config sim) {
    return new SimProfile(sim.getDuration("start-delay-min"), sim.getDuration("start-delay-max"),
        sim.getDouble("crash-probability"), sim.getDuration("crash-after-min"), sim.getDuration("crash-after-max"),
        sim.getDouble("slow-node-fraction"), sim.getDouble("slow-factor"), sim.getDuration("finish-after"),
        sim.getLong("seed"));
  }

  public SimProfile withStartDelay(Duration min, Duration max) {
    return new SimProfile(min, max, crashProbability, crashAfterMin, crashAfterMax, slowNodeFraction, slowFactor,
        finishAfter, seed);
  }

  public SimProfile withCrashes(double probability, Duration afterMin, Duration afterMax) {
    return new SimProfile(startDelayMin, startDelayMax, probability, afterMin, afterMax, slowNodeFraction,
        slowFactor, finishAfter, seed);
  }

  public SimProfile withSlowNodes(double fraction, double factor) {
    return new SimProfile(startDelayMin, startDelayMax, crashProbability, crashAfterMin, crashAfterMax, fraction,
        factor, finishAfter, seed);
  }

  public SimProfile withSeed(long newSeed) {
    return new SimProfile(startDelayMin, startDelayMax, crashProbability, crashAfterMin, crashAfterMax,
        slowNodeFraction, slowFactor, finishAfter, newSeed);
  }

  /** Whether the node of this name is one of the slow ones: fixed by the seed and the name, not by draw order. */
  public boolean slow(String nodeName) {
    if (slowNodeFraction <= 0) return false;
    long mixed = (seed * 0x9E3779B97F4A7C15L) ^ nodeName.hashCode();
    return new Random(mixed).nextDouble() < slowNodeFraction;
  }

  /** How long one container takes to start on a normal or slow node. */
  public Duration startDelay(Random random, boolean slowNode) {
    Duration delay = between(random, startDelayMin, startDelayMax);
    return slowNode ? Duration.ofNanos((long) (delay.toNanos() * slowFactor)) : delay;
  }

  /** When this container start is one that crashes: how long it runs before it does. */
  public Optional<Duration> crashAfter(Random random) {
    if (crashProbability <= 0 || random.nextDouble() >= crashProbability) return Optional.empty();
    return Optional.of(between(random, crashAfterMin, crashAfterMax));
  }

  private static Duration between(Random random, Duration min, Duration max) {
    long span = max.toNanos() - min.toNanos();
    return span == 0 ? min : min.plusNanos((long) (random.nextDouble() * span));
  }
}
