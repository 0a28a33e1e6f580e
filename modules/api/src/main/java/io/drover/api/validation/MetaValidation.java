package io.drover.api.validation;

import static io.drover.api.validation.Errors.child;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.api.validation.Formats.NameFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ObjectMeta, labels, annotations and label selectors: apimachinery's api/validation/objectmeta.go,
 * apis/meta/v1/validation and the finalizer rule of pkg/apis/core/validation.
 */
final class MetaValidation {
  private MetaValidation() {}

  static final String IMMUTABLE = "field is immutable";
  static final String NEGATIVE = "must be greater than or equal to 0";
  static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
  private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");

  /** ValidateObjectMeta as the core types call it (name generation has already happened). */
  static void objectMeta(JsonNode meta, boolean namespaced, NameFormat nameFormat, String path, Errors errs) {
    objectMetaAccessor(meta, namespaced, nameFormat, path, errs);
    List<JsonNode> finalizers = Nodes.list(meta, "finalizers");
    for (int i = 0; i < finalizers.size(); i++) {
      kubeFinalizerName(finalizers.get(i).asText(), Errors.index(child(path, "finalizers"), i), errs);
    }
  }

  /** apimachinery's ValidateObjectMetaAccessor, without the kube finalizer rule (what Event gets). */
  static void objectMetaAccessor(JsonNode meta, boolean namespaced, NameFormat nameFormat, String path,
      Errors errs) {
    String generateName = Nodes.str(meta, "generateName");
    if (!generateName.isEmpty()) {
      errs.invalidEach(child(path, "generateName"), generateName, nameFormat.check(generateName, true));
    }
    String name = Nodes.str(meta, "name");
    if (name.isEmpty()) {
      errs.required(child(path, "name"), "name or generateName is required");
    } else {
      errs.invalidEach(child(path, "name"), name, nameFormat.check(name, false));
    }
    String namespace = Nodes.str(meta, "namespace");
    if (namespaced) {
      if (namespace.isEmpty()) {
        errs.required(child(path, "namespace"), "");
      } else {
        errs.invalidEach(child(path, "namespace"), namespace, NameFormat.DNS_LABEL.check(namespace, false));
      }
    } else if (!namespace.isEmpty()) {
      errs.forbidden(child(path, "namespace"), "not allowed on this type");
    }
    nonNegative(meta, "generation", path, errs);
    labels(Nodes.strings(meta, "labels"), child(path, "labels"), errs);
    annotations(Nodes.strings(meta, "annotations"), child(path, "annotations"), errs);
    ownerReferences(Nodes.list(meta, "ownerReferences"), child(path, "ownerReferences"), errs);
    finalizers(Nodes.list(meta, "finalizers"), child(path, "finalizers"), errs);
  }

  /** ValidateObjectMetaUpdate's checks that do not repeat the create rules. */
  static void objectMetaUpdate(JsonNode meta, JsonNode oldMeta, String path, Errors errs) {
    for (String field : List.of("name", "namespace")) {
      String value = Nodes.str(meta, field);
      if (!value.equals(Nodes.str(oldMeta, field))) errs.invalid(child(path, field), value, IMMUTABLE);
    }
    // An update without a uid keeps the stored one (rest.BeforeUpdate); a different one is refused.
    String uid = Nodes.str(meta, "uid");
    if (!uid.isEmpty() && !uid.equals(Nodes.str(oldMeta, "uid"))) errs.invalid(child(path, "uid"), uid, IMMUTABLE);
  }

  static void labels(Map<String, String> labels, String path, Errors errs) {
    labels.forEach((key, value) -> {
      errs.invalidEach(path, key, Formats.qualifiedName(key));
      errs.invalidEach(path, value, Formats.labelValue(value));
    });
  }

