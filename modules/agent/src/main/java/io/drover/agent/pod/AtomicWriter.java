package io.drover.agent.pod;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Kubelet's AtomicWriter: the payload is written into a fresh timestamped directory, a {@code ..data} symlink is
 * switched to it with one rename, and each top-level name is a symlink through {@code ..data}. A reader therefore sees
 * either the whole old or the whole new content, never a mix.
 */
final class AtomicWriter {
  private AtomicWriter() {}

  static final String DATA_LINK = "..data";
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.");

  /** One file: its bytes and its permission bits (e.g. 0644). */
  record FileContent(byte[] data, int mode) {}

  /** Makes targetDir hold exactly the payload (relative path -> content); does nothing when it already does. */
  static void write(Path targetDir, Map<String, FileContent> payload) throws IOException {
    for (String path : payload.keySet()) validate(path);
    Files.createDirectories(targetDir);
    Path dataLink = targetDir.resolve(DATA_LINK);
    Path oldTsDir = Files.isSymbolicLink(dataLink) ? targetDir.resolve(Files.readSymbolicLink(dataLink)) : null;
    if (oldTsDir != null && holds(oldTsDir, payload)) return;

    Path tsDir = Files.createTempDirectory(targetDir, ".." + LocalDateTime.now().format(TS));
    Files.setPosixFilePermissions(tsDir, permissions(0755));
    for (Map.Entry<String, FileContent> file : payload.entrySet()) {
      Path target = tsDir.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.write(target, file.getValue().data());
      Files.setPosixFilePermissions(target, permissions(file.getValue().mode()));
    }
    Path tmpLink = targetDir.resolve(DATA_LINK + "_tmp");
    Files.deleteIfExists(tmpLink);
    Files.createSymbolicLink(tmpLink, tsDir.getFileName());
    Files.move(tmpLink, dataLink, StandardCopyOption.ATOMIC_MOVE);

    Set<String> visible = new HashSet<>();
    for (String path : payload.keySet()) visible.add(Path.of(path).getName(0).toString());
    for (String name : visible) {
      try {
        Files.createSymbolicLink(targetDir.resolve(name), Path.of(DATA_LINK, name));
      } catch (FileAlreadyExistsException alreadyLinked) {
        // a previous write created the same link; it points through ..data and needs no change
      }
    }
    try (Stream<Path> entries = Files.list(targetDir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!name.startsWith("..") && !visible.contains(name)) deleteRecursively(entry);
      }
    }
    if (oldTsDir != null && !oldTsDir.equals(tsDir)) deleteRecursively(oldTsDir);
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << (bits.length - 1 - i))) != 0) result.add(bits[i]);
    }
    return result;
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private static boolean holds(Path dir, Map<String, FileContent> payload) throws IOException {
    if (!Files.isDirectory(dir)) return false;
    try (Stream<Path> walk = Files.walk(dir)) {
      List<Path> files = walk.filter(Files::isRegularFile).toList();
      if (files.size() != payload.size()) return false;
    }
    for (Map.Entry<String, FileContent> file : payload.entrySet()) {
      Path p = dir.resolve(file.getKey());
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          || !Arrays.equals(Files.readAllBytes(p), file.getValue().data())
          || !Files.getPosixFilePermissions(p).equals(permissions(file.getValue().mode()))) {
        return false;
      }
    }
    return true;
  }

  private static void validate(String path) throws IOException {
    if (path.isEmpty() || path.startsWith("/") || path.startsWith("..")
        || Arrays.asList(path.split("/")).contains("..")) {
      throw new IOException("invalid path: " + path);
    }
  }
}
