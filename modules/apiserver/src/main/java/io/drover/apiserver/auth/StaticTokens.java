package io.drover.apiserver.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens from a file, in kube-apiserver's --token-auth-file format: one CSV line per token,
 * {@code token,user,uid,"group1,group2"} (groups optional). Read once at start.
 */
public final class StaticTokens {
  private final Map<String, UserInfo> users;

  private StaticTokens(Map<String, UserInfo> users) {
    this.users = users;
  }

  public static StaticTokens none() {
    return new StaticTokens(Map.of());
  }

  public static StaticTokens load(Path file) throws IOException {
    Map<String, UserInfo> users = new HashMap<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      List<String> fields = csv(line);
      if (fields.size() < 3 || fields.get(0).isEmpty() || fields.get(1).isEmpty()) {
        throw new IOException(file + " line " + (i + 1) + ": expected token,user,uid[,\"group1,group2\"]");
      }
      List<String> groups = fields.size() > 3 && !fields.get(3).isEmpty()
          ? List.of(fields.get(3).split(",")) : List.of();
      if (users.put(fields.get(0), UserInfo.authenticated(fields.get(1), fields.get(2), groups, Map.of())) != null) {
        throw new IOException(file + " line " + (i + 1) + ": the token is listed twice");
      }
    }
    return new StaticTokens(Map.copyOf(users));
  }

  /** The user of a token; tokens are compared in constant time. */
  public Optional<UserInfo> user(String token) {
    byte[] presented = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    UserInfo found = null;
    for (Map.Entry<String, UserInfo> entry : users.entrySet()) {
      if (MessageDigest.isEqual(presented, entry.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
        found = entry.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  /** One CSV line: fields separated by commas, a field may be quoted ("" is a quote inside one). */
  static List<String> csv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString().strip());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString().strip());
    return fields;
  }
}
