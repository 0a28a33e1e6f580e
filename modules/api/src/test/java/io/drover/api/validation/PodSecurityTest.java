package io.drover.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.Json;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodSecurityTest {
  static JsonNode yaml(String yaml) throws Exception {
    return Json.YAML.readTree(yaml);
  }

  static final String RESTRICTED_OK = """
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      volumes: [{name: cfg, configMap: {name: c}}, {name: tmp, emptyDir: {}}]
      containers:
      - name: app
        image: x
        ports: [{containerPort: 8080}]
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
      """;

  @Test
  void aPlainPodPassesBaselineButNotRestricted() throws Exception {
    JsonNode plain = yaml("containers: [{name: app, image: x}]");
    assertEquals(List.of(), PodSecurity.violations("baseline", plain));
    assertEquals(List.of(), PodSecurity.violations("privileged", plain));
    assertEquals(List.of(
        "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)",
        "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"])",
        "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)",
        "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" "
            + "or \"Localhost\")"), PodSecurity.violations("restricted", plain));
  }

  @Test
  void aCompliantPodPassesRestricted() throws Exception {
    assertEquals(List.of(), PodSecurity.violations("restricted", yaml(RESTRICTED_OK)));
  }

  @Test
  void baselineRefusesHostNamespacesPrivilegedHostPathHostPortsAndCapabilities() throws Exception {
    JsonNode pod = yaml("""
        hostNetwork: true
        hostPID: true
        securityContext: {sysctls: [{name: kernel.msgmax, value: "1"}]}
        volumes: [{name: root, hostPath: {path: /}}, {name: etc, hostPath: {path: /etc}}]
        containers:
        - name: a
          image: x
          ports: [{containerPort: 80, hostPort: 8080}]
          securityContext: {privileged: true, capabilities: {add: [NET_ADMIN, CHOWN]}}
        - name: b
          image: x
          securityContext: {privileged: true, seccompProfile: {type: Unconfined}}
        """);
    assertEquals(List.of(
        "host namespaces (hostNetwork=true, hostPID=true)",
        "privileged (containers \"a\", \"b\" must not set securityContext.privileged=true)",
        "non-default capabilities (container \"a\" must not include \"NET_ADMIN\" in securityContext.capabilities.add)",
        "hostPath volumes (volumes \"root\", \"etc\")",
        "hostPort (container \"a\" uses hostPort 8080)",
        "seccompProfile (container \"b\" must not set securityContext.seccompProfile.type to \"Unconfined\")",
        "forbidden sysctls (kernel.msgmax)"), PodSecurity.violations("baseline", pod));
  }

  @Test
  void restrictedAlsoRefusesOtherVolumeTypesRootAndAddedCapabilities() throws Exception {
    JsonNode pod = yaml(RESTRICTED_OK.replace("[{name: cfg, configMap: {name: c}}",
        "[{name: cfg, configMap: {name: c}}, {name: nfs, nfs: {server: s, path: /}}")
        .replace("add: [NET_BIND_SERVICE]", "add: [NET_BIND_SERVICE, SYS_TIME]")
        .replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n    runAsUser: 0"));
    assertEquals(List.of(
        "restricted volume types (volume \"nfs\" uses restricted volume type \"nfs\")",
        "unrestricted capabilities (container \"app\" must not include \"SYS_TIME\" in "
            + "securityContext.capabilities.add)",
        "runAsUser=0 (container \"app\" must not set runAsUser=0)"), PodSecurity.violations("restricted", pod));
  }

  @Test
  void levelsComeFromTheNamespacesLabels() throws Exception {
    JsonNode labels = yaml("{pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: bogus}");
    assertEquals(Optional.of("baseline"), PodSecurity.level(labels, "enforce"));
    assertEquals(Optional.empty(), PodSecurity.level(labels, "warn"));
    assertEquals(Optional.empty(), PodSecurity.level(labels, "audit"));
  }
}
