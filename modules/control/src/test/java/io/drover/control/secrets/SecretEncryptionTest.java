package io.drover.control.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.drover.api.Json;
import io.drover.control.store.ObjectEntity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretEncryptionTest {
  static final String VALUE = "hunter2-plaintext";
  static final String VALUE_BASE64 = java.util.Base64.getEncoder().encodeToString(VALUE.getBytes(StandardCharsets.UTF_8));

  static byte[] key(int seed) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) seed);
    return key;
  }

  static SecretEncryption keys(String... names) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) keys.put(names[i], key(names[i].hashCode()));
    return SecretEncryption.of(keys);
  }

  static ObjectNode secret(String name) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree("""
        {"apiVersion":"v1","kind":"Secret","type":"Opaque",
         "metadata":{"name":"%s","namespace":"demo","annotations":{"note":"%s"}},
         "data":{"password":"%s"}}""".formatted(name, VALUE, VALUE_BASE64));
  }

  @Test
  void aSealedSecretShowsOnlyItsNameAndOpensToTheSameObject() throws Exception {
    SecretEncryption e = keys("key1");
    ObjectNode secret = secret("db");
    ObjectNode sealed = e.seal(secret);
    String stored = sealed.toString();
    assertFalse(stored.contains(VALUE) || stored.contains(VALUE_BASE64), stored);
    assertTrue(sealed.path("encrypted").asText().startsWith("k8s:enc:aesgcm:v1:key1:"), stored);
    assertEquals("db", sealed.at("/metadata/name").asText());
    assertEquals(secret, e.open(sealed));
    assertNotEquals(stored, e.seal(secret).toString(), "a fresh nonce each time");
  }

  @Test
  void otherKindsAndSecretsWrittenBeforeEncryptionPassUnchanged() throws Exception {
    SecretEncryption e = keys("key1");
    ObjectNode configMap = (ObjectNode) Json.MAPPER.readTree(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"" + VALUE + "\"}}");
    assertSame(configMap, e.seal(configMap));
    ObjectNode plain = secret("old");
    assertSame(plain, e.open(plain));
  }

  @Test
  void aSealedSecretCannotBeMovedToAnotherName() throws Exception {
    SecretEncryption e = keys("key1");
    ObjectNode sealed = e.seal(secret("db"));
    ((ObjectNode) sealed.get("metadata")).put("name", "other");
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> e.open(sealed));
    assertTrue(refused.getMessage().contains("cannot decrypt secret demo/other"), refused.getMessage());
  }

  @Test
  void rotationANewFirstKeyEncryptsAndTheOldOneStillDecrypts() throws Exception {
    ObjectNode written = keys("old").seal(secret("db"));
    SecretEncryption rotated = keys("new", "old");
    assertEquals(secret("db"), rotated.open(written));
    assertTrue(rotated.seal(secret("db")).path("encrypted").asText().startsWith("k8s:enc:aesgcm:v1:new:"));
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> keys("new").open(written));
    assertTrue(missing.getMessage().contains("encrypted with key \"old\", which the secret encryption key file does "
        + "not hold"), missing.getMessage());
  }

  @Test
  void theFirstLoadWritesAnOwnerOnlyKeyFileAndMembersStartingTogetherShareOneKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<SecretEncryption>> loads = new ArrayList<>();
    for (int i = 0; i < 8; i++) loads.add(pool.submit((Callable<SecretEncryption>) () -> SecretEncryption.load(file, true)));
    ObjectNode sealed = loads.get(0).get().seal(secret("db"));
    for (Future<SecretEncryption> load : loads) assertEquals(secret("db"), load.get().open(sealed));
    pool.shutdown();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(1, Files.readAllLines(file).stream().filter(l -> l.startsWith("key1:")).count());
    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no draft left");
    }
  }

  @Test
  void aBadKeyFileIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "# comment\nshort:" + java.util.Base64.getEncoder().encodeToString(new byte[16]) + "\n");
    assertTrue(assertThrows(java.io.IOException.class, () -> SecretEncryption.load(file, false)).getMessage()
        .contains("has 16 bytes; AES-256 needs 32"));
    Files.writeString(file, "nocolon\n");
    assertTrue(assertThrows(java.io.IOException.class, () -> SecretEncryption.load(file, false)).getMessage()
        .contains("line 1: expected name:base64-key"));
    assertThrows(java.io.IOException.class, () -> SecretEncryption.load(dir.resolve("missing"), false));
  }

  @Test
  void theEntitysEventsAndStateAreSealedByAMapperWithKeysAndRefusedByOneWithout() throws Exception {
    ObjectMapper withKeys = keys("key1").attachTo(new ObjectMapper(new CBORFactory()));
    ObjectEntity.Event event = new ObjectEntity.Created(secret("db"));
    byte[] bytes = withKeys.writeValueAsBytes(event);
    String raw = new String(bytes, StandardCharsets.ISO_8859_1);
    assertFalse(raw.contains(VALUE) || raw.contains(VALUE_BASE64), "no plaintext in the serialized event");
    assertEquals(event, withKeys.readValue(bytes, ObjectEntity.Created.class));
    ObjectEntity.State state = new ObjectEntity.State(secret("db"), 3);
    byte[] snapshot = withKeys.writeValueAsBytes(state);
    assertFalse(new String(snapshot, StandardCharsets.ISO_8859_1).contains(VALUE_BASE64));
    assertEquals(state, withKeys.readValue(snapshot, ObjectEntity.State.class));

    ObjectMapper withoutKeys = new ObjectMapper(new CBORFactory());
    Exception refused = assertThrows(Exception.class, () -> withoutKeys.readValue(bytes, ObjectEntity.Created.class));
    assertTrue(String.valueOf(refused.getMessage()).contains("without secret encryption keys"), refused.toString());
  }
}
