package io.drover.agent.pod;

import static io.drover.agent.pod.TestPods.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drover.agent.runtime.ImageStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullSecretsTest {

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static ObjectNode dockerConfigJson(String name, String json) {
    return yaml("""
        metadata: {name: %s, namespace: default}
        type: kubernetes.io/dockerconfigjson
        data: {.dockerconfigjson: %s}
        """.formatted(name, b64(json)));
  }

  static final ObjectNode POD = yaml("""
      metadata: {name: p, namespace: default}
      spec:
        imagePullSecrets: [{name: missing}, {name: local}, {name: hub}]
        containers: [{name: app, image: x}]
      """);

  static final ObjectLookup LOOKUP = TestPods.lookup(Map.of(
      "Secret/local", dockerConfigJson("local", """
          {"auths": {"127.0.0.1:5000": {"username": "drover", "password": "s3cret", "auth": "%s"},
                     "other.example:443": {"auth": "eDp5"}}}""".formatted(b64("drover:s3cret"))),
      "Secret/hub", yaml("""
          metadata: {name: hub, namespace: default}
          type: kubernetes.io/dockercfg
          data: {.dockercfg: %s}
          """.formatted(b64("{\"https://index.docker.io/v1/\": {\"auth\": \"" + b64("me:pw") + "\"}}")))));

  @Test
  void findsTheSecretsWhoseRegistryIsTheImagesSkippingMissingOnes() {
    assertEquals(List.of(new ImageStore.Credentials("127.0.0.1:5000", "drover", "s3cret", b64("drover:s3cret"))),
        PullSecrets.forImage(POD, "127.0.0.1:5000/drover/busybox:1", LOOKUP));
  }

  @Test
  void imagesWithoutARegistryHostAreOnDockerHub() {
    assertEquals(List.of(new ImageStore.Credentials("https://index.docker.io/v1/", null, null, b64("me:pw"))),
        PullSecrets.forImage(POD, "library/busybox:1.36", LOOKUP));
    assertEquals(1, PullSecrets.forImage(POD, "busybox", LOOKUP).size());
    assertEquals(List.of(), PullSecrets.forImage(POD, "quay.io/x/y:1", LOOKUP));
  }

  @Test
  void registryHostsOfImagesAndConfigKeys() {
    assertEquals("docker.io", PullSecrets.registryHost("busybox:1.36"));
    assertEquals("docker.io", PullSecrets.registryHost("library/busybox"));
    assertEquals("localhost:5000", PullSecrets.registryHost("localhost:5000/a"));
    assertEquals("quay.io", PullSecrets.registryHost("quay.io/a/b:1"));
    assertEquals("docker.io", PullSecrets.keyHost("https://index.docker.io/v1/"));
    assertEquals("127.0.0.1:5000", PullSecrets.keyHost("http://127.0.0.1:5000"));
  }
}
