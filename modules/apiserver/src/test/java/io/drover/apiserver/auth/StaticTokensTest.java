package io.drover.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticTokensTest {
  @TempDir
  Path dir;

  @Test
  void kubeApiserversTokenFileFormat() throws Exception {
    Path file = dir.resolve("tokens.csv");
    Files.writeString(file, """
        # comment
        t1,jane,1001,"dev,qa"
        t2,bob,1002
        "t,3",carol,1003,ops
        """);
    StaticTokens tokens = StaticTokens.load(file);
    UserInfo jane = tokens.user("t1").orElseThrow();
    assertEquals("jane", jane.name());
    assertEquals("1001", jane.uid());
    assertEquals(List.of("dev", "qa", "system:authenticated"), jane.groups());
    assertEquals(List.of("system:authenticated"), tokens.user("t2").orElseThrow().groups());
    assertEquals("carol", tokens.user("t,3").orElseThrow().name());
    assertTrue(tokens.user("t4").isEmpty());
    assertTrue(tokens.user("").isEmpty());
  }

  @Test
  void aBadLineOrARepeatedTokenIsAnErrorNamingTheLine() throws Exception {
    Path file = dir.resolve("tokens.csv");
    Files.writeString(file, "t1,jane,1\nt1,bob,2\n");
    assertTrue(assertThrows(java.io.IOException.class, () -> StaticTokens.load(file)).getMessage()
        .contains("line 2"));
    Files.writeString(file, "t1\n");
    assertTrue(assertThrows(java.io.IOException.class, () -> StaticTokens.load(file)).getMessage()
        .contains("line 1"));
  }
}
