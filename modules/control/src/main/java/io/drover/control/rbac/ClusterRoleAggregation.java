package io.drover.control.rbac;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.api.select.LabelSelector;
import io.drover.control.store.ObjectEntity;
import io.drover.control.store.ObjectService;
import io.drover.control.store.StoredObject;
import io.drover.control.store.WriteOptions;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-controller-manager's clusterrole-aggregation controller: a ClusterRole with an {@code aggregationRule} has as
 * rules those of every other ClusterRole its selectors match, in name order, without repeats, and keeps them as
 * those roles change. Aggregations chain ({@code view} feeds {@code edit}, which feeds {@code admin}); {@link
 * #desiredRules} follows the chain to its end at once, where the Kubernetes controller gets there one sync per link.
 */
public final class ClusterRoleAggregation {
  private static final Logger log = LoggerFactory.getLogger(ClusterRoleAggregation.class);

  private ClusterRoleAggregation() {}

  /**
   * The reconcile step: for each aggregated ClusterRole whose rules differ from what its selectors now gather, the
   * rules it should have. Pure; roles without an aggregationRule never change.
   */
  public static Map<String, List<PolicyRule>> desiredRules(Collection<ClusterRole> clusterRoles) {
    List<ClusterRole> byName = clusterRoles.stream()
        .sorted(Comparator.comparing(r -> r.getMetadata().getName())).toList();
    Map<String, List<PolicyRule>> current = new LinkedHashMap<>();
    byName.forEach(r -> current.put(r.getMetadata().getName(), PolicyRules.rules(r.getRules())));
    // Each pass can carry rules one link further down a chain; a chain is never longer than the role count.
    for (int pass = 0; pass <= byName.size(); pass++) {
      boolean changed = false;
      for (ClusterRole role : byName) {
        if (role.getAggregationRule() == null) continue;
        List<PolicyRule> gathered = gather(role, byName, current);
        String name = role.getMetadata().getName();
        if (!sameRules(gathered, current.get(name))) {
          current.put(name, gathered);
          changed = true;
        }
      }
      if (!changed) break;
    }
    Map<String, List<PolicyRule>> changes = new LinkedHashMap<>();
    for (ClusterRole role : byName) {
      String name = role.getMetadata().getName();
      if (role.getAggregationRule() != null && !sameRules(current.get(name), PolicyRules.rules(role.getRules()))) {
        changes.put(name, current.get(name));
      }
    }
    return changes;
  }

  /** The roles with aggregated rules filled in (as the controller would leave them). */
  public static List<ClusterRole> aggregate(List<ClusterRole> clusterRoles) {
    Map<String, List<PolicyRule>> changes = desiredRules(clusterRoles);
    return clusterRoles.stream().map(role -> {
      List<PolicyRule> rules = changes.get(role.getMetadata().getName());
      return rules == null ? role : role.toBuilder().withRules(rules).build();
    }).toList();
  }

  private static List<PolicyRule> gather(ClusterRole role, List<ClusterRole> byName,
      Map<String, List<PolicyRule>> current) {
    List<PolicyRule> gathered = new ArrayList<>();
    List<RuleKey> seen = new ArrayList<>();
    for (var selector : role.getAggregationRule().getClusterRoleSelectors()) {
      LabelSelector labels = LabelSelector.fromJson(Json.MAPPER.valueToTree(selector));
      for (ClusterRole other : byName) {
        String otherName = other.getMetadata().getName();
        if (otherName.equals(role.getMetadata().getName())) continue;
        Map<String, String> otherLabels = other.getMetadata().getLabels();
        if (!labels.matches(otherLabels == null ? Map.of() : otherLabels)) continue;
        for (PolicyRule rule : current.get(otherName)) {
          RuleKey key = RuleKey.of(rule);
          if (!seen.contains(key)) {
            seen.add(key);
            gathered.add(rule);
          }
        }
      }
    }
    return gathered;
  }

  /** Go's semantic equality of rule lists: an absent list is an empty one. */
  private static boolean sameRules(List<PolicyRule> a, List<PolicyRule> b) {
    return a.stream().map(RuleKey::of).toList().equals(b.stream().map(RuleKey::of).toList());
  }

  private record RuleKey(List<String> verbs, List<String> apiGroups, List<String> resources,
      List<String> resourceNames, List<String> nonResourceURLs) {
    static RuleKey of(PolicyRule rule) {
      return new RuleKey(PolicyRules.strings(rule.getVerbs()), PolicyRules.strings(rule.getApiGroups()),
          PolicyRules.strings(rule.getResources()), PolicyRules.strings(rule.getResourceNames()),
          PolicyRules.strings(rule.getNonResourceURLs()));
    }
  }

  // ---- the controller ----

  public sealed interface Command {}

  private record Changed() implements Command {}

  private record Sync() implements Command {}

  private static final String SYNC_AFTER_CHANGES = "sync-after-changes";

  /**
   * Writes aggregated rules: at once when a ClusterRole changes, and every {@code resync}. Each member writes the
   * aggregated roles it owns ({@code ownedHere} of the role's key); a write is conditional on the version read, so a
   * lost race is only retried by the next sync.
   */
  public static Behavior<Command> controller(ObjectService service, Predicate<String> ownedHere, Duration resync) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Sync(), resync);
      service.store().follow(o -> o.type() == ResourceRegistry.CLUSTER_ROLE, e -> ctx.getSelf().tell(new Changed()),
          ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(Changed.class, changed -> {
            // A burst of changes (the first ADDED of every role, a kubectl apply of many) is one sync: each change
            // replaces the pending timer, which fires once the mailbox has no more of them.
            timers.startSingleTimer(SYNC_AFTER_CHANGES, new Sync(), Duration.ZERO);
            return Behaviors.same();
          })
          .onMessage(Sync.class, sync -> {
            sync(service, ownedHere);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void sync(ObjectService service, Predicate<String> ownedHere) {
    Map<String, StoredObject> stored = new LinkedHashMap<>();
    List<ClusterRole> roles = new ArrayList<>();
    for (StoredObject object : service.store().list(ResourceRegistry.CLUSTER_ROLE, null).items()) {
      stored.put(object.name(), object);
      roles.add(Json.MAPPER.convertValue(object.object(), ClusterRole.class));
    }
    desiredRules(roles).forEach((name, rules) -> {
      StoredObject role = stored.get(name);
      if (!ownedHere.test(role.key())) return;
      ObjectNode updated = role.object().deepCopy();
      updated.set("rules", Json.MAPPER.valueToTree(rules));
      service.update(ResourceRegistry.CLUSTER_ROLE, null, name, updated, ObjectEntity.Scope.MAIN,
              WriteOptions.DEFAULT)
          .exceptionally(error -> {
            log.debug("aggregating ClusterRole {}: {}", name, error.toString());
            return null;
          });
    });
  }
}
