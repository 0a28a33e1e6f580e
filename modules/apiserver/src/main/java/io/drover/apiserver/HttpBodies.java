package io.drover.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.proto.ProtobufCodec;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** Request bodies in (JSON, YAML, protobuf) and JSON responses out. */
final class HttpBodies {
  private HttpBodies() {}

  /** The media type of a request body without parameters; a body without Content-Type is decoded as JSON. */
  static String mediaType(HttpRequest request) {
    // Pekko keeps Content-Type on the entity; without the header it reports application/octet-stream.
    return request.entity().getContentType().mediaType().toString().split(";")[0].trim().toLowerCase();
  }

  /** Decodes an object body by its media type: JSON, YAML or Kubernetes protobuf; anything else is 415. */
  static ObjectNode decodeObject(String mediaType, byte[] body) {
    JsonNode node = switch (mediaType) {
      case "application/json", "application/octet-stream", "text/plain", "*/*" -> parse(body, false);
      case "application/yaml", "application/x-yaml", "text/yaml" -> parse(body, true);
      case ProtobufCodec.MEDIA_TYPE -> ProtobufCodec.decode(body);
      default -> throw ApiException.unsupportedMediaType(mediaType);
    };
    if (!(node instanceof ObjectNode object)) {
      throw ApiException.badRequest("the body of the request must be a JSON object");
    }
    return object;
  }

  /** Parses JSON (or YAML); malformed input is 400 with the parser's message. */
  static JsonNode parse(byte[] body, boolean yaml) {
    if (body.length == 0) {
      throw ApiException.badRequest("the request body is empty: an object was expected");
    }
    try {
      return (yaml ? Json.YAML : Json.MAPPER).readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("the body of the request could not be decoded as "
          + (yaml ? "YAML" : "JSON") + ": " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("the body of the request could not be read: " + e.getMessage());
    }
  }

  static HttpResponse json(int status, JsonNode body) {
    return json(status, body, List.of());
  }

  static HttpResponse json(int status, JsonNode body, List<String> warnings) {
    HttpResponse response = HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(body)));
    for (String warning : warnings) {
      response = response.addHeader(RawHeader.create("Warning", "299 - \"" + warning.replace("\"", "\\\"") + "\""));
    }
    return response;
  }

  static HttpResponse json(int status, JsonNode body, ContentType contentType) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(contentType, Json.bytes(body)));
  }

  static HttpResponse status(ApiException error) {
    HttpResponse response = json(error.code(), error.toStatus());
    if (error.code() == 429 || error.code() == 503 || error.code() == 504) {
      response = response.addHeader(RawHeader.create("Retry-After", "1"));
    }
    return response;
  }

  static HttpResponse text(int status, String body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body));
  }

  /** A metav1 Status with status Success, as some deletes answer. */
  static ObjectNode success() {
    ObjectNode status = Json.MAPPER.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    return status;
  }
}
