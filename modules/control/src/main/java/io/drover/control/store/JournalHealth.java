package io.drover.control.store;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Whether the journal database answers: {@code SELECT 1} on a new JDBC connection (drover.journal.url, user,
 * password), on Pekko's blocking-I/O dispatcher, bounded by drover.admin.journal-health-timeout. A check asked for
 * while one is still running joins it, so a hanging database never ties up more than one thread.
 */
public final class JournalHealth implements Extension {
  private static final ExtensionId<JournalHealth> ID = new ExtensionId<>() {
    @Override
    public JournalHealth createExtension(ActorSystem<?> system) {
      return new JournalHealth(system);
    }
  };

  /** @param error why it is unhealthy; null when healthy */
  public record Result(boolean healthy, Duration latency, String error) {}

  private final String url;
  private final String user;
  private final String password;
  private final Duration timeout;
  private final Executor blocking;
  /** The query under way or last run; guarded by this. */
  private CompletableFuture<Result> running;

  private JournalHealth(ActorSystem<?> system) {
    this(system.settings().config().getConfig("drover.journal"),
        system.settings().config().getDuration("drover.admin.journal-health-timeout"),
        system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /** @param journal drover.journal; @param blocking where the JDBC calls run */
  JournalHealth(Config journal, Duration timeout, Executor blocking) {
    this.url = journal.getString("url");
    this.user = journal.getString("user");
    this.password = journal.getString("password");
    this.timeout = timeout;
    this.blocking = blocking;
    try {
      // The journal's own driver class, in case the JDBC service loader has not registered it.
      Class.forName(journal.getString("driver"));
    } catch (ClassNotFoundException e) {
      // then getConnection fails and the check says why
    }
  }

  public static JournalHealth get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Completes within the timeout; unhealthy when the database failed or did not answer in time. */
  public CompletionStage<Result> check() {
    CompletableFuture<Result> query;
    synchronized (this) {
      if (running == null || running.isDone()) {
        long started = System.nanoTime();
        running = CompletableFuture.supplyAsync(() -> query(started), blocking);
      }
      query = running;
    }
    return query.copy().completeOnTimeout(new Result(false, timeout,
        "the journal database did not answer within " + timeout.toMillis() + " ms"),
        timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Result query(long started) {
    try (Connection connection = DriverManager.getConnection(url, user, password);
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      statement.execute("SELECT 1");
      return new Result(true, since(started), null);
    } catch (SQLException | RuntimeException e) {
      return new Result(false, since(started), String.valueOf(e.getMessage()));
    }
  }

  private static Duration since(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }
}
