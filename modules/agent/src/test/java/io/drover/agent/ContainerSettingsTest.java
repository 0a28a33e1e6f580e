package io.drover.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ContainerSpec;
import io.drover.api.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a pod's container spec becomes the runtime's settings, as kubelet derives them. */
class ContainerSettingsTest {

  private static ObjectNode pod(String yaml) throws Exception {
    return (ObjectNode) Json.YAML.readTree(yaml);
  }

  private static JsonNode container(ObjectNode pod) {
    return pod.path("spec").path("containers").get(0);
  }

  @Test
  void securityContextOfTheContainerOverridesThePodsAndAllowPrivilegeEscalationFalseIsNoNewPrivileges()
      throws Exception {
    ObjectNode pod = pod("""
        spec:
          securityContext: {runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: app
            securityContext:
              runAsUser: 2000
              allowPrivilegeEscalation: false
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        """);
    ContainerSpec.Security security = PodRun.security(pod, container(pod));
    assertEquals(2000L, security.runAsUser());
    assertEquals(List.of("NET_BIND_SERVICE"), security.addCapabilities());
    assertEquals(List.of("ALL"), security.dropCapabilities());
    assertTrue(security.noNewPrivileges());
    assertEquals(new ContainerSpec.Seccomp("RuntimeDefault", null), security.seccomp(), "the pod's profile");
  }

  @Test
  void withoutASecurityContextSeccompIsUnconfinedAndPrivilegeEscalationAllowed() throws Exception {
    ObjectNode pod = pod("spec: {containers: [{name: app}]}");
    ContainerSpec.Security security = PodRun.security(pod, container(pod));
    assertNull(security.seccomp());
    assertFalse(security.noNewPrivileges());
    assertEquals(List.of(), security.addCapabilities());
  }

  @Test
  void aLocalhostProfileIsAFileUnderKubeletsSeccompRootAndAPrivilegedContainerHasNone() throws Exception {
    ObjectNode pod = pod("""
        spec:
          containers:
          - name: app
            securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}}
          - name: root
            securityContext: {privileged: true, allowPrivilegeEscalation: false, seccompProfile: {type: RuntimeDefault}}
        """);
    assertEquals(new ContainerSpec.Seccomp("Localhost", "/var/lib/kubelet/seccomp/profiles/audit.json"),
        PodRun.security(pod, container(pod)).seccomp());
    ContainerSpec.Security privileged = PodRun.security(pod, pod.path("spec").path("containers").get(1));
    assertNull(privileged.seccomp());
    assertFalse(privileged.noNewPrivileges());
  }

  @Test
  void theCpuRequestBecomesSharesAndALimitAloneIsTheRequest() throws Exception {
    assertEquals(256, PodRun.resources(Json.YAML.readTree("{resources: {requests: {cpu: 250m}, limits: {cpu: 2}}}"))
        .cpuShares());
    assertEquals(1536, PodRun.resources(Json.YAML.readTree("{resources: {limits: {cpu: 1500m}}}")).cpuShares());
    assertEquals(2, PodRun.resources(Json.YAML.readTree("{name: besteffort}")).cpuShares(), "kubelet's minimum");
    assertEquals(2, PodRun.resources(Json.YAML.readTree("{resources: {requests: {cpu: 1m}}}")).cpuShares());
  }

  @Test
  void stdinOnceMeansNothingWithoutStdin() throws Exception {
    assertEquals(new ContainerSpec.Stdio(true, true, true),
        PodRun.stdio(Json.YAML.readTree("{stdin: true, stdinOnce: true, tty: true}")));
    assertEquals(new ContainerSpec.Stdio(false, false, false), PodRun.stdio(Json.YAML.readTree("{stdinOnce: true}")));
  }
}
