package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodEnvironmentTest {
  private static final DownwardApi.Allocatable NODE = new DownwardApi.Allocatable(4000, 8L << 30, 100L << 30);

  private static final ObjectNode CONFIG = yaml("""
      kind: ConfigMap
      metadata: {name: app-config, namespace: default}
      data: {MODE: fast, LEVEL: "3", "bad key": x}
      """);
  private static final ObjectNode SECRET = yaml("""
      kind: Secret
      metadata: {name: creds, namespace: default}
      data: {password: c2VjcmV0}
      """);
  private static final ObjectLookup LOOKUP =
      TestPods.lookup(Map.of("ConfigMap/app-config", CONFIG, "Secret/creds", SECRET));

  private static ObjectNode pod(String containerYaml) {
    return yaml("""
        metadata: {name: web-1, namespace: default, uid: u-1, labels: {app: web}, annotations: {owner: team}}
        spec:
          nodeName: node-a
          serviceAccountName: builder
          containers:
        """ + containerYaml.indent(4));
  }

  private static Map<String, String> resolve(ObjectNode pod) throws PodConfigException {
    return PodEnvironment.resolve(pod, TestPods.container(pod, "app"), LOOKUP, "10.0.0.5", "192.168.1.2", NODE);
  }

  @Test
  void literalValuesExpandEarlierVariablesAndKeepUnknownReferences() throws Exception {
    Map<String, String> env = resolve(pod("""
        - name: app
          env:
          - {name: A, value: one}
          - {name: B, value: "$(A)-two $(MISSING) $$(A) $(A"}
          - {name: C, value: "$(D)"}
          - {name: D, value: four}
        """));
    assertEquals("one-two $(MISSING) $(A) $(A", env.get("B"));
    assertEquals("$(D)", env.get("C"), "only variables defined before are expanded");
  }

  @Test
  void valueFromReadsConfigMapSecretAndDownwardApi() throws Exception {
    Map<String, String> env = resolve(pod("""
        - name: app
          resources: {limits: {memory: 256Mi}, requests: {cpu: 250m}}
          env:
          - {name: MODE, valueFrom: {configMapKeyRef: {name: app-config, key: MODE}}}
          - {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}
          - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
          - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
          - {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
          - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
          - {name: OWNER, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['owner']"}}}
          - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
          - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
          - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
          - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
          - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
          - {name: CPU_M, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
          - {name: CPU, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}
          - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
        """));
    Map<String, String> expected = Map.ofEntries(Map.entry("MODE", "fast"), Map.entry("PASS", "secret"),
        Map.entry("NAME", "web-1"), Map.entry("NS", "default"), Map.entry("UID", "u-1"), Map.entry("APP", "web"),
        Map.entry("OWNER", "team"), Map.entry("NODE", "node-a"), Map.entry("SA", "builder"),
        Map.entry("POD_IP", "10.0.0.5"), Map.entry("HOST_IP", "192.168.1.2"), Map.entry("MEM_MI", "256"),
        Map.entry("CPU_M", "250"), Map.entry("CPU", "1"), Map.entry("CPU_LIMIT", "4"));
    expected.forEach((k, v) -> assertEquals(v, env.get(k), k));
  }

  @Test
  void envFromAddsPrefixedKeysSkipsInvalidNamesAndEnvOverrides() throws Exception {
    Map<String, String> env = resolve(pod("""
        - name: app
          envFrom:
          - {prefix: CFG_, configMapRef: {name: app-config}}
          - secretRef: {name: creds}
          - configMapRef: {name: absent, optional: true}
          env:
          - {name: CFG_MODE, value: "slow-$(CFG_LEVEL)"}
        """));
    assertEquals("3", env.get("CFG_LEVEL"));
    assertEquals("slow-3", env.get("CFG_MODE"));
    assertEquals("secret", env.get("password"));
    assertEquals(List.of("HOSTNAME", "CFG_LEVEL", "CFG_MODE", "password"), List.copyOf(env.keySet()));
    assertEquals("web-1", env.get("HOSTNAME"));
  }

  @Test
  void missingConfigMapIsAnErrorNamingItUnlessOptional() {
    PodConfigException e = assertThrows(PodConfigException.class, () -> resolve(pod("""
        - name: app
          env: [{name: X, valueFrom: {configMapKeyRef: {name: x, key: k}}}]
        """)));
    assertEquals("configmap \"x\" not found", e.getMessage());
    assertEquals("CreateContainerConfigError", e.reason());
    PodConfigException secret = assertThrows(PodConfigException.class, () -> resolve(pod("""
        - name: app
          envFrom: [{secretRef: {name: nope}}]
        """)));
    assertEquals("secret \"nope\" not found", secret.getMessage());
  }

  @Test
  void missingKeyIsAnErrorUnlessOptionalWhichLeavesTheVariableUnset() throws Exception {
    PodConfigException e = assertThrows(PodConfigException.class, () -> resolve(pod("""
        - name: app
          env: [{name: X, valueFrom: {configMapKeyRef: {name: app-config, key: k}}}]
        """)));
    assertEquals("couldn't find key k in ConfigMap default/app-config", e.getMessage());
    Map<String, String> env = resolve(pod("""
        - name: app
          env:
          - {name: X, valueFrom: {secretKeyRef: {name: creds, key: k, optional: true}}}
          - {name: Y, valueFrom: {configMapKeyRef: {name: gone, key: k, optional: true}}}
        """));
    assertFalse(env.containsKey("X"));
    assertFalse(env.containsKey("Y"));
  }

  @Test
  void unsupportedFieldPathIsAnError() {
    PodConfigException e = assertThrows(PodConfigException.class, () -> resolve(pod("""
        - name: app
          env: [{name: X, valueFrom: {fieldRef: {fieldPath: spec.schedulerName}}}]
        """)));
    assertEquals("unsupported fieldPath: spec.schedulerName", e.getMessage());
  }

  @Test
  void hostnameIsSpecHostnameOrTheNameCutTo63Characters() {
    assertEquals("box", PodEnvironment.hostname(yaml("{metadata: {name: web}, spec: {hostname: box}}")));
    String longName = "a".repeat(62) + "-b";
    assertEquals("a".repeat(62), PodEnvironment.hostname(yaml("{metadata: {name: " + longName + "}, spec: {}}")));
  }

  @Test
  void commandAndArgsExpandWithTheResolvedEnvironment() {
    ObjectNode container = yaml("""
        {name: app, command: [sh, -c, "echo $(GREETING)"], args: ["$(WHO)", "$$(WHO)"]}
        """);
    assertEquals(List.of("sh", "-c", "echo hi", "world", "$(WHO)"),
        Command.argv(container, Map.of("GREETING", "hi", "WHO", "world")));
  }

  @Test
  void argsAloneAreTheArgvAndAContainerWithNeitherHasNone() {
    assertEquals(List.of("sh", "-c", "echo hi"), Command.argv(yaml("{name: app, args: [sh, -c, echo $(G)]}"),
        Map.of("G", "hi")));
    assertEquals(List.of(), Command.argv(yaml("{name: app}"), Map.of()));
    assertTrue(Command.NEEDS_COMMAND_MESSAGE.contains("spec.containers[].command"));
  }
}
