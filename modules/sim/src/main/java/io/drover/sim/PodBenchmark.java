package io.drover.sim;

import static io.drover.sim.Figures.rate;
import static io.drover.sim.Figures.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import io.drover.server.DroverServer;
import io.drover.sim.Figures.Spread;
import io.drover.sim.PodTracker.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code drover bench pods}: one in-process member with the process runtime creates N pods ({@code sleep 3600},
 * cpu request 1m so that a hundred fit) over HTTP with concurrent clients, and measures each pod's create -> Running
 * latency from a pod watch; then deletes them all and measures until they are gone from the API and their processes
 * have exited; finally closes the member and checks that no process of the run is left.
 *
 * <p>One warm-up pod runs first and is left out of the figures: the first container of a fresh data directory
 * builds the container shim.
 */
public final class PodBenchmark {
  static final String NAMESPACE = "bench-pods";
  static final String CPU_REQUEST = "1m";

  /**
   * What to run. The grace period of the deletes defaults to 1 s, as {@code kubectl delete --now}: the containers'
   * PID 1 ({@code sleep}) ignores SIGTERM, so each stop waits the grace period out. The deadline bounds each phase
   * (start and warm-up, until all run, until all are gone, the check after close). A null dataDir means a temporary
   * directory, deleted afterwards; a null json writes no file.
   */
  public record Options(int count, int clients, int gracePeriodSeconds, Duration deadline, Path dataDir, Path json) {
    public Options {
      if (count < 1 || clients < 1 || gracePeriodSeconds < 0 || deadline.isNegative()) {
        throw new IllegalArgumentException("count and clients must be positive, grace period not negative");
      }
    }

    public static Options defaults() {
      return new Options(100, 4, 1, Duration.ofSeconds(120), null, null);
    }

    /** Parses {@code --count N --clients C --grace-period S --deadline SECONDS --data-dir DIR --json FILE}. */
    public static Options parse(String... args) {
      Options d = defaults();
      Args a = Args.parse(args,
          List.of("--count", "--clients", "--grace-period", "--deadline", "--data-dir", "--json"));
      return new Options(a.integer("--count", d.count()), a.integer("--clients", d.clients()),
          a.integer("--grace-period", d.gracePeriodSeconds()), a.seconds("--deadline", d.deadline()),
          a.path("--data-dir"), a.path("--json"));
    }
  }

