package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentRolloutTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static StoredObject deployment(int replicas, String image, String strategy) {
    ObjectNode d = (ObjectNode) json("""
        {'apiVersion':'apps/v1','kind':'Deployment',
         'metadata':{'name':'web','namespace':'ns','uid':'d-uid','generation':2,'creationTimestamp':'2026-01-01T00:00:00Z'},
         'spec':{'replicas':%d,'selector':{'matchLabels':{'app':'web'}},%s
                 'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'%s'}]}}}}
        """.formatted(replicas, strategy, image));
    return new StoredObject(ResourceRegistry.DEPLOYMENT, "ns", "web", d, 10, 2);
  }

  /** A ReplicaSet the deployment owns, built the way the controller builds it. */
  static StoredObject replicaSet(StoredObject d, int spec, int available, long revision, String created) {
    DeploymentRollout.Plan first = DeploymentRollout.plan(d, List.of(), NOW);
    ObjectNode rs = first.create().get(0).deepCopy();
    Json.object(rs, "metadata").put("uid", "rs-" + revision).put("creationTimestamp", created);
    Json.object(Json.object(rs, "metadata"), "annotations").put(DeploymentRollout.REVISION, Long.toString(revision));
    Json.object(rs, "spec").put("replicas", spec);
    rs.putObject("status").put("replicas", spec).put("readyReplicas", available).put("availableReplicas", available);
    return new StoredObject(ResourceRegistry.REPLICA_SET, "ns", Json.text(rs, "metadata.name"), rs, 5, 1);
  }

  static int replicasOf(List<ObjectNode> objects, String name) {
    return objects.stream().filter(o -> name.equals(Json.text(o, "metadata.name"))).findFirst()
        .map(o -> o.path("spec").path("replicas").asInt()).orElse(-1);
  }

  @Test
  void scalingInTheMiddleOfARolloutSpreadsTheChangeInProportion() {
    // Mid-rollout at 10 replicas (maxSurge 3): the old ReplicaSet has 8, the new one 5. Then scaled to 20.
    StoredObject before = deployment(10, "old", "");
    StoredObject old = replicaSet(before, 8, 8, 1, "2026-01-01T00:00:00Z");
    StoredObject newer = replicaSet(deployment(10, "new", ""), 5, 0, 2, "2026-01-01T00:05:00Z");
    for (StoredObject rs : List.of(old, newer)) {
      Json.object(Json.object(rs.object(), "metadata"), "annotations").put(DeploymentRollout.DESIRED_REPLICAS, "10")
          .put(DeploymentRollout.MAX_REPLICAS, "13");
    }
    DeploymentRollout.Plan plan = DeploymentRollout.plan(deployment(20, "new", ""), List.of(old, newer), NOW);
    // 20 + 25% surge = 25 allowed, 12 more: 8*25/13 ~ 15 and 5*25/13 ~ 10.
    assertEquals(15, replicasOf(plan.update(), old.name()));
    assertEquals(10, replicasOf(plan.update(), newer.name()));
    assertEquals("20", plan.update().get(0).path("metadata").path("annotations")
        .path(DeploymentRollout.DESIRED_REPLICAS).asText());
    // Scaled down to 5 instead (25% surge = 2, 7 allowed, 6 fewer): 8*7/13 ~ 4 and 5*7/13 ~ 3.
    DeploymentRollout.Plan down = DeploymentRollout.plan(deployment(5, "new", ""), List.of(old, newer), NOW);
    assertEquals(4, replicasOf(down.update(), old.name()));
    assertEquals(3, replicasOf(down.update(), newer.name()));
  }

  @Test
  void fencepostsScalePercentagesSurgeUpAndUnavailableDown() {
    assertEquals(new DeploymentRollout.Fenceposts(3, 2), DeploymentRollout.fenceposts(json("{}"), 10));
    assertEquals(new DeploymentRollout.Fenceposts(1, 0),
        DeploymentRollout.fenceposts(json("{'maxSurge':'10%','maxUnavailable':'10%'}"), 5));
    assertEquals(new DeploymentRollout.Fenceposts(0, 1),
        DeploymentRollout.fenceposts(json("{'maxSurge':0,'maxUnavailable':0}"), 5));
    assertEquals(new DeploymentRollout.Fenceposts(2, 1),
        DeploymentRollout.fenceposts(json("{'maxSurge':2,'maxUnavailable':'1'}"), 5));
  }

  @Test
  void aNewDeploymentCreatesItsReplicaSetWithAllReplicasAndRevisionOne() {
    DeploymentRollout.Plan plan = DeploymentRollout.plan(deployment(3, "a", ""), List.of(), NOW);
    assertEquals(1, plan.create().size());
    ObjectNode rs = plan.create().get(0);
    String hash = DeploymentRollout.templateHash(deployment(3, "a", "").object().path("spec").path("template"));
    assertEquals("web-" + hash, Json.text(rs, "metadata.name"));
    assertEquals(hash, Json.text(rs, "spec.selector.matchLabels.pod-template-hash"));
    assertEquals(hash, Json.text(rs, "spec.template.metadata.labels.pod-template-hash"));
    assertEquals("1", rs.path("metadata").path("annotations").path(DeploymentRollout.REVISION).asText());
    assertEquals(3, rs.path("spec").path("replicas").asInt());
    assertEquals(true, rs.path("metadata").path("ownerReferences").get(0).path("controller").asBoolean());
    assertEquals("1", plan.deploymentAnnotations() == null ? null
        : plan.deploymentAnnotations().path(DeploymentRollout.REVISION).asText());
  }

  @Test
  void aRollingUpdateSurgesThenScalesOldDownWithinTheBounds() {
    String bounds = "'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1,'maxUnavailable':1}},";
    StoredObject v1 = deployment(5, "a", bounds);
    StoredObject old = replicaSet(v1, 5, 5, 1, "2026-01-01T00:00:00Z");
    StoredObject v2 = deployment(5, "b", bounds);
    // Step 1: the new ReplicaSet appears with maxTotal - current = 1 replica.
    DeploymentRollout.Plan step1 = DeploymentRollout.plan(v2, List.of(old), NOW);
    assertEquals(1, step1.create().size());
    assertEquals(1, step1.create().get(0).path("spec").path("replicas").asInt());
    assertEquals("2", step1.create().get(0).path("metadata").path("annotations").path(DeploymentRollout.REVISION)
        .asText());
    assertTrue(step1.update().isEmpty(), "old untouched while the new one is created");
    // Step 2: new at 1 (not yet available), old at 5: 6 pods, minAvailable 4, 1 new unavailable -> old down by 1.
    StoredObject fresh = replicaSet(v2, 1, 0, 2, "2026-01-01T00:05:00Z");
    DeploymentRollout.Plan step2 = DeploymentRollout.plan(v2, List.of(old, fresh), NOW);
    assertEquals(4, replicasOf(step2.update(), old.name()));
    // Step 3: old at 4 (4 available), new at 1: total 5 < maxTotal 6 -> new up to 2; old waits for the next round.
    StoredObject old4 = replicaSet(v1, 4, 4, 1, "2026-01-01T00:00:00Z");
    DeploymentRollout.Plan step3 = DeploymentRollout.plan(v2, List.of(old4, fresh), NOW);
    assertEquals(2, replicasOf(step3.update(), fresh.name()));
    assertEquals(-1, replicasOf(step3.update(), old4.name()));
    int updated = step3.status().path("updatedReplicas").asInt();
    assertEquals(1, updated);
  }

  @Test
  void recreateScalesOldToZeroAndWaitsForItsPodsBeforeCreatingTheNew() {
    String recreate = "'strategy':{'type':'Recreate'},";
    StoredObject v1 = deployment(3, "a", recreate);
    StoredObject v2 = deployment(3, "b", recreate);
    StoredObject old = replicaSet(v1, 3, 3, 1, "2026-01-01T00:00:00Z");
    DeploymentRollout.Plan first = DeploymentRollout.plan(v2, List.of(old), NOW);
    assertTrue(first.create().isEmpty());
    assertEquals(0, replicasOf(first.update(), old.name()));
    // Scaled to 0 but pods still terminating: nothing new yet.
    ObjectNode draining = old.object().deepCopy();
    Json.object(draining, "spec").put("replicas", 0);
    StoredObject drainingRs = new StoredObject(ResourceRegistry.REPLICA_SET, "ns", old.name(), draining, 6, 2);
    assertTrue(DeploymentRollout.plan(v2, List.of(drainingRs), NOW).create().isEmpty());
    StoredObject gone = replicaSet(v1, 0, 0, 1, "2026-01-01T00:00:00Z");
    DeploymentRollout.Plan last = DeploymentRollout.plan(v2, List.of(gone), NOW);
    assertEquals(1, last.create().size());
    assertEquals(3, last.create().get(0).path("spec").path("replicas").asInt());
  }

  @Test
  void rollingBackReusesTheOldReplicaSetAndMovesItsRevisionUp() {
    StoredObject v1 = deployment(2, "a", "");
    StoredObject v2 = deployment(2, "b", "");
    StoredObject rs1 = replicaSet(v1, 0, 0, 1, "2026-01-01T00:00:00Z");
    StoredObject rs2 = replicaSet(v2, 2, 2, 2, "2026-01-01T00:05:00Z");
    // kubectl rollout undo writes the old template back, with creationTimestamp: null in its metadata.
    ObjectNode undone = v1.object().deepCopy();
    Json.object((ObjectNode) undone.path("spec").path("template"), "metadata").putNull("creationTimestamp");
    StoredObject back = new StoredObject(ResourceRegistry.DEPLOYMENT, "ns", "web", undone, 20, 3);
    DeploymentRollout.Plan plan = DeploymentRollout.plan(back, List.of(rs1, rs2), NOW);
    assertTrue(plan.create().isEmpty(), "no new ReplicaSet: the old one matches");
    ObjectNode reused = plan.update().stream().filter(o -> rs1.name().equals(Json.text(o, "metadata.name")))
        .findFirst().orElseThrow();
    assertEquals("3", reused.path("metadata").path("annotations").path(DeploymentRollout.REVISION).asText());
    assertTrue(reused.path("spec").path("replicas").asInt() > 0, "scaled up");
  }

  @Test
  void progressStallingPastTheDeadlineReportsProgressDeadlineExceeded() {
    StoredObject v1 = deployment(2, "a", "'progressDeadlineSeconds':60,");
    StoredObject rs = replicaSet(v1, 2, 0, 1, "2026-01-01T00:00:00Z");
    ObjectNode d = v1.object().deepCopy();
    d.set("status", json("""
        {'observedGeneration':2,'replicas':2,'updatedReplicas':2,'readyReplicas':0,'availableReplicas':0,
         'conditions':[{'type':'Progressing','status':'True','reason':'ReplicaSetUpdated','message':'x',
           'lastUpdateTime':'2026-01-01T00:08:00Z','lastTransitionTime':'2026-01-01T00:08:00Z'}]}"""));
    StoredObject stalled = new StoredObject(ResourceRegistry.DEPLOYMENT, "ns", "web", d, 30, 4);
    JsonNode progressing = null;
    for (JsonNode c : DeploymentRollout.plan(stalled, List.of(rs), NOW).status().path("conditions")) {
      if (c.path("type").asText().equals("Progressing")) progressing = c;
    }
    assertEquals("False", progressing.path("status").asText());
    assertEquals("ProgressDeadlineExceeded", progressing.path("reason").asText());
    // Within the deadline it stays, and the controller is told when to look again.
    DeploymentRollout.Plan early = DeploymentRollout.plan(stalled, List.of(rs),
        Instant.parse("2026-01-01T00:08:30Z"));
    assertTrue(early.recheckIn() != null && early.recheckIn().toSeconds() <= 31, String.valueOf(early.recheckIn()));
  }

  @Test
  void oldReplicaSetsBeyondTheHistoryLimitAreDeletedOldestFirst() {
    List<StoredObject> sets = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      sets.add(replicaSet(deployment(2, "v" + i, ""), 0, 0, i, "2026-01-01T00:0" + i + ":00Z"));
    }
    StoredObject current = deployment(2, "v4", "'revisionHistoryLimit':1,");
    sets.add(replicaSet(current, 2, 2, 4, "2026-01-01T00:05:00Z"));
    DeploymentRollout.Plan plan = DeploymentRollout.plan(current, sets, NOW);
    assertEquals(List.of(sets.get(0).name(), sets.get(1).name()), plan.delete().stream().map(StoredObject::name)
        .toList());
    assertNull(plan.recheckIn(), "complete: no deadline to watch");
  }
}
