package io.drover.api.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime.TypeMeta;
import io.kubernetes.client.proto.Runtime.Unknown;
import io.kubernetes.client.proto.V1;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtobufCodecTest {

  // ---- round trips: JSON -> encode -> decode == JSON

  @Test
  void namespaceRoundTrips() {
    assertRoundTrip("""
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","labels":{"env":"dev"}},
         "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}""");
  }

  @Test
  void tokenRequestWithABoundObjectRoundTrips() {
    assertRoundTrip("""
        {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"default"},
         "spec":{"audiences":["other"],"expirationSeconds":600,
                 "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"holder","uid":"u-1"}},
         "status":{"token":"t","expirationTimestamp":"2026-12-06T16:00:00Z"}}""");
  }

  @Test
  void configMapWithDataAndBinaryDataRoundTrips() {
    assertRoundTrip("""
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","namespace":"default"},
         "data":{"a":"b","empty":"","multi":"line1\\nline2"},"binaryData":{"blob":"AAECAwT/"}}""");
  }

  @Test
  void secretDataStaysBase64AndTheBytesAreDecoded() throws Exception {
    String json = """
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","namespace":"default"},
         "data":{"password":"czNjcjN0"},"type":"Opaque","immutable":false}""";
    assertRoundTrip(json);
    byte[] body = ProtobufCodec.encode(parse(json));
    Unknown envelope = Unknown.parseFrom(Arrays.copyOfRange(body, 4, body.length));
    V1.Secret secret = V1.Secret.parseFrom(envelope.getRaw());
    assertEquals("s3cr3t", secret.getDataMap().get("password").toString(StandardCharsets.UTF_8));
  }

  @Test
  void deploymentWithQuantitiesPortsAndBothIntOrStringFormsRoundTrips() {
    assertRoundTrip("""
        {"kind":"Deployment","apiVersion":"apps/v1",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"generation":3},
         "spec":{"replicas":3,
           "selector":{"matchLabels":{"app":"web"},
                       "matchExpressions":[{"key":"tier","operator":"In","values":["front","edge"]}]},
           "template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"nginx","image":"nginx:1.27","args":["-g","daemon off;"],
               "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],
               "env":[{"name":"MODE","value":"prod"}],
               "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"1","memory":"128Mi"}},
               "readinessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":5}}],
               "terminationGracePeriodSeconds":30}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}},
           "revisionHistoryLimit":10},
         "status":{"observedGeneration":3,"replicas":3,"readyReplicas":2,
           "conditions":[{"type":"Available","status":"True","lastUpdateTime":"2024-01-01T00:00:00Z",
                          "lastTransitionTime":"2024-01-01T00:00:00Z","reason":"MinimumReplicasAvailable"}]}}""");
  }

  @Test
  void podWithCreationTimestampOwnerAndManagedFieldsRoundTrips() {
    assertRoundTrip("""
        {"kind":"Pod","apiVersion":"v1",
         "metadata":{"name":"web-1","namespace":"default","uid":"0b5a2c8e-1111-2222-3333-444455556666",
           "resourceVersion":"42","creationTimestamp":"2024-01-01T00:00:00Z",
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc",
             "uid":"0b5a2c8e-aaaa-2222-3333-444455556666","controller":true,"blockOwnerDeletion":true}],
           "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1",
             "time":"2024-01-01T00:00:01Z","fieldsType":"FieldsV1",
             "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},
         "spec":{"containers":[{"name":"c","image":"busybox"}],"nodeName":"node-1",
           "volumes":[{"name":"cfg","configMap":{"name":"c","defaultMode":420,"optional":false}}],
           "securityContext":{"runAsUser":0,"runAsNonRoot":false},"automountServiceAccountToken":false},
         "status":{"phase":"Running","podIP":"10.0.0.5","startTime":"2024-01-01T00:00:02Z",
           "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"busybox","imageID":"",
             "started":true,"state":{"running":{"startedAt":"2024-01-01T00:00:03Z"}}}]}}""",
        // restartCount 0 and imageID "" are plain Go fields with omitempty-equivalent zero: Kubernetes drops
        // them too; everything else comes back unchanged.
        """
        {"kind":"Pod","apiVersion":"v1",
         "metadata":{"name":"web-1","namespace":"default","uid":"0b5a2c8e-1111-2222-3333-444455556666",
           "resourceVersion":"42","creationTimestamp":"2024-01-01T00:00:00Z",
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc",
             "uid":"0b5a2c8e-aaaa-2222-3333-444455556666","controller":true,"blockOwnerDeletion":true}],
           "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1",
             "time":"2024-01-01T00:00:01Z","fieldsType":"FieldsV1",
             "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},
         "spec":{"containers":[{"name":"c","image":"busybox"}],"nodeName":"node-1",
           "volumes":[{"name":"cfg","configMap":{"name":"c","defaultMode":420,"optional":false}}],
           "securityContext":{"runAsUser":0,"runAsNonRoot":false},"automountServiceAccountToken":false},
         "status":{"phase":"Running","podIP":"10.0.0.5","startTime":"2024-01-01T00:00:02Z",
           "containerStatuses":[{"name":"c","ready":true,"image":"busybox",
             "started":true,"state":{"running":{"startedAt":"2024-01-01T00:00:03Z"}}}]}}""");
  }

  @Test
  void nullCreationTimestampRoundTripsAsGoZeroTime() {
    assertRoundTrip("""
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","creationTimestamp":null}}""");
  }

  @Test
  void leaseMicroTimesKeepSixFractionalDigits() {
    assertRoundTrip("""
        {"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"node-1","namespace":"kube-node-lease"},
         "spec":{"holderIdentity":"node-1","leaseDurationSeconds":40,"leaseTransitions":0,
                 "acquireTime":"2024-01-01T00:00:00.000000Z","renewTime":"2024-05-06T07:08:09.123456Z"}}""");
  }

  @Test
  void timeDropsFractionsAndMicroTimeTruncatesToMicroseconds() {
    ObjectNode decoded = ProtobufCodec.decode(ProtobufCodec.encode(parse("""
        {"kind":"Event","apiVersion":"v1","metadata":{"name":"e","namespace":"default",
          "creationTimestamp":"2024-01-01T10:00:00.987+02:00"},
         "involvedObject":{"kind":"Pod","name":"p"},"reason":"Started","count":1,
         "eventTime":"2024-01-01T00:00:00.123456789Z","series":{"count":2,"lastObservedTime":"2024-01-01T00:00:01.5Z"}}""")));
    assertEquals("2024-01-01T08:00:00Z", decoded.at("/metadata/creationTimestamp").asText());
    assertEquals("2024-01-01T00:00:00.123456Z", decoded.at("/eventTime").asText());
    assertEquals("2024-01-01T00:00:01.500000Z", decoded.at("/series/lastObservedTime").asText());
  }

  @Test
  void zeroInGoPointerFieldsIsKept() {
    assertRoundTrip("""
        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d"},
         "spec":{"replicas":0,"template":{"spec":{"containers":[{"name":"c","image":"i"}],
           "terminationGracePeriodSeconds":0,"enableServiceLinks":false}}}}""");
    assertRoundTrip("""
        {"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,"propagationPolicy":"Background"}""");
  }

  @Test
  void evictionCarriesItsDeleteOptions() {
    assertRoundTrip("""
        {"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"web-1","namespace":"default"},
         "deleteOptions":{"gracePeriodSeconds":30,"preconditions":{"uid":"u-1"},"dryRun":["All"]}}""");
  }

  @Test
  void remainingKindsRoundTrip() {
    assertRoundTrip("""
        {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"default"},
         "spec":{"replicas":5},"status":{"replicas":3,"selector":"app=web"}}""");
    assertRoundTrip("""
        {"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
         "spec":{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}},
         "status":{"allowed":true,"reason":"admin"}}""");
    assertRoundTrip("""
        {"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
         "spec":{"namespace":"default"},
         "status":{"resourceRules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}],
                   "nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}],"incomplete":true}}""");
    assertRoundTrip("""
        {"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},
         "status":{"userInfo":{"username":"admin","groups":["system:masters"],"extra":{"scopes":["a","b"]}}}}""");
    assertRoundTrip("""
        {"kind":"Endpoints","apiVersion":"v1","metadata":{"name":"web","namespace":"default"},
         "subsets":[{"addresses":[{"ip":"10.0.0.5","targetRef":{"kind":"Pod","name":"web-1"}}],
                     "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}]}""");
    assertRoundTrip("""
        {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default"},
         "spec":{"ports":[{"port":80,"targetPort":8080},{"name":"admin","port":81,"targetPort":"admin"}],
                 "selector":{"app":"web"},"type":"ClusterIP","clusterIP":"10.96.0.10"}}""");
    assertRoundTrip("""
        {"kind":"Node","apiVersion":"v1","metadata":{"name":"node-1"},
         "spec":{"unschedulable":true,"taints":[{"key":"k","effect":"NoSchedule"}]},
         "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"3800m"},
                   "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2024-01-01T00:00:00Z"}]}}""");
    assertRoundTrip("""
        {"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":"web-abc",
          "annotations":{"deployment.kubernetes.io/revision":"2"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"spec":{"containers":[{"name":"c","image":"i"}]}}},
         "status":{"replicas":1,"fullyLabeledReplicas":1}}""");
    assertRoundTrip("""
        {"kind":"StatefulSet","apiVersion":"apps/v1","metadata":{"name":"db"},
         "spec":{"replicas":2,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
                 "template":{"spec":{"containers":[{"name":"c","image":"i"}]}},
                 "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},
                 "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
                   "storageClassName":"","resources":{"requests":{"storage":"1Gi"}}}}]}}""");
    assertRoundTrip("""
        {"kind":"DaemonSet","apiVersion":"apps/v1","metadata":{"name":"agent"},
         "spec":{"selector":{"matchLabels":{"app":"agent"}},
                 "template":{"spec":{"containers":[{"name":"c","image":"i"}],
                   "tolerations":[{"operator":"Exists","effect":"NoExecute","tolerationSeconds":0}]}},
                 "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"10%","maxSurge":0}}}}""");
    assertRoundTrip("""
        {"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j"},
         "spec":{"backoffLimit":0,"completions":1,"template":{"spec":{"restartPolicy":"Never",
           "containers":[{"name":"c","image":"busybox","command":["echo","hi"]}]}}}}""");
  }

  @Test
  void ephemeralContainersAndEnvSelectorsInlineTheirEmbeddedStructs() {
    assertRoundTrip("""
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},
         "spec":{"containers":[{"name":"c","image":"i",
             "env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cm","key":"a","optional":true}}}],
             "envFrom":[{"secretRef":{"name":"s"}}],
             "livenessProbe":{"exec":{"command":["true"]},"initialDelaySeconds":3}}],
           "ephemeralContainers":[{"name":"debug","image":"busybox","targetContainerName":"c","stdin":true}]}}""");
  }

  // ---- what kubectl 1.32 sends

  @Test
  void kubectlCreateNamespaceBodyDecodesToTheNamespace() throws Exception {
    // Exactly what kubectl's generator marshals: gogo writes every non-pointer field, zero or not.
    V1.Namespace namespace = V1.Namespace.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("x").setGenerateName("").setNamespace("")
            .setSelfLink("").setUid("").setResourceVersion("").setGeneration(0)
            .setCreationTimestamp(Meta.Time.getDefaultInstance()))
        .setSpec(V1.NamespaceSpec.getDefaultInstance())
        .setStatus(V1.NamespaceStatus.newBuilder().setPhase(""))
        .build();
    byte[] body = envelope("v1", "Namespace", namespace.toByteArray());

    assertArrayEquals(resource("kubectl-create-namespace-x.bin"), body, "same bytes as the captured request");
    assertEquals(parse("""
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x","creationTimestamp":null},
         "spec":{},"status":{}}"""), ProtobufCodec.decode(body));
  }

  /**
   * Bodies captured from kubectl 1.32 against a loopback server; each .json beside a .bin is what the same
   * kubectl command prints with {@code --dry-run=client -o json}, i.e. Kubernetes' own JSON for that object.
   */
  @ParameterizedTest
  @ValueSource(strings = {"namespace-x", "configmap-c", "secret-s", "deployment-d", "job-j"})
  void capturedKubectlCreateBodiesDecodeToKubectlsOwnJson(String name) throws Exception {
    ObjectNode kubectlJson = parse(new String(resource("kubectl-create-" + name + ".json"), StandardCharsets.UTF_8));
    assertEquals(kubectlJson, ProtobufCodec.decode(resource("kubectl-create-" + name + ".bin")));
  }

  @Test
  void capturedAuthAndDrainBodiesDecode() throws Exception {
    assertDecodes("kubectl-auth-can-i.bin", """
        {"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},
         "spec":{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}},"status":{}}""");
    assertDecodes("kubectl-auth-whoami.bin", """
        {"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},
         "status":{"userInfo":{}}}""");
    // kubectl drain --grace-period=0 against a server without pods/eviction: DELETE with DeleteOptions as "v1".
    assertDecodes("kubectl-drain-fallback-delete.bin", """
        {"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0}""");
  }

  // ---- refusals

  @Test
  void bodiesThatAreNotAnEnvelopeAreBadRequests() {
    assertCode(400, new byte[0]);
    assertCode(400, "{\"kind\":\"Namespace\"}".getBytes(StandardCharsets.UTF_8));
    assertCode(400, new byte[] {'k', '8', 's'});
    assertCode(400, new byte[] {'k', '8', 's', 0, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertCode(400, new byte[] {'k', '8', 's', 0}); // an envelope without typeMeta
    assertCode(400, envelope("v1", "Namespace", new byte[] {0x0a, 0x7f, 0x01})); // truncated object
  }

  @Test
  void typesWithoutAMessageAreUnsupportedMediaType() {
    assertCode(415, envelope("example.com/v1", "Widget", new byte[0]));
    assertCode(415, envelope("v1", "ReplicationController", new byte[0]));
    ApiException refused = assertThrows(ApiException.class,
        () -> ProtobufCodec.encode(parse("{\"kind\":\"Widget\",\"apiVersion\":\"example.com/v1\"}")));
    assertEquals(415, refused.code());
  }

  @Test
  void jsonOfTheWrongShapeCannotBeEncoded() {
    ApiException refused = assertThrows(ApiException.class, () -> ProtobufCodec.encode(parse("""
        {"kind":"Deployment","apiVersion":"apps/v1","spec":{"replicas":"three"}}""")));
    assertEquals(400, refused.code());
    assertTrue(refused.getMessage().contains("spec.replicas"), refused.getMessage());
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufCodec.encode(parse("""
        {"kind":"Secret","apiVersion":"v1","data":{"k":"not base64!"}}"""))).code());
    assertEquals(400, assertThrows(ApiException.class, () -> ProtobufCodec.encode(parse("""
        {"kind":"Pod","apiVersion":"v1","metadata":{"creationTimestamp":"yesterday"}}"""))).code());
  }

  @Test
  void everyRegistryKindAndTheExtraKindsHaveAMessage() {
    for (ResourceType type : ResourceRegistry.ALL) {
      assertTrue(ProtoKinds.supports(type.apiVersion(), type.kind()), type.kind());
    }
    for (String[] extra : new String[][] {{"v1", "DeleteOptions"}, {"meta.k8s.io/v1", "DeleteOptions"},
        {"policy/v1", "Eviction"}, {"authorization.k8s.io/v1", "SelfSubjectAccessReview"},
        {"authorization.k8s.io/v1", "SelfSubjectRulesReview"}, {"authentication.k8s.io/v1", "SelfSubjectReview"},
        {"autoscaling/v1", "Scale"}, {"v1", "Endpoints"}, {"coordination.k8s.io/v1", "Lease"},
        {"batch/v1", "Job"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"}}) {
      assertTrue(ProtoKinds.supports(extra[0], extra[1]), extra[1]);
    }
  }

  // ---- helpers

  private static void assertRoundTrip(String json) {
    assertRoundTrip(json, json);
  }

  private static void assertRoundTrip(String json, String expected) {
    byte[] body = ProtobufCodec.encode(parse(json));
    assertTrue(ProtobufCodec.hasMagic(body));
    assertEquals(parse(expected), ProtobufCodec.decode(body));
  }

  private static void assertDecodes(String resource, String expected) throws IOException {
    assertEquals(parse(expected), ProtobufCodec.decode(resource(resource)), resource);
  }

  private static void assertCode(int code, byte[] body) {
    assertEquals(code, assertThrows(ApiException.class, () -> ProtobufCodec.decode(body)).code());
  }

  static byte[] envelope(String apiVersion, String kind, byte[] raw) {
    byte[] unknown = Unknown.newBuilder()
        .setTypeMeta(TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
        .setRaw(ByteString.copyFrom(raw)).setContentEncoding("").setContentType("")
        .build().toByteArray();
    byte[] body = new byte[4 + unknown.length];
    body[0] = 'k';
    body[1] = '8';
    body[2] = 's';
    System.arraycopy(unknown, 0, body, 4, unknown.length);
    return body;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ProtobufCodecTest.class.getResourceAsStream("/proto/" + name)) {
      if (in == null) throw new IOException("missing test resource " + name);
      return in.readAllBytes();
    }
  }

  static ObjectNode parse(String json) {
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      return (ObjectNode) node;
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
