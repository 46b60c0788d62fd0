package chatapp;

import chatapp.testing.TestConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run command as a user runs it: {@code Main} in its own JVM with the embedded default. It must
 * come up, answer, and leave no engine JVM and no bound port behind when it stops or fails.
 */
class RunCommandTest {

  private static final Path DIR = Path.of(".devstack", "run-test");

  private record Run(Process process, List<ProcessHandle> engines, List<String> output, Map<String, String> env,
                     CompletableFuture<Void> drained) {
  }

  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("DEVSTACK_DIR", DIR.toString());
    env.put("DEVSTACK_KAFKA_PORT", String.valueOf(TestConfig.freePort()));
    env.put("DEVSTACK_KAFKA_CONTROLLER_PORT", String.valueOf(TestConfig.freePort()));
    env.put("DEVSTACK_CASSANDRA_NATIVE_PORT", String.valueOf(TestConfig.freePort()));
    env.put("DEVSTACK_CASSANDRA_STORAGE_PORT", String.valueOf(TestConfig.freePort()));
    int grpc = TestConfig.freePort();
    env.put("HTTP_PORT", String.valueOf(TestConfig.freePort()));
    env.put("GRPC_PORT", String.valueOf(grpc));
    env.put("NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + grpc);
    return env;
  }

  /** Starts Main and returns once it printed {@code until} or exited. */
  private Run start(Map<String, String> env, String until) throws Exception {
    List<String> command = new ArrayList<>(List.of(
      ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path")));
    if (System.getProperty("maven.home") != null) {
      command.add("-Dmaven.home=" + System.getProperty("maven.home"));
    }
    command.add(Main.class.getName());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    List<String> output = new ArrayList<>();
    // Every JVM Main ever started, noted at each line it prints: a failed run stops them quickly.
    java.util.Set<ProcessHandle> engines = java.util.concurrent.ConcurrentHashMap.newKeySet();
    CompletableFuture<Void> seen = new CompletableFuture<>();
    CompletableFuture<Void> drained = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (output) {
            output.add(line);
          }
          p.descendants().forEach(engines::add);
          if (line.contains(until)) {
            seen.complete(null);
          }
        }
      } catch (IOException ignored) {
        // the process ended
      }
      seen.complete(null);
      drained.complete(null);
    });
    reader.setDaemon(true);
    reader.start();
    seen.get(180, TimeUnit.SECONDS);
    return new Run(p, List.copyOf(engines), output, env, drained);
  }

  private static void assertNothingLeft(Run run) {
    for (ProcessHandle engine : run.engines()) {
      assertTrue(engine.onExit().orTimeout(30, TimeUnit.SECONDS).handle((h, e) -> !h.isAlive()).join(),
        "engine JVM " + engine.pid() + " still running");
    }
    for (String key : List.of("DEVSTACK_KAFKA_PORT", "DEVSTACK_KAFKA_CONTROLLER_PORT", "DEVSTACK_CASSANDRA_NATIVE_PORT",
      "DEVSTACK_CASSANDRA_STORAGE_PORT", "HTTP_PORT", "GRPC_PORT")) {
      int port = Integer.parseInt(run.env().get(key));
      try (ServerSocket s = new ServerSocket(port)) {
        assertEquals(port, s.getLocalPort());
      } catch (IOException e) {
        throw new AssertionError(key + " " + port + " is still bound", e);
      }
    }
  }

  /** A run that outlives its test (a failed assertion) must not outlive the test JVM's patience. */
  private final List<Process> started = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  @DisplayName("the run command starts Kafka, Cassandra and both services, and SIGTERM stops every JVM and frees every port")
  void runStartsEverythingAndStopsEverything() throws Exception {
    Run run = start(environment(), "chat system ready in");
    try {
      assertTrue(run.process().isAlive(), String.join("\n", run.output()));
      assertEquals(2, run.process().descendants().count(), "one Kafka JVM and one Cassandra JVM: " + run.output());
      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + run.env().get("HTTP_PORT") + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ready.statusCode(), ready.body());
    } finally {
      // SIGTERM through the handle: Process.destroy() would also close our end of its stdout.
      run.process().toHandle().destroy();
      assertTrue(run.process().waitFor(60, TimeUnit.SECONDS), "Main did not stop");
    }
    run.drained().get(10, TimeUnit.SECONDS);
    assertNothingLeft(run);
    assertTrue(String.join("\n", run.output()).contains("embedded servers stopped"),
      "exit " + run.process().exitValue() + ":\n" + String.join("\n", run.output()));
  }

  @Test
  @DisplayName("a service port already taken: the run names it, exits non-zero and leaves nothing running")
  void takenPortFailsCleanly() throws Exception {
    Map<String, String> env = environment();
    try (ServerSocket taken = new ServerSocket(Integer.parseInt(env.get("HTTP_PORT")), 50, java.net.InetAddress.getByName("0.0.0.0"))) {
      Run run = start(env, "cannot start");
      assertTrue(run.process().waitFor(60, TimeUnit.SECONDS), "Main did not exit");
      assertTrue(run.engines().size() >= 2, "the engines had started: " + run.output());
      assertNotEquals(0, run.process().exitValue());
      run.drained().get(10, TimeUnit.SECONDS);
      String out = String.join("\n", run.output());
      assertTrue(out.contains("ChatHttpVerticle failed to start"), out);
      taken.close();
      assertNothingLeft(run);
      assertFalse(run.process().isAlive());
    }
  }
}
