package io.drover.control.store;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the journal table in ordering order and hands every object event to the store: the read side of one
 * member. It replaces the JDBC plugin's eventsByTag, whose query joins a derived table with the tag table; H2 runs
 * that by visiting every tagged event ever written on every poll, so its cost grew with the journal and took most
 * of the CPU under load. Here each poll is one range scan of the primary key: {@code ordering > position}.
 *
 * <p>Orderings are handed out when a write starts and become visible when it commits, so a poll can see a gap
 * (a write still committing). Events past a gap wait, as the plugin's journal sequence actor makes them: a gap
 * that stays longer than {@code gapTimeout}, and through as many polls as that is poll intervals, is taken as a
 * rolled-back write (or numbers a crashed database never used) and skipped. Thus every event is applied exactly once and in order, the watch contract.
 *
 * <p>One thread per member, blocking on JDBC between polls; a write on this member pokes it to poll at once, so
 * the writer's wait for its own event is a query, not a poll interval.
 */
final class JournalTail implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(JournalTail.class);

  /** One row of the journal, before deserialization. */
  record Row(long ordering, String persistenceId, long sequenceNr, boolean deleted, int serializerId,
      String manifest, byte[] payload) {}

  /** Where applied events go; the store. */
  interface Target {
    void apply(String persistenceId, long entityVersion, long ordering, ObjectEntity.Event event);

    /** Moves the position past an event that is not an object's. */
    void advance(long ordering);

    long position();
  }

  private final String url;
  private final String user;
  private final String password;
  private final String query;
  private final String persistenceIdPrefix;
  private final Duration pollInterval;
  private final Duration gapTimeout;
  private final int batchSize;
  private final Serialization serialization;
  private final Target target;
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
  /** The first ordering still missing (-1: none), since when (System.nanoTime) and in how many polls. */
  private volatile long gapAt = -1;
  private volatile long gapSince;
  private volatile long gapPolls;
  /** When the last poll ended (System.nanoTime), for {@link #describe}. */
  private volatile long lastPollEnded;
  /** The position the last poll reached, for {@link #describe} (which must not wait for the store's monitor). */
  private volatile long lastPosition;
  private final long minGapPolls;
  private final Object wake = new Object();
  private boolean poked;
  private volatile boolean stopped;
  private Thread thread;

  JournalTail(Config journal, Config tables, Serialization serialization, Target target, String persistenceIdPrefix,
      Duration pollInterval, Duration gapTimeout, int batchSize) {
    this.url = journal.getString("url");
    this.user = journal.getString("user");
    this.password = journal.getString("password");
    String schema = tables.hasPath("schemaName") ? tables.getString("schemaName") : "";
    String table = (schema.isEmpty() ? "" : "\"" + schema + "\".") + "\"" + tables.getString("tableName") + "\"";
    // The plugin's default column names (jdbc-journal.tables.event_journal.columnNames).
    this.query = "SELECT \"ordering\", \"persistence_id\", \"sequence_number\", \"deleted\", \"event_ser_id\", "
        + "\"event_ser_manifest\", \"event_payload\" FROM " + table + " WHERE \"ordering\" > ? ORDER BY \"ordering\" "
        + "LIMIT ?";
    this.serialization = serialization;
    this.target = target;
    this.persistenceIdPrefix = persistenceIdPrefix;
    this.pollInterval = pollInterval;
    this.gapTimeout = gapTimeout;
    this.batchSize = batchSize;
    this.minGapPolls = Math.max(1, gapTimeout.toMillis() / Math.max(1, pollInterval.toMillis()));
    try {
      Class.forName(journal.getString("driver")); // in case the JDBC service loader has not registered it
    } catch (ClassNotFoundException e) {
      // then getConnection fails and says why
    }
  }

  static JournalTail of(ActorSystem<?> system, Target target, String persistenceIdPrefix) {
    Config config = system.settings().config();
    return new JournalTail(config.getConfig("drover.journal"),
        config.getConfig("jdbc-journal.tables.event_journal"), SerializationExtension.get(system), target,
        persistenceIdPrefix, config.getDuration("drover.journal.poll-interval"),
        config.getDuration("drover.journal.gap-timeout"), config.getInt("drover.journal.read-batch-size"));
  }

  /** Starts the thread; {@link #caughtUp()} completes once the journal as it was is applied. */
  void start() {
    thread = new Thread(this, "drover-journal-tail");
    thread.setDaemon(true);
    thread.start();
  }

  CompletableFuture<Void> caughtUp() {
    return caughtUp;
  }

  /** Where the tail is and what it waits for, for a log line when a writer's wait for its event timed out. */
  String describe() {
    long now = System.nanoTime();
    Thread running = thread;
    long gap = gapAt;
    return "position " + lastPosition + ", last poll ended " + (now - lastPollEnded) / 1_000_000 + " ms ago"
        + (gap < 0 ? ", no gap" : ", waiting for ordering " + gap + " for " + (now - gapSince) / 1_000_000 + " ms and "
            + gapPolls + " polls (of " + minGapPolls + ")")
        + ", thread " + (running == null ? "not started" : running.getState() + " at "
            + java.util.Arrays.stream(running.getStackTrace()).limit(4).map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" < ")));
  }

  /** Polls at once (a write of this member just completed and waits to see its event). */
  void poke() {
    synchronized (wake) {
      poked = true;
      wake.notifyAll();
    }
  }

  void stop() {
    stopped = true;
    poke();
  }

  @Override
  public void run() {
    Connection connection = null;
    long backoff = 200;
    while (!stopped) {
      try {
        if (connection == null) connection = DriverManager.getConnection(url, user, password);
        int applied;
        do {
          applied = poll(connection);
          lastPollEnded = System.nanoTime();
        } while (applied == batchSize && !stopped); // more to read: no pause between full batches
        if (!caughtUp.isDone()) caughtUp.complete(null);
        backoff = 200;
        pause(pollInterval.toMillis());
      } catch (SQLException | RuntimeException e) {
        if (stopped) break;
        log.warn("reading the journal failed, again in {} ms: {}", backoff, e.toString());
        close(connection);
        connection = null;
        pause(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
    close(connection);
  }

  /** One query from the position on; applies the rows up to the first gap still waited for. */
  int poll(Connection connection) throws SQLException {
    long position = target.position();
    int rows = 0;
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setLong(1, position);
      statement.setLong(2, batchSize);
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          rows++;
          Row row = new Row(result.getLong(1), result.getString(2), result.getLong(3), result.getBoolean(4),
              result.getInt(5), result.getString(6), result.getBytes(7));
          if (!accept(row, position)) break;
          position = row.ordering();
        }
      }
    }
    lastPosition = position;
    return rows;
  }

  /**
   * Applies a row if nothing before it is still missing (or what is missing has been missing too long); false
   * when it must wait for the gap before it.
   */
  boolean accept(Row row, long position) {
    if (row.ordering() > position + 1) {
      long missing = position + 1;
      long now = System.nanoTime();
      if (gapAt != missing) {
        gapAt = missing;
        gapSince = now;
        gapPolls = 0;
      }
      gapPolls++;
      // Long enough by the clock and by the number of looks: on a starved machine polls come slower and a write
      // commits slower, so the wait stretches with the load as the plugin's count of tries did.
      if (now - gapSince < gapTimeout.toNanos() || gapPolls < minGapPolls) return false;
      log.warn("journal orderings {}..{} never appeared in {} ms and {} polls: skipped as rolled back", missing,
          row.ordering() - 1, (now - gapSince) / 1_000_000, gapPolls);
    }
    gapAt = -1;
    if (row.deleted() || !row.persistenceId().startsWith(persistenceIdPrefix)) {
      target.advance(row.ordering()); // not an object event: only the position moves
      return true;
    }
    Object event = serialization.deserialize(row.payload(), row.serializerId(), row.manifest()).get();
    if (event instanceof ObjectEntity.Event objectEvent) {
      target.apply(row.persistenceId(), row.sequenceNr(), row.ordering(), objectEvent);
    } else {
      target.advance(row.ordering()); // not an object change (none is written today): only the position moves
    }
    return true;
  }

  private void pause(long millis) {
    synchronized (wake) {
      if (!poked && !stopped) {
        try {
          wake.wait(Math.max(1, millis));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopped = true;
        }
      }
      poked = false;
    }
  }

  private static void close(Connection connection) {
    if (connection == null) return;
    try {
      connection.close();
    } catch (SQLException e) {
      // closing a broken connection
    }
  }
}
