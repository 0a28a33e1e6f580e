package io.drover.control.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for Node and Pod JSON, and helpers that run one plugin the way a cycle does. */
final class Fixtures {
  private Fixtures() {}

  static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) Json.YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The object at a path of object fields, created as needed. */
  static ObjectNode at(ObjectNode root, String... path) {
    ObjectNode current = root;
    for (String name : path) current = Json.object(current, name);
    return current;
  }

  static NodeBuilder node(String name) {
    return new NodeBuilder(name);
  }

  static PodBuilder pod(String name) {
    return new PodBuilder(name);
  }

  static final class NodeBuilder {
    private final ObjectNode node = Json.MAPPER.createObjectNode();

    NodeBuilder(String name) {
      node.put("apiVersion", "v1").put("kind", "Node");
      node.putObject("metadata").put("name", name).putObject("labels").put("kubernetes.io/hostname", name);
      node.putObject("spec");
      allocatable("4", "8Gi", 110);
    }

    NodeBuilder allocatable(String cpu, String memory, int pods) {
      ObjectNode status = Json.object(node, "status");
      status.putObject("allocatable").put("cpu", cpu).put("memory", memory).put("pods", String.valueOf(pods));
      return this;
    }

    NodeBuilder label(String key, String value) {
      Json.object(Json.object(node, "metadata"), "labels").put(key, value);
      return this;
    }

    NodeBuilder taint(String key, String value, String effect) {
      ArrayNode taints = at(node, "spec").withArray("taints");
      taints.addObject().put("key", key).put("value", value).put("effect", effect);
      return this;
    }

    NodeBuilder unschedulable() {
      at(node, "spec").put("unschedulable", true);
      return this;
    }

    ObjectNode build() {
      return node;
    }

    NodeInfo with(ObjectNode... pods) {
      return new NodeInfo(node, List.of(pods));
    }
  }

  static final class PodBuilder {
    private final ObjectNode pod = Json.MAPPER.createObjectNode();
    private final ObjectNode container;

    PodBuilder(String name) {
      pod.put("apiVersion", "v1").put("kind", "Pod");
      pod.putObject("metadata").put("name", name).put("namespace", "default").put("uid", "uid-" + name);
      container = pod.putObject("spec").putArray("containers").addObject().put("name", "app").put("image", "nginx");
    }

    PodBuilder requests(String cpu, String memory) {
      ObjectNode requests = container.putObject("resources").putObject("requests");
      if (cpu != null) requests.put("cpu", cpu);
      if (memory != null) requests.put("memory", memory);
      return this;
    }

    PodBuilder namespace(String namespace) {
      at(pod, "metadata").put("namespace", namespace);
      return this;
    }

    PodBuilder label(String key, String value) {
      at(pod, "metadata", "labels").put(key, value);
      return this;
    }

    PodBuilder ownedBy(String controllerUid) {
      at(pod, "metadata").withArray("ownerReferences").addObject().put("apiVersion", "apps/v1")
          .put("kind", "ReplicaSet").put("name", "rs").put("uid", controllerUid).put("controller", true);
      return this;
    }

    PodBuilder toleration(String key, String operator, String value, String effect) {
      ObjectNode t = at(pod, "spec").withArray("tolerations").addObject();
      if (key != null) t.put("key", key);
      if (operator != null) t.put("operator", operator);
      if (value != null) t.put("value", value);
      if (effect != null) t.put("effect", effect);
      return this;
    }

    PodBuilder hostPort(int port, String protocol, String hostIp) {
      ObjectNode p = container.withArray("ports").addObject().put("containerPort", port).put("hostPort", port);
      if (protocol != null) p.put("protocol", protocol);
      if (hostIp != null) p.put("hostIP", hostIp);
      return this;
    }

    PodBuilder nodeName(String nodeName) {
      at(pod, "spec").put("nodeName", nodeName);
      return this;
    }

    PodBuilder nodeSelector(String key, String value) {
      at(pod, "spec", "nodeSelector").put(key, value);
      return this;
    }

    /** Merges a YAML fragment into spec (affinity and such). */
    PodBuilder spec(String yaml) {
      at(pod, "spec").setAll(yaml(yaml));
      return this;
    }

    PodBuilder phase(String phase) {
      at(pod, "status").put("phase", phase);
      return this;
    }

    ObjectNode build() {
      return pod;
    }
  }

  /** Runs a filter with its pre-step over {@code all}; a skipped filter passes. */
  static Status filter(FilterPlugin plugin, ObjectNode pod, NodeInfo node, List<NodeInfo> all) {
    CycleState state = new CycleState();
    PodInfo info = PodInfo.of(pod);
    PreFilterResult pre = plugin.preFilter(state, info, all);
    if (pre.status().code() == Status.Code.SKIP) return Status.SUCCESS;
    if (!pre.status().isSuccess()) return pre.status();
    return plugin.filter(state, info, node);
  }

  static Status filter(FilterPlugin plugin, ObjectNode pod, NodeInfo node) {
    return filter(plugin, pod, node, List.of(node));
  }

  /** Normalized scores by node name; an empty map when the plugin skips itself. */
  static Map<String, Long> scores(ScorePlugin plugin, ObjectNode pod, List<NodeInfo> nodes) {
    CycleState state = new CycleState();
    PodInfo info = PodInfo.of(pod);
    Map<String, Long> result = new LinkedHashMap<>();
    if (plugin.preScore(state, info, nodes).code() == Status.Code.SKIP) return result;
    long[] raw = new long[nodes.size()];
    for (int i = 0; i < raw.length; i++) raw[i] = plugin.score(state, info, nodes.get(i));
    long[] normalized = plugin.normalize(state, info, raw);
    for (int i = 0; i < raw.length; i++) result.put(nodes.get(i).name(), normalized[i]);
    return result;
  }
}
