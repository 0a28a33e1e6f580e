package io.drover.sim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line options of a benchmark: {@code --name value} pairs, each name one of those the benchmark knows. */
final class Args {
  private final Map<String, String> values;

  private Args(Map<String, String> values) {
    this.values = values;
  }

  /** Reads the pairs; an unknown name or a name without a value is an {@link IllegalArgumentException}. */
  static Args parse(String[] args, List<String> known) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!known.contains(args[i])) throw new IllegalArgumentException("unknown option " + args[i]);
      if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
      values.put(args[i], args[i + 1]);
    }
    return new Args(values);
  }

  int integer(String name, int fallback) {
    String value = values.get(name);
    if (value == null) return fallback;
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " needs a number, not " + value);
    }
  }

  Duration seconds(String name, Duration fallback) {
    return values.containsKey(name) ? Duration.ofSeconds(integer(name, 0)) : fallback;
  }

  double decimal(String name, double fallback) {
    String value = values.get(name);
    if (value == null) return fallback;
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " needs a number, not " + value);
    }
  }

  String text(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  /** The path given, or null. */
  Path path(String name) {
    String value = values.get(name);
    return value == null ? null : Path.of(value);
  }
}
