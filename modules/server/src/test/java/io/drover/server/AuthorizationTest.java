package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.apiserver.auth.ClusterPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RBAC on every request, with the real kubectl: users from a token file and a client certificate start with no
 * rights beyond discovery and self reviews, get them from RoleBindings and ClusterRoleBindings, and see kube's 403
 * message naming user, verb and resource; {@code auth can-i}, {@code auth can-i --list} and {@code auth whoami}.
 */
class AuthorizationTest {
  static Path dataDir;
  static DroverServer server;
  static Kubectl admin;
  static Kubectl jane;

  @BeforeAll
  static void start() throws Exception {
    dataDir = TestServers.tempDataDir();
    Path tokens = dataDir.resolve("tokens.csv");
    Files.writeString(tokens, "jane-token,jane,1001,\"developers\"\nrita-token,rita,1002\n");
    server = TestServers.start(dataDir, Map.of("drover.api.authentication.token-file", tokens.toString()));
    admin = new Kubectl(server.kubeconfig());
    admin.run("create", "namespace", "team").assertOk();
    jane = new Kubectl(kubeconfig("jane", "    token: jane-token\n"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      TestServers.deleteRecursively(dataDir);
    }
  }

  @Test
  void aUserWithoutBindingsIsForbiddenWithKubesMessageAndCanIAnswersNo() {
    Kubectl rita = new Kubectl(kubeconfig("rita", "    token: rita-token\n"));
    Kubectl.Result list = rita.run("get", "pods", "-n", "team");
    assertEquals(1, list.exitCode());
    assertTrue(list.stderr().contains("Error from server (Forbidden): pods is forbidden: User \"rita\" cannot list "
        + "resource \"pods\" in API group \"\" in the namespace \"team\""), list.stderr());
    Kubectl.Result one = rita.run("get", "deployment", "web", "-n", "team");
    assertTrue(one.stderr().contains("deployments.apps \"web\" is forbidden: User \"rita\" cannot get resource "
        + "\"deployments\" in API group \"apps\" in the namespace \"team\""), one.stderr());
    Kubectl.Result nodes = rita.run("get", "nodes");
    assertTrue(nodes.stderr().contains("nodes is forbidden: User \"rita\" cannot list resource \"nodes\" in API "
        + "group \"\" at the cluster scope"), nodes.stderr());
    Kubectl.Result canI = rita.run("auth", "can-i", "list", "pods", "-n", "team");
    assertEquals("no", canI.stdout().strip());
    assertEquals(1, canI.exitCode());
  }

  @Test
  void aRoleBindingGivesExactlyItsRolesRightsInItsNamespace() {
    admin.run("create", "rolebinding", "jane-view", "--clusterrole=view", "--user=jane", "-n", "team").assertOk();
    admin.run("create", "configmap", "settings", "--from-literal=a=b", "-n", "team").assertOk();
    Polling.await(() -> jane.run("auth", "can-i", "list", "pods", "-n", "team").stdout().strip().equals("yes")
        ? true : null, Duration.ofSeconds(20), "jane's binding to take effect");
    assertTrue(jane.run("get", "configmap", "settings", "-n", "team").assertOk().stdout().contains("settings"));
    assertEquals("no", jane.run("auth", "can-i", "list", "pods", "-n", "default").stdout().strip(),
        "a RoleBinding counts in its own namespace only");
    assertEquals("no", jane.run("auth", "can-i", "get", "secrets", "-n", "team").stdout().strip(),
        "view does not read secrets");
    Kubectl.Result create = jane.run("create", "configmap", "mine", "-n", "team");
    assertEquals(1, create.exitCode());
    assertTrue(create.stderr().contains("configmaps is forbidden: User \"jane\" cannot create resource "
        + "\"configmaps\" in API group \"\" in the namespace \"team\""), create.stderr());
    String rules = jane.run("auth", "can-i", "--list", "-n", "team").assertOk().stdout();
    assertTrue(rules.lines().anyMatch(l -> l.startsWith("pods ") && l.contains("[get list watch]")), rules);
    assertTrue(rules.contains("selfsubjectaccessreviews.authorization.k8s.io"), rules);
  }

  @Test
  void anAdminImpersonatesWithAsAndAUserWithoutTheRightCannot() {
    admin.run("create", "namespace", "imp").assertOk();
    admin.run("create", "rolebinding", "ivy-edit", "--clusterrole=edit", "--user=ivy", "-n", "imp").assertOk();
    Polling.await(() -> admin.run("auth", "can-i", "create", "deployments", "-n", "imp", "--as=ivy").stdout()
        .strip().equals("yes") ? true : null, Duration.ofSeconds(20), "ivy's binding, seen through --as");
    assertEquals("no", admin.run("auth", "can-i", "create", "deployments", "-n", "default", "--as=ivy").stdout()
        .strip());
    String whoami = admin.run("auth", "whoami", "--as=ivy", "--as-group=testers").assertOk().stdout();
    assertTrue(whoami.contains("ivy") && whoami.contains("[testers system:authenticated]"), whoami);
    String account = admin.run("auth", "whoami", "--as=system:serviceaccount:imp:default").assertOk().stdout();
    assertTrue(account.contains("system:serviceaccounts:imp"), account);
    admin.run("create", "configmap", "by-ivy", "-n", "imp", "--as=ivy").assertOk();
    Kubectl.Result refused = admin.run("delete", "namespace", "imp", "--as=ivy");
    assertTrue(refused.stderr().contains("namespaces \"imp\" is forbidden: User \"ivy\" cannot delete resource "
        + "\"namespaces\""), refused.stderr());

    Kubectl.Result notAllowed = jane.run("get", "pods", "-n", "imp", "--as=drover-admin");
    assertEquals(1, notAllowed.exitCode());
    assertTrue(notAllowed.stderr().contains("users \"drover-admin\" is forbidden: User \"jane\" cannot impersonate "
        + "resource \"users\" in API group \"\" at the cluster scope"), notAllowed.stderr());
    Kubectl.Result groupOnly = admin.run("get", "pods", "-n", "imp", "--as-group=system:masters");
    assertTrue(groupOnly.exitCode() != 0, "a group without a user is refused: " + groupOnly);
  }

  @Test
  void whoamiNamesTheUserAndGroups() {
    String whoami = jane.run("auth", "whoami").assertOk().stdout();
    assertTrue(whoami.contains("jane") && whoami.contains("1001"), whoami);
    assertTrue(whoami.contains("[developers system:authenticated]"), whoami);
    String adminWhoami = admin.run("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").assertOk()
        .stdout();
    assertEquals("drover-admin", adminWhoami);
  }

  @Test
  void aGroupFromAClientCertificateIsBoundByAClusterRoleBinding() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(TestServers.TEST_PKI);
    ClusterPki.Issued bob = pki.issueClient("bob", List.of("node-readers"), Duration.ofHours(1));
    Kubectl kubectl = new Kubectl(kubeconfig("bob", "    client-certificate-data: "
        + AuthenticationTest.base64(bob.certificatePem()) + "\n    client-key-data: "
        + AuthenticationTest.base64(bob.keyPem()) + "\n"));
    assertEquals("no", kubectl.run("auth", "can-i", "list", "nodes").stdout().strip());
    admin.run("create", "clusterrole", "node-reader", "--verb=get,list,watch", "--resource=nodes").assertOk();
    admin.run("create", "clusterrolebinding", "node-readers", "--clusterrole=node-reader", "--group=node-readers")
        .assertOk();
    Polling.await(() -> kubectl.run("get", "nodes").exitCode() == 0 ? true : null, Duration.ofSeconds(20),
        "bob's group binding to take effect");
    assertEquals("yes", kubectl.run("auth", "can-i", "list", "nodes").stdout().strip());
    assertEquals("no", kubectl.run("auth", "can-i", "delete", "nodes").stdout().strip());
  }

