package io.drover.control.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.select.LabelSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A node and the pods that hold resources on it (bound, or reserved and not yet bound), with the aggregates the
 * plugins use (framework.NodeInfo). Immutable; the {@code with...} methods return updated copies cheaply, so a
 * caller can keep a snapshot current without re-reading every pod.
 *
 * <p>Pods in phase Succeeded or Failed are dropped: they no longer hold resources, and kube-scheduler's pod
 * informer does not see them either.
 */
public final class NodeInfo {
  private final ObjectNode node;
  private final List<PodInfo> podInfos;
  private final String name;
  private final Map<String, String> labels;
  private final List<Taint> taints;
  private final boolean unschedulable;
  private final Requests allocatable;
  private final long allowedPodNumber;
  private final Requests requested;
  private final Requests nonZeroRequested;
  private final List<HostPort> usedPorts;
  private final List<PodInfo> podsWithRequiredAntiAffinity;
  private final Map<String, Integer> podsByController;

  public NodeInfo(ObjectNode node, List<ObjectNode> pods) {
    this(pods.stream().map(PodInfo::of).filter(p -> !p.terminated()).toList(), node);
  }

  /** From already-read pods (argument order differs only because both lists erase to List). */
  private NodeInfo(List<PodInfo> podInfos, ObjectNode node) {
    this.node = node;
    this.podInfos = List.copyOf(podInfos);
    this.name = Json.text(node, "metadata.name");
    this.labels = Map.copyOf(LabelSelector.labelsOf(node));
    this.taints = Taint.listOf(Json.at(node, "spec.taints"));
    this.unschedulable = node.path("spec").path("unschedulable").asBoolean(false);
    JsonNode allocatableList = Json.at(node, "status.allocatable");
    if (allocatableList == null || allocatableList.isNull()) allocatableList = Json.at(node, "status.capacity");
    this.allocatable = Requests.ofResourceList(allocatableList);
    JsonNode pods = allocatableList == null ? null : allocatableList.get("pods");
    this.allowedPodNumber = pods == null || pods.isNull() ? 0 : Quantities.value(pods.asText());
    Requests sum = Requests.ZERO;
    Requests nonZeroSum = Requests.ZERO;
    List<HostPort> ports = new ArrayList<>();
    Map<String, Integer> byController = new HashMap<>();
    for (PodInfo pod : this.podInfos) {
      sum = sum.plus(pod.requests());
      nonZeroSum = nonZeroSum.plus(pod.nonZeroRequests());
      ports.addAll(pod.hostPorts());
      if (pod.controllerUid() != null && !pod.terminating()) {
        byController.merge(controllerKey(pod.namespace(), pod.controllerUid()), 1, Integer::sum);
      }
    }
    this.podsByController = Map.copyOf(byController);
    this.requested = sum;
    this.nonZeroRequested = nonZeroSum;
    this.usedPorts = List.copyOf(ports);
    this.podsWithRequiredAntiAffinity =
        this.podInfos.stream().filter(p -> !p.requiredAntiAffinityTerms().isEmpty()).toList();
  }

  /** This node with one more pod on it (a reservation made after the snapshot). Terminated pods are ignored. */
  public NodeInfo withPod(ObjectNode pod) {
    PodInfo info = PodInfo.of(pod);
    if (info.terminated()) return this;
    List<PodInfo> pods = new ArrayList<>(podInfos);
    pods.add(info);
    return new NodeInfo(pods, node);
  }

  /** This node without the pod with the given uid (or namespace/name key, see {@link PodInfo#key()}). */
  public NodeInfo withoutPod(String podKey) {
    return new NodeInfo(podInfos.stream().filter(p -> !p.key().equals(podKey)).toList(), node);
  }

  /** The same pods on an updated Node object (labels, taints, allocatable changed). */
  public NodeInfo withNode(ObjectNode updated) {
    return new NodeInfo(podInfos, updated);
  }

  public ObjectNode node() {
    return node;
  }

  /** The pods that count on this node (terminated pods dropped). */
  public List<ObjectNode> pods() {
    return podInfos.stream().map(PodInfo::pod).toList();
  }

  public List<PodInfo> podInfos() {
    return podInfos;
  }

  public String name() {
    return name;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public List<Taint> taints() {
    return taints;
  }

  public boolean unschedulable() {
    return unschedulable;
  }

  /** {@code status.allocatable} (or {@code status.capacity} when a node reports no allocatable). */
  public Requests allocatable() {
    return allocatable;
  }

  public long allowedPodNumber() {
    return allowedPodNumber;
  }

  /** Sum of the pods' requests as filtering counts them (missing = 0). */
  public Requests requested() {
    return requested;
  }

  /** Sum of the pods' requests as scoring counts them (missing cpu/memory = 100m/200Mi). */
  public Requests nonZeroRequested() {
    return nonZeroRequested;
  }

  public int podCount() {
    return podInfos.size();
  }

  public List<HostPort> usedPorts() {
    return usedPorts;
  }

  /** The pods here that keep others away (required anti-affinity); usually none, so most cycles skip the check. */
  public List<PodInfo> podsWithRequiredAntiAffinity() {
    return podsWithRequiredAntiAffinity;
  }

  /** How many pods here, not being deleted, belong to the controller with this uid in this namespace. */
  public int podsOfController(String namespace, String controllerUid) {
    return podsByController.getOrDefault(controllerKey(namespace, controllerUid), 0);
  }

  private static String controllerKey(String namespace, String controllerUid) {
    return namespace + "/" + controllerUid;
  }

  @Override
  public String toString() {
    return "NodeInfo[" + name + ", pods=" + podInfos.size() + ", requested=" + requested + "]";
  }
}
