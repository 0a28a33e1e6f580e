package io.drover.sim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeploymentBenchmarkTest {

  @Test
  void aSmallDeploymentBecomesAvailableAndRollsOutWithinItsBounds() throws Exception {
    DeploymentBenchmark.Result result = DeploymentBenchmark.run(DeploymentBenchmark.Options.parse(
        "--nodes", "3", "--replicas", "20", "--max-surge", "2", "--max-unavailable", "25%", "--deadline", "120"));
    assertAll(result.report(),
        () -> assertTrue(result.completed(), "available and rolled out"),
        () -> assertEquals(22, result.allowedMost()),
        () -> assertEquals(15, result.allowedFewest()),
        () -> assertTrue(result.mostPods() <= 22, "at most replicas + maxSurge pods"),
        () -> assertTrue(result.fewestAvailable() >= 15, "at least replicas - maxUnavailable available"),
        () -> assertTrue(result.samples() > 0),
        // A burst of one ReplicaSet's pods spreads over the nodes (the scheduler assumes in-flight placements).
        () -> assertTrue(result.mostOnANode() - result.fewestOnANode() <= 1,
            "spread " + result.fewestOnANode() + ".." + result.mostOnANode()),
        () -> assertEquals(0, result.kubeletFailures(), result.firstKubeletFailure()),
        () -> assertTrue(result.correct()));
  }
}
