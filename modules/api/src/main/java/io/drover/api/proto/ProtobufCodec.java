package io.drover.api.proto;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.kubernetes.client.proto.Runtime.TypeMeta;
import io.kubernetes.client.proto.Runtime.Unknown;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * Kubernetes' protobuf wire format ({@code application/vnd.kubernetes.protobuf}): the 4 bytes "k8s\0" and a
 * runtime.Unknown whose typeMeta names the type and whose raw bytes are the object's message. kubectl's
 * generators ({@code create namespace|configmap|secret|deployment}, {@code auth can-i}, ...) send it.
 */
public final class ProtobufCodec {
  private ProtobufCodec() {}

  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  private static final byte[] MAGIC = {'k', '8', 's', 0};

  /**
   * Decodes the 4-byte magic "k8s\0" + runtime.Unknown envelope; picks the message type from typeMeta
   * apiVersion+kind; returns the object as Kubernetes JSON including apiVersion and kind. Throws ApiException
   * 400 for a body that is not such an envelope or cannot be parsed, 415 for an apiVersion/kind it has no
   * message class for.
   */
  public static ObjectNode decode(byte[] body) {
    if (!hasMagic(body)) {
      throw ApiException.badRequest("the body is not a Kubernetes protobuf message: it does not start with \"k8s\\0\"");
    }
    Unknown envelope;
    try {
      envelope = Unknown.parseFrom(CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length));
    } catch (InvalidProtocolBufferException e) {
      throw ApiException.badRequest("the protobuf envelope (runtime.Unknown) cannot be parsed: " + e.getMessage());
    } catch (IOException e) {
      throw new IllegalStateException(e); // reading a byte array does no I/O
    }
    String apiVersion = envelope.getTypeMeta().getApiVersion();
    String kind = envelope.getTypeMeta().getKind();
    if (kind.isEmpty() || apiVersion.isEmpty()) {
      throw ApiException.badRequest("Object 'Kind' or 'apiVersion' is missing in the protobuf envelope");
    }
    Message prototype = ProtoKinds.prototype(apiVersion, kind).orElseThrow(() -> noMessageFor(apiVersion, kind));
    Message message;
    try {
      message = prototype.getParserForType().parseFrom(envelope.getRaw());
    } catch (InvalidProtocolBufferException e) {
      throw ApiException.badRequest("the " + kind + " in the protobuf body cannot be parsed: " + e.getMessage());
    }
    ObjectNode object = Json.MAPPER.createObjectNode().put("kind", kind).put("apiVersion", apiVersion);
    object.setAll(ProtoJson.toJson(message));
    return object;
  }

  /**
   * Encodes a Kubernetes JSON object into the same envelope (used by tests and by clients that want protobuf
   * replies). Fields the proto message does not have are dropped. Throws ApiException 400 for a missing
   * apiVersion or kind or a value of the wrong JSON type, 415 for a type without a message class
   * (check {@link ProtoKinds#supports} first to fall back to JSON).
   */
  public static byte[] encode(ObjectNode object) {
    String apiVersion = Json.text(object, "apiVersion");
    String kind = Json.text(object, "kind");
    if (apiVersion == null || kind == null) throw ApiException.badRequest("apiVersion and kind are required");
    Message prototype = ProtoKinds.prototype(apiVersion, kind).orElseThrow(() -> noMessageFor(apiVersion, kind));
    Message.Builder builder = prototype.newBuilderForType();
    ProtoJson.fromJson(object, builder, "");
    Unknown envelope = Unknown.newBuilder()
        .setTypeMeta(TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
        .setRaw(builder.build().toByteString())
        .setContentEncoding("")
        .setContentType("")
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream(MAGIC.length + envelope.getSerializedSize());
    out.writeBytes(MAGIC);
    out.writeBytes(envelope.toByteArray());
    return out.toByteArray();
  }

  static boolean hasMagic(byte[] body) {
    if (body == null || body.length < MAGIC.length) return false;
    for (int i = 0; i < MAGIC.length; i++) {
      if (body[i] != MAGIC[i]) return false;
    }
    return true;
  }

  private static ApiException noMessageFor(String apiVersion, String kind) {
    return new ApiException(415, "UnsupportedMediaType", "the protobuf body holds " + kind + " of " + apiVersion
        + ", which this server cannot read as protobuf; send it as application/json", null, kind, null,
        List.of(), null);
  }
}
