package io.drover.control.rbac;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.ResourceType;
import io.drover.control.store.ObjectService;
import io.drover.control.store.WriteOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.AggregationRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles and bindings a cluster starts with, as kube-apiserver's bootstrap policy
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) has them: {@code cluster-admin} for the
 * {@code system:masters} group; the user-facing {@code admin}, {@code edit} and {@code view}, aggregated from the
 * {@code system:aggregate-to-*} roles (and from any role a user labels
 * {@code rbac.authorization.k8s.io/aggregate-to-*});
 * discovery, self-review and public-info roles for every authenticated user, the last also for unauthenticated ones.
 * Rules are kept verbatim, also for kinds Drover does not serve, so the roles read as in any cluster. Each object is
 * labelled {@code kubernetes.io/bootstrapping: rbac-defaults} and annotated
 * {@code rbac.authorization.kubernetes.io/autoupdate: "true"}.
 */
public final class BootstrapPolicy {
  private static final Logger log = LoggerFactory.getLogger(BootstrapPolicy.class);

  private BootstrapPolicy() {}

  public static final String SYSTEM_MASTERS = "system:masters";
  public static final String AUTHENTICATED = "system:authenticated";
  public static final String UNAUTHENTICATED = "system:unauthenticated";
  public static final String AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
  public static final String AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
  public static final String AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

  private static final List<String> READ = List.of("get", "list", "watch");
  private static final List<String> WRITE = List.of("create", "update", "patch", "delete", "deletecollection");
  private static final List<String> READ_WRITE = List.of("get", "list", "watch", "create", "update", "patch", "delete",
      "deletecollection");
  private static final String CORE = "";
  private static final String APPS = "apps";
  private static final String AUTHENTICATION = "authentication.k8s.io";
  private static final String AUTHORIZATION = "authorization.k8s.io";
  private static final String AUTOSCALING = "autoscaling";
  private static final String BATCH = "batch";
  private static final String COORDINATION = "coordination.k8s.io";
  private static final String DISCOVERY = "discovery.k8s.io";
  private static final String EXTENSIONS = "extensions";
  private static final String NETWORKING = "networking.k8s.io";
  private static final String POLICY = "policy";

  public static List<ClusterRole> clusterRoles() {
    return List.of(
        // a "root" role which can do absolutely anything
        clusterRole("cluster-admin", Map.of(),
            resourceRule(List.of("*"), List.of("*"), "*"),
            urlRule(List.of("*"), "*")),
        // just enough to know whether the server is ready and to discover API versions
        clusterRole("system:discovery", Map.of(),
            urlRule(List.of("get"), "/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi",
                "/openapi/*", "/api", "/api/*", "/apis", "/apis/*")),
        // what a "normal" user needs to learn about themselves
        clusterRole("system:basic-user", Map.of(),
            resourceRule(List.of("create"), List.of(AUTHORIZATION), "selfsubjectaccessreviews",
                "selfsubjectrulesreviews"),
            resourceRule(List.of("create"), List.of(AUTHENTICATION), "selfsubjectreviews")),
        // insensitive cluster information, for anyone
        clusterRole("system:public-info-viewer", Map.of(),
            urlRule(List.of("get"), "/livez", "/readyz", "/healthz", "/version", "/version/")),
        // a namespace's admin: edit plus granting rights to others (RoleBindings within the namespace)
        aggregated("admin", Map.of(), AGGREGATE_TO_ADMIN),
        // every user-level action in a namespace, but not its quotas, limits or status subresources
        aggregated("edit", Map.of(AGGREGATE_TO_ADMIN, "true"), AGGREGATE_TO_EDIT),
        // read-only access to what does not let one escalate (no secrets)
        aggregated("view", Map.of(AGGREGATE_TO_EDIT, "true"), AGGREGATE_TO_VIEW),
        clusterRole("system:aggregate-to-admin", Map.of(AGGREGATE_TO_ADMIN, "true"),
            resourceRule(List.of("create"), List.of(AUTHORIZATION), "localsubjectaccessreviews"),
            resourceRule(READ_WRITE, List.of(ResourceRegistry.RBAC_GROUP), "roles", "rolebindings")),
        clusterRole("system:aggregate-to-edit", Map.of(AGGREGATE_TO_EDIT, "true"), aggregateToEditRules()),
        clusterRole("system:aggregate-to-view", Map.of(AGGREGATE_TO_VIEW, "true"), aggregateToViewRules()));
  }

