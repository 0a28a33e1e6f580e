package io.drover.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.drover.apiserver.auth.ClusterPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * drover.cluster.tls = on: two members with Artery certificates of the test CA form one cluster over mutual TLS,
 * and the API works through either. A system holding no member certificate of that CA (another CA's, one of the
 * right CA for another subject, or none: plain TCP) never joins, while a probe set up the same way but with a
 * member certificate joins: the refusals are TLS's doing, not a broken probe.
 */
class ArteryTlsTest {
  static final Duration DEADLINE = Duration.ofSeconds(90);
  /**
   * How long refused systems are watched. A system that may join is Up within a few seconds (the probe in
   * {@link #onlySystemsWithAMemberCertificateOfTheClusterCaJoin}); seed nodes are retried every few seconds.
   */
  static final Duration REFUSAL_WATCH = Duration.ofSeconds(15);
  /** Light members: virtual containers. */
  static final Map<String, Object> TLS_ON = Map.of("drover.cluster.tls", "on", "drover.agent.runtime", "sim");

  static TestServers.Member memberA;
  static TestServers.Member memberB;
  static final List<Path> probeDirs = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    memberA = TestServers.startMember(with(TLS_ON, "drover.agent.node-name", "tls-a"));
    memberB = TestServers.joinMember(memberA, with(TLS_ON, "drover.agent.node-name", "tls-b"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      TestServers.stop(memberA, memberB);
    } finally {
      probeDirs.forEach(TestServers::deleteRecursively);
    }
  }

  @Test
  void membersWithCertificatesOfTheClusterCaFormOneClusterOverTls() throws Exception {
    for (TestServers.Member member : List.of(memberA, memberB)) {
      Polling.await(() -> upMembers(member.server().system()).size() == 2, DEADLINE, "both members Up");
      Config config = member.server().system().settings().config();
      assertEquals("tls-tcp", config.getString("pekko.remote.artery.transport"));
      Path dir = ArteryTls.directory(member.dataDir());
      assertEquals(dir.resolve("tls.key").toString(),
          config.getString("pekko.remote.artery.ssl.rotating-keys-engine.key-file"));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls.key"))));
      assertEquals(Files.readString(TestServers.TEST_PKI.resolve("ca.crt")), Files.readString(dir.resolve("ca.crt")));
    }
    // Writes through one member reach entities wherever sharding placed them: over TLS.
    Kubectl viaA = memberA.kubectl();
    Kubectl viaB = memberB.kubectl();
    createPod(viaA, "made-via-a");
    createPod(viaB, "made-via-b");
    for (Kubectl kubectl : List.of(viaA, viaB)) {
      for (String pod : List.of("made-via-a", "made-via-b")) {
        Polling.await(() -> kubectl.run("get", "pod", pod, "-o", "jsonpath={.metadata.name}").stdout().equals(pod),
            DEADLINE, pod + " visible through either member");
      }
    }
  }

  @Test
  void onlySystemsWithAMemberCertificateOfTheClusterCaJoin() throws Exception {
    ClusterPki clusterCa = ClusterPki.loadOrCreate(TestServers.TEST_PKI);
    Path otherCaDir = probeDir();
    ClusterPki otherCa = ClusterPki.loadOrCreate(otherCaDir);

    ActorSystem<Void> probe = startSystem("probe", true, clusterCa, ArteryTls.MEMBER_SUBJECT);
    try {
      Polling.await(() -> Cluster.get(probe).selfMember().status() == MemberStatus.up(), DEADLINE,
          "the probe with a member certificate of the cluster CA to join");
    } finally {
      terminate(probe);
    }
    // Gone from both members' views (not only no longer Up): the watch below counts every member they know.
    Set<Address> members = Set.of(address(memberA.server().system()), address(memberB.server().system()));
    Polling.await(() -> List.of(memberA.server().system(), memberB.server().system()).stream().allMatch(member -> {
      Set<Address> known = new HashSet<>();
      Cluster.get(member).state().getMembers().forEach(m -> known.add(m.address()));
      return known.equals(members);
    }) ? true : null, DEADLINE, "the probe to leave");

    Map<String, ActorSystem<Void>> refused = new HashMap<>();
    try {
      refused.put("another CA", startSystem("other-ca", true, otherCa, ArteryTls.MEMBER_SUBJECT));
      refused.put("another subject", startSystem("other-subject", true, clusterCa, "someone-else"));
      refused.put("plain TCP", startSystem("plain", false, clusterCa, null));
      long end = System.nanoTime() + REFUSAL_WATCH.toNanos();
      while (System.nanoTime() < end) {
        for (var entry : refused.entrySet()) {
          MemberStatus status = Cluster.get(entry.getValue()).selfMember().status();
          assertTrue(status != MemberStatus.up() && status != MemberStatus.weaklyUp(),
              "a system with " + entry.getKey() + " joined: " + status);
        }
        for (ActorSystem<Void> member : List.of(memberA.server().system(), memberB.server().system())) {
          Set<Address> known = new HashSet<>();
          Cluster.get(member).state().getMembers().forEach(m -> known.add(m.address()));
          assertEquals(members, known, "the members know only each other");
        }
        Polling.pause();
      }
    } finally {
      refused.values().forEach(ArteryTlsTest::terminate);
    }
  }

  /**
   * A bare actor system named like the members, with the members' configuration, trying to join member A: over TLS
   * with a certificate for {@code subject} from {@code ca}, or over plain TCP.
   */
  static ActorSystem<Void> startSystem(String name, boolean tls, ClusterPki ca, String subject) throws Exception {
    Path dir = probeDir();
    Config config = DroverServer.config(dir, 0, Map.of(
        "pekko.cluster.seed-nodes", List.of(address(memberA.server().system()).toString()),
        "pekko.cluster.roles", List.of(name)));
    if (tls) config = ArteryTls.configure(config, ca, subject, dir);
    return ActorSystem.create(Behaviors.empty(), "drover", config);
  }

  static Path probeDir() {
    Path dir = TestServers.tempDataDir();
    probeDirs.add(dir);
    return dir;
  }

  static void terminate(ActorSystem<Void> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("an actor system did not stop", e);
    }
  }

  static List<Address> upMembers(ActorSystem<Void> system) {
    List<Address> up = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(m -> {
      if (m.status() == MemberStatus.up()) up.add(m.address());
    });
    return up;
  }

  static Address address(ActorSystem<Void> system) {
    return Cluster.get(system).selfMember().address();
  }

  static void createPod(Kubectl kubectl, String name) {
    kubectl.runWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
          - {name: main, image: busybox, command: ["sleep", "3600"]}
        """.formatted(name), "apply", "-f", "-").assertOk();
  }

  static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
    Map<String, Object> all = new HashMap<>(base);
    all.put(key, value);
    return all;
  }
}
