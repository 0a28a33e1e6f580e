package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Secrets are encrypted before they reach the journal: the raw rows of the journal and snapshot tables hold neither
 * a secret's value nor its base64 form, while kubectl reads it back, also after a restart, and a ConfigMap's value is
 * stored readable.
 */
class SecretsAtRestTest {
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static final String VALUE = "s3cret-at-rest-7f3a";
  static final String VALUE_BASE64 = Base64.getEncoder().encodeToString(VALUE.getBytes(StandardCharsets.UTF_8));

  @Test
  void theJournalHoldsNoPlaintextSecretValueAndKubectlReadsItBack() throws Exception {
    Path dir = TestServers.tempDataDir();
    // Snapshots every 2 events, so that snapshot rows are checked too.
    Map<String, Object> settings = Map.of("drover.store.snapshot-every-events", 2);
    DroverServer server = TestServers.start(dir, settings);
    try {
      Kubectl kubectl = new Kubectl(server.kubeconfig());
      kubectl.run("create", "secret", "generic", "db", "--from-literal=password=" + VALUE).assertOk();
      // apply keeps the whole manifest, data included, in the last-applied annotation: that must not leak either.
      kubectl.runWithInput("""
          apiVersion: v1
          kind: Secret
          metadata: {name: applied}
          stringData: {token: "%s"}
          """.formatted(VALUE), "apply", "-f", "-").assertOk();
      kubectl.run("label", "secret", "db", "round=1").assertOk();
      kubectl.run("label", "secret", "db", "round=2", "--overwrite").assertOk();
      kubectl.run("create", "configmap", "plain", "--from-literal=value=" + VALUE).assertOk();
      assertEquals(VALUE_BASE64, kubectl.run("get", "secret", "db", "-o", "jsonpath={.data.password}").assertOk()
          .stdout());

      List<String> rows = rawRows(server.system().settings().config());
      assertTrue(rows.size() > 5, "journal and snapshot rows read: " + rows.size());
      long secretRows = rows.stream().filter(r -> r.contains("k8s:enc:aesgcm:v1:key1:")).count();
      assertTrue(secretRows >= 5, "sealed secret rows: " + secretRows);
      for (String row : rows) {
        boolean configMap = row.contains("ConfigMap");
        if (configMap) continue;
        assertFalse(row.contains(VALUE) || row.contains(VALUE_BASE64), "plaintext in a journal row: " + row);
      }
      assertTrue(rows.stream().anyMatch(r -> r.contains("ConfigMap") && r.contains(VALUE)),
          "a ConfigMap is stored readable (the check above can see plaintext)");
    } finally {
      server.close();
    }
    DroverServer restarted = TestServers.start(dir, settings);
    try {
      Kubectl kubectl = new Kubectl(restarted.kubeconfig());
      String token = Polling.await(() -> {
        String s = kubectl.run("get", "secret", "applied", "-o", "jsonpath={.data.token}").stdout();
        return s.isEmpty() ? null : s;
      }, DEADLINE, "the secret after the restart");
      assertEquals(VALUE_BASE64, token);
      assertEquals("2", kubectl.run("get", "secret", "db", "-o", "jsonpath={.metadata.labels.round}").assertOk()
          .stdout());
    } finally {
      restarted.close();
      TestServers.deleteRecursively(dir);
    }
  }

  /** Every payload of the journal and snapshot tables, as text (CBOR keeps strings as UTF-8 bytes). */
  static List<String> rawRows(Config config) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(config.getString("drover.journal.url"),
        config.getString("drover.journal.user"), config.getString("drover.journal.password"));
        Statement s = c.createStatement()) {
      for (String query : List.of("SELECT \"event_payload\" FROM \"event_journal\"",
          "SELECT \"snapshot_payload\" FROM \"snapshot\"")) {
        try (ResultSet r = s.executeQuery(query)) {
          while (r.next()) rows.add(new String(r.getBytes(1), StandardCharsets.ISO_8859_1));
        }
      }
    }
    return rows;
  }
}
