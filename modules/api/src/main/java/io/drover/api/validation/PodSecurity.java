package io.drover.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The Pod Security Standards as Kubernetes' PodSecurity admission checks them: a namespace's labels
 * {@code pod-security.kubernetes.io/enforce|warn|audit} name a level (privileged, baseline, restricted), and a pod
 * spec is checked against it, each failed check reported as kube-apiserver words it ("privileged (container "c"
 * must not set securityContext.privileged=true)"). Versions ({@code ...-version} labels) are taken as "latest".
 */
public final class PodSecurity {
  private PodSecurity() {}

  public static final String PREFIX = "pod-security.kubernetes.io/";
  public static final List<String> LEVELS = List.of("privileged", "baseline", "restricted");

  /** The level a namespace sets for a mode ("enforce", "warn", "audit"), when it sets one. */
  public static Optional<String> level(JsonNode namespaceLabels, String mode) {
    String level = namespaceLabels.path(PREFIX + mode).asText("");
    return LEVELS.contains(level) ? Optional.of(level) : Optional.empty();
  }

  /** The label as PodSecurity names the policy in its messages. */
  public static String policy(String level) {
    return "\"" + level + ":latest\"";
  }

  private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
      "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
  private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
      "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
      "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
      "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
  private static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t",
      "container_engine_t");
  private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
      "ephemeral", "persistentVolumeClaim", "projected", "secret");

  /** The failed checks of a pod spec at a level; empty when it is allowed (always, at privileged). */
  public static List<String> violations(String level, JsonNode spec) {
    List<String> found = new ArrayList<>();
    if (level.equals("privileged")) return found;
    List<JsonNode> containers = new ArrayList<>();
    for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
      spec.path(list).forEach(containers::add);
    }
    JsonNode podContext = spec.path("securityContext");

    // --- baseline ---
    List<String> hostNamespaces = new ArrayList<>();
    for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (spec.path(field).asBoolean(false)) hostNamespaces.add(field + "=true");
    }
    if (!hostNamespaces.isEmpty()) found.add("host namespaces (" + String.join(", ", hostNamespaces) + ")");
    perContainer(found, "privileged", containers, (c, bad) -> {
      if (c.path("securityContext").path("privileged").asBoolean(false)) bad.add(c);
    }, "must not set securityContext.privileged=true");
    Map<String, List<String>> addedCapabilities = new LinkedHashMap<>();
    for (JsonNode c : containers) {
      for (JsonNode cap : c.path("securityContext").path("capabilities").path("add")) {
        if (!BASELINE_CAPABILITIES.contains(cap.asText())) {
          addedCapabilities.computeIfAbsent(c.path("name").asText(), k -> new ArrayList<>()).add(cap.asText());
        }
      }
    }
    // At restricted, three baseline checks give way to stricter ones (PodSecurity's overrides): capabilities,
    // hostPath (restricted volume types) and seccomp.
    boolean baseline = level.equals("baseline");
    if (baseline && !addedCapabilities.isEmpty()) {
      List<String> parts = new ArrayList<>();
      addedCapabilities.forEach((name, caps) -> parts.add("container \"" + name + "\" must not include "
          + quoted(caps) + " in securityContext.capabilities.add"));
      found.add("non-default capabilities (" + String.join("; ", parts) + ")");
    }
    List<String> hostPathVolumes = new ArrayList<>();
    for (JsonNode volume : spec.path("volumes")) {
      if (volume.has("hostPath")) hostPathVolumes.add(volume.path("name").asText());
    }
    if (baseline && !hostPathVolumes.isEmpty()) {
      found.add("hostPath volumes (" + plural("volume", hostPathVolumes) + ")");
    }
    List<String> hostPorts = new ArrayList<>();
    for (JsonNode c : containers) {
      for (JsonNode port : c.path("ports")) {
        if (port.path("hostPort").asInt(0) != 0) {
          hostPorts.add("container \"" + c.path("name").asText() + "\" uses hostPort " + port.path("hostPort").asInt());
        }
      }
    }
    if (!hostPorts.isEmpty()) found.add("hostPort (" + String.join(", ", hostPorts) + ")");
    perContainer(found, "procMount", containers, (c, bad) -> {
      String mount = c.path("securityContext").path("procMount").asText("Default");
      if (!mount.equals("Default")) bad.add(c);
    }, "must not set securityContext.procMount to \"Unmasked\"");
    boolean podUnconfined = "Unconfined".equals(podContext.path("seccompProfile").path("type").asText());
    List<String> unconfined = new ArrayList<>();
    for (JsonNode c : containers) {
      if ("Unconfined".equals(c.path("securityContext").path("seccompProfile").path("type").asText())) {
        unconfined.add(c.path("name").asText());
      }
    }
    if (baseline && (podUnconfined || !unconfined.isEmpty())) {
      List<String> parts = new ArrayList<>();
      if (podUnconfined) parts.add("pod must not set securityContext.seccompProfile.type to \"Unconfined\"");
      if (!unconfined.isEmpty()) {
        parts.add(plural("container", unconfined) + " must not set securityContext.seccompProfile.type to "
            + "\"Unconfined\"");
      }
      found.add("seccompProfile (" + String.join("; ", parts) + ")");
    }
    List<String> sysctls = new ArrayList<>();
    for (JsonNode sysctl : podContext.path("sysctls")) {
      if (!SAFE_SYSCTLS.contains(sysctl.path("name").asText())) sysctls.add(sysctl.path("name").asText());
    }
    if (!sysctls.isEmpty()) found.add("forbidden sysctls (" + String.join(", ", sysctls) + ")");
    boolean badSeLinux = badSeLinux(podContext.path("seLinuxOptions"));
    for (JsonNode c : containers) badSeLinux |= badSeLinux(c.path("securityContext").path("seLinuxOptions"));
    if (badSeLinux) found.add("seLinuxOptions (the type must be one of the container types, user and role unset)");
    if (baseline) return found;

    // --- restricted ---
    List<String> restrictedVolumes = new ArrayList<>();
    for (JsonNode volume : spec.path("volumes")) {
      volume.fieldNames().forEachRemaining(field -> {
        if (!field.equals("name") && !RESTRICTED_VOLUMES.contains(field)) {
          restrictedVolumes.add("volume \"" + volume.path("name").asText() + "\" uses restricted volume type \""
              + field + "\"");
        }
      });
    }
    if (!restrictedVolumes.isEmpty()) found.add("restricted volume types (" + String.join(", ", restrictedVolumes) + ")");
    perContainer(found, "allowPrivilegeEscalation != false", containers, (c, bad) -> {
      JsonNode allow = c.path("securityContext").path("allowPrivilegeEscalation");
      if (!allow.isBoolean() || allow.asBoolean()) bad.add(c);
    }, "must set securityContext.allowPrivilegeEscalation=false");
    List<String> notDropped = new ArrayList<>();
    Map<String, List<String>> added = new LinkedHashMap<>();
    for (JsonNode c : containers) {
      JsonNode caps = c.path("securityContext").path("capabilities");
      boolean dropsAll = false;
      for (JsonNode drop : caps.path("drop")) dropsAll |= drop.asText().equals("ALL");
      if (!dropsAll) notDropped.add(c.path("name").asText());
      for (JsonNode add : caps.path("add")) {
        if (!add.asText().equals("NET_BIND_SERVICE")) {
          added.computeIfAbsent(c.path("name").asText(), k -> new ArrayList<>()).add(add.asText());
        }
      }
    }
    if (!notDropped.isEmpty() || !added.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!notDropped.isEmpty()) {
        parts.add(plural("container", notDropped) + " must set securityContext.capabilities.drop=[\"ALL\"]");
      }
      added.forEach((name, caps) -> parts.add("container \"" + name + "\" must not include " + quoted(caps)
          + " in securityContext.capabilities.add"));
      found.add("unrestricted capabilities (" + String.join("; ", parts) + ")");
    }
    boolean podNonRoot = podContext.path("runAsNonRoot").asBoolean(false);
    List<String> rootAllowed = new ArrayList<>();
    List<String> explicitRoot = new ArrayList<>();
    for (JsonNode c : containers) {
      JsonNode nonRoot = c.path("securityContext").path("runAsNonRoot");
      if (nonRoot.isBoolean() ? !nonRoot.asBoolean() : !podNonRoot) rootAllowed.add(c.path("name").asText());
      if (c.path("securityContext").path("runAsUser").isIntegralNumber()
          && c.path("securityContext").path("runAsUser").asLong() == 0) {
        explicitRoot.add(c.path("name").asText());
      }
    }
    if (!rootAllowed.isEmpty()) {
      found.add("runAsNonRoot != true (" + (podNonRoot ? "" : "pod or ") + plural("container", rootAllowed)
          + " must set securityContext.runAsNonRoot=true)");
    }
    if (podContext.path("runAsUser").isIntegralNumber() && podContext.path("runAsUser").asLong() == 0) {
      explicitRoot.add(0, "(pod)");
    }
    if (!explicitRoot.isEmpty()) found.add("runAsUser=0 (" + (explicitRoot.get(0).equals("(pod)")
        ? "pod must not set runAsUser=0" : plural("container", explicitRoot) + " must not set runAsUser=0") + ")");
    String podSeccomp = podContext.path("seccompProfile").path("type").asText("");
    List<String> noSeccomp = new ArrayList<>();
    for (JsonNode c : containers) {
      String type = c.path("securityContext").path("seccompProfile").path("type").asText(podSeccomp);
      if (!type.equals("RuntimeDefault") && !type.equals("Localhost")) {
        noSeccomp.add(c.path("name").asText());
      }
    }
    if (!noSeccomp.isEmpty()) {
      found.add("seccompProfile (pod or " + plural("container", noSeccomp) + " must set "
          + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
    }
    return found;
  }

  /** The message of a refused pod, as kube-apiserver's PodSecurity admission words it. */
  public static String forbidden(String level, List<String> violations) {
    return "violates PodSecurity " + policy(level) + ": " + String.join(", ", violations);
  }

  /** The warning for a pod or template that would be refused (or was let through) at a level. */
  public static String wouldViolate(String level, List<String> violations) {
    return "would violate PodSecurity " + policy(level) + ": " + String.join(", ", violations);
  }

  private static boolean badSeLinux(JsonNode options) {
    if (options.isMissingNode()) return false;
    return !SELINUX_TYPES.contains(options.path("type").asText("")) || !options.path("user").asText("").isEmpty()
        || !options.path("role").asText("").isEmpty();
  }

  private static void perContainer(List<String> found, String check, List<JsonNode> containers,
      BiConsumer<JsonNode, List<JsonNode>> test, String must) {
    List<JsonNode> bad = new ArrayList<>();
    for (JsonNode c : containers) test.accept(c, bad);
    if (bad.isEmpty()) return;
    found.add(check + " (" + plural("container", bad.stream().map(c -> c.path("name").asText()).toList()) + " "
        + must + ")");
  }

  /** {@code container "a"} or {@code containers "a", "b"}. */
  private static String plural(String noun, List<String> names) {
    return noun + (names.size() == 1 ? "" : "s") + " " + quoted(names);
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
  }
}
