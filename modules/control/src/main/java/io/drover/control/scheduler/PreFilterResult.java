package io.drover.control.scheduler;

import java.util.Set;

/**
 * What a filter plugin's pre-step decided for the whole cycle: go on with every node, narrow the candidates to
 * {@code nodeNames} (framework.PreFilterResult), skip this plugin's filter, or reject the pod outright.
 */
public record PreFilterResult(Status status, Set<String> nodeNames) {
  public static final PreFilterResult ALL = new PreFilterResult(Status.SUCCESS, null);
  public static final PreFilterResult SKIP = new PreFilterResult(Status.SKIP, null);

  public PreFilterResult {
    nodeNames = nodeNames == null ? null : Set.copyOf(nodeNames);
  }

  public static PreFilterResult only(Set<String> nodeNames) {
    return new PreFilterResult(Status.SUCCESS, nodeNames);
  }

  public static PreFilterResult reject(Status status) {
    return new PreFilterResult(status, null);
  }

  public boolean allNodes() {
    return nodeNames == null;
  }
}
