package io.drover.agent.pod;

import java.util.Map;
import java.util.function.Function;

/**
 * Kubernetes' {@code $(VAR)} expansion (third_party/forked/golang/expansion): {@code $$} is an escaped {@code $},
 * references to unknown variables and unterminated references stay literally.
 */
public final class Expansion {
  private Expansion() {}

  /** Expands input, looking each name up in the first context map that has it. */
  @SafeVarargs
  public static String expand(String input, Map<String, String>... contexts) {
    return expand(input, name -> lookup(name, contexts));
  }

  /** Expands input with a mapping from a variable name to its replacement. */
  public static String expand(String input, Function<String, String> mapping) {
    StringBuilder out = new StringBuilder(input.length());
    int checkpoint = 0;
    for (int cursor = 0; cursor < input.length(); cursor++) {
      if (input.charAt(cursor) != '$' || cursor + 1 >= input.length()) continue;
      out.append(input, checkpoint, cursor);
      char next = input.charAt(cursor + 1);
      int advance = 1;
      if (next == '$') {
        out.append('$');
      } else if (next == '(') {
        int close = input.indexOf(')', cursor + 2);
        if (close < 0) {
          out.append("$(");
        } else {
          out.append(mapping.apply(input.substring(cursor + 2, close)));
          advance = close - cursor;
        }
      } else {
        out.append('$').append(next);
      }
      cursor += advance;
      checkpoint = cursor + 1;
    }
    return out.append(input, checkpoint, input.length()).toString();
  }

  @SafeVarargs
  private static String lookup(String name, Map<String, String>... contexts) {
    for (Map<String, String> context : contexts) {
      String value = context.get(name);
      if (value != null) return value;
    }
    return "$(" + name + ")";
  }
}
