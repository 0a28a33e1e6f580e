package io.drover.control.secrets;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.ContextAttributes;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.drover.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets encrypted at rest: every Secret written to the journal (events and snapshots of its object entity) is
 * sealed with AES-256-GCM before it is serialized, as kube-apiserver's aesgcm encryption provider does for etcd. The
 * whole object is sealed, metadata and last-applied annotation included; only its namespace and name stay readable
 * (the journal's persistence id names them anyway), and they are the cipher's associated data, so a sealed object
 * cannot be moved to another name.
 *
 * <p>A sealed object is {@code {"apiVersion":"v1","kind":"Secret","metadata":{namespace,name},
 * "encrypted":"k8s:enc:aesgcm:v1:<key name>:<base64 of nonce and ciphertext>"}}. Objects written before encryption
 * was on stay readable as they are.
 *
 * <p>The keys come from a key file: one {@code name:base64-of-32-bytes} per line, the first encrypts and every one
 * decrypts (rotation: put a new key first on every member, restart them; keep the old keys while the journal holds
 * events sealed with them). Jackson reaches the keys through the mapper's default attributes ({@link #attachTo}); the
 * event and state records mark their object with {@link Serializer} and {@link Deserializer}.
 */
public final class SecretEncryption {
  public static final String PREFIX = "k8s:enc:aesgcm:v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, SecretKeySpec> keys;
  private final String writeKey;

  private SecretEncryption(Map<String, SecretKeySpec> keys) {
    if (keys.isEmpty()) throw new IllegalArgumentException("no key");
    this.keys = keys;
    this.writeKey = keys.keySet().iterator().next();
  }

  /** Keys from name -> 32 raw bytes; the first entry encrypts. */
  public static SecretEncryption of(Map<String, byte[]> keys) {
    Map<String, SecretKeySpec> specs = new LinkedHashMap<>();
    keys.forEach((name, bytes) -> specs.put(checkName(name), aesKey(name, bytes)));
    return new SecretEncryption(specs);
  }

  /**
   * Reads the key file; when it does not exist and {@code generate} says so, writes one with a new random key
   * (owner-only permissions) first.
   */
  public static SecretEncryption load(Path file, boolean generate) throws IOException {
    if (!Files.exists(file)) {
      if (!generate) throw new IOException("the secret encryption key file " + file + " does not exist");
      byte[] key = new byte[32];
      RANDOM.nextBytes(key);
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path draft = Files.createTempFile(dir, ".secrets-encryption", ".keys");
      try {
        try {
          Files.setPosixFilePermissions(draft, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the directory's protection is what there is
        }
        Files.writeString(draft, "# Drover secret encryption keys (README, Secrets at rest): name:base64 of 32 bytes.\n"
            + "# The first key encrypts, every key decrypts. Keep this file secret, the same on every member.\n"
            + "key1:" + Base64.getEncoder().encodeToString(key) + "\n");
        // A link fails when the file exists: members starting together on one file all end up with the first key.
        Files.createLink(file, draft);
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another member wrote it first: read theirs
      } finally {
        Files.deleteIfExists(draft);
      }
    }
    Map<String, byte[]> keys = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      int colon = line.indexOf(':');
      if (colon <= 0) throw new IOException(file + " line " + (i + 1) + ": expected name:base64-key");
      try {
        keys.put(line.substring(0, colon), Base64.getDecoder().decode(line.substring(colon + 1).strip()));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " line " + (i + 1) + ": the key is not base64", e);
      }
    }
    if (keys.isEmpty()) throw new IOException(file + " holds no key");
    try {
      return of(keys);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** The key that encrypts. */
  public String writeKey() {
    return writeKey;
  }

  /** Whether the object is a Secret as this class stores it. */
  public static boolean isSealed(JsonNode object) {
    return object != null && object.path("encrypted").asText("").startsWith(PREFIX);
  }

  /** The Secret sealed for the journal; any other kind of object unchanged. */
  public ObjectNode seal(ObjectNode object) {
    if (!"Secret".equals(object.path("kind").asText()) || !"v1".equals(object.path("apiVersion").asText())) {
      return object;
    }
    String namespace = object.path("metadata").path("namespace").asText("");
    String name = object.path("metadata").path("name").asText("");
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(writeKey), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(namespace, name));
      byte[] sealed = cipher.doFinal(Json.MAPPER.writeValueAsBytes(object));
      byte[] payload = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, payload, 0, nonce.length);
      System.arraycopy(sealed, 0, payload, nonce.length, sealed.length);
      ObjectNode stored = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
      stored.putObject("metadata").put("namespace", namespace).put("name", name);
      stored.put("encrypted", PREFIX + writeKey + ":" + Base64.getEncoder().encodeToString(payload));
      return stored;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot encrypt secret " + namespace + "/" + name + ": " + e, e);
    }
  }

  /** The object as written: a sealed Secret decrypted, anything else unchanged. */
  public ObjectNode open(ObjectNode stored) {
    if (!isSealed(stored)) return stored;
    String namespace = stored.path("metadata").path("namespace").asText("");
    String name = stored.path("metadata").path("name").asText("");
    String value = stored.get("encrypted").asText().substring(PREFIX.length());
    int colon = value.indexOf(':');
    String keyName = colon < 0 ? "" : value.substring(0, colon);
    SecretKeySpec key = keys.get(keyName);
    if (key == null) {
      throw new IllegalStateException("secret " + namespace + "/" + name + " is encrypted with key \"" + keyName
          + "\", which the secret encryption key file does not hold (it has " + keys.keySet() + ")");
    }
    try {
      byte[] payload = Base64.getDecoder().decode(value.substring(colon + 1));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, payload, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData(namespace, name));
      byte[] plain = cipher.doFinal(payload, NONCE_BYTES, payload.length - NONCE_BYTES);
      return (ObjectNode) Json.MAPPER.readTree(plain);
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot decrypt secret " + namespace + "/" + name + " with key \"" + keyName
          + "\": " + e, e);
    }
  }

  private static byte[] associatedData(String namespace, String name) {
    return ("secrets/" + namespace + "/" + name).getBytes(StandardCharsets.UTF_8);
  }

  private static String checkName(String name) {
    if (!name.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("key name \"" + name + "\": letters, digits, '_', '.' and '-' only");
    }
    return name;
  }

  private static SecretKeySpec aesKey(String name, byte[] bytes) {
    if (bytes.length != 32) {
      throw new IllegalArgumentException("key \"" + name + "\" has " + bytes.length + " bytes; AES-256 needs 32");
    }
    return new SecretKeySpec(bytes, "AES");
  }

  // --- Jackson glue ---

  /** Makes the mapper's (de)serializers of stored objects seal and open Secrets with these keys. */
  public ObjectMapper attachTo(ObjectMapper mapper) {
    mapper.setDefaultAttributes(ContextAttributes.getEmpty().withSharedAttribute(SecretEncryption.class, this));
    return mapper;
  }

  /** Writes a stored object, sealed when it is a Secret and the mapper has keys. */
  public static final class Serializer extends StdSerializer<ObjectNode> {
    public Serializer() {
      super(ObjectNode.class);
    }

    @Override
    public void serialize(ObjectNode value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      Object encryption = provider.getAttribute(SecretEncryption.class);
      gen.writeTree(encryption instanceof SecretEncryption e ? e.seal(value) : value);
    }
  }

  /** Reads a stored object, opening a sealed Secret; refuses one when the mapper has no keys. */
  public static final class Deserializer extends StdDeserializer<ObjectNode> {
    public Deserializer() {
      super(ObjectNode.class);
    }

    @Override
    public ObjectNode deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonNode node = ctxt.readTree(p);
      if (!(node instanceof ObjectNode object)) {
        throw ctxt.weirdNativeValueException(node, ObjectNode.class);
      }
      if (!isSealed(object)) return object;
      Object encryption = ctxt.getAttribute(SecretEncryption.class);
      if (!(encryption instanceof SecretEncryption e)) {
        throw new IllegalStateException("an encrypted secret was read without secret encryption keys");
      }
      return e.open(object);
    }
  }
}
