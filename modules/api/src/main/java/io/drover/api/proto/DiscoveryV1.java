package io.drover.api.proto;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;

/**
 * discovery.k8s.io/v1 (EndpointSlice), which client-java-proto does not ship: its descriptor is built here from
 * k8s.io/api/discovery/v1/generated.proto (same names and numbers; the deprecated topology map is left out) and used
 * through DynamicMessage.
 */
final class DiscoveryV1 {
  private DiscoveryV1() {}

  private static final String META = ".k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final String PACKAGE = "k8s.io.api.discovery.v1";

  static final FileDescriptor FILE = build();

  private static FileDescriptor build() {
    String own = "." + PACKAGE + ".";
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("k8s.io/api/discovery/v1/generated.proto")
        .setPackage(PACKAGE)
        .addDependency(Meta.getDescriptor().getName())
        .addDependency(V1.getDescriptor().getName())
        .addMessageType(DescriptorProto.newBuilder().setName("EndpointSlice")
            .addField(message("metadata", 1, META + "ObjectMeta"))
            .addField(repeatedMessage("endpoints", 2, own + "Endpoint"))
            .addField(repeatedMessage("ports", 3, own + "EndpointPort"))
            .addField(scalar("addressType", 4, Type.TYPE_STRING)))
        .addMessageType(DescriptorProto.newBuilder().setName("Endpoint")
            .addField(FieldDescriptorProto.newBuilder().setName("addresses").setNumber(1)
                .setLabel(Label.LABEL_REPEATED).setType(Type.TYPE_STRING))
            .addField(message("conditions", 2, own + "EndpointConditions"))
            .addField(scalar("hostname", 3, Type.TYPE_STRING))
            .addField(message("targetRef", 4, ".k8s.io.api.core.v1.ObjectReference"))
            .addField(scalar("nodeName", 6, Type.TYPE_STRING))
            .addField(scalar("zone", 7, Type.TYPE_STRING))
            .addField(message("hints", 8, own + "EndpointHints")))
        .addMessageType(DescriptorProto.newBuilder().setName("EndpointConditions")
            .addField(scalar("ready", 1, Type.TYPE_BOOL))
            .addField(scalar("serving", 2, Type.TYPE_BOOL))
            .addField(scalar("terminating", 3, Type.TYPE_BOOL)))
        .addMessageType(DescriptorProto.newBuilder().setName("EndpointHints")
            .addField(repeatedMessage("forZones", 1, own + "ForZone")))
        .addMessageType(DescriptorProto.newBuilder().setName("ForZone")
            .addField(scalar("name", 1, Type.TYPE_STRING)))
        .addMessageType(DescriptorProto.newBuilder().setName("EndpointPort")
            .addField(scalar("name", 1, Type.TYPE_STRING))
            .addField(scalar("protocol", 2, Type.TYPE_STRING))
            .addField(scalar("port", 3, Type.TYPE_INT32))
            .addField(scalar("appProtocol", 4, Type.TYPE_STRING)))
        .build();
    try {
      return FileDescriptor.buildFrom(file, new FileDescriptor[] {Meta.getDescriptor(), V1.getDescriptor()});
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FieldDescriptorProto scalar(String name, int number, Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_OPTIONAL)
        .setType(type).build();
  }

  private static FieldDescriptorProto message(String name, int number, String typeName) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_OPTIONAL)
        .setType(Type.TYPE_MESSAGE).setTypeName(typeName).build();
  }

  private static FieldDescriptorProto repeatedMessage(String name, int number, String typeName) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_REPEATED)
        .setType(Type.TYPE_MESSAGE).setTypeName(typeName).build();
  }
}
