package io.drover.control.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.api.Json;
import io.drover.api.ResourceType;
import io.drover.control.store.StoredObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The ControllerRevisions of a StatefulSet or DaemonSet (pkg/controller/history): one per pod template, named
 * {@code <owner>-<template hash>}, numbered in the order the templates were used, holding the template as the
 * strategic merge patch that restores it, which is what {@code kubectl rollout history} shows and {@code kubectl
 * rollout undo} applies. Going back to an earlier template makes its revision the newest again.
 */
final class ControllerRevisions {
  private ControllerRevisions() {}

  static final String HASH_LABEL = "controller.kubernetes.io/hash";

  /**
   * The writes that keep an owner's revisions current.
   *
   * @param current the revision of the template now in the spec, its number, and the revisions owned before
   */
  record Changes(String updateRevision, long number, List<StoredObject> owned, List<ObjectNode> create,
      List<ObjectNode> update) {}

  static Changes forTemplate(ResourceType ownerType, ObjectNode owner, List<StoredObject> revisions) {
    String uid = Json.text(owner, "metadata.uid", "");
    List<StoredObject> owned = revisions.stream().filter(r -> Owners.controlledBy(r.object(), uid))
        .sorted(Comparator.comparingLong(r -> r.object().path("revision").asLong())).toList();
    long max = owned.isEmpty() ? 0 : owned.get(owned.size() - 1).object().path("revision").asLong();
    String name = Json.text(owner, "metadata.name", "") + "-"
        + DeploymentRollout.templateHash(owner.path("spec").path("template"));
    Optional<StoredObject> existing = owned.stream().filter(r -> r.name().equals(name)).findFirst();
    List<ObjectNode> create = new ArrayList<>();
    List<ObjectNode> update = new ArrayList<>();
    long number;
    if (existing.isEmpty()) {
      number = max + 1;
      create.add(revision(ownerType, owner, name, number));
    } else if (existing.get().object().path("revision").asLong() < max) {
      number = max + 1;
      ObjectNode bumped = existing.get().object().deepCopy();
      bumped.put("revision", number);
      update.add(bumped);
    } else {
      number = existing.get().object().path("revision").asLong();
    }
    return new Changes(name, number, owned, create, update);
  }

  /** Revisions beyond revisionHistoryLimit, oldest first, except the ones in use. */
  static List<StoredObject> beyondHistory(List<StoredObject> owned, Set<String> inUse, int limit) {
    List<StoredObject> history = owned.stream().filter(r -> !inUse.contains(r.name())).toList();
    List<StoredObject> old = new ArrayList<>();
    for (int i = 0; i < history.size() - limit; i++) old.add(history.get(i));
    return old;
  }

  /** A ControllerRevision holding the owner's template as the strategic merge patch that restores it. */
  static ObjectNode revision(ResourceType ownerType, ObjectNode owner, String name, long number) {
    ObjectNode revision = Json.MAPPER.createObjectNode();
    revision.put("apiVersion", "apps/v1").put("kind", "ControllerRevision");
    ObjectNode meta = revision.putObject("metadata");
    meta.put("name", name).put("namespace", Json.text(owner, "metadata.namespace", ""));
    ObjectNode labels = meta.putObject("labels");
    owner.path("spec").path("template").path("metadata").path("labels").properties()
        .forEach(e -> labels.set(e.getKey(), e.getValue()));
    labels.put(HASH_LABEL, name.substring(name.lastIndexOf('-') + 1));
    meta.putArray("ownerReferences").add(Owners.reference(ownerType, owner));
    ObjectNode template = owner.path("spec").path("template").deepCopy();
    template.put("$patch", "replace");
    revision.putObject("data").putObject("spec").set("template", template);
    revision.put("revision", number);
    return revision;
  }

  /** The template a revision holds. */
  static JsonNode templateOf(JsonNode revision) {
    ObjectNode template = revision.path("data").path("spec").path("template").deepCopy();
    template.remove("$patch");
    return template;
  }
}
