package io.drover.api.proto;
// PLACEHOLDER: replaced by the proto helper's delivery.
public final class ProtobufCodec {
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
  public static com.fasterxml.jackson.databind.node.ObjectNode decode(byte[] body) { throw io.drover.api.ApiException.unsupportedMediaType(MEDIA_TYPE); }
}
