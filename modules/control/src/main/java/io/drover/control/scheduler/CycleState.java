package io.drover.control.scheduler;

import java.util.HashMap;
import java.util.Map;

/**
 * Data one scheduling cycle computes once and reads many times (framework.CycleState): a plugin's pre-step writes
 * what it parsed or counted, its per-node step reads it back. One instance per cycle, used by one thread.
 */
public final class CycleState {

  /** A typed slot; plugins keep their keys private so no other plugin reads their data. */
  public record Key<T>(String name) {}

  private final Map<Key<?>, Object> data = new HashMap<>();

  public <T> void write(Key<T> key, T value) {
    data.put(key, value);
  }

  /** @throws IllegalStateException when nothing was written, i.e. the plugin's pre-step did not run */
  @SuppressWarnings("unchecked")
  public <T> T read(Key<T> key) {
    Object value = data.get(key);
    if (value == null) throw new IllegalStateException("no " + key.name() + " in the cycle state");
    return (T) value;
  }
}
