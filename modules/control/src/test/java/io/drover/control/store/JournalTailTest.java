package io.drover.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drover.api.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The read side's journal tail on a real H2 database with the journal table's columns: events in ordering order,
 * a gap waited for until the write behind it commits, a gap that never fills skipped after the timeout, and other
 * entity types' events moving only the position.
 */
class JournalTailTest {
  static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
      pekko.actor.serialization-bindings { "io.drover.control.CborSerializable" = jackson-cbor }
      """));
  static final Serialization serialization = SerializationExtension.get(testKit.system());

  String url;
  Connection connection;
  final List<String> applied = new ArrayList<>();
  long position;

  final JournalTail.Target target = new JournalTail.Target() {
    @Override
    public void apply(String persistenceId, long entityVersion, long ordering, ObjectEntity.Event event) {
      applied.add(ordering + ":" + persistenceId + "@" + entityVersion + ":"
          + Json.text(event.object(), "metadata.name"));
      position = ordering;
    }

    @Override
    public void advance(long ordering) {
      applied.add(ordering + ":skipped");
      position = ordering;
    }

    @Override
    public long position() {
      return position;
    }
  };

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void database() throws Exception {
    url = "jdbc:h2:mem:tail-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    connection = DriverManager.getConnection(url, "sa", "");
    connection.createStatement().execute("CREATE TABLE \"event_journal\" (\"ordering\" BIGINT PRIMARY KEY, "
        + "\"persistence_id\" VARCHAR(255), \"sequence_number\" BIGINT, \"deleted\" BOOLEAN, \"event_ser_id\" INT, "
        + "\"event_ser_manifest\" VARCHAR(255), \"event_payload\" BLOB)");
  }

  @AfterEach
  void close() throws Exception {
    connection.createStatement().execute("SHUTDOWN");
  }

  JournalTail tail(Duration gapTimeout) {
    Config journal = ConfigFactory.parseMap(Map.of("url", url, "user", "sa", "password", "",
        "driver", "org.h2.Driver"));
    Config tables = ConfigFactory.parseMap(Map.of("tableName", "event_journal", "schemaName", ""));
    return new JournalTail(journal, tables, serialization, target, "Object|", Duration.ofMillis(10), gapTimeout, 100);
  }

  void insert(long ordering, String persistenceId, long sequenceNr, String name) throws Exception {
    ObjectNode object = Json.MAPPER.createObjectNode();
    object.putObject("metadata").put("name", name);
    ObjectEntity.Created event = new ObjectEntity.Created(object);
    Serializer serializer = serialization.findSerializerFor(event);
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO \"event_journal\" VALUES (?, ?, ?, "
        + "FALSE, ?, ?, ?)")) {
      insert.setLong(1, ordering);
      insert.setString(2, persistenceId);
      insert.setLong(3, sequenceNr);
      insert.setInt(4, serializer.identifier());
      insert.setString(5, org.apache.pekko.serialization.Serializers.manifestFor(serializer, event));
      insert.setBytes(6, serializer.toBinary(event));
      insert.executeUpdate();
    }
  }

  @Test
  void appliesObjectEventsInOrderAndMovesPastOtherEntities() throws Exception {
    insert(1, "Object|/v1/configmaps/default/a", 1, "a");
    insert(2, "NodeAllocation|node-1", 1, "ignored");
    insert(3, "Object|/v1/configmaps/default/a", 2, "a");
    JournalTail tail = tail(Duration.ofSeconds(10));
    tail.poll(connection);
    assertEquals(List.of("1:Object|/v1/configmaps/default/a@1:a", "2:skipped", "3:Object|/v1/configmaps/default/a@2:a"),
        applied);
  }

  @Test
  void eventsAfterAGapWaitUntilTheWriteBehindItCommits() throws Exception {
    insert(1, "Object|k1", 1, "one");
    insert(3, "Object|k3", 1, "three"); // ordering 2 is still being written
    JournalTail tail = tail(Duration.ofSeconds(10));
    tail.poll(connection);
    assertEquals(List.of("1:Object|k1@1:one"), applied);
    tail.poll(connection);
    assertEquals(1, applied.size(), "still waiting for 2");
    String waiting = tail.describe(); // what a writer that timed out logs
    assertTrue(waiting.startsWith("position 1, ") && waiting.contains("waiting for ordering 2 for ")
        && waiting.contains(" and 2 polls (of 1000)") && waiting.contains("thread not started"), waiting);
    insert(2, "Object|k2", 1, "two");
    tail.poll(connection);
    assertEquals(List.of("1:Object|k1@1:one", "2:Object|k2@1:two", "3:Object|k3@1:three"), applied);
  }

  @Test
  void aGapThatNeverFillsIsSkippedAfterTheTimeout() throws Exception {
    insert(1, "Object|k1", 1, "one");
    insert(3, "Object|k3", 1, "three"); // 2 was rolled back
    JournalTail tail = tail(Duration.ofMillis(200));
    tail.poll(connection);
    assertEquals(1, applied.size());
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (applied.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      tail.poll(connection);
    }
    assertEquals(List.of("1:Object|k1@1:one", "3:Object|k3@1:three"), applied);
  }

  @Test
  void theThreadCatchesUpAndFollowsNewEvents() throws Exception {
    insert(1, "Object|k1", 1, "one");
    JournalTail tail = tail(Duration.ofSeconds(10));
    tail.start();
    try {
      tail.caughtUp().get(10, java.util.concurrent.TimeUnit.SECONDS);
      insert(2, "Object|k2", 1, "two");
      tail.poke();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (position < 2 && System.nanoTime() < deadline) Thread.sleep(10);
      assertTrue(applied.contains("2:Object|k2@1:two"), applied.toString());
    } finally {
      tail.stop();
    }
  }
}