  static void annotations(Map<String, String> annotations, String path, Errors errs) {
    long size = 0;
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      // Annotation keys are qualified names in which case does not matter.
      errs.invalidEach(path, e.getKey(), Formats.qualifiedName(e.getKey().toLowerCase(Locale.ROOT)));
      size += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT);
  }

  private static void ownerReferences(List<JsonNode> references, String path, Errors errs) {
    String firstController = "";
    for (JsonNode ref : references) {
      // Go reports these at the list path itself, without an index.
      String apiVersion = Nodes.str(ref, "apiVersion");
      String kind = Nodes.str(ref, "kind");
      String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
      if (apiVersion.chars().filter(c -> c == '/').count() > 1) version = "";
      if (version.isEmpty()) errs.invalid(child(path, "apiVersion"), apiVersion, "version must not be empty");
      if (kind.isEmpty()) errs.invalid(child(path, "kind"), kind, "must not be empty");
      if (Nodes.str(ref, "name").isEmpty()) errs.invalid(child(path, "name"), "", "must not be empty");
      if (Nodes.str(ref, "uid").isEmpty()) errs.invalid(child(path, "uid"), "", "must not be empty");
      if (apiVersion.equals("v1") && kind.equals("Event")) {
        errs.invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner");
      }
      if (Nodes.bool(ref, "controller")) {
        String controller = kind + "/" + Nodes.str(ref, "name");
        if (!firstController.isEmpty()) {
          errs.invalid(path, references, "Only one reference can have Controller set to true. Found \"true\" in "
              + "references for " + firstController + " and " + controller);
        } else {
          firstController = controller;
        }
      }
    }
  }

  private static void finalizers(List<JsonNode> finalizers, String path, Errors errs) {
    boolean orphan = false;
    boolean foreground = false;
    List<String> names = new ArrayList<>();
    for (JsonNode finalizer : finalizers) {
      String name = finalizer.asText();
      names.add(name);
      errs.invalidEach(path, name, Formats.qualifiedName(name));
      orphan |= name.equals("orphan");
      foreground |= name.equals("foregroundDeletion");
    }
    if (orphan && foreground) {
      errs.invalid(path, names, "finalizer orphan and foregroundDeletion cannot be both set");
    }
  }

  /** validateKubeFinalizerName: a finalizer without a domain must be one Kubernetes itself uses. */
  static void kubeFinalizerName(String name, String path, Errors errs) {
    if (!name.contains("/") && !STANDARD_FINALIZERS.contains(name)) {
      errs.invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified");
    }
  }

  /** metav1 ValidateLabelSelector. */
  static void labelSelector(JsonNode selector, String path, Errors errs) {
    labels(Nodes.strings(selector, "matchLabels"), child(path, "matchLabels"), errs);
    List<JsonNode> expressions = Nodes.list(selector, "matchExpressions");
    for (int i = 0; i < expressions.size(); i++) {
      JsonNode expression = expressions.get(i);
      String at = Errors.index(child(path, "matchExpressions"), i);
      String operator = Nodes.str(expression, "operator");
      int values = Nodes.list(expression, "values").size();
      switch (operator) {
        case "In", "NotIn" -> {
          if (values == 0) {
            errs.required(child(at, "values"), "must be specified when `operator` is 'In' or 'NotIn'");
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (values > 0) {
            errs.forbidden(child(at, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
          }
        }
        default -> errs.invalid(child(at, "operator"), operator, "not a valid selector operator");
      }
      String key = Nodes.str(expression, "key");
      errs.invalidEach(child(at, "key"), key, Formats.qualifiedName(key));
    }
  }

  /** Whether a label selector matches a label set (metav1.LabelSelectorAsSelector(...).Matches). */
  static boolean matches(JsonNode selector, Map<String, String> labels) {
    for (Map.Entry<String, String> e : Nodes.strings(selector, "matchLabels").entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) return false;
    }
    for (JsonNode expression : Nodes.list(selector, "matchExpressions")) {
      String key = Nodes.str(expression, "key");
      List<String> values = new ArrayList<>();
      Nodes.list(expression, "values").forEach(v -> values.add(v.asText()));
      boolean present = labels.containsKey(key);
      boolean ok = switch (Nodes.str(expression, "operator")) {
        case "In" -> present && values.contains(labels.get(key));
        case "NotIn" -> !present || !values.contains(labels.get(key));
        case "Exists" -> present;
        case "DoesNotExist" -> !present;
        default -> false;
      };
      if (!ok) return false;
    }
    return true;
  }

  /** ValidateNonnegativeField for an optional integer field. */
  static void nonNegative(JsonNode node, String field, String path, Errors errs) {
    Long value = Nodes.num(node, field);
    if (value != null && value < 0) errs.invalid(child(path, field), value, NEGATIVE);
  }
}
