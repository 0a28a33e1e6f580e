package io.drover.api.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import org.junit.jupiter.api.Test;

class K8sNamesTest {

  @Test
  void fabric8ClassesMapToKubernetesSchemaNames() {
    assertEquals("io.k8s.api.core.v1.Pod", K8sNames.of(Pod.class));
    assertEquals("io.k8s.api.apps.v1.Deployment", K8sNames.of(Deployment.class));
    assertEquals("io.k8s.api.apps.v1.DeploymentSpec", K8sNames.of(DeploymentSpec.class));
    assertEquals("io.k8s.api.core.v1.PodSpec", K8sNames.of(PodSpec.class));
    assertEquals("io.k8s.apimachinery.pkg.apis.meta.v1.Status", K8sNames.of(Status.class));
    assertEquals("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", K8sNames.of(ObjectMeta.class));
    assertEquals("io.k8s.apimachinery.pkg.api.resource.Quantity", K8sNames.of(Quantity.class));
    assertEquals("io.k8s.apimachinery.pkg.util.intstr.IntOrString", K8sNames.of(IntOrString.class));
  }
}
