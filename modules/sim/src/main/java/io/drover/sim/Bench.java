package io.drover.sim;

import java.util.Arrays;

/** {@code drover bench <benchmark> [options]}: runs one benchmark against an in-process Drover. */
public final class Bench {
  private Bench() {}

  static final String USAGE = """
      usage: drover bench api [--count N] [--clients C] [--watchers W] [--warmup N] [--deadline SECONDS]
                              [--data-dir DIR] [--json FILE]
        api   ConfigMap creates over HTTP with concurrent clients, watched by W watch streams""";

  public static void main(String[] args) {
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    int exit = switch (args.length == 0 ? "" : args[0]) {
      case "api" -> ApiBenchmark.cli(rest);
      default -> {
        System.err.println(USAGE);
        yield 2;
      }
    };
    // Pekko and HttpClient threads must not keep the JVM alive after the report.
    System.exit(exit);
  }
}