  @Test
  void aUserCannotGrantRightsTheyDoNotHold() {
    admin.run("create", "namespace", "escalate").assertOk();
    admin.run("create", "role", "role-writer", "--verb=create,get,list", "--resource=roles,rolebindings",
        "-n", "escalate").assertOk();
    admin.run("create", "rolebinding", "jane-role-writer", "--role=role-writer", "--user=jane", "-n", "escalate")
        .assertOk();
    Polling.await(() -> jane.run("auth", "can-i", "create", "roles", "-n", "escalate").stdout().strip()
        .equals("yes") ? true : null, Duration.ofSeconds(20), "jane's role-writer binding to take effect");
    Kubectl.Result escalation = jane.run("create", "role", "pod-deleter", "--verb=delete", "--resource=pods",
        "-n", "escalate");
    assertEquals(1, escalation.exitCode());
    assertTrue(escalation.stderr().contains("is attempting to grant RBAC permissions not currently held"),
        escalation.stderr());
    // A role within what she holds is fine.
    jane.run("create", "role", "role-reader", "--verb=get,list", "--resource=roles", "-n", "escalate").assertOk();
  }

  @Test
  void everyRequestIsAuditedWithUserVerbResourceAndCode() throws Exception {
    Kubectl rita = new Kubectl(kubeconfig("rita", "    token: rita-token\n"));
    rita.run("get", "secret", "audited", "-n", "team");
    admin.run("create", "configmap", "audited", "-n", "team").assertOk();
    Path file = dataDir.resolve("audit").resolve("audit.log");
    Polling.await(() -> {
      try {
        List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(file)) lines.add(io.drover.api.Json.MAPPER.readTree(line));
        boolean refused = lines.stream().anyMatch(e -> e.at("/user/username").asText().equals("rita")
            && e.path("verb").asText().equals("get") && e.at("/objectRef/resource").asText().equals("secrets")
            && e.at("/objectRef/namespace").asText().equals("team")
            && e.at("/objectRef/name").asText().equals("audited") && e.at("/responseStatus/code").asInt() == 403);
        boolean created = lines.stream().anyMatch(e -> e.at("/user/username").asText().equals("drover-admin")
            && e.path("verb").asText().equals("create") && e.at("/objectRef/resource").asText().equals("configmaps")
            && e.at("/responseStatus/code").asInt() == 201);
        return refused && created ? true : null;
      } catch (java.io.IOException e) {
        return null;
      }
    }, Duration.ofSeconds(20), "the refused get and the create in " + file);
  }

  static Path kubeconfig(String name, String userLines) {
    return TestServers.userKubeconfig(server, dataDir, name, userLines);
  }
}
