package io.drover.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A refusal that the API answers as a Kubernetes {@code Status} object (kind Status, apiVersion v1) with
 * its HTTP code, reason, message and, for 422, the field causes. Everything that rejects input throws this.
 */
public final class ApiException extends RuntimeException {

  /** One entry of {@code details.causes}: e.g. reason FieldValueInvalid, field metadata.name. */
  public record Cause(String reason, String message, String field) {}

  private final int code;
  private final String reason;
  private final String group;
  private final String kind;
  private final String name;
  private final List<Cause> causes;
  private final Integer retryAfterSeconds;

  public ApiException(int code, String reason, String message, String group, String kind, String name,
      List<Cause> causes, Integer retryAfterSeconds) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.group = group;
    this.kind = kind;
    this.name = name;
    this.causes = causes == null ? List.of() : List.copyOf(causes);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ApiException(int code, String reason, String message) {
    this(code, reason, message, null, null, null, List.of(), null);
  }

  public int code() { return code; }
  public String reason() { return reason; }
  public List<Cause> causes() { return causes; }

  // Constructors named after the Kubernetes reasons (k8s.io/apimachinery/pkg/api/errors).

  public static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message);
  }

  public static ApiException notFound(ResourceType type, String name) {
    return new ApiException(404, "NotFound", type.resourceLabel() + " \"" + name + "\" not found",
        type.group(), type.plural(), name, List.of(), null);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "NotFound", message);
  }

  public static ApiException alreadyExists(ResourceType type, String name) {
    return new ApiException(409, "AlreadyExists", type.resourceLabel() + " \"" + name + "\" already exists",
        type.group(), type.plural(), name, List.of(), null);
  }

  public static ApiException conflict(ResourceType type, String name, String why) {
    return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + type.resourceLabel() + " \""
        + name + "\": " + why, type.group(), type.plural(), name, List.of(), null);
  }

  /** 422 with field causes; message in the apiserver's style: {@code Kind.group "name" is invalid: [f: msg, ...]}. */
  public static ApiException invalid(String kind, String group, String name, List<Cause> causes) {
    String qualified = group == null || group.isEmpty() ? kind : kind + "." + group;
    StringBuilder message = new StringBuilder().append(qualified).append(" \"").append(name == null ? "" : name)
        .append("\" is invalid: ");
    if (causes.size() == 1) {
      message.append(causes.get(0).field()).append(": ").append(causes.get(0).message());
    } else {
      message.append('[');
      for (int i = 0; i < causes.size(); i++) {
        if (i > 0) message.append(", ");
        message.append(causes.get(i).field()).append(": ").append(causes.get(i).message());
      }
      message.append(']');
    }
    return new ApiException(422, "Invalid", message.toString(), group, kind, name, causes, null);
  }

  /** A request without valid credentials: kubectl says "You must be logged in to the server (Unauthorized)". */
  public static ApiException unauthorized() {
    return new ApiException(401, "Unauthorized", "Unauthorized");
  }

  /**
   * A request its user may not make, in kube-apiserver's words: {@code pods "x" is forbidden: User "jane" cannot get
   * resource "pods" in API group "" in the namespace "default"}.
   */
  public static ApiException forbidden(String group, String resource, String name, String message) {
    return new ApiException(403, "Forbidden", message, group, resource, name, List.of(), null);
  }

  public static ApiException methodNotAllowed(String message) {
    return new ApiException(405, "MethodNotAllowed", message);
  }

  public static ApiException unsupportedMediaType(String contentType) {
    return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
        + "accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        + (contentType == null ? "" : " (got " + contentType + ")"));
  }

  public static ApiException tooLarge(long limit) {
    return new ApiException(413, "RequestEntityTooLarge", "the request body is larger than the limit of "
        + limit + " bytes");
  }

  public static ApiException gone(String message) {
    return new ApiException(410, "Expired", message);
  }

  public static ApiException internal(String message) {
    return new ApiException(500, "InternalError", "Internal error occurred: " + message);
  }

  public static ApiException timeout(String message) {
    return new ApiException(504, "Timeout", message, null, null, null, List.of(), 1);
  }

  public static ApiException unavailable(String message) {
    return new ApiException(503, "ServiceUnavailable", message, null, null, null, List.of(), 1);
  }

  /** The {@code Status} object for the response body. */
  public ObjectNode toStatus() {
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", getMessage()).put("reason", reason).put("code", code);
    if (name != null || kind != null || !causes.isEmpty() || retryAfterSeconds != null) {
      ObjectNode details = status.putObject("details");
      if (name != null) details.put("name", name);
      if (group != null && !group.isEmpty()) details.put("group", group);
      if (kind != null) details.put("kind", kind);
      if (!causes.isEmpty()) {
        ArrayNode list = details.putArray("causes");
        for (Cause cause : causes) {
          ObjectNode c = list.addObject();
          if (cause.reason() != null) c.put("reason", cause.reason());
          if (cause.message() != null) c.put("message", cause.message());
          if (cause.field() != null) c.put("field", cause.field());
        }
      }
      if (retryAfterSeconds != null) details.put("retryAfterSeconds", retryAfterSeconds);
    }
    return status;
  }
}
