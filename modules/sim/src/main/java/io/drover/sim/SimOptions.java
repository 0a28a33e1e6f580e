package io.drover.sim;

import io.drover.agent.sim.SimProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What every simulation scenario shares: the virtual nodes and how their containers behave, the clients, the
 * journal, the deadline and where the JSON and HTML reports go.
 *
 * @param journal {@code memory} (H2 in memory: the same JDBC journal, nothing on disk), {@code h2} (H2 file, the
 *     default Drover runs with) or {@code postgres} (a throw-away Debian PostgreSQL on loopback)
 * @param heartbeat how often each virtual node refreshes its Node, as a kubelet does
 * @param deadline bounds each phase of a run
 */
public record SimOptions(int nodes, int clients, String journal, Duration heartbeat, Duration startDelayMin,
    Duration startDelayMax, double crashProbability, double slowNodeFraction, long seed, Duration deadline,
    Path dataDir, Path json, Path html, NodeShape node) {

  /** What every virtual node offers: cpus, memory and how many pods it takes. */
  public record NodeShape(int cpus, long memoryBytes, int maxPods) {
    public NodeShape {
      if (cpus < 1 || memoryBytes < 1 || maxPods < 1) {
        throw new IllegalArgumentException("node cpus, memory and max pods must be positive");
      }
    }

    /** 4 cpus, 16 GiB, 110 pods. */
    public static final NodeShape DEFAULT = new NodeShape(4, 16L << 30, 110);

    @Override
    public String toString() {
      return cpus + " cpu, " + (memoryBytes >> 30) + "Gi, " + maxPods + " pods";
    }
  }

  public static final List<String> JOURNALS = List.of("memory", "h2", "postgres");

  static final List<String> KEYS = List.of("--nodes", "--clients", "--journal", "--heartbeat", "--start-delay-ms",
      "--crash-probability", "--slow-nodes", "--seed", "--deadline", "--data-dir", "--json", "--html",
      "--node-cpus", "--node-memory-gi", "--node-max-pods");

  /** A scenario's options: the shared ones, and its own beside them. */
  interface Scenario {
    SimOptions sim();
  }

  /** The shared keys and a scenario's own. */
  static List<String> keysAnd(String... own) {
    List<String> keys = new java.util.ArrayList<>(KEYS);
    keys.addAll(List.of(own));
    return keys;
  }

  static final String USAGE = "[--nodes N] [--clients C] [--journal memory|h2|postgres] [--heartbeat SECONDS] "
      + "[--start-delay-ms MIN..MAX] [--crash-probability P] [--slow-nodes FRACTION] [--seed S] "
      + "[--deadline SECONDS] [--data-dir DIR] [--json FILE] [--html FILE] [--node-cpus C] [--node-memory-gi G] "
      + "[--node-max-pods P]";

  public SimOptions {
    if (nodes < 1 || clients < 1 || deadline.isNegative()) {
      throw new IllegalArgumentException("nodes and clients must be positive");
    }
    if (!JOURNALS.contains(journal)) throw new IllegalArgumentException("--journal is one of " + JOURNALS);
    profile(startDelayMin, startDelayMax, crashProbability, slowNodeFraction, seed); // validates the rest
  }

  public static SimOptions defaults(int nodes) {
    return new SimOptions(nodes, 16, "h2", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMillis(500),
        0, 0, 1, Duration.ofSeconds(600), null, null, null, NodeShape.DEFAULT);
  }

  /** The shared options out of parsed arguments (the scenario parses its own beside them). */
  static SimOptions parse(Args a, SimOptions d) {
    Duration min = d.startDelayMin();
    Duration max = d.startDelayMax();
    String delay = a.text("--start-delay-ms", null);
    if (delay != null) {
      String[] parts = delay.split("\\.\\.");
      try {
        min = Duration.ofMillis(Long.parseLong(parts[0].trim()));
        max = parts.length > 1 ? Duration.ofMillis(Long.parseLong(parts[1].trim())) : min;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--start-delay-ms is MIN..MAX in milliseconds, not " + delay);
      }
    }
    return new SimOptions(a.integer("--nodes", d.nodes()), a.integer("--clients", d.clients()),
        a.text("--journal", d.journal()), a.seconds("--heartbeat", d.heartbeat()), min, max,
        a.decimal("--crash-probability", d.crashProbability()), a.decimal("--slow-nodes", d.slowNodeFraction()),
        a.integer("--seed", (int) d.seed()), a.seconds("--deadline", d.deadline()), a.path("--data-dir"),
        a.path("--json"), a.path("--html"), new NodeShape(a.integer("--node-cpus", d.node().cpus()),
            (long) a.integer("--node-memory-gi", (int) (d.node().memoryBytes() >> 30)) << 30,
            a.integer("--node-max-pods", d.node().maxPods())));
  }

  /** The virtual nodes of a run: this many, this shape, heartbeating this often, behaving as the profile says. */
  io.drover.agent.sim.VirtualNodes.Settings fleet(String namePrefix) {
    return io.drover.agent.sim.VirtualNodes.Settings.of(namePrefix, nodes, profile()).withHeartbeatInterval(heartbeat)
        .withCapacity(node.cpus(), node.memoryBytes(), node.maxPods());
  }

  SimProfile profile() {
    return profile(startDelayMin, startDelayMax, crashProbability, slowNodeFraction, seed);
  }

  private static SimProfile profile(Duration min, Duration max, double crash, double slow, long seed) {
    return SimProfile.defaults().withStartDelay(min, max).withCrashes(crash, Duration.ofSeconds(10),
        Duration.ofSeconds(60)).withSlowNodes(slow, 5).withSeed(seed);
  }

  SimOptions withNodes(int n) {
    return new SimOptions(n, clients, journal, heartbeat, startDelayMin, startDelayMax, crashProbability,
        slowNodeFraction, seed, deadline, dataDir, json, html, node);
  }
}
