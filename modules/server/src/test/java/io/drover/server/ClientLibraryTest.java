package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fabric8 kubernetes-client, unchanged, against a Drover server: CRUD, selectors, watches, informers. The
 * timeout turns a watch the client never sees start (it waits for the WebSocket handshake) into a failure.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
final class ClientLibraryTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static Path dataDir;
  private static DroverServer server;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    server = TestServers.start(dataDir);
    // The kubeconfig Drover writes: the cluster CA and the admin's client certificate.
    client = new KubernetesClientBuilder().withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(
        java.nio.file.Files.readString(server.kubeconfig()))).build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) client.close();
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  /** Each test works in its own namespace, so watches and lists see only its own objects. */
  private static String namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static ConfigMap configMap(String name, Map<String, String> labels, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withData(data).build();
  }

  @Test
  void createdNamespaceAndConfigMapAreReadBackWithServerMetadata() {
    String ns = namespace("lib-crud");
    ConfigMap created = client.configMaps().inNamespace(ns)
        .resource(configMap("settings", Map.of(), Map.of("mode", "fast"))).create();

    ConfigMap read = client.configMaps().inNamespace(ns).withName("settings").get();
    assertNotNull(read);
    assertEquals(Map.of("mode", "fast"), read.getData());
    assertEquals(ns, read.getMetadata().getNamespace());
    assertNotNull(read.getMetadata().getUid());
    assertNotNull(read.getMetadata().getCreationTimestamp());
    assertEquals(created.getMetadata().getUid(), read.getMetadata().getUid());
    assertEquals(created.getMetadata().getResourceVersion(), read.getMetadata().getResourceVersion());
    assertNotNull(client.namespaces().withName(ns).get().getMetadata().getUid());
  }

  @Test
  void listWithLabelSelectorReturnsOnlyMatchingConfigMaps() {
    String ns = namespace("lib-select");
    var configMaps = client.configMaps().inNamespace(ns);
    configMaps.resource(configMap("a1", Map.of("app", "a", "tier", "web"), Map.of())).create();
    configMaps.resource(configMap("a2", Map.of("app", "a", "tier", "db"), Map.of())).create();
    configMaps.resource(configMap("b1", Map.of("app", "b", "tier", "web"), Map.of())).create();

    assertEquals(List.of("a1", "a2"), names(configMaps.withLabel("app", "a").list().getItems()));
    assertEquals(List.of("a1"), names(configMaps.withLabels(Map.of("app", "a", "tier", "web")).list().getItems()));
    assertEquals(List.of("a2"), names(configMaps.withLabelSelector("app in (a,b),tier!=web").list().getItems()));
    // app!=a also selects what has no app label at all, such as the namespace's kube-root-ca.crt.
    assertEquals(List.of("b1", "kube-root-ca.crt"), names(configMaps.withoutLabel("app", "a").list().getItems()));
    // Every namespace also holds kube-root-ca.crt, as in Kubernetes.
    assertEquals(List.of("a1", "a2", "b1", "kube-root-ca.crt"), names(configMaps.list().getItems()));
  }

  private static List<String> names(List<ConfigMap> items) {
    return items.stream().map(c -> c.getMetadata().getName()).sorted().toList();
  }

  @Test
  void watchSeesAddedModifiedDeletedInOrderForChangesAfterItStarts() {
    String ns = namespace("lib-watch");
    record Seen(Watcher.Action action, String name, String mode) {}
    List<Seen> seen = new CopyOnWriteArrayList<>();
    var configMaps = client.configMaps().inNamespace(ns);
    try (Watch ignored = configMaps.watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap resource) {
        // A watch from now starts with what exists: the namespace's kube-root-ca.crt. The test's object counts.
        if (resource.getMetadata().getName().equals("kube-root-ca.crt")) return;
        String mode = resource.getData() == null ? null : resource.getData().get("mode");
        seen.add(new Seen(action, resource.getMetadata().getName(), mode));
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      configMaps.resource(configMap("watched", Map.of(), Map.of("mode", "one"))).create();
      configMaps.withName("watched").edit(c -> new ConfigMapBuilder(c).addToData("mode", "two").build());
      configMaps.withName("watched").delete();

      Polling.await(() -> seen.size() >= 3, DEADLINE, "three watch events");
      assertEquals(List.of(new Seen(Watcher.Action.ADDED, "watched", "one"),
          new Seen(Watcher.Action.MODIFIED, "watched", "two"),
          new Seen(Watcher.Action.DELETED, "watched", "two")), seen);
    }
  }

  @Test
  void staleResourceVersionUpdateFailsWithConflictAndLeavesObjectUnchanged() {
    String ns = namespace("lib-conflict");
    var configMaps = client.configMaps().inNamespace(ns);
    ConfigMap original = configMaps.resource(configMap("contested", Map.of(), Map.of("v", "1"))).create();
    ConfigMap fresh = configMaps.resource(new ConfigMapBuilder(original).withData(Map.of("v", "2")).build())
        .update();
    assertNotEquals(original.getMetadata().getResourceVersion(), fresh.getMetadata().getResourceVersion());

    ConfigMap stale = new ConfigMapBuilder(original).withData(Map.of("v", "stale")).build();
    KubernetesClientException refused = assertThrows(KubernetesClientException.class,
        () -> configMaps.resource(stale).update());
    assertEquals(409, refused.getCode());
    assertEquals("Conflict", refused.getStatus().getReason());

    ConfigMap now = configMaps.withName("contested").get();
    assertEquals(Map.of("v", "2"), now.getData());
    assertEquals(fresh.getMetadata().getResourceVersion(), now.getMetadata().getResourceVersion());
  }

  @Test
  void deploymentRoundTripKeepsSpecAndGetsDefaultsAndGenerationOne() {
    String ns = namespace("lib-deploy");
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName("web").withLabels(Map.of("app", "web")).endMetadata()
        .withNewSpec().withReplicas(3).withMinReadySeconds(5)
        .withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.27")
        .addNewPort().withContainerPort(80).endPort().endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.apps().deployments().inNamespace(ns).resource(deployment).create();

    Deployment read = client.apps().deployments().inNamespace(ns).withName("web").get();
    assertEquals(1L, read.getMetadata().getGeneration());
    assertEquals(3, read.getSpec().getReplicas());
    assertEquals(5, read.getSpec().getMinReadySeconds());
    assertEquals(Map.of("app", "web"), read.getSpec().getSelector().getMatchLabels());
    var container = read.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("nginx:1.27", container.getImage());
    assertEquals(80, container.getPorts().get(0).getContainerPort());
    // Defaults as the Kubernetes apiserver sets them for apps/v1.
    assertEquals("RollingUpdate", read.getSpec().getStrategy().getType());
    assertEquals("25%", read.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal());
    assertEquals("25%", read.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getStrVal());
    assertEquals(10, read.getSpec().getRevisionHistoryLimit());
    assertEquals(600, read.getSpec().getProgressDeadlineSeconds());
    assertEquals("TCP", container.getPorts().get(0).getProtocol());
  }

  @Test
  void informerSyncsExistingConfigMapsAndSeesLaterAdd() {
    String ns = namespace("lib-informer");
    var configMaps = client.configMaps().inNamespace(ns);
    configMaps.resource(configMap("before", Map.of(), Map.of())).create();
    List<String> added = new CopyOnWriteArrayList<>();
    SharedIndexInformer<ConfigMap> informer = configMaps.inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap obj) {
        added.add(obj.getMetadata().getName());
      }

      @Override
      public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {}

      @Override
      public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {}
    });
    try {
      Polling.await(informer::hasSynced, DEADLINE, "informer sync");
      assertEquals(List.of("before", "kube-root-ca.crt"), informer.getStore().listKeys().stream()
          .map(k -> k.split("/")[1]).sorted().toList());

      configMaps.resource(configMap("after", Map.of(), Map.of())).create();
      Polling.await(() -> added.contains("after"), DEADLINE, "informer sees the later add");
      assertEquals(List.of("before", "after"), added.stream().filter(n -> !n.equals("kube-root-ca.crt")).toList());
      assertNotNull(informer.getStore().getByKey(ns + "/after"));
      assertEquals(3, informer.getStore().list().size());
    } finally {
      informer.close();
    }
  }
}
