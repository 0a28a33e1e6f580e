package io.drover.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import java.util.List;
import java.util.stream.Collectors;

/** Valid objects of every kind, and assertions over the causes of a 422. */
final class Manifests {
  private Manifests() {}

  static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) Json.YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static ObjectNode namespace() {
    return yaml("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: team-a}
        """);
  }

  static ObjectNode node() {
    return yaml("""
        apiVersion: v1
        kind: Node
        metadata: {name: node-1.example.com, labels: {kubernetes.io/hostname: node-1}}
        status:
          capacity: {cpu: "4", memory: 8Gi, pods: "110"}
        """);
  }

  static ObjectNode configMap() {
    return yaml("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app-config, namespace: default}
        data: {key.name: value, KEY_2: other}
        binaryData: {blob: aGVsbG8=}
        """);
  }

  static ObjectNode secret() {
    return yaml("""
        apiVersion: v1
        kind: Secret
        metadata: {name: app-secret, namespace: default}
        type: Opaque
        data: {password: c2VjcmV0}
        """);
  }

  static ObjectNode pod() {
    return yaml("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-0
          namespace: default
          labels: {app: web, example.com/tier: frontend}
          annotations: {example.com/owner: team-a}
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports: [{name: http, containerPort: 80}]
            env: [{name: MY_ENV, value: x}]
            resources:
              requests: {cpu: 100m, memory: 64Mi}
              limits: {cpu: 200m, memory: 128Mi}
            volumeMounts: [{name: data, mountPath: /data}]
            readinessProbe:
              httpGet: {port: 80}
          volumes:
          - name: data
            emptyDir: {}
        """);
  }

  static ObjectNode event() {
    return yaml("""
        apiVersion: v1
        kind: Event
        metadata: {name: web-0.17a1b2c3, namespace: default}
        involvedObject: {kind: Pod, namespace: default, name: web-0}
        reason: Started
        message: Started container web
        type: Normal
        """);
  }

  static ObjectNode service() {
    return yaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """);
  }

  static ObjectNode deployment() {
    return yaml("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
        """);
  }

  static ObjectNode replicaSet() {
    return yaml("""
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web-5d8f9, namespace: default}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web, pod-template-hash: 5d8f9}}
          template:
            metadata: {labels: {app: web, pod-template-hash: 5d8f9}}
            spec:
              containers: [{name: web, image: nginx}]
        """);
  }

  /** A Job as stored after the create strategy gave it its selector (batch.kubernetes.io/controller-uid). */
  static ObjectNode job() {
    return yaml("""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: count, namespace: default, uid: 6f1c2a3e-0000-4000-8000-000000000001}
        spec:
          completions: 3
          parallelism: 2
          selector: {matchLabels: {batch.kubernetes.io/controller-uid: 6f1c2a3e-0000-4000-8000-000000000001}}
          template:
            metadata: {labels: {batch.kubernetes.io/controller-uid: 6f1c2a3e-0000-4000-8000-000000000001}}
            spec:
              restartPolicy: Never
              containers: [{name: main, image: busybox, command: ["true"]}]
        """);
  }

  static ObjectNode daemonSet() {
    return yaml("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: default}
        spec:
          selector: {matchLabels: {app: agent}}
          template:
            metadata: {labels: {app: agent}}
            spec:
              containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
        """);
  }

  static ObjectNode cronJob() {
    return yaml("""
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: tick, namespace: default}
        spec:
          schedule: "*/5 * * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers: [{name: main, image: busybox, command: ["date"]}]
        """);
  }

  static ObjectNode podDisruptionBudget() {
    return yaml("""
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web, namespace: default}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: web}}
        """);
  }

  static ObjectNode statefulSet() {
    return yaml("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: web, namespace: default}
        spec:
          serviceName: web
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: main
                image: busybox
                command: ["sleep", "3600"]
                volumeMounts: [{name: data, mountPath: /data}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """);
  }

  static ObjectNode persistentVolumeClaim() {
    return yaml("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: default}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        """);
  }

  static ObjectNode persistentVolume() {
    return yaml("""
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv-1}
        spec:
          capacity: {storage: 5Gi}
          accessModes: [ReadWriteOnce]
          local: {path: /var/lib/drover/volumes/pv-1}
          nodeAffinity:
            required:
              nodeSelectorTerms:
              - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-1]}]
        """);
  }

  static ObjectNode resourceQuota() {
    return yaml("""
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: compute, namespace: default}
        spec:
          hard: {pods: "4", requests.cpu: "1", limits.memory: 2Gi, count/deployments.apps: "3"}
        """);
  }

  static ObjectNode limitRange() {
    return yaml("""
        apiVersion: v1
        kind: LimitRange
        metadata: {name: limits, namespace: default}
        spec:
          limits:
          - type: Container
            max: {cpu: "1", memory: 1Gi}
            min: {cpu: 50m, memory: 16Mi}
            default: {cpu: 500m, memory: 256Mi}
            defaultRequest: {cpu: 100m, memory: 128Mi}
            maxLimitRequestRatio: {cpu: "10"}
          - type: Pod
            max: {cpu: "2"}
          - type: PersistentVolumeClaim
            min: {storage: 1Gi}
            max: {storage: 10Gi}
        """);
  }

  static ObjectNode serviceAccount() {
    return yaml("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: builder, namespace: default}
        automountServiceAccountToken: false
        imagePullSecrets: [{name: registry}]
        """);
  }

  static ObjectNode storageClass() {
    return yaml("""
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fast}
        provisioner: drover.io/local-path
        volumeBindingMode: WaitForFirstConsumer
        """);
  }

  static ObjectNode controllerRevision() {
    return yaml("""
        apiVersion: apps/v1
        kind: ControllerRevision
        metadata: {name: web-5d8f7c9b4, namespace: default}
        revision: 1
        data: {spec: {template: {metadata: {labels: {app: web}}}}}
        """);
  }

  static ObjectNode horizontalPodAutoscaler() {
    return yaml("""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: default}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 1
          maxReplicas: 5
          metrics:
          - type: Resource
            resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
        """);
  }

  static ObjectNode endpoints() {
    return yaml("""
        apiVersion: v1
        kind: Endpoints
        metadata: {name: web, namespace: default}
        subsets:
        - addresses: [{ip: 10.1.0.7}]
          ports: [{port: 8080}]
        """);
  }

  static ObjectNode endpointSlice() {
    return yaml("""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-abc12, namespace: default, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        endpoints:
        - addresses: [10.1.0.7]
          conditions: {ready: true}
        ports: [{name: http, port: 8080}]
        """);
  }

  static ObjectNode role() {
    return yaml("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: pod-reader, namespace: default}
        rules:
        - apiGroups: [""]
          resources: [pods, pods/log]
          verbs: [get, list, watch]
        """);
  }

  static ObjectNode clusterRole() {
    return yaml("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: "system:health-reader"}
        aggregationRule:
          clusterRoleSelectors:
          - matchLabels: {example.com/aggregate-to-health: "true"}
        rules:
        - nonResourceURLs: [/healthz, /healthz/*]
          verbs: [get]
        """);
  }

  static ObjectNode roleBinding() {
    return yaml("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: read-pods, namespace: default}
        roleRef: {kind: Role, name: pod-reader}
        subjects:
        - {kind: User, name: jane}
        - {kind: Group, name: devs}
        - {kind: ServiceAccount, name: builder}
        """);
  }

  static ObjectNode clusterRoleBinding() {
    return yaml("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: health-readers}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:health-reader"}
        subjects:
        - {kind: ServiceAccount, name: prober, namespace: monitoring}
        """);
  }

  /** Sets a value at a dotted path (creating objects on the way) and returns the object. */
  static ObjectNode with(ObjectNode object, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonNode current = object;
    for (int i = 0; i < parts.length - 1; i++) {
      current = step(current, parts[i]);
    }
    ObjectNode parent = (ObjectNode) current;
    parent.set(parts[parts.length - 1], Json.MAPPER.valueToTree(value));
    return object;
  }

  /** Removes the field at a dotted path and returns the object. */
  static ObjectNode without(ObjectNode object, String path) {
    String[] parts = path.split("\\.");
    JsonNode current = object;
    for (int i = 0; i < parts.length - 1; i++) {
      current = step(current, parts[i]);
    }
    ((ObjectNode) current).remove(parts[parts.length - 1]);
    return object;
  }

  private static JsonNode step(JsonNode current, String part) {
    if (part.matches("\\d+")) return current.get(Integer.parseInt(part));
    ObjectNode parent = (ObjectNode) current;
    return parent.has(part) ? parent.get(part) : parent.putObject(part);
  }

  /** The causes of validating a defaulted copy; empty when valid. */
  static List<ApiException.Cause> problems(ResourceType type, ObjectNode object) {
    return problems(type, object, null);
  }

  static List<ApiException.Cause> problems(ResourceType type, ObjectNode object, ObjectNode old) {
    ObjectNode defaulted = Admission.applyDefaults(type, object);
    ObjectNode oldDefaulted = old == null ? null : Admission.applyDefaults(type, old);
    try {
      Admission.validate(type, defaulted, oldDefaulted);
      return List.of();
    } catch (ApiException e) {
      assertEquals(422, e.code());
      assertEquals("Invalid", e.reason());
      return e.causes();
    }
  }

  static void assertValid(ResourceType type, ObjectNode object) {
    List<ApiException.Cause> causes = problems(type, object);
    assertTrue(causes.isEmpty(), () -> "expected valid, got " + describe(causes));
  }

  /** Asserts a cause with this field and reason whose message contains the text, and returns it. */
  static ApiException.Cause assertCause(List<ApiException.Cause> causes, String field, String reason,
      String messagePart) {
    ApiException.Cause found = causes.stream()
        .filter(c -> c.field().equals(field) && c.reason().equals(reason) && c.message().contains(messagePart))
        .findFirst().orElse(null);
    assertFalse(found == null, () -> "no " + reason + " at " + field + " containing '" + messagePart + "' in "
        + describe(causes));
    return found;
  }

  static ApiException rejected(ResourceType type, ObjectNode object) {
    return assertThrows(ApiException.class, () -> Admission.validate(type, object, null));
  }

  static String describe(List<ApiException.Cause> causes) {
    return causes.stream().map(c -> c.field() + " " + c.reason() + " " + c.message())
        .collect(Collectors.joining("\n  ", "\n  ", ""));
  }
}
