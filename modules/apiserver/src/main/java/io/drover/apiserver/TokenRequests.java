package io.drover.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.apiserver.auth.ServiceAccountJwt;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code serviceaccounts/token} subresource (TokenRequest, as {@code kubectl create token} asks for it): a signed
 * token for the ServiceAccount with the requested audiences and lifetime, optionally bound to a Pod or Secret of the
 * namespace. The rules are kube-apiserver's (pkg/registry/core/serviceaccount/storage/token.go).
 */
final class TokenRequests {
  static final long DEFAULT_EXPIRATION_SECONDS = 3600;
  static final long MIN_EXPIRATION_SECONDS = 600;
  static final long MAX_EXPIRATION_SECONDS = 1L << 32;
  private static final String GROUP = "authentication.k8s.io";
  private static final String KIND = "TokenRequest";

  private final ObjectService service;
  private final ServiceAccountTokens tokens;
  private final Clock clock;

  TokenRequests(ObjectService service, ServiceAccountTokens tokens, Clock clock) {
    this.service = service;
    this.tokens = tokens;
    this.clock = clock;
  }

  /** Answers the TokenRequest with its spec defaulted and {@code status.token} and {@code expirationTimestamp}. */
  ObjectNode create(String namespace, String name, ObjectNode request) {
    JsonNode metadata = request.path("metadata");
    String bodyName = metadata.path("name").asText("");
    if (!bodyName.isEmpty() && !bodyName.equals(name)) {
      throw invalid(name, "metadata.name", bodyName, "must match the service account name if specified");
    }
    String bodyNamespace = metadata.path("namespace").asText("");
    if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
      throw invalid(name, "metadata.namespace", bodyNamespace, "must match the service account namespace if specified");
    }
    StoredObject account = service.get(ResourceRegistry.SERVICE_ACCOUNT, namespace, name);

    JsonNode spec = request.path("spec");
    List<String> audiences = new ArrayList<>();
    JsonNode requested = spec.path("audiences");
    if (!requested.isMissingNode() && !requested.isNull() && !requested.isArray()) {
      throw ApiException.badRequest("spec.audiences must be a list of strings");
    }
    for (JsonNode audience : requested) {
      if (!audience.isTextual()) throw ApiException.badRequest("spec.audiences must be a list of strings");
      audiences.add(audience.asText());
    }
    if (audiences.isEmpty()) audiences.add(ServiceAccountJwt.ISSUER);
    JsonNode expiration = spec.get("expirationSeconds");
    boolean integer = expiration == null || expiration.isNull()
        || (expiration.isIntegralNumber() && expiration.canConvertToLong());
    if (!integer) {
      throw ApiException.badRequest("spec.expirationSeconds must be an integer");
    }
    long seconds = expiration == null || expiration.isNull() ? DEFAULT_EXPIRATION_SECONDS : expiration.asLong();
    if (seconds < MIN_EXPIRATION_SECONDS) {
      throw invalid("", "spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes");
    }
    if (seconds > MAX_EXPIRATION_SECONDS) {
      throw invalid("", "spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds");
    }

    String podName = "", podUid = "", secretName = "", secretUid = "";
    JsonNode ref = spec.get("boundObjectRef");
    if (ref != null && !ref.isNull()) {
      String kind = ref.path("kind").asText("");
      String apiVersion = ref.path("apiVersion").asText("");
      String refName = ref.path("name").asText("");
      String refUid = ref.path("uid").asText("");
      boolean core = apiVersion.isEmpty() || apiVersion.equals("v1");
      StoredObject bound;
      if (core && kind.equals("Pod")) {
        bound = service.get(ResourceRegistry.POD, namespace, refName);
        String podAccount = Json.text(bound.object(), "spec.serviceAccountName");
        if (!name.equals(podAccount == null ? "default" : podAccount)) {
          throw ApiException.badRequest("cannot bind token for serviceaccount \"" + name
              + "\" to pod running with different serviceaccount name.");
        }
        podName = refName;
        podUid = uid(bound);
      } else if (core && kind.equals("Secret")) {
        bound = service.get(ResourceRegistry.SECRET, namespace, refName);
        secretName = refName;
        secretUid = uid(bound);
      } else {
        throw ApiException.badRequest("cannot bind token for serviceaccount \"" + name + "\" to object of type "
            + groupVersionKind(apiVersion, kind) + ".");
      }
      String actual = uid(bound);
      if (!refUid.isEmpty() && !refUid.equals(actual)) {
        throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + kind + " \"" + refName
            + "\": the UID in the bound object reference (" + refUid + ") does not match the UID in record. The "
            + "object might have been deleted and then recreated", "", kind, refName, List.of(), null);
      }
    }

    // The time is taken before the token is signed, so the expiration answered is never after the token's.
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String token = tokens.issue(new ServiceAccountTokens.TokenRequest(namespace, name, uid(account), podName, podUid,
        seconds, audiences, secretName, secretUid));

    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("kind", KIND).put("apiVersion", GROUP + "/v1");
    ObjectNode meta = out.putObject("metadata");
    meta.put("name", name).put("namespace", namespace)
        .put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(now));
    ObjectNode outSpec = out.putObject("spec");
    ArrayNode outAudiences = outSpec.putArray("audiences");
    audiences.forEach(outAudiences::add);
    outSpec.put("expirationSeconds", seconds);
    if (ref != null && !ref.isNull()) {
      outSpec.set("boundObjectRef", ref.deepCopy());
    } else {
      outSpec.putNull("boundObjectRef");
    }
    out.putObject("status").put("token", token)
        .put("expirationTimestamp", DateTimeFormatter.ISO_INSTANT.format(now.plusSeconds(seconds)));
    return out;
  }

  private static String uid(StoredObject object) {
    return Json.text(object.object(), "metadata.uid");
  }

  private static String groupVersionKind(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
    return group + "/" + version + ", Kind=" + kind;
  }

  private static ApiException invalid(String name, String field, Object value, String why) {
    String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    return ApiException.invalid(KIND, GROUP, name, List.of(new ApiException.Cause("FieldValueInvalid",
        "Invalid value: " + shown + ": " + why, field)));
  }
}
