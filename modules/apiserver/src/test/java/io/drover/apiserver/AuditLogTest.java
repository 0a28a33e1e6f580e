package io.drover.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import io.drover.apiserver.auth.UserInfo;
import io.drover.control.rbac.Attributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir
  Path dir;

  static final UserInfo JANE = UserInfo.authenticated("jane", "1001", List.of("dev"), Map.of());

  @Test
  void eachRequestIsOneJsonLineWithWhoWhatAndTheCode() throws Exception {
    Path file = dir.resolve("audit.log");
    try (AuditLog audit = new AuditLog(file, 1 << 20, 2, 100)) {
      audit.record("id-1", Instant.parse("2026-12-06T10:00:00Z"), JANE, Attributes.resource("jane", JANE.groups(),
          "get", "apps", "deployments", "scale", "team", "web"), "GET",
          "/apis/apps/v1/namespaces/team/deployments/web/scale", "127.0.0.1", "kubectl/v1.32.0", 403, false);
      audit.record("id-2", Instant.now(), null, null, "GET", "/api", "10.0.0.1", null, 401, false);
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals(2, lines.size());
    JsonNode first = Json.MAPPER.readTree(lines.get(0));
    assertEquals("audit.k8s.io/v1", first.path("apiVersion").asText());
    assertEquals("jane", first.at("/user/username").asText());
    assertEquals("[\"dev\",\"system:authenticated\"]", first.at("/user/groups").toString());
    assertEquals("get", first.path("verb").asText());
    assertEquals("deployments", first.at("/objectRef/resource").asText());
    assertEquals("scale", first.at("/objectRef/subresource").asText());
    assertEquals("apps", first.at("/objectRef/apiGroup").asText());
    assertEquals("team", first.at("/objectRef/namespace").asText());
    assertEquals("web", first.at("/objectRef/name").asText());
    assertEquals(403, first.at("/responseStatus/code").asInt());
    assertEquals("127.0.0.1", first.at("/sourceIPs/0").asText());
    JsonNode second = Json.MAPPER.readTree(lines.get(1));
    assertEquals("", second.at("/user/username").asText(), "refused before anyone was known");
    assertEquals(401, second.at("/responseStatus/code").asInt());
    assertFalse(second.has("objectRef"));
  }

  @Test
  void anImpersonatedRequestNamesBothTheSenderAndWhoItActedAs() throws Exception {
    Path file = dir.resolve("audit.log");
    UserInfo admin = UserInfo.authenticated("admin", "", List.of("system:masters"), Map.of());
    try (AuditLog audit = new AuditLog(file, 1 << 20, 2, 100)) {
      audit.record("id", Instant.now(), admin, Attributes.resource("jane", JANE.groups(), "list", "", "pods", "",
          "team", ""), "GET", "/api/v1/namespaces/team/pods", "127.0.0.1", null, 200, false, JANE);
    }
    JsonNode event = Json.MAPPER.readTree(Files.readAllLines(file).get(0));
    assertEquals("admin", event.at("/user/username").asText());
    assertEquals("jane", event.at("/impersonatedUser/username").asText());
  }

  @Test
  void theFileRotatesBySizeAndKeepsOnlyMaxBackups() throws Exception {
    Path file = dir.resolve("audit.log");
    try (AuditLog audit = new AuditLog(file, 2_000, 2, 10_000)) {
      for (int i = 0; i < 100; i++) {
        audit.record("id-" + i, Instant.now(), JANE, null, "GET", "/api/v1/pods?n=" + i, "127.0.0.1", null, 200,
            false);
      }
    }
    assertTrue(Files.exists(file.resolveSibling("audit.log.1")));
    assertTrue(Files.exists(file.resolveSibling("audit.log.2")));
    assertFalse(Files.exists(file.resolveSibling("audit.log.3")), "only two backups are kept");
    assertTrue(Files.size(file) <= 2_000);
    // The newest request is in the current file, the ones before it in .1, in order.
    List<String> current = Files.readAllLines(file);
    assertTrue(current.get(current.size() - 1).contains("n=99"), current.toString());
    List<String> previous = Files.readAllLines(file.resolveSibling("audit.log.1"));
    int lastInBackup = Integer.parseInt(previous.get(previous.size() - 1).replaceAll(".*n=(\\d+).*", "$1"));
    int firstInCurrent = Integer.parseInt(current.get(0).replaceAll(".*n=(\\d+).*", "$1"));
    assertEquals(lastInBackup + 1, firstInCurrent);
  }
}
