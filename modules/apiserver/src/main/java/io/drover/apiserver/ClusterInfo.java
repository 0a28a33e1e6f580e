package io.drover.apiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.sharding.ShardRegion.ClusterShardingStats;
import org.apache.pekko.cluster.sharding.ShardRegion.ShardRegionStats;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/** The cluster as one member sees it, as JSON for the admin endpoint: members and the sharded entities. */
final class ClusterInfo {
  /** Pekko gives every member a role naming its data center; the JSON shows that as dataCenter instead. */
  private static final String DATA_CENTER_ROLE_PREFIX = "dc-";

  /** Shard ids are numbers: 2 before 10. */
  private static final Comparator<String> SHARD_ORDER = Comparator.comparingInt(String::length)
      .thenComparing(Comparator.naturalOrder());

  private final ActorSystem<?> system;
  private final org.apache.pekko.cluster.Cluster cluster;
  private final Duration shardStatsTimeout;

  ClusterInfo(ActorSystem<?> system, Duration shardStatsTimeout) {
    this.system = system;
    this.cluster = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system));
    this.shardStatsTimeout = shardStatsTimeout;
  }

  /**
   * Every member with its status, roles, data center and reachability; which members observe an unreachable one;
   * the leader and the oldest Up member, overall and per role (where cluster singletons run).
   */
  ObjectNode members() {
    CurrentClusterState state = cluster.state();
    List<Member> members = new ArrayList<>();
    state.getMembers().forEach(members::add);
    Set<Member> unreachable = state.getUnreachable();
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("selfNode", cluster.selfAddress().toString());
    json.put("selfStatus", cluster.selfMember().status().toString());
    json.put("leader", Optional.ofNullable(state.getLeader()).map(Address::toString).orElse(null));
    json.put("oldest", oldest(members, null).orElse(null));
    ObjectNode roleLeaders = json.putObject("roleLeaders");
    ObjectNode oldestPerRole = json.putObject("oldestPerRole");
    for (String role : new TreeSet<>(state.getAllRoles())) {
      if (role.startsWith(DATA_CENTER_ROLE_PREFIX)) continue;
      roleLeaders.put(role, Optional.ofNullable(state.getRoleLeader(role)).map(Address::toString).orElse(null));
      oldestPerRole.put(role, oldest(members, role).orElse(null));
    }
    ArrayNode list = json.putArray("members");
    for (Member member : members) {
      ObjectNode entry = list.addObject();
      entry.put("node", member.address().toString());
      entry.put("nodeUid", Long.toString(member.uniqueAddress().longUid()));
      entry.put("status", member.status().toString());
      ArrayNode roles = entry.putArray("roles");
      new TreeSet<>(member.getRoles()).stream().filter(r -> !r.startsWith(DATA_CENTER_ROLE_PREFIX)).forEach(roles::add);
      entry.put("dataCenter", member.dataCenter());
      entry.put("upNumber", member.upNumber());
      entry.put("reachable", !unreachable.contains(member));
    }
    ArrayNode unreachableList = json.putArray("unreachable");
    observersOfUnreachable().forEach((subject, observers) -> {
      ObjectNode entry = unreachableList.addObject();
      entry.put("node", subject);
      observers.forEach(entry.putArray("observedBy")::add);
    });
    return json;
  }

  /** The oldest Up member of this data center (with the role, unless null), as Pekko picks singletons' hosts. */
  private Optional<String> oldest(List<Member> members, String role) {
    Comparator<Member> byAge = Member.ageOrdering();
    return members.stream()
        .filter(m -> m.status().equals(MemberStatus.up()) && m.dataCenter().equals(cluster.selfDataCenter()))
        .filter(m -> role == null || m.hasRole(role))
        .min(byAge)
        .map(m -> m.address().toString());
  }

  /**
   * For each unreachable member, the members whose failure detectors report it. Pekko keeps this table internal
   * (the cluster's read view); Pekko Management's /cluster/members reads it the same way.
   */
  private Map<String, List<String>> observersOfUnreachable() {
    Map<String, List<String>> observers = new TreeMap<>();
    scala.jdk.javaapi.CollectionConverters.asJava(cluster.readView().reachability().observersGroupedByUnreachable())
        .forEach((UniqueAddress subject, scala.collection.immutable.Set<UniqueAddress> by) -> observers.put(
            subject.address().toString(), StreamSupport.stream(
                scala.jdk.javaapi.CollectionConverters.asJava(by).spliterator(), false)
                .map(o -> o.address().toString()).sorted().toList()));
    return observers;
  }

  /**
   * Each entity type this member has sharding for (regions or proxies), with every member's region: its shards
   * and how many entities each holds now. Regions that do not answer in time are left out by Pekko; a type whose
   * query fails says so in "error".
   */
  CompletionStage<ObjectNode> shards() {
    List<String> typeNames = new ArrayList<>(new TreeSet<>(
        org.apache.pekko.cluster.sharding.ClusterSharding.get(Adapter.toClassic(system)).getShardTypeNames()));
    List<CompletableFuture<ObjectNode>> types = typeNames.stream()
        .map(name -> shardsOf(name).toCompletableFuture())
        .toList();
    return CompletableFuture.allOf(types.toArray(CompletableFuture[]::new)).thenApply(all -> {
      ObjectNode json = Json.MAPPER.createObjectNode();
      json.put("selfNode", cluster.selfAddress().toString());
      ArrayNode list = json.putArray("entityTypes");
      types.forEach(type -> list.add(type.join()));
      return json;
    });
  }

  private CompletionStage<ObjectNode> shardsOf(String typeName) {
    // The query goes by the type's name only; the message class of the key does not matter.
    EntityTypeKey<Object> key = EntityTypeKey.create(Object.class, typeName);
    // The region waits shardStatsTimeout for the other regions; the ask gives it that long again to answer.
    CompletionStage<ClusterShardingStats> stats = AskPattern.ask(ClusterSharding.get(system).shardState(),
        replyTo -> new GetClusterShardingStats(key, shardStatsTimeout, replyTo),
        shardStatsTimeout.multipliedBy(2), system.scheduler());
    return stats.handle((answer, error) -> {
      ObjectNode type = Json.MAPPER.createObjectNode();
      type.put("name", typeName);
      if (error != null) {
        type.put("error", String.valueOf(error.getMessage()));
        return type;
      }
      long total = 0;
      ArrayNode regions = type.putArray("regions");
      Map<String, ShardRegionStats> byAddress = new TreeMap<>();
      answer.getRegions().forEach((address, region) -> byAddress.put(address.toString(), region));
      for (Map.Entry<String, ShardRegionStats> entry : byAddress.entrySet()) {
        ObjectNode region = regions.addObject();
        region.put("node", entry.getKey());
        ArrayNode shards = region.putArray("shards");
        long entities = 0;
        Map<String, Object> byShard = new TreeMap<>(SHARD_ORDER);
        byShard.putAll(entry.getValue().getStats());
        for (Map.Entry<String, Object> shard : byShard.entrySet()) {
          int count = ((Number) shard.getValue()).intValue();
          shards.addObject().put("id", shard.getKey()).put("entities", count);
          entities += count;
        }
        region.put("shardCount", shards.size());
        region.put("entities", entities);
        new TreeSet<>(entry.getValue().getFailed()).forEach(region.putArray("failedShards")::add);
        total += entities;
      }
      type.put("entities", total);
      return type;
    });
  }
}
