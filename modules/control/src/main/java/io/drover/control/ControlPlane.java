package io.drover.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.event.EventRecorder;
import io.drover.control.gc.GarbageCollector;
import io.drover.control.metrics.DroverMetrics;
import io.drover.control.metrics.PodMetricsSource;
import io.drover.control.workload.CronJobController;
import io.drover.control.workload.DaemonSetController;
import io.drover.control.workload.DeploymentController;
import io.drover.control.workload.DisruptionBudgets;
import io.drover.control.workload.HorizontalPodAutoscalerController;
import io.drover.control.workload.JobController;
import io.drover.control.workload.ReplicaSetController;
import io.drover.control.workload.StatefulSetController;
import io.drover.control.workload.WorkloadDispatcher;
import io.drover.control.namespace.NamespaceController;
import io.drover.control.node.NodeAllocationEntity;
import io.drover.control.node.NodeLifecycleController;
import io.drover.control.rbac.BootstrapPolicy;
import io.drover.control.rbac.ClusterRoleAggregation;
import io.drover.control.rbac.EscalationCheck;
import io.drover.control.rbac.RbacAuthorizer;
import io.drover.control.rbac.StorePolicySource;
import io.drover.control.scheduler.SchedulerActor;
import io.drover.control.security.ServiceAccountTokens;
import io.drover.control.serviceaccount.NamespaceDefaults;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.ObjectStore;
import io.drover.control.store.WriteOptions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.Props;

/**
 * What a control-plane member runs: the object entities (sharded), this member's read side, the write path, and
 * the namespace controller. {@link #start} completes once the read side has replayed the journal and the
 * built-in namespaces and the bootstrap RBAC policy exist.
 */
public final class ControlPlane {
  /** Namespaces that exist from the first start, as in Kubernetes. */
  public static final List<String> BUILT_IN_NAMESPACES = List.of("default", "kube-system", "kube-public",
      "kube-node-lease");

  private final ObjectStore store;
  private final ObjectService service;
  private final StorePolicySource policy;
  private final RbacAuthorizer authorizer;
  private final EscalationCheck escalationCheck;

  private ControlPlane(ObjectStore store, ObjectService service) {
    this.store = store;
    this.service = service;
    this.policy = new StorePolicySource(store);
    this.authorizer = new RbacAuthorizer(policy);
    this.escalationCheck = new EscalationCheck(authorizer);
    service.checkRbacWritesWith(escalationCheck);
  }

  public ObjectStore store() {
    return store;
  }

  public ObjectService service() {
    return service;
  }

  /**
   * Decides requests by this member's roles and bindings (the bootstrap policy exists once {@link #start}
   * completed). Pure and non-blocking: call it on every API request.
   */
  public RbacAuthorizer authorizer() {
    return authorizer;
  }

  /** Refuses RBAC writes that would grant more than their writer holds; call before storing such a write. */
  public EscalationCheck escalationCheck() {
    return escalationCheck;
  }