  /**
   * The figures of one run; latencies in milliseconds from the send of the pod's create request.
   *
   * @param warmupSeconds create -> Running of the warm-up pod (includes building the container shim)
   * @param allRunningSeconds from the first create sent until the last pod was seen Running
   * @param processes the run's processes (shims and containers) alive once all pods ran
   * @param allGoneSeconds from the first delete sent until the last DELETED event
   * @param processesAliveWhenGone how many of {@code processes} still ran (zombies count as exited) once every pod
   *     was gone from the API (Kubernetes removes a pod only after its containers stopped), with one for a clue
   * @param processesExitedSeconds from the first delete sent until the last of {@code processes} had exited
   * @param processesLeft processes of the run still alive after the member was closed (killed by the benchmark)
   */
  public record Result(String runtime, int count, int clients, int gracePeriodSeconds, double warmupSeconds, int createFailures,
      String firstCreateFailure, Spread createRequestMs, Spread boundMs, Spread runningMs, double allRunningSeconds,
      double podsPerSecond, int notRunning, int processes, int deleteFailures, String firstDeleteFailure,
      double allGoneSeconds, int notGone, int processesAliveWhenGone, String oneAliveWhenGone,
      double processesExitedSeconds, int processesNotExited, int processesLeft,
      int watchErrors, String firstWatchError) implements Bench.Result {

    /** Every pod was created, ran, and went away with its processes, and nothing outlived the member. */
    @Override
    public boolean correct() {
      return createFailures == 0 && notRunning == 0 && deleteFailures == 0 && notGone == 0
          && processesNotExited == 0 && processesLeft == 0 && watchErrors == 0;
    }

    @Override
    public String report() {
      return String.format("""
          Drover pods benchmark: %d pods (sleep 3600, cpu %s) on one member, %s runtime, %d clients \
          (warm-up pod excluded)
          warm-up pod          Running %.2f s after its create (process: builds the shim; cri: pulls the image)
          create request ms    %s
          create -> bound ms   %s
          create -> Running ms %s
          all Running          %.2f s after the first create: %.2f pods/s  (%d not Running, %d creates not 201%s)
          delete (grace %d s)   all gone from the API after %.2f s (%d not gone, %d deletes failed%s)
          processes            %d of the run; %d alive when all pods were gone%s; all exited %.2f s after the \
          first delete (%d still alive)
          after close          %d processes of the run left%s""",
          count, CPU_REQUEST, runtime, clients, warmupSeconds, createRequestMs, boundMs, runningMs, allRunningSeconds,
          podsPerSecond, notRunning, createFailures, failure(firstCreateFailure), gracePeriodSeconds, allGoneSeconds,
          notGone, deleteFailures, failure(firstDeleteFailure), processes, processesAliveWhenGone,
          oneAliveWhenGone == null ? "" : " (e.g. " + oneAliveWhenGone + ")", processesExitedSeconds,
          processesNotExited, processesLeft,
          watchErrors == 0 ? "" : "\nwatch errors         " + watchErrors + "; first: " + firstWatchError);
    }

    Result withProcessesLeft(int left) {
      return new Result(runtime, count, clients, gracePeriodSeconds, warmupSeconds, createFailures,
          firstCreateFailure,
          createRequestMs, boundMs, runningMs, allRunningSeconds, podsPerSecond, notRunning, processes,
          deleteFailures, firstDeleteFailure, allGoneSeconds, notGone, processesAliveWhenGone, oneAliveWhenGone,
          processesExitedSeconds, processesNotExited,
          left, watchErrors, firstWatchError);
    }

    private static String failure(String first) {
      return first == null ? "" : "; first: " + first;
    }
  }

  /**
   * The container runtime of a run: its settings, and the image the pods run ({@code sleep 3600} must work in it).
   * With cri the containers run under the runtime's shims, which the process checks cannot see: they count none.
   */
  public record Runtime(String name, Map<String, Object> settings, String image) {
    public static final Runtime PROCESS = new Runtime("process", Map.of(), "busybox");
  }

  private final Options options;
  private final Runtime runtime;
  private final Path dataDir;
  /** The run's processes, for the check after close. */
  private final List<ProcessHandle> seen;
  private final BenchHttp http;
  private final String pods = "/api/v1/namespaces/" + NAMESPACE + "/pods";

  private PodBenchmark(Options options, Runtime runtime, Path dataDir, BenchHttp http, List<ProcessHandle> seen) {
    this.options = options;
    this.runtime = runtime;
    this.dataDir = dataDir;
    this.seen = seen;
    this.http = http;
  }

  /** Starts a member, measures, stops it, checks for leftover processes, and deletes a temporary data directory. */
  public static Result run(Options options) throws Exception {
    return run(options, Runtime.PROCESS);
  }

  /** As {@link #run(Options)} with the given container runtime. */
  public static Result run(Options options, Runtime runtime) throws Exception {
    Path dataDir = Bench.dataDir(options.dataDir(), "drover-bench-pods-");
    List<ProcessHandle> seen = new ArrayList<>();
    try {
      Result measured;
      Map<String, Object> settings = new java.util.HashMap<>(runtime.settings());
      settings.put("drover.agent.stop-containers-on-shutdown", true);
      settings.put("drover.agent.runtime", runtime.name());
      try (DroverServer server = DroverServer.start(DroverServer.config(dataDir, 0, settings))) {
        measured = new PodBenchmark(options, runtime, dataDir, BenchHttp.of(server, options.deadline()), seen).measure();
        Bench.progress("closing the member");
      }
      return measured.withProcessesLeft(stopLeftovers(dataDir, seen, options.deadline()));
    } finally {
      stopLeftovers(dataDir, seen, Duration.ZERO); // a failed run leaves no process behind either
      if (options.dataDir() == null) Bench.deleteRecursively(dataDir);
    }
  }

