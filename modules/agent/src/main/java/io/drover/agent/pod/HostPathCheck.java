package io.drover.agent.pod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kubelet's hostPath type checks (checkTypeInternal), creating what the *OrCreate types ask for. */
final class HostPathCheck {
  private HostPathCheck() {}

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  static void check(Path path, String type) throws PodConfigException, IOException {
    switch (type) {
      case "" -> { }
      case "DirectoryOrCreate" -> {
        if (!Files.exists(path)) {
          Files.createDirectories(path);
          Files.setPosixFilePermissions(path, AtomicWriter.permissions(0755));
        }
        require(Files.isDirectory(path), path, "a directory");
      }
      case "Directory" -> require(Files.isDirectory(path), path, "a directory");
      case "FileOrCreate" -> {
        if (!Files.exists(path)) {
          Files.createFile(path); // the parent must exist, as in kubelet
          Files.setPosixFilePermissions(path, AtomicWriter.permissions(0644));
        }
        require(Files.isRegularFile(path), path, "a file");
      }
      case "File" -> require(Files.isRegularFile(path), path, "a file");
      case "Socket" -> require(fileType(path) == S_IFSOCK, path, "a socket file");
      case "CharDevice" -> require(fileType(path) == S_IFCHR, path, "a character device");
      case "BlockDevice" -> require(fileType(path) == S_IFBLK, path, "a block device");
      default -> throw new PodConfigException(PodConfigException.FAILED_MOUNT, type + " is an invalid volume type");
    }
  }

  private static int fileType(Path path) throws IOException {
    if (!Files.exists(path)) return -1;
    return ((Integer) Files.getAttribute(path, "unix:mode")) & S_IFMT;
  }

  private static void require(boolean ok, Path path, String what) throws PodConfigException {
    if (!ok) {
      throw new PodConfigException(PodConfigException.FAILED_MOUNT,
          "hostPath type check failed: " + path + " is not " + what);
    }
  }
}
