package io.drover.api.discovery;

import io.drover.api.ResourceType;
import java.util.List;

/**
 * A subresource as discovery announces it: {@code pods/status}, {@code deployments/scale}. The response kind and
 * verbs follow what kube-apiserver reports for the same subresource.
 *
 * @param streaming served as a stream or connection (log, exec, ...), so it has no JSON schema in OpenAPI
 */
public record Subresource(String name, GroupVersionKind responseKind, List<String> verbs, boolean streaming) {

  private static final List<String> READ_WRITE = List.of("get", "patch", "update");
  private static final List<String> CONNECT = List.of("create", "get");

  public static Subresource of(ResourceType type, String name) {
    GroupVersionKind self = GroupVersionKind.of(type);
    return switch (name) {
      case "status", "ephemeralcontainers", "resize" -> new Subresource(name, self, READ_WRITE, false);
      case "scale" -> new Subresource(name, new GroupVersionKind("autoscaling", "v1", "Scale"), READ_WRITE, false);
      case "finalize" -> new Subresource(name, self, List.of("update"), false);
      case "eviction" -> new Subresource(name, new GroupVersionKind("policy", "v1", "Eviction"),
          List.of("create"), false);
      case "token" -> new Subresource(name, new GroupVersionKind("authentication.k8s.io", "v1", "TokenRequest"),
          List.of("create"), false);
      case "binding" -> new Subresource(name, new GroupVersionKind("", "v1", "Binding"), List.of("create"), false);
      case "log" -> new Subresource(name, self, List.of("get"), true);
      case "exec" -> new Subresource(name, core("PodExecOptions"), CONNECT, true);
      case "attach" -> new Subresource(name, core("PodAttachOptions"), CONNECT, true);
      case "portforward" -> new Subresource(name, core("PodPortForwardOptions"), CONNECT, true);
      case "proxy" -> new Subresource(name, core(type.kind() + "ProxyOptions"),
          List.of("create", "delete", "get", "patch", "update"), true);
      default -> new Subresource(name, self, List.of("get"), false);
    };
  }

  /** Every subresource the registry lists for {@code type}, in its order. */
  public static List<Subresource> of(ResourceType type) {
    return type.subresources().stream().map(name -> of(type, name)).toList();
  }

  private static GroupVersionKind core(String kind) {
    return new GroupVersionKind("", "v1", kind);
  }
}