  /**
   * @param metrics where the HorizontalPodAutoscaler controller reads pods' usage
   * @param tokens the cluster CA every namespace's kube-root-ca.crt publishes
   */
  public static CompletionStage<ControlPlane> start(ActorSystem<?> system, PodMetricsSource metrics,
      ServiceAccountTokens tokens) {
    Config config = system.settings().config().getConfig("drover");
    ObjectStore store = new ObjectStore(config.getInt("store.watch-window-events"),
        config.getInt("store.watcher-buffer-events"));
    ObjectService service = new ObjectService(system, store, config.getDuration("api.request-timeout"));
    DroverMetrics.get(system).observe(store);
    ControlPlane plane = new ControlPlane(store, service);
    // The journal's tables are created on first start (H2 file or PostgreSQL); later starts find them.
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "close-watches",
        () -> {
          store.closeWatches();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    return JournalSchema.createIfNotExists(system).thenCompose(schema -> {
      ObjectEntity.init(system, config.getInt("store.snapshot-every-events"));
      io.drover.control.network.ServiceAddressEntity.init(system,
          io.drover.control.network.ServiceRanges.from(config.getConfig("network")));
      NodeAllocationEntity.init(system);
      store.start(system);
      return store.ready();
    }).thenCompose(ready -> {
      system.systemActorOf(NamespaceController.create(service,
          config.getDuration("store.namespace-resync-interval")), "namespace-controller", Props.empty());
      service.initializeNamespacesWith(ns -> NamespaceDefaults.ensure(service, ns, tokens));
      system.systemActorOf(NamespaceDefaults.controller(service, tokens, ownedHere(system),
          config.getDuration("store.namespace-resync-interval")), "service-account-controller", Props.empty());
      Config scheduler = config.getConfig("scheduler");
      system.systemActorOf(SchedulerActor.create(service, new SchedulerActor.Settings(
              scheduler.getInt("max-in-flight"), scheduler.getDuration("initial-backoff"),
              scheduler.getDuration("max-backoff"), scheduler.getDuration("tick")),
          new EventRecorder(service, SchedulerActor.NAME, "", Clock.systemUTC()), ownedHere(system),
          Clock.systemUTC()), "scheduler", Props.empty());
      system.systemActorOf(GarbageCollector.create(service, ownedHere(system),
          config.getDuration("controllers.resync-interval")), "garbage-collector", Props.empty());
      Config lifecycle = config.getConfig("node-lifecycle");
      system.systemActorOf(NodeLifecycleController.create(service, ownedHere(system),
          new NodeLifecycleController.Settings(lifecycle.getDuration("monitor-period"),
              lifecycle.getDuration("grace-period"), lifecycle.getDuration("default-toleration").toSeconds()),
          Clock.systemUTC()), "node-lifecycle", Props.empty());
      ReplicaSetController.init(system, service, Clock.systemUTC());
      DeploymentController.init(system, service, Clock.systemUTC());
      DaemonSetController.init(system, service, Clock.systemUTC());
      StatefulSetController.init(system, service, Clock.systemUTC());
      CronJobController.init(system, service, Clock.systemUTC());
      JobController.init(system, service, config.getDuration("controllers.job-backoff-initial"), Clock.systemUTC());
      HorizontalPodAutoscalerController.init(system, service, metrics, HorizontalPodAutoscalerController.Settings.from(
          config.getConfig("controllers.horizontal-pod-autoscaler")), Clock.systemUTC());
      system.systemActorOf(DisruptionBudgets.statusWriter(service, ownedHere(system), java.time.Duration.ofSeconds(1)),
          "disruption-budgets", Props.empty());
      system.systemActorOf(io.drover.control.quota.ResourceQuotas.controller(service, ownedHere(system),
          config.getDuration("controllers.resource-quota-resync")), "resource-quota-controller", Props.empty());
      system.systemActorOf(io.drover.control.storage.ClaimProtection.create(service, ownedHere(system),
          java.time.Duration.ofSeconds(5)), "pvc-protection", Props.empty());
      system.systemActorOf(io.drover.control.network.ServiceAddressRepair.create(service,
          service.serviceAddresses(), ownedHere(system), java.time.Duration.ofSeconds(60)), "service-address-repair",
          Props.empty());
      system.systemActorOf(io.drover.control.network.EndpointsController.create(service, ownedHere(system),
          config.getDuration("controllers.resync-interval")), "endpoints-controller", Props.empty());
      system.systemActorOf(io.drover.control.network.KubernetesService.controller(service,
          io.drover.control.network.ServiceRanges.from(config.getConfig("network")), ownedHere(system),
          config.getDuration("controllers.resync-interval")), "kubernetes-service", Props.empty());
      system.systemActorOf(io.drover.control.storage.VolumeBinder.create(service, ownedHere(system),
          java.time.Duration.ofSeconds(10)), "volume-binder", Props.empty());
      system.systemActorOf(WorkloadDispatcher.create(service, ownedHere(system),
          config.getDuration("controllers.resync-interval")), "workload-dispatcher", Props.empty());
      system.systemActorOf(ClusterRoleAggregation.controller(service, ownedHere(system),
          config.getDuration("controllers.resync-interval")), "clusterrole-aggregation", Props.empty());
      plane.policy.start(system, config.getDuration("controllers.resync-interval"));
      return plane.ensureBuiltInNamespaces().thenCompose(v -> plane.ensureDefaultStorageClass())
          .thenCompose(v -> BootstrapPolicy.ensure(service)).thenRun(plane.policy::refresh)
          .thenCompose(v -> plane.startClusterDns(system, config.getConfig("dns")));
    }).thenApply(done -> plane);
  }

  /**
   * Pods are partitioned among the control-plane members' schedulers by a hash of their key, so each pod has one
   * scheduler; if membership changes mid-way, two may try the same pod, which binding and reservations make safe.
   */
  static Predicate<String> ownedHere(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    return podKey -> {
      List<Address> schedulers = new ArrayList<>();
      for (Member member : cluster.state().getMembers()) {
        if (member.status() == MemberStatus.up() && member.hasRole("control-plane")) {
          schedulers.add(member.address());
        }
      }
      if (schedulers.size() <= 1) return true;
      schedulers.sort(Comparator.comparing(Address::toString));
      return schedulers.get(Math.floorMod(podKey.hashCode(), schedulers.size()))
          .equals(cluster.selfMember().address());
    };
  }

  /**
   * The kube-system/kube-dns Service (its cluster IP is where pods send DNS queries, held in the allocator like any
   * other) and this member's DNS server on it. A member that cannot bind (port 53 without root, or another member
   * of this host bound first) says so and goes on.
   */
  private CompletionStage<Void> startClusterDns(ActorSystem<?> system, Config dns) {
    if (!dns.getBoolean("enabled")) return CompletableFuture.completedFuture(null);
    io.drover.control.network.ServiceRanges ranges = io.drover.control.network.ServiceRanges.from(
        system.settings().config().getConfig("drover.network"));
    String ip = ranges.dnsIp(dns.getString("service-ip"));
    ranges.ensureLocalRoute();
    CompletionStage<?> kubeDns = store.get(ResourceRegistry.SERVICE, "kube-system", "kube-dns").isPresent()
        ? CompletableFuture.completedFuture(null)
        : service.create(ResourceRegistry.SERVICE, "kube-system", Json.MAPPER.valueToTree(java.util.Map.of(
            "apiVersion", "v1", "kind", "Service",
            "metadata", java.util.Map.of("name", "kube-dns", "namespace", "kube-system",
                "labels", java.util.Map.of("k8s-app", "kube-dns", "kubernetes.io/name", "CoreDNS")),
            "spec", java.util.Map.of("clusterIP", ip, "ports", List.of(
                java.util.Map.of("name", "dns", "port", 53, "protocol", "UDP"),
                java.util.Map.of("name", "dns-tcp", "port", 53, "protocol", "TCP"))))), WriteOptions.DEFAULT)
            .exceptionally(error -> {
              org.slf4j.LoggerFactory.getLogger(ControlPlane.class).warn("kube-dns Service: {}", error.getMessage());
              return null;
            });
    return kubeDns.thenApply(created -> {
      io.drover.control.network.ClusterDns server = new io.drover.control.network.ClusterDns(store,
          dns.getString("domain"), io.drover.control.network.ClusterDns.hostResolvers(ip));
      try {
        server.start(ip, dns.getInt("port"));
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "cluster-dns", () -> {
          try {
            server.close();
          } catch (java.io.IOException e) {
            // closing anyway
          }
          return CompletableFuture.completedFuture(Done.getInstance());
        });
      } catch (java.io.IOException e) {
        org.slf4j.LoggerFactory.getLogger(ControlPlane.class).info("cluster DNS not served by this member on {}:{}: {}",
            ip, dns.getInt("port"), e.getMessage());
      }
      return (Void) null;
    });
  }

