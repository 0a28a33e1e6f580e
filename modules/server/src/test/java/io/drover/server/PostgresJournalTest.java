package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.control.JournalSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal on a real PostgreSQL (the host's Debian package, started by the test): the schema is created once
 * even when members start at once, objects written through one member are read and updated through another, and a
 * member started later on the same database finds everything with its resourceVersions.
 */
class PostgresJournalTest {
  static LocalPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.available(),
        "SKIPPED: no PostgreSQL server on this host (apt-get install postgresql; .ci/run installs it)");
    postgres = LocalPostgres.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) postgres.close();
  }

  static Map<String, Object> onPostgres(String nodeName) {
    Map<String, Object> settings = new HashMap<>(postgres.journalSettings());
    settings.put("drover.agent.node-name", nodeName);
    return settings;
  }

  /** name -> resourceVersion of the configmaps in a namespace, as one member lists them. */
  static Map<String, String> configMaps(Kubectl kubectl, String namespace) throws Exception {
    JsonNode list = Json.MAPPER.readTree(kubectl.run("get", "configmaps", "-n", namespace, "-o", "json")
        .assertOk().stdout());
    Map<String, String> versions = new TreeMap<>();
    for (JsonNode item : list.path("items")) {
      // kube-root-ca.crt is every namespace's (its controller may rewrite it): the test's own objects count.
      if (item.at("/metadata/name").asText().equals("kube-root-ca.crt")) continue;
      versions.put(item.at("/metadata/name").asText(), item.at("/metadata/resourceVersion").asText());
    }
    return versions;
  }

  @Test
  void membersStartingAtOnceCreateTheSchemaOnceAndAgain() throws Exception {
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      starts.add(CompletableFuture.runAsync(() -> {
        try {
          JournalSchema.createOnPostgres(postgres.jdbcUrl(), LocalPostgres.USER, "");
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }));
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
    JournalSchema.createOnPostgres(postgres.jdbcUrl(), LocalPostgres.USER, ""); // a later start finds them
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, "");
        ResultSet tables = c.createStatement().executeQuery(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
                + "AND table_name IN ('event_journal', 'event_tag', 'snapshot', 'durable_state')")) {
      tables.next();
      assertEquals(4, tables.getInt(1));
    }
  }

  @Test
  void objectsWrittenThroughOneMemberAreReadAndUpdatedThroughAnotherAndOutliveBoth() throws Exception {
    TestServers.Member a = null;
    TestServers.Member b = null;
    Map<String, String> written;
    try {
      a = TestServers.startMember(onPostgres("pg-a"));
      Map<String, Object> joining = onPostgres("pg-b");
      joining.put("pekko.cluster.roles", List.of("control-plane"));
      b = TestServers.joinMember(a, joining);
      a.kubectl().run("create", "namespace", "pg").assertOk();
      for (int i = 0; i < 20; i++) {
        a.kubectl().run("create", "configmap", "cm-" + i, "-n", "pg", "--from-literal=i=" + i).assertOk();
      }
      written = configMaps(a.kubectl(), "pg");
      assertEquals(20, written.size());
      Kubectl viaB = b.kubectl();
      Polling.await(() -> {
        try {
          return configMaps(viaB, "pg").equals(written) ? true : null;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, java.time.Duration.ofSeconds(30), "member B to list what member A wrote");
      viaB.run("label", "configmap", "cm-3", "-n", "pg", "written-by=b").assertOk();
      Kubectl viaA = a.kubectl();
      Polling.await(() -> viaA.run("get", "configmap", "cm-3", "-n", "pg", "-o", "jsonpath={.metadata.labels}")
          .stdout().contains("written-by") ? true : null, java.time.Duration.ofSeconds(30), "A to see B's update");
      written.putAll(configMaps(viaA, "pg"));
    } finally {
      TestServers.stop(a, b);
    }
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, "");
        ResultSet events = c.createStatement().executeQuery("SELECT count(*) FROM event_journal")) {
      events.next();
      assertTrue(events.getLong(1) >= 21, "the events are in PostgreSQL: " + events.getLong(1));
    }
    TestServers.Member later = null;
    try {
      later = TestServers.startMember(onPostgres("pg-c"));
      assertEquals(written, configMaps(later.kubectl(), "pg"), "every object, with its resourceVersion");
      assertEquals("b", later.kubectl().run("get", "configmap", "cm-3", "-n", "pg", "-o",
          "jsonpath={.metadata.labels.written-by}").assertOk().stdout());
    } finally {
      TestServers.stop(later);
    }
  }
}
