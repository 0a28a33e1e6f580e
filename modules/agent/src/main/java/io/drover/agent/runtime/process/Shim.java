package io.drover.agent.runtime.process;

import io.drover.agent.runtime.ContainerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The per-container supervisor, drover-shim.c: compiled with gcc on first use into the state directory (named by
 * the hash of its source, so an agent upgrade builds the new one and running shims keep their binary).
 */
final class Shim {
  private static final String SOURCE = "drover-shim.c";
  private static final long COMPILE_TIMEOUT_SECONDS = 120;

  private final Path dir;
  private final String compiler;
  private Path binary;

  Shim(Path dir) {
    this(dir, "gcc");
  }

  Shim(Path dir, String compiler) {
    this.dir = dir;
    this.compiler = compiler;
  }

  /** The compiled shim, building it if this source has not been built here yet. */
  synchronized Path binary() throws IOException {
    if (binary != null) return binary;
    byte[] source;
    try (InputStream in = Shim.class.getResourceAsStream(SOURCE)) {
      if (in == null) throw new IOException("resource " + SOURCE + " is missing from the agent");
      source = in.readAllBytes();
    }
    Path target = dir.resolve("drover-shim-" + sha256(source).substring(0, 16));
    if (!Files.isExecutable(target)) compile(source, target);
    binary = target;
    return binary;
  }

  private void compile(byte[] source, Path target) throws IOException {
    Files.createDirectories(dir);
    Path src = Files.createTempFile(dir, "drover-shim", ".c");
    Path out = Files.createTempFile(dir, "drover-shim", ".out");
    Path log = Files.createTempFile(dir, "drover-shim", ".log");
    try {
      Files.write(src, source);
      Process gcc;
      try {
        gcc = new ProcessBuilder(compiler, "-O2", "-Wall", "-o", out.toString(), src.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        throw new IOException("the process runtime builds its container shim with " + compiler
            + ", which is not installed (Debian/Ubuntu: apt-get install gcc): " + e.getMessage(), e);
      }
      boolean done = gcc.waitFor(COMPILE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!done) gcc.destroyForcibly();
      String output = Files.readString(log, StandardCharsets.UTF_8);
      if (!done || gcc.exitValue() != 0) throw new IOException(compiler + " failed to build " + SOURCE + ":\n" + output);
      Files.move(out, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while building the shim", e);
    } finally {
      Files.deleteIfExists(src);
      Files.deleteIfExists(out);
      Files.deleteIfExists(log);
    }
  }

  /** The shim's command line for one container (the argument syntax is documented in drover-shim.c). */
  static List<String> commandLine(Path binary, Path containerDir, ContainerSpec spec, boolean namespaces,
      List<Path> cgroupDirs, Path oomEvents) {
    List<String> args = new ArrayList<>(List.of(binary.toString(), containerDir.toString(),
        spec.logFile().toAbsolutePath().toString()));
    if (namespaces) {
      args.add("-n");
      if (spec.netns() != null) args.addAll(List.of("-N", spec.netns()));
      if (spec.hostname() != null && !spec.hostname().isEmpty()) args.addAll(List.of("-h", spec.hostname()));
      for (ContainerSpec.Mount m : spec.mounts()) {
        args.addAll(List.of("-m", m.hostPath().toAbsolutePath().toString(), m.containerPath(),
            m.readOnly() ? "ro" : "rw"));
      }
    }
    args.addAll(List.of("-w", workingDir(spec)));
    for (Map.Entry<String, String> e : spec.env().entrySet()) args.addAll(List.of("-e", e.getKey() + "=" + e.getValue()));
    for (Path cgroup : cgroupDirs) args.addAll(List.of("-c", cgroup.toString()));
    if (oomEvents != null) args.addAll(List.of("-o", oomEvents.toString()));
    ContainerSpec.Stdio stdio = spec.attachable();
    if (stdio.stdin()) args.add("-i");
    if (stdio.stdinOnce()) args.add("-I");
    if (stdio.tty()) args.add("-t");
    args.add("--");
    args.addAll(spec.argv());
    return args;
  }

  static String workingDir(ContainerSpec spec) {
    return spec.workingDir() == null || spec.workingDir().isEmpty() ? "/" : spec.workingDir();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