  private static PolicyRule[] aggregateToEditRules() {
    return new PolicyRule[] {
        // read on escalating resources
        resourceRule(READ, List.of(CORE), "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
            "services/proxy"),
        resourceRule(List.of("impersonate"), List.of(CORE), "serviceaccounts"),
        resourceRule(WRITE, List.of(CORE), "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
        resourceRule(List.of("create"), List.of(CORE), "pods/eviction"),
        resourceRule(WRITE, List.of(CORE), "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"),
        resourceRule(List.of("create"), List.of(CORE), "serviceaccounts/token"),
        resourceRule(WRITE, List.of(APPS), "statefulsets", "statefulsets/scale", "daemonsets", "deployments",
            "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
        resourceRule(WRITE, List.of(AUTOSCALING), "horizontalpodautoscalers"),
        resourceRule(WRITE, List.of(BATCH), "jobs", "cronjobs"),
        resourceRule(WRITE, List.of(EXTENSIONS), "daemonsets", "deployments", "deployments/scale",
            "deployments/rollback", "ingresses", "replicasets", "replicasets/scale", "replicationcontrollers/scale",
            "networkpolicies"),
        resourceRule(WRITE, List.of(POLICY), "poddisruptionbudgets"),
        resourceRule(WRITE, List.of(NETWORKING), "networkpolicies", "ingresses"),
        resourceRule(READ_WRITE, List.of(COORDINATION), "leases")};
  }

  private static PolicyRule[] aggregateToViewRules() {
    return new PolicyRule[] {
        resourceRule(READ, List.of(CORE), "pods", "replicationcontrollers", "replicationcontrollers/scale",
            "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims",
            "persistentvolumeclaims/status", "configmaps"),
        resourceRule(READ, List.of(CORE), "limitranges", "resourcequotas", "bindings", "events", "pods/status",
            "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
        // reading namespaces at namespace scope means reading *this* namespace: which namespaces one may use
        resourceRule(READ, List.of(CORE), "namespaces"),
        resourceRule(READ, List.of(DISCOVERY), "endpointslices"),
        resourceRule(READ, List.of(APPS), "controllerrevisions", "statefulsets", "statefulsets/status",
            "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status",
            "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"),
        resourceRule(READ, List.of(AUTOSCALING), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
        resourceRule(READ, List.of(BATCH), "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
        resourceRule(READ, List.of(EXTENSIONS), "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
            "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale",
            "replicasets/status", "replicationcontrollers/scale", "networkpolicies"),
        resourceRule(READ, List.of(POLICY), "poddisruptionbudgets", "poddisruptionbudgets/status"),
        resourceRule(READ, List.of(NETWORKING), "networkpolicies", "ingresses", "ingresses/status")};
  }

  public static List<ClusterRoleBinding> clusterRoleBindings() {
    return List.of(
        clusterBinding("cluster-admin", SYSTEM_MASTERS),
        clusterBinding("system:discovery", AUTHENTICATED),
        clusterBinding("system:basic-user", AUTHENTICATED),
        clusterBinding("system:public-info-viewer", AUTHENTICATED, UNAUTHENTICATED));
  }

  /** The bootstrap policy alone, as the authorizer would see it once created and aggregated. */
  public static PolicySource source() {
    return PolicySource.of(List.of(), List.of(), ClusterRoleAggregation.aggregate(clusterRoles()),
        clusterRoleBindings());
  }

  /**
   * Creates every bootstrap role and binding that does not exist yet. Members starting together may race: a create
   * that finds the object already there is fine. Existing objects are left as they are (also when a user changed
   * them).
   */
  public static CompletionStage<Void> ensure(ObjectService service) {
    List<CompletableFuture<?>> creates = new ArrayList<>();
    for (ClusterRole role : clusterRoles()) creates.add(createIfAbsent(service, ResourceRegistry.CLUSTER_ROLE, role));
    for (ClusterRoleBinding binding : clusterRoleBindings()) {
      creates.add(createIfAbsent(service, ResourceRegistry.CLUSTER_ROLE_BINDING, binding));
    }
    return CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new));
  }

  private static CompletableFuture<?> createIfAbsent(ObjectService service, ResourceType type, HasMetadata object) {
    String name = object.getMetadata().getName();
    if (service.store().get(type, "", name).isPresent()) return CompletableFuture.completedFuture(null);
    ObjectNode json = Json.MAPPER.valueToTree(object);
    return service.create(type, null, json, WriteOptions.DEFAULT)
        .exceptionally(error -> {
          log.debug("bootstrap {} {}: {}", type.kind(), name, error.toString()); // another member created it first
          return null;
        })
        .toCompletableFuture();
  }

  // ---- builders, as rbacv1helpers.NewRule(...).RuleOrDie() (lists sorted) and NewClusterBinding(...) ----

  private static PolicyRule resourceRule(List<String> verbs, List<String> groups, String... resources) {
    return new PolicyRuleBuilder().withVerbs(sorted(verbs)).withApiGroups(sorted(groups))
        .withResources(sorted(Arrays.asList(resources))).build();
  }

  private static PolicyRule urlRule(List<String> verbs, String... urls) {
    return new PolicyRuleBuilder().withVerbs(sorted(verbs)).withNonResourceURLs(sorted(Arrays.asList(urls))).build();
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().toList();
  }

  private static ClusterRole clusterRole(String name, Map<String, String> labels, PolicyRule... rules) {
    return new ClusterRoleBuilder().withApiVersion(ResourceRegistry.CLUSTER_ROLE.apiVersion()).withKind("ClusterRole")
        .withMetadata(metadata(name, labels)).withRules(rules).build();
  }

  private static ClusterRole aggregated(String name, Map<String, String> labels, String selectedLabel) {
    return new ClusterRoleBuilder().withApiVersion(ResourceRegistry.CLUSTER_ROLE.apiVersion()).withKind("ClusterRole")
        .withMetadata(metadata(name, labels))
        .withAggregationRule(new AggregationRuleBuilder().withClusterRoleSelectors(
            new LabelSelectorBuilder().withMatchLabels(Map.of(selectedLabel, "true")).build()).build())
        .build();
  }

  private static ClusterRoleBinding clusterBinding(String role, String... groups) {
    List<Subject> subjects = Arrays.stream(groups)
        .map(g -> new SubjectBuilder().withKind("Group").withApiGroup(ResourceRegistry.RBAC_GROUP).withName(g).build())
        .toList();
    return new ClusterRoleBindingBuilder().withApiVersion(ResourceRegistry.CLUSTER_ROLE_BINDING.apiVersion())
        .withKind("ClusterRoleBinding").withMetadata(metadata(role, Map.of()))
        .withNewRoleRef(ResourceRegistry.RBAC_GROUP, "ClusterRole", role).withSubjects(subjects).build();
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta metadata(String name, Map<String, String> labels) {
    Map<String, String> all = new LinkedHashMap<>(labels);
    all.put("kubernetes.io/bootstrapping", "rbac-defaults");
    return new ObjectMetaBuilder().withName(name).withLabels(all)
        .withAnnotations(Map.of("rbac.authorization.kubernetes.io/autoupdate", "true")).build();
  }
}
