package io.drover.control.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceRegistry;
import io.drover.control.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The StatefulSet decisions without an ActorSystem: order, scale-down, rolling update with partition, revisions. */
class StatefulSetControlTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static StoredObject set(int replicas, String image, String extraSpec) {
    ObjectNode set = (ObjectNode) DeploymentRolloutTest.json("""
        {'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'web','namespace':'ns','uid':'sts-uid','generation':1},
         'spec':{%s'replicas':%d,'serviceName':'web','selector':{'matchLabels':{'app':'web'}},
          'podManagementPolicy':'OrderedReady','revisionHistoryLimit':10,
          'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'partition':0}},
          'persistentVolumeClaimRetentionPolicy':{'whenDeleted':'Retain','whenScaled':'Retain'},
          'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'%s',
            'volumeMounts':[{'name':'data','mountPath':'/data'}]}]}},
          'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce'],
            'resources':{'requests':{'storage':'1Gi'}}}}]}}""".formatted(extraSpec, replicas, image));
    return new StoredObject(ResourceRegistry.STATEFUL_SET, "ns", "web", set, 10, 1);
  }

  static String revision(StoredObject set) {
    return "web-" + DeploymentRollout.templateHash(set.object().path("spec").path("template"));
  }

  static StoredObject pod(StoredObject set, int ordinal, boolean ready, String revision) {
    ObjectNode pod = StatefulSetControl.pod(set.object(), Owners.reference(ResourceRegistry.STATEFUL_SET,
        set.object()), ordinal, set.object().path("spec").path("template"), revision);
    Json.object(pod, "metadata").put("uid", "u-" + ordinal).put("creationTimestamp", "2026-01-01T00:00:00Z");
    ObjectNode status = pod.putObject("status").put("phase", ready ? "Running" : "Pending");
    if (ready) {
      status.putArray("conditions").addObject().put("type", "Ready").put("status", "True")
          .put("lastTransitionTime", "2026-01-01T00:00:00Z");
    }
    return new StoredObject(ResourceRegistry.POD, "ns", "web-" + ordinal, pod, 2, 1);
  }

  static StoredObject revisionObject(StoredObject set, long number) {
    ObjectNode revision = ControllerRevisions.revision(ResourceRegistry.STATEFUL_SET, set.object(), revision(set),
        number);
    return new StoredObject(ResourceRegistry.CONTROLLER_REVISION, "ns", revision(set), revision, 3, 1);
  }

  static List<String> names(List<ObjectNode> objects) {
    return objects.stream().map(o -> Json.text(o, "metadata.name")).toList();
  }

  @Test
  void orderedReadyCreatesOnePodAtATimeWithItsClaimFirst() {
    StoredObject set = set(3, "v1", "");
    var first = StatefulSetControl.plan(set, List.of(), List.of(), List.of(), NOW);
    assertEquals(List.of("web-0"), names(first.createPods()));
    assertEquals(List.of("data-web-0"), names(first.createClaims()));
    assertEquals(List.of(revision(set)), names(first.createRevisions()));
    ObjectNode pod = first.createPods().get(0);
    assertEquals("web-0", pod.at("/spec/hostname").asText());
    assertEquals("web", pod.at("/spec/subdomain").asText());
    assertEquals("data-web-0", pod.at("/spec/volumes/0/persistentVolumeClaim/claimName").asText());
    assertEquals(revision(set), pod.at("/metadata/labels/controller-revision-hash").asText());
    assertEquals("0", pod.at("/metadata/labels/apps.kubernetes.io~1pod-index").asText());

    StoredObject rev = revisionObject(set, 1);
    var waiting = StatefulSetControl.plan(set, List.of(pod(set, 0, false, revision(set))), List.of(), List.of(rev),
        NOW);
    assertEquals(List.of(), waiting.createPods(), "web-1 waits until web-0 is ready");
    var next = StatefulSetControl.plan(set, List.of(pod(set, 0, true, revision(set))), List.of(), List.of(rev), NOW);
    assertEquals(List.of("web-1"), names(next.createPods()));
  }

  @Test
  void parallelCreatesAllAtOnce() {
    StoredObject set = set(3, "v1", "");
    ((ObjectNode) set.object().get("spec")).put("podManagementPolicy", "Parallel");
    var plan = StatefulSetControl.plan(set, List.of(), List.of(), List.of(), NOW);
    assertEquals(List.of("web-0", "web-1", "web-2"), names(plan.createPods()));
  }

  @Test
  void scaleDownRemovesTheHighestOrdinalFirstAndKeepsClaims() {
    StoredObject set = set(1, "v1", "");
    String r = revision(set);
    List<StoredObject> pods = List.of(pod(set, 0, true, r), pod(set, 1, true, r), pod(set, 2, true, r));
    var plan = StatefulSetControl.plan(set, pods, List.of(), List.of(revisionObject(set, 1)), NOW);
    assertEquals(List.of("web-2"), plan.deletePods().stream().map(StoredObject::name).toList());
    assertEquals(List.of(), plan.deleteClaims());
    assertEquals(3, plan.status().path("replicas").asInt());
  }

  @Test
  void rollingUpdateReplacesFromTheTopDownToThePartition() {
    StoredObject old = set(3, "v1", "");
    StoredObject updated = set(3, "v2", "");
    ((ObjectNode) updated.object().at("/spec/updateStrategy/rollingUpdate")).put("partition", 1);
    ((ObjectNode) updated.object().get("metadata")).put("generation", 2);
    Json.object(updated.object(), "status").put("currentRevision", revision(old));
    List<StoredObject> revisions = List.of(revisionObject(old, 1));
    String r1 = revision(old);
    List<StoredObject> pods = new ArrayList<>(List.of(pod(old, 0, true, r1), pod(old, 1, true, r1),
        pod(old, 2, true, r1)));
    var plan = StatefulSetControl.plan(updated, pods, List.of(), revisions, NOW);
    assertEquals(List.of("web-2"), plan.deletePods().stream().map(StoredObject::name).toList());
    assertEquals(List.of(revision(updated)), names(plan.createRevisions()));
    assertEquals(2, plan.createRevisions().get(0).path("revision").asLong());
    assertEquals(revision(old), plan.status().path("currentRevision").asText());

    // web-2 is back at the new revision and ready: web-1 is next; web-0 stays below the partition.
    pods.set(2, pod(updated, 2, true, revision(updated)));
    List<StoredObject> both = List.of(revisions.get(0), revisionObject(updated, 2));
    var second = StatefulSetControl.plan(updated, pods, List.of(), both, NOW);
    assertEquals(List.of("web-1"), second.deletePods().stream().map(StoredObject::name).toList());
    pods.set(1, pod(updated, 1, true, revision(updated)));
    var done = StatefulSetControl.plan(updated, pods, List.of(), both, NOW);
    assertEquals(List.of(), done.deletePods());
    assertEquals(2, done.status().path("updatedReplicas").asInt());
    assertEquals(1, done.status().path("currentReplicas").asInt());
    assertEquals(revision(old), done.status().path("currentRevision").asText(), "partitioned: not complete");

    // A pod below the partition that is recreated gets the current revision's template.
    List<StoredObject> withoutZero = List.of(pods.get(1), pods.get(2));
    var recreate = StatefulSetControl.plan(updated, withoutZero, List.of(), both, NOW);
    assertEquals(revision(old), recreate.createPods().get(0).at("/metadata/labels/controller-revision-hash").asText());
    assertEquals("v1", recreate.createPods().get(0).at("/spec/containers/0/image").asText());
  }

  @Test
  void goingBackToAnOlderTemplateMakesItsRevisionTheNewest() {
    StoredObject v1 = set(1, "v1", "");
    StoredObject v2 = set(1, "v2", "");
    List<StoredObject> revisions = List.of(revisionObject(v1, 1), revisionObject(v2, 2));
    var plan = StatefulSetControl.plan(v1, List.of(pod(v2, 0, true, revision(v2))), List.of(), revisions, NOW);
    assertEquals(List.of(), plan.createRevisions());
    assertEquals(List.of(revision(v1)), names(plan.updateRevisions()));
    assertEquals(3, plan.updateRevisions().get(0).path("revision").asLong());
    assertEquals(List.of("web-0"), plan.deletePods().stream().map(StoredObject::name).toList());
  }

  @Test
  void failedPodsAreReplacedAndOrphansWithAMembersNameAdopted() {
    StoredObject set = set(2, "v1", "");
    StoredObject failed = pod(set, 0, false, revision(set));
    ((ObjectNode) failed.object().get("status")).put("phase", "Failed");
    ObjectNode orphan = pod(set, 1, true, revision(set)).object().deepCopy();
    ((ObjectNode) orphan.get("metadata")).remove("ownerReferences");
    var plan = StatefulSetControl.plan(set, List.of(failed, new StoredObject(ResourceRegistry.POD, "ns", "web-1",
        orphan, 3, 1)), List.of(), List.of(revisionObject(set, 1)), NOW);
    assertEquals(List.of("web-0"), plan.deletePods().stream().map(StoredObject::name).toList());
    assertEquals(List.of("web-1"), names(plan.adopt()));
    assertTrue(Owners.controlledBy(plan.adopt().get(0), "sts-uid"));
  }

  @Test
  void whenScaledDeleteRemovesClaimsOfGonePods() {
    StoredObject set = set(1, "v1", "");
    ((ObjectNode) set.object().at("/spec/persistentVolumeClaimRetentionPolicy")).put("whenScaled", "Delete");
    ObjectNode claim = (ObjectNode) DeploymentRolloutTest.json("{'metadata':{'name':'data-web-1','namespace':'ns'}}");
    ObjectNode kept = (ObjectNode) DeploymentRolloutTest.json("{'metadata':{'name':'data-web-0','namespace':'ns'}}");
    var plan = StatefulSetControl.plan(set, List.of(pod(set, 0, true, revision(set))),
        List.of(new StoredObject(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, "ns", "data-web-1", claim, 1, 1),
            new StoredObject(ResourceRegistry.PERSISTENT_VOLUME_CLAIM, "ns", "data-web-0", kept, 1, 1)),
        List.of(revisionObject(set, 1)), NOW);
    assertEquals(List.of("data-web-1"), plan.deleteClaims().stream().map(StoredObject::name).toList());
  }
}
