package io.drover.sim;

import io.drover.agent.sim.VirtualNodes;
import io.drover.server.DroverServer;
import io.drover.server.LocalPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The system under simulation: one in-process member with the control-plane role only (API, store, scheduler,
 * controllers; no real agent) on the chosen journal, and a fleet of {@link VirtualNodes} in the same JVM that
 * registers, heartbeats and runs pods as that many kubelets would.
 */
final class SimCluster implements AutoCloseable {
  final DroverServer server;
  final BenchHttp http;
  final ActorRef<VirtualNodes.Command> fleet;
  final VirtualNodes.Settings fleetSettings;
  final String journal;
  private final LocalPostgres postgres;
  private final Path dataDir;
  private final boolean deleteDataDir;

  private SimCluster(DroverServer server, ActorRef<VirtualNodes.Command> fleet, VirtualNodes.Settings fleetSettings,
      String journal, LocalPostgres postgres, Path dataDir, boolean deleteDataDir, Duration timeout) {
    this.server = server;
    this.http = BenchHttp.of(server, timeout);
    this.fleet = fleet;
    this.fleetSettings = fleetSettings;
    this.journal = journal;
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.deleteDataDir = deleteDataDir;
  }

  /**
   * Starts the member on the journal the options name (PostgreSQL: a throw-away server), then the virtual nodes;
   * {@code config} adds settings for the scenario (node lifecycle periods, say).
   */
  static SimCluster start(SimOptions options, VirtualNodes.Settings fleet, Map<String, Object> config)
      throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-sim-");
    LocalPostgres postgres = null;
    Map<String, Object> settings = new HashMap<>(config);
    settings.put("pekko.cluster.roles", List.of("control-plane"));
    switch (options.journal()) {
      case "memory" -> settings.put("drover.journal.url",
          "jdbc:h2:mem:drover-sim-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
      case "postgres" -> {
        postgres = LocalPostgres.start();
        settings.putAll(postgres.journalSettings());
      }
      default -> { } // h2: the default file journal under the data directory
    }
    DroverServer server;
    try {
      server = DroverServer.start(DroverServer.config(dataDir, 0, settings));
    } catch (Exception e) {
      if (postgres != null) postgres.close();
      throw e;
    }
    ActorRef<VirtualNodes.Command> nodes = server.system().systemActorOf(
        VirtualNodes.create(server.service(), fleet, Clock.systemUTC()), "virtual-nodes", Props.empty());
    return new SimCluster(server, nodes, fleet, options.journal(), postgres, dataDir, options.dataDir() == null,
        options.deadline());
  }

  VirtualNodes.Stats stats() throws Exception {
    return AskPattern.<VirtualNodes.Command, VirtualNodes.Stats>ask(fleet, VirtualNodes.GetStats::new,
        Duration.ofSeconds(30), server.system().scheduler()).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Waits until every virtual node is registered (or failed to); false when the deadline passed first. */
  boolean awaitRegistered(long deadlineNanos) throws Exception {
    while (System.nanoTime() < deadlineNanos) {
      VirtualNodes.Stats stats = stats();
      if (stats.registered() + stats.registrationFailures() >= stats.nodes()) {
        return stats.registrationFailures() == 0;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** The newest journal position the member's store applied: every write is one event, so this counts them. */
  long journalPosition() {
    return server.service().store().position();
  }

  String nodeName(int index) {
    return fleetSettings.nodeName(index);
  }

  @Override
  public void close() throws Exception {
    try {
      server.close();
    } finally {
      try {
        if (postgres != null) postgres.close();
      } finally {
        if (deleteDataDir) Bench.deleteRecursively(dataDir);
      }
    }
  }
}
