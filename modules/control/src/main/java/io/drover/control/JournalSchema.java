package io.drover.control;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * Creates the journal's tables on first start; later starts find them.
 *
 * <p>H2 (one JVM) uses pekko-persistence-jdbc's own {@link SchemaUtils}. On PostgreSQL several members may start at
 * once: there the plugin's DDL script runs in one transaction under an advisory lock, so concurrent
 * {@code CREATE TABLE IF NOT EXISTS} cannot race (PostgreSQL can fail one of two concurrent creates with a unique
 * violation on its catalog), and its {@code CREATE INDEX} is made idempotent (the plugin's script lacks
 * {@code IF NOT EXISTS} there, and its {@code CONCURRENTLY} cannot run in a transaction).
 */
public final class JournalSchema {
  private JournalSchema() {}

  /** The plugin's PostgreSQL DDL, on the classpath in its jar. */
  static final String POSTGRES_SCRIPT = "schema/postgres/postgres-create-schema.sql";
  /** Any fixed number: members agree on it, nothing else in the database takes it. */
  static final long LOCK_KEY = 0x44726f766572L; // "Drover"

  public static CompletionStage<Done> createIfNotExists(ActorSystem<?> system) {
    Config journal = system.settings().config().getConfig("drover.journal");
    if (!journal.getString("driver").equals("org.postgresql.Driver")) {
      return SchemaUtils.createIfNotExists(system);
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        createOnPostgres(journal.getString("url"), journal.getString("user"), journal.getString("password"));
        return Done.getInstance();
      } catch (SQLException | IOException e) {
        throw new IllegalStateException("cannot create the journal schema on " + journal.getString("url") + ": "
            + e.getMessage(), e);
      }
    }, system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /** Creates the tables on PostgreSQL; safe to call from several members (or threads) at once. */
  public static void createOnPostgres(String url, String user, String password) throws SQLException, IOException {
    try (Connection connection = DriverManager.getConnection(url, user, password)) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        // Held until commit: a second member waits here, then finds the tables.
        statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
        for (String ddl : postgresStatements()) statement.execute(ddl);
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /** The plugin's script split into statements, every one idempotent. */
  static java.util.List<String> postgresStatements() throws IOException {
    String script;
    try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(POSTGRES_SCRIPT)) {
      if (in == null) throw new IOException(POSTGRES_SCRIPT + " is not on the classpath");
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    java.util.List<String> statements = new java.util.ArrayList<>();
    for (String part : script.split(";")) {
      String ddl = part.strip();
      if (ddl.isEmpty()) continue;
      // CONCURRENTLY cannot run in a transaction; on a table just created there is nothing to wait for anyway.
      ddl = ddl.replaceFirst("(?i)^CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(?!IF NOT EXISTS)",
          "CREATE $1INDEX IF NOT EXISTS ");
      statements.add(ddl);
    }
    return statements;
  }
}