  private Result measure() throws Exception {
    long deadline = System.nanoTime() + options.deadline().toNanos(); // for start-up and the warm-up pod
    http.createNamespace(NAMESPACE);
    Bench.progress("waiting for the node to register");
    awaitReadyNode(deadline);
    // Names are unique per run, so a reused --data-dir does not answer 409.
    String run = Long.toString(System.currentTimeMillis(), 36);

    Bench.progress("warm-up: one pod");
    PodTracker warm = new PodTracker("warm-" + run + "-", 1);
    double warmupSeconds;
    try (WatchStream stream = watchPods(warm)) {
      BenchHttp.Batch create = http.send(1, 1, i -> http.post(pods, pod("warm-" + run + "-" + i)), BenchHttp.CREATED);
      if (create.failures() > 0) throw new IOException("the warm-up pod was not created: " + create.firstFailure());
      if (!warm.await(Stage.RUNNING, deadline)) {
        throw new IOException("the warm-up pod did not run: " + warm.firstError());
      }
      warmupSeconds = seconds(warm.last(Stage.RUNNING) - create.sentAt()[0]);
      http.send(1, 1, i -> http.delete(pods + "/warm-" + run + "-" + i + "?gracePeriodSeconds=0"), BenchHttp.DELETED);
      warm.await(Stage.GONE, deadline);
    }

    String prefix = "pod-" + run + "-";
    PodTracker tracker = new PodTracker(prefix, options.count());
    try (WatchStream stream = watchPods(tracker)) {
      Bench.progress("creating %d pods with %d clients", options.count(), options.clients());
      BenchHttp.Batch creates = http.send(options.count(), options.clients(), i -> http.post(pods, pod(prefix + i)),
          BenchHttp.CREATED);
      tracker.await(Stage.RUNNING, creates.startNanos() + options.deadline().toNanos());
      int running = tracker.reached(Stage.RUNNING);
      long allRunning = running == 0 ? 0 : tracker.last(Stage.RUNNING) - creates.startNanos();
      Bench.progress("%d of %d pods Running after %.2f s", running, options.count(), allRunning / 1e9);

      List<ProcessHandle> processes = runProcesses(dataDir);
      seen.addAll(processes);
      Bench.progress("deleting %d pods (grace period %d s); %d processes", options.count(),
          options.gracePeriodSeconds(), processes.size());
      long deleteDeadline = System.nanoTime() + options.deadline().toNanos();
      // Watched from its own thread while the deletes go out and the DELETED events come in.
      CompletableFuture<Long> exited = CompletableFuture.supplyAsync(() -> awaitExit(processes, deleteDeadline),
          runnable -> new Thread(runnable, "bench-process-exits").start());
      BenchHttp.Batch deletes = http.send(options.count(), options.clients(),
          i -> http.delete(pods + "/" + prefix + i + "?gracePeriodSeconds=" + options.gracePeriodSeconds()),
          BenchHttp.DELETED);
      tracker.await(Stage.GONE, deleteDeadline);
      int gone = tracker.reached(Stage.GONE);
      String aliveWhenGone = processes.stream().filter(PodBenchmark::running)
          .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).findFirst().orElse(null);
      int processesAliveWhenGone = (int) processes.stream().filter(PodBenchmark::running).count();
      long allGone = gone == 0 ? 0 : tracker.last(Stage.GONE) - deletes.startNanos();
      long lastExit = exited.get();
      int stillAlive = (int) processes.stream().filter(PodBenchmark::running).count();
      return new Result(runtime.name(), options.count(), options.clients(), options.gracePeriodSeconds(),
          warmupSeconds,
          creates.failures(), creates.firstFailure(), Spread.of(creates.latencies()),
          Spread.of(tracker.latencies(Stage.BOUND, creates.sentAt())),
          Spread.of(tracker.latencies(Stage.RUNNING, creates.sentAt())), seconds(allRunning),
          rate(running, allRunning), options.count() - running, processes.size(), deletes.failures(),
          deletes.firstFailure(), seconds(allGone), options.count() - gone,
          processesAliveWhenGone, aliveWhenGone, stillAlive == 0 ? seconds(lastExit - deletes.startNanos()) : 0,
          stillAlive, 0, tracker.errors(), tracker.firstError());
    }
  }

  private WatchStream watchPods(PodTracker tracker) throws IOException, InterruptedException {
    return http.watch(http.uri(pods + "?watch=true&resourceVersion=" + http.listResourceVersion(pods)), tracker);
  }

  /** Lists the nodes and, if none is Ready yet, watches them until one is (list, then watch: an informer's start). */
  private void awaitReadyNode(long deadline) throws Exception {
    JsonNode list = http.get("/api/v1/nodes");
    for (JsonNode node : list.path("items")) {
      if (ready(node)) return;
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    String from = list.path("metadata").path("resourceVersion").asText();
    try (WatchStream stream = http.watch(http.uri("/api/v1/nodes?watch=true&resourceVersion=" + from),
        new WatchStream.Listener() {
          @Override
          public void onEvent(String type, JsonNode node, long arrivedNanos) {
            if (ready(node)) ready.complete(null);
          }

          @Override
          public void onEnd(Exception error) {
            ready.completeExceptionally(new IOException("the node watch ended", error));
          }
        })) {
      ready.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no node became Ready within " + options.deadline().toSeconds() + " s");
    }
  }

  private static boolean ready(JsonNode node) {
    for (JsonNode condition : node.path("status").path("conditions")) {
      if (condition.path("type").asText().equals("Ready")) return condition.path("status").asText().equals("True");
    }
    return false;
  }

  private String pod(String name) {
    return """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"drover-bench"}},\
        "spec":{"containers":[{"name":"main","image":"%s","command":["sleep","3600"],\
        "resources":{"requests":{"cpu":"%s"}}}]}}""".formatted(name, runtime.image(), CPU_REQUEST);
  }

  // --- processes ---

  /** The run's processes: those whose command line names the data directory (the shims), and their descendants. */
  static List<ProcessHandle> runProcesses(Path dataDir) {
    String dir = dataDir.toAbsolutePath().toString();
    List<ProcessHandle> named = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(dir)).orElse(false))
        .toList();
    return named.stream().flatMap(p -> Stream.concat(Stream.of(p), p.descendants())).distinct().toList();
  }

  /**
   * Waits up to {@code wait} for the given processes and any other of the run to exit, then kills what is left:
   * answers how many had to be killed.
   */
  static int stopLeftovers(Path dataDir, List<ProcessHandle> seen, Duration wait) {
    List<ProcessHandle> candidates = Stream.concat(seen.stream(), runProcesses(dataDir).stream()).distinct().toList();
    awaitExit(candidates, System.nanoTime() + wait.toNanos());
    List<ProcessHandle> left = candidates.stream().filter(PodBenchmark::running).toList();
    left.forEach(p -> Bench.progress("left after close: %d %s", p.pid(), p.info().commandLine().orElse("")));
    left.forEach(ProcessHandle::destroyForcibly);
    return left.size();
  }

  /**
   * Whether the process still runs. A zombie has exited: it only waits for its parent to reap it, and an orphaned
   * shim's parent is the machine's init, which may take seconds (ProcessHandle.isAlive counts zombies as alive).
   */
  static boolean running(ProcessHandle process) {
    if (!process.isAlive()) return false;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // "pid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ')'
      int end = stat.lastIndexOf(')');
      return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
    } catch (IOException e) {
      return process.isAlive(); // no /proc: trust the JDK
    }
  }

  /**
   * Waits until every process has exited or the deadline passed, and answers when the last one was seen gone. Polls:
   * these are not our children, and the JDK's onExit for other processes checks only every 300 ms or more.
   */
  static long awaitExit(List<ProcessHandle> processes, long deadline) {
    List<ProcessHandle> alive = new ArrayList<>(processes);
    long lastExit = System.nanoTime();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      if (alive.removeIf(p -> !running(p))) lastExit = System.nanoTime();
      if (!alive.isEmpty()) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    return lastExit;
  }
}
