package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PodSecurity admission through the real kubectl: a namespace's pod-security.kubernetes.io labels refuse pods that
 * violate its enforce level with kubectl's Forbidden message, warn about its warn level and about workload
 * templates, refuse unknown levels, and warn about existing pods when the level is raised.
 */
class PodSecurityTest {
  static TestServers.Member member;
  static Kubectl kubectl;

  @BeforeAll
  static void start() throws Exception {
    member = TestServers.startMember(Map.of());
    kubectl = member.kubectl();
  }

  @AfterAll
  static void stop() throws Exception {
    TestServers.stop(member);
  }

  static final String PRIVILEGED_POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: %s}
      spec:
        volumes: [{name: root, hostPath: {path: /}}]
        containers:
        - name: app
          image: busybox
          command: [sleep, "3600"]
          securityContext: {privileged: true}
          volumeMounts: [{name: root, mountPath: /host}]
      """;

  static final String RESTRICTED_POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: %s}
      spec:
        securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
        containers:
        - name: app
          image: busybox
          command: [sleep, "3600"]
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      """;

  @Test
  void baselineRefusesAPrivilegedHostPathPodWithKubectlsForbiddenMessage() {
    kubectl.run("create", "namespace", "psa-baseline").assertOk();
    kubectl.run("label", "namespace", "psa-baseline", "pod-security.kubernetes.io/enforce=baseline").assertOk();
    Kubectl.Result refused = kubectl.runWithInput(PRIVILEGED_POD.formatted("root"), "apply", "-n", "psa-baseline",
        "-f", "-");
    assertEquals(1, refused.exitCode(), refused.toString());
    assertTrue(refused.stderr().contains("Error from server (Forbidden)") && refused.stderr().contains(
        "pods \"root\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not "
            + "set securityContext.privileged=true), hostPath volumes (volume \"root\")"), refused.stderr());
    assertEquals(1, kubectl.run("get", "pod", "root", "-n", "psa-baseline").exitCode(), "nothing was stored");
    kubectl.runWithInput(RESTRICTED_POD.formatted("fine"), "apply", "-n", "psa-baseline", "-f", "-").assertOk();
  }

  @Test
  void restrictedAdmitsACompliantPodAndRefusesAPlainOne() {
    kubectl.run("create", "namespace", "psa-restricted").assertOk();
    kubectl.run("label", "namespace", "psa-restricted", "pod-security.kubernetes.io/enforce=restricted").assertOk();
    kubectl.runWithInput(RESTRICTED_POD.formatted("ok"), "apply", "-n", "psa-restricted", "-f", "-").assertOk();
    Kubectl.Result refused = kubectl.run("run", "plain", "-n", "psa-restricted", "--image=busybox", "--",
        "sleep", "3600");
    assertTrue(refused.stderr().contains("violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != "
        + "false (container \"plain\" must set securityContext.allowPrivilegeEscalation=false)"), refused.stderr());
    // A Deployment is let through with a warning: its pods are what is refused.
    Kubectl.Result deployment = kubectl.run("create", "deployment", "web", "-n", "psa-restricted",
        "--image=busybox", "--", "sleep", "3600");
    deployment.assertOk();
    assertTrue(deployment.stderr().contains("Warning: would violate PodSecurity \"restricted:latest\""),
        deployment.stderr());
    String events = Polling.await(() -> {
      String e = kubectl.run("get", "events", "-n", "psa-restricted").stdout();
      return e.contains("FailedCreate") ? e : null;
    }, Duration.ofSeconds(60), "the ReplicaSet's FailedCreate event");
    assertTrue(events.contains("violates PodSecurity"), events);
  }

  @Test
  void warnLetsThePodInWithAWarningAndAnUnknownLevelIsInvalid() {
    kubectl.run("create", "namespace", "psa-warn").assertOk();
    kubectl.run("label", "namespace", "psa-warn", "pod-security.kubernetes.io/warn=baseline").assertOk();
    Kubectl.Result created = kubectl.runWithInput(PRIVILEGED_POD.formatted("warned"), "apply", "-n", "psa-warn",
        "-f", "-");
    created.assertOk();
    assertTrue(created.stderr().contains("Warning: would violate PodSecurity \"baseline:latest\": privileged"),
        created.stderr());
    Kubectl.Result invalid = kubectl.run("label", "namespace", "psa-warn",
        "pod-security.kubernetes.io/enforce=strictest");
    assertEquals(1, invalid.exitCode());
    assertTrue(invalid.stderr().contains("Unsupported value: \"strictest\""), invalid.stderr());
    // Raising the enforce level warns about the pod that is already there (it keeps running).
    Kubectl.Result raised = kubectl.run("label", "namespace", "psa-warn",
        "pod-security.kubernetes.io/enforce=baseline");
    raised.assertOk();
    assertTrue(raised.stderr().contains("existing pods in namespace \"psa-warn\" violate the new PodSecurity "
        + "enforce level \"baseline:latest\"") && raised.stderr().contains("warned: privileged"), raised.stderr());
    kubectl.run("delete", "pod", "warned", "-n", "psa-warn", "--now").assertOk();
  }
}