  /** The class of the node agents' local-path provisioner; the default, so claims without a class get it. */
  public static final String LOCAL_PATH_CLASS = "local-path";
  public static final String LOCAL_PATH_PROVISIONER = "drover.io/local-path";

  /**
   * Created once, like the built-in namespaces; a user may change its default annotation or delete it (then it
   * is not created again while other classes exist).
   */
  private CompletionStage<Void> ensureDefaultStorageClass() {
    if (!store.list(ResourceRegistry.STORAGE_CLASS, null).items().isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    ObjectNode storageClass = Json.MAPPER.createObjectNode();
    storageClass.put("apiVersion", "storage.k8s.io/v1").put("kind", "StorageClass");
    storageClass.putObject("metadata").put("name", LOCAL_PATH_CLASS).putObject("annotations")
        .put("storageclass.kubernetes.io/is-default-class", "true");
    storageClass.put("provisioner", LOCAL_PATH_PROVISIONER).put("reclaimPolicy", "Delete")
        .put("volumeBindingMode", "WaitForFirstConsumer").put("allowVolumeExpansion", false);
    return service.create(ResourceRegistry.STORAGE_CLASS, null, storageClass, WriteOptions.DEFAULT)
        .exceptionally(error -> null) // another member created it first
        .thenApply(r -> (Void) null);
  }

  private CompletionStage<Void> ensureBuiltInNamespaces() {
    CompletableFuture<?>[] creations = BUILT_IN_NAMESPACES.stream()
        .filter(name -> store.get(ResourceRegistry.NAMESPACE, "", name).isEmpty())
        .map(name -> {
          ObjectNode namespace = Json.MAPPER.createObjectNode();
          namespace.putObject("metadata").put("name", name);
          return service.create(ResourceRegistry.NAMESPACE, null, namespace, WriteOptions.DEFAULT)
              .exceptionally(error -> null) // another member created it first
              .toCompletableFuture();
        })
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(creations);
  }
}
