package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.validation.Formats;
import io.drover.apiserver.auth.UserInfo;
import io.drover.control.rbac.Attributes;
import io.drover.control.rbac.Decision;
import io.drover.control.rbac.RbacAuthorizer;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * Authorization of each request, and the reviews a user asks about themself: SelfSubjectAccessReview ({@code kubectl
 * auth can-i}), SelfSubjectRulesReview ({@code auth can-i --list}) and SelfSubjectReview ({@code auth whoami}).
 */
final class AccessReviews {
  static final String AUTHORIZATION = "authorization.k8s.io";
  static final String AUTHENTICATION = "authentication.k8s.io";

  private final RbacAuthorizer authorizer;

  AccessReviews(RbacAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  /** What the request asks, as RBAC sees it. A WebSocket exec, attach or port-forward is a create, as kube 1.32. */
  static Attributes attributes(UserInfo user, HttpRequest request) {
    Attributes attributes = Attributes.ofRequest(user.name(), user.groups(), request.method().value(),
        request.getUri().path(), request.getUri().query().toMultiMap());
    if (attributes.resourceRequest() && attributes.resource().equals("pods") && attributes.verb().equals("get")
        && List.of("exec", "attach", "portforward").contains(attributes.subresource())) {
      return Attributes.resource(attributes.user(), attributes.groups(), "create", attributes.apiGroup(),
          attributes.resource(), attributes.subresource(), attributes.namespace(), attributes.name());
    }
    return attributes;
  }

  Decision authorize(Attributes attributes) {
    return authorizer.authorize(attributes);
  }

  /**
   * kube-apiserver's refusal: {@code pods "x" is forbidden: User "jane" cannot get resource "pods" in API group "" in
   * the namespace "default"}, or {@code forbidden: User "jane" cannot get path "/metrics"}; RBAC's reason follows.
   */
  static ApiException forbidden(Attributes attributes, String reason) {
    String why;
    if (!attributes.resourceRequest()) {
      why = "User " + Formats.quote(attributes.user()) + " cannot " + attributes.verb() + " path "
          + Formats.quote(attributes.path());
    } else {
      String resource = attributes.subresource().isEmpty() ? attributes.resource()
          : attributes.resource() + "/" + attributes.subresource();
      why = "User " + Formats.quote(attributes.user()) + " cannot " + attributes.verb() + " resource "
          + Formats.quote(resource) + " in API group " + Formats.quote(attributes.apiGroup())
          + (attributes.namespace().isEmpty() ? " at the cluster scope"
              : " in the namespace " + Formats.quote(attributes.namespace()));
    }
    if (reason != null && !reason.isEmpty()) why += ": " + reason;
    String qualified = attributes.resource().isEmpty() ? ""
        : attributes.apiGroup().isEmpty() ? attributes.resource() : attributes.resource() + "." + attributes.apiGroup();
    String message = qualified.isEmpty() ? "forbidden: " + why
        : attributes.name().isEmpty() ? qualified + " is forbidden: " + why
        : qualified + " " + Formats.quote(attributes.name()) + " is forbidden: " + why;
    return ApiException.forbidden(attributes.apiGroup(), attributes.resource(), attributes.name(), message);
  }

  /** Whether the request asks to act as another user (Impersonate-* headers: kubectl --as, --as-group). */
  static boolean impersonates(HttpRequest request) {
    for (org.apache.pekko.http.javadsl.model.HttpHeader header : request.getHeaders()) {
      if (header.lowercaseName().startsWith("impersonate-")) return true;
    }
    return false;
  }

  /**
   * The user a request impersonates, as kube-apiserver's impersonation filter decides: the requester needs the
   * impersonate verb on {@code users} (or the ServiceAccount, for {@code system:serviceaccount:NS:NAME}), on
   * {@code groups} for each group, on {@code uids} and on {@code userextras/KEY}; the impersonated user gets
   * system:authenticated (and a ServiceAccount's groups when none are asked for). 403 naming what was refused.
   */
  UserInfo impersonate(UserInfo requester, HttpRequest request) {
    String name = null;
    String uid = "";
    List<String> groups = new java.util.ArrayList<>();
    Map<String, List<String>> extra = new java.util.LinkedHashMap<>();
    for (org.apache.pekko.http.javadsl.model.HttpHeader header : request.getHeaders()) {
      String key = header.lowercaseName();
      if (key.equals("impersonate-user")) {
        name = header.value();
      } else if (key.equals("impersonate-group")) {
        groups.add(header.value());
      } else if (key.equals("impersonate-uid")) {
        uid = header.value();
      } else if (key.startsWith("impersonate-extra-")) {
        extra.computeIfAbsent(java.net.URLDecoder.decode(key.substring("impersonate-extra-".length()),
            java.nio.charset.StandardCharsets.UTF_8), k -> new java.util.ArrayList<>()).add(header.value());
      } else if (key.startsWith("impersonate-")) {
        throw ApiException.badRequest("unknown impersonation header " + header.name());
      }
    }
    if (name == null || name.isEmpty()) {
      throw ApiException.badRequest("requested " + (groups.isEmpty() ? "impersonation" : "groups " + groups)
          + " without impersonating a user");
    }
    String[] account = name.startsWith("system:serviceaccount:") ? name.split(":", 4) : null;
    if (account != null && account.length == 4) {
      check(requester, "", "serviceaccounts", "", account[2], account[3]);
      if (groups.isEmpty()) groups.addAll(List.of("system:serviceaccounts", "system:serviceaccounts:" + account[2]));
    } else {
      check(requester, "", "users", "", "", name);
    }
    for (String group : groups) check(requester, "", "groups", "", "", group);
    if (!uid.isEmpty()) check(requester, "authentication.k8s.io", "uids", "", "", uid);
    for (Map.Entry<String, List<String>> entry : extra.entrySet()) {
      for (String value : entry.getValue()) {
        check(requester, "authentication.k8s.io", "userextras", entry.getKey(), "", value);
      }
    }
    if (name.equals(UserInfo.ANONYMOUS)) return new UserInfo(name, uid, groups, extra);
    return UserInfo.authenticated(name, uid, groups, extra);
  }

  private void check(UserInfo requester, String group, String resource, String subresource, String namespace,
      String name) {
    Attributes attributes = Attributes.resource(requester.name(), requester.groups(), "impersonate", group, resource,
        subresource, namespace, name);
    Decision decision = authorizer.authorize(attributes);
    if (!decision.allowed()) throw forbidden(attributes, decision.reason());
  }

  /** Whether a request is one of the self reviews, served here rather than stored. */
  static boolean serves(String group, String version, String[] rest) {
    if (rest.length != 1 || !version.equals("v1")) return false;
    return group.equals(AUTHORIZATION) && (rest[0].equals("selfsubjectaccessreviews")
        || rest[0].equals("selfsubjectrulesreviews"))
        || group.equals(AUTHENTICATION) && rest[0].equals("selfsubjectreviews");
  }

  /** A review: POST only, answered 201 with the request's spec and the status, and never stored. */
  HttpResponse review(HttpRequest request, UserInfo user, String resource, byte[] body) {
    if (!request.method().value().equals("POST")) {
      throw ApiException.methodNotAllowed(resource + " can only be created (POST)");
    }
    ObjectNode object = body.length == 0 ? Json.MAPPER.createObjectNode()
        : HttpBodies.decodeObject(HttpBodies.mediaType(request), body);
    ObjectNode answer = Json.MAPPER.createObjectNode();
    ObjectNode metadata = answer.putObject("metadata");
    metadata.put("creationTimestamp", (String) null);
    switch (resource) {
      case "selfsubjectaccessreviews" -> {
        answer.put("kind", "SelfSubjectAccessReview").put("apiVersion", AUTHORIZATION + "/v1");
        JsonNode spec = object.path("spec");
        Attributes asked = asked(user, spec);
        answer.set("spec", spec.isObject() ? spec : Json.MAPPER.createObjectNode());
        Decision decision = authorizer.authorize(asked);
        ObjectNode status = answer.putObject("status").put("allowed", decision.allowed());
        if (!decision.reason().isEmpty()) status.put("reason", decision.reason());
      }
      case "selfsubjectrulesreviews" -> {
        answer.put("kind", "SelfSubjectRulesReview").put("apiVersion", AUTHORIZATION + "/v1");
        String namespace = object.path("spec").path("namespace").asText("");
        answer.putObject("spec").put("namespace", namespace);
        answer.set("status", authorizer.rulesFor(user.name(), user.groups(), namespace).toStatus());
      }
      default -> {
        answer.put("kind", "SelfSubjectReview").put("apiVersion", AUTHENTICATION + "/v1");
        ObjectNode info = answer.putObject("status").putObject("userInfo").put("username", user.name());
        if (!user.uid().isEmpty()) info.put("uid", user.uid());
        user.groups().forEach(info.putArray("groups")::add);
        if (!user.extra().isEmpty()) {
          ObjectNode extra = info.putObject("extra");
          for (Map.Entry<String, List<String>> entry : user.extra().entrySet()) {
            entry.getValue().forEach(extra.putArray(entry.getKey())::add);
          }
        }
      }
    }
    return HttpBodies.json(201, answer);
  }

  /** The attributes a SelfSubjectAccessReview asks about, for the requesting user; 422 without any. */
  private static Attributes asked(UserInfo user, JsonNode spec) {
    JsonNode resource = spec.path("resourceAttributes");
    JsonNode nonResource = spec.path("nonResourceAttributes");
    if (resource.isObject()) {
      return Attributes.resource(user.name(), user.groups(), resource.path("verb").asText(""),
          resource.path("group").asText(""), resource.path("resource").asText(""),
          resource.path("subresource").asText(""), resource.path("namespace").asText(""),
          resource.path("name").asText(""));
    }
    if (nonResource.isObject()) {
      return Attributes.nonResource(user.name(), user.groups(), nonResource.path("verb").asText(""),
          nonResource.path("path").asText(""));
    }
    throw ApiException.invalid("SelfSubjectAccessReview", AUTHORIZATION, "", List.of(new ApiException.Cause(
        "FieldValueRequired", "Required value: exactly one of nonResourceAttributes or resourceAttributes must be "
            + "specified", "spec.resourceAttributes")));
  }
}
