package io.drover.api.proto;

import static io.drover.api.proto.ProtobufCodecTest.envelope;
import static io.drover.api.proto.ProtobufCodecTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.JavaType;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.drover.api.Json;
import io.kubernetes.client.proto.IntStr.IntOrString;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource.Quantity;
import io.kubernetes.client.proto.Runtime.RawExtension;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Autoscaling;
import io.kubernetes.client.proto.V1Batch;
import io.kubernetes.client.proto.V1Policy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtoJsonTest {

  @Test
  void goFieldTablesNameRealFieldsOfTheRightShape() {
    Map<String, FieldDescriptor> fields = new HashMap<>();
    for (FileDescriptor file : List.of(Meta.getDescriptor(), V1.getDescriptor(), V1Apps.getDescriptor(),
        V1Batch.getDescriptor(), V1Policy.getDescriptor(), V1Authorization.getDescriptor(),
        V1Authentication.getDescriptor(), V1Autoscaling.getDescriptor(), CoordinationV1.FILE, DiscoveryV1.FILE,
        io.kubernetes.client.proto.V1Storage.getDescriptor())) {
      for (Descriptor message : file.getMessageTypes()) {
        for (FieldDescriptor field : message.getFields()) fields.put(field.getFullName(), field);
      }
    }
    for (String listed : GoFields.listedFields()) {
      FieldDescriptor field = fields.get(listed);
      assertTrue(field != null, "no such field: " + listed);
      assertTrue(!field.isRepeated(), "repeated: " + listed);
      assertEquals(GoFields.isInline(field), field.getJavaType() == JavaType.MESSAGE, listed);
    }
  }

  @Test
  void wellKnownTypesAreFoundByTheirMessages() {
    assertEquals(WellKnownType.QUANTITY, WellKnownType.of(Quantity.getDescriptor()));
    assertEquals(WellKnownType.INT_OR_STRING,
        WellKnownType.of(IntOrString.getDescriptor()));
    assertEquals(WellKnownType.TIME, WellKnownType.of(Meta.Time.getDescriptor()));
    assertEquals(WellKnownType.MICRO_TIME, WellKnownType.of(Meta.MicroTime.getDescriptor()));
    assertEquals(WellKnownType.DURATION, WellKnownType.of(Meta.Duration.getDescriptor()));
    assertEquals(WellKnownType.RAW_JSON,
        WellKnownType.of(RawExtension.getDescriptor()));
    assertEquals(WellKnownType.RAW_JSON, WellKnownType.of(Meta.FieldsV1.getDescriptor()));
    assertEquals(WellKnownType.STRING_LIST, WellKnownType.of(Meta.Verbs.getDescriptor()));
    assertEquals(WellKnownType.STRING_LIST, WellKnownType.of(V1Authorization.ExtraValue.getDescriptor()));
    assertEquals(WellKnownType.STRING_LIST, WellKnownType.of(V1Authentication.ExtraValue.getDescriptor()));
    assertNull(WellKnownType.of(Meta.ObjectMeta.getDescriptor()));
  }

  @Test
  void rawExtensionEmbedsJsonAndNestedProtobufObjects() {
    Meta.WatchEvent json = Meta.WatchEvent.newBuilder().setType("ADDED")
        .setObject(RawExtension.newBuilder()
            .setRaw(ByteString.copyFromUtf8("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}")))
        .build();
    assertEquals(parse("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}}"),
        ProtoJson.toJson(json));

    byte[] nested = envelope("v1", "ConfigMap", V1.ConfigMap.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("c")).putData("a", "b").build().toByteArray());
    Meta.WatchEvent proto = Meta.WatchEvent.newBuilder().setType("MODIFIED")
        .setObject(RawExtension.newBuilder().setRaw(ByteString.copyFrom(nested)))
        .build();
    assertEquals(parse("""
        {"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"b"}}}"""),
        ProtoJson.toJson(proto));
  }

  @Test
  void durationIsGoDurationText() {
    assertEquals("0s", GoDuration.format(0));
    assertEquals("1ns", GoDuration.format(1));
    assertEquals("1.5µs", GoDuration.format(1_500));
    assertEquals("100ms", GoDuration.format(100_000_000));
    assertEquals("1.5s", GoDuration.format(1_500_000_000L));
    assertEquals("1m30s", GoDuration.format(90_000_000_000L));
    assertEquals("1h0m0s", GoDuration.format(3_600_000_000_000L));
    assertEquals("-2s", GoDuration.format(-2_000_000_000L));
    assertEquals(5_400_000_000_000L, GoDuration.parse("1h30m"));
    assertEquals(1_500_000_000L, GoDuration.parse("1.5s"));
    assertEquals(300_000_000L, GoDuration.parse("300ms"));
    assertEquals(0L, GoDuration.parse("0"));
    assertEquals(-2_000_000_000L, GoDuration.parse("-2s"));
    assertNull(GoDuration.parse("1"));
    assertNull(GoDuration.parse("abc"));
    assertNull(GoDuration.parse("1h x"));

    Meta.Duration window = Meta.Duration.newBuilder().setDuration(30_000_000_000L).build();
    assertEquals("30s", WellKnownType.DURATION.toJson(window).asText());
    Meta.Duration.Builder back = Meta.Duration.newBuilder();
    WellKnownType.DURATION.fromJson(Json.MAPPER.getNodeFactory().textNode("1m0s"), back, "window");
    assertEquals(60_000_000_000L, back.getDuration());
  }

  @Test
  void unknownJsonFieldsAreDroppedAndLargeIntegersSurvive() {
    ObjectNode decoded = ProtobufCodec.decode(ProtobufCodec.encode(parse("""
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","generation":5000000000,"futureField":1},
         "data":{"a":"b"},"somethingNew":{"x":1}}""")));
    assertEquals(parse("""
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","generation":5000000000},"data":{"a":"b"}}"""),
        decoded);
  }

  @Test
  void bytesFieldsAreStandardBase64() {
    V1.Secret secret = V1.Secret.newBuilder()
        .putData("k", ByteString.copyFrom(new byte[] {(byte) 0xfb, (byte) 0xff, 0x00}))
        .putData("text", ByteString.copyFrom("hello", StandardCharsets.UTF_8)).build();
    assertEquals(parse("{\"data\":{\"k\":\"+/8A\",\"text\":\"aGVsbG8=\"}}"), ProtoJson.toJson(secret));
  }
}
