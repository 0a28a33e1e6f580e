package io.drover.control.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.ApiException;
import io.drover.api.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * What the Service registry does with addresses on create and update: asks the {@link ServiceAddressEntity} for
 * the cluster IP and NodePorts a Service needs (the ones it names, else free ones, else the ones it held) and writes
 * them into the object; a taken or out-of-range one is a 422 on its field, as Kubernetes answers.
 */
public final class ServiceAddresses {
  private final ClusterSharding sharding;
  private final Duration timeout;

  public ServiceAddresses(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
  }

  /** What a Service needs: a cluster IP (null for none, "" for any, or the one it names) and its NodePorts. */
  record Needs(String ip, List<Integer> nodePorts) {}

  static Needs needs(JsonNode service) {
    JsonNode spec = service.path("spec");
    String type = spec.path("type").asText("ClusterIP");
    String ip = spec.path("clusterIP").asText("");
    String wanted = type.equals("ExternalName") || ip.equals("None") ? null : ip;
    List<Integer> ports = new ArrayList<>();
    boolean nodePorts = type.equals("NodePort")
        || (type.equals("LoadBalancer") && spec.path("allocateLoadBalancerNodePorts").asBoolean(true));
    if (nodePorts) {
      for (JsonNode port : spec.path("ports")) ports.add(port.path("nodePort").asInt(0));
    }
    return new Needs(wanted, ports);
  }

  /**
   * Allocates for the Service with this uid and returns a copy with spec.clusterIP(s), ipFamilies and the
   * NodePorts filled in.
   */
  public CompletionStage<ObjectNode> assign(String uid, ObjectNode service) {
    Needs needs = needs(service);
    CompletableFuture<ServiceAddressEntity.Reply> answer = sharding
        .entityRefFor(ServiceAddressEntity.ENTITY_TYPE_KEY, ServiceAddressEntity.ENTITY_ID)
        .<ServiceAddressEntity.Reply>ask(r -> new ServiceAddressEntity.Allocate(uid, needs.ip(), needs.nodePorts(), r),
            timeout)
        .toCompletableFuture();
    return answer.thenApply(reply -> {
      if (reply instanceof ServiceAddressEntity.Refused refused) throw refusal(service, refused);
      ServiceAddressEntity.Allocation allocation = ((ServiceAddressEntity.Allocated) reply).allocation();
      return withAllocation(service, allocation);
    });
  }

  /** Gives back what the Service with this uid held. */
  public CompletionStage<?> release(String uid) {
    return sharding.entityRefFor(ServiceAddressEntity.ENTITY_TYPE_KEY, ServiceAddressEntity.ENTITY_ID)
        .<ServiceAddressEntity.Reply>ask(r -> new ServiceAddressEntity.Release(uid, r), timeout);
  }

  static ObjectNode withAllocation(ObjectNode service, ServiceAddressEntity.Allocation allocation) {
    ObjectNode copy = service.deepCopy();
    ObjectNode spec = Json.object(copy, "spec");
    if (!allocation.ip().isEmpty()) {
      spec.put("clusterIP", allocation.ip());
      spec.putArray("clusterIPs").add(allocation.ip());
    }
    if (!allocation.ip().isEmpty() || "None".equals(spec.path("clusterIP").asText())) {
      if (!spec.has("ipFamilies")) spec.putArray("ipFamilies").add("IPv4");
      if (!spec.has("ipFamilyPolicy")) spec.put("ipFamilyPolicy", "SingleStack");
    }
    JsonNode ports = spec.path("ports");
    for (int i = 0; i < allocation.nodePorts().size() && i < ports.size(); i++) {
      ((ObjectNode) ports.get(i)).put("nodePort", allocation.nodePorts().get(i));
    }
    return copy;
  }

  private static ApiException refusal(ObjectNode service, ServiceAddressEntity.Refused refused) {
    String name = Json.text(service, "metadata.name", "");
    if (refused.index() < 0) {
      String shown = "[]string{" + (refused.value().isEmpty() ? "" : "\"" + refused.value() + "\"") + "}";
      return ApiException.invalid("Service", "", name, List.of(new ApiException.Cause("FieldValueInvalid",
          "Invalid value: " + shown + ": " + refused.message(), "spec.clusterIPs")));
    }
    String field = "spec.ports[" + refused.index() + "].nodePort";
    String shown = refused.value().isEmpty() ? "0" : refused.value();
    return ApiException.invalid("Service", "", name, List.of(new ApiException.Cause("FieldValueInvalid",
        "Invalid value: " + shown + ": " + refused.message(), field)));
  }
}
