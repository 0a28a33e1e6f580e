package io.drover.api.proto;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.kubernetes.client.proto.Meta;

/**
 * coordination.k8s.io/v1, which client-java-proto does not ship: its descriptor is built here from
 * k8s.io/api/coordination/v1/generated.proto (same names and numbers) and used through DynamicMessage.
 */
final class CoordinationV1 {
  private CoordinationV1() {}

  private static final String META = ".k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final String PACKAGE = "k8s.io.api.coordination.v1";

  static final FileDescriptor FILE = build();

  private static FileDescriptor build() {
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("k8s.io/api/coordination/v1/generated.proto")
        .setPackage(PACKAGE)
        .addDependency(Meta.getDescriptor().getName())
        .addMessageType(DescriptorProto.newBuilder().setName("Lease")
            .addField(message("metadata", 1, META + "ObjectMeta"))
            .addField(message("spec", 2, "." + PACKAGE + ".LeaseSpec")))
        .addMessageType(DescriptorProto.newBuilder().setName("LeaseSpec")
            .addField(scalar("holderIdentity", 1, Type.TYPE_STRING))
            .addField(scalar("leaseDurationSeconds", 2, Type.TYPE_INT32))
            .addField(message("acquireTime", 3, META + "MicroTime"))
            .addField(message("renewTime", 4, META + "MicroTime"))
            .addField(scalar("leaseTransitions", 5, Type.TYPE_INT32))
            .addField(scalar("strategy", 6, Type.TYPE_STRING))
            .addField(scalar("preferredHolder", 7, Type.TYPE_STRING)))
        .build();
    try {
      return FileDescriptor.buildFrom(file, new FileDescriptor[] {Meta.getDescriptor()});
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
}
