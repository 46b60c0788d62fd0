package chatapp;

import chatapp.testing.MainProcess;
import chatapp.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The run command as a user runs it: {@code Main} in its own JVM with the embedded default. It must
 * come up, answer, and leave no engine JVM and no bound port behind when it stops or fails.
 */
class RunCommandTest {

  private static final Path DIR = Path.of(".devstack", "run-test");

  private final List<MainProcess> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(MainProcess::close);
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

  /** Closed after the test, whatever it left running. */
  private MainProcess track(MainProcess main) {
    started.add(main);
    return main;
  }

  private static void assertNothingLeft(MainProcess run) {
    for (ProcessHandle engine : run.children()) {
      assertTrue(engine.onExit().orTimeout(30, TimeUnit.SECONDS).handle((h, e) -> e == null && !h.isAlive()).join(),
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

  private static HttpResponse<String> devToken(MainProcess run) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + run.env().get("HTTP_PORT") + "/api/dev/tokens"))
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"alice\"}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("the run command starts Kafka, Cassandra and both services, and SIGTERM stops every JVM and frees every port")
  void runStartsEverythingAndStopsEverything() throws Exception {
    MainProcess run = track(MainProcess.start(environment())).awaitLine(MainProcess.READY, 180);
    assertEquals(2, run.process().descendants().count(), "one Kafka JVM and one Cassandra JVM: " + run.output());
    HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
      URI.create("http://127.0.0.1:" + run.env().get("HTTP_PORT") + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode(), ready.body());
    // The embedded default is a developer's machine: it hands out tokens.
    assertEquals(201, devToken(run).statusCode());

    run.terminate();
    assertTrue(run.awaitExit(60), "Main did not stop");
    assertNothingLeft(run);
    assertTrue(run.printed("embedded servers stopped"), run.output());
  }

  @Test
  @DisplayName("Ctrl-C (SIGINT to the whole foreground group) stops the services, then the engines: no error, every JVM gone, every port free")
  void ctrlCStopsTheServicesBeforeTheEngines() throws Exception {
    assumeTrue(Files.isExecutable(MainProcess.SETSID), "needs setsid to stand in for a terminal's process group");
    Map<String, String> env = environment();
    // Also: an operator's AUTH_DEV_TOKENS=false beats the embedded default (a reachable host must not
    // hand out tokens for any name).
    env.put("AUTH_DEV_TOKENS", "false");
    MainProcess run = track(MainProcess.startAsForeground(env)).awaitLine(MainProcess.READY, 180);
    assertEquals(404, devToken(run).statusCode());
    run.interruptGroup();
    assertTrue(run.awaitExit(60), "Main did not stop");
    assertNothingLeft(run);
    assertTrue(run.printed("embedded servers stopped"), run.output());
    // With the engines taking the signal too, the consumer's leave-group met a broker shutting down
    // (NOT_COORDINATOR, logged as an error by Kafka's client) at every stop.
    assertFalse(run.printed(" ERROR "), run.output());
  }

  @Test
  @DisplayName("Ctrl-C while the embedded servers are still starting stops the one already up and the one starting: nothing left")
  void ctrlCDuringTheEnginesStartLeavesNothing() throws Exception {
    assumeTrue(Files.isExecutable(MainProcess.SETSID), "needs setsid to stand in for a terminal's process group");
    // Kafka is up in seconds; Cassandra takes tens of them: interrupt in between.
    MainProcess run = track(MainProcess.startAsForeground(environment())).awaitLine("devstack: Kafka ready", 180);
    assertFalse(run.printed(MainProcess.READY), "too late: everything was up already");
    run.interruptGroup();
    assertTrue(run.awaitExit(60), "Main did not stop");
    assertNothingLeft(run);
  }

  @Test
  @DisplayName("a service port already taken: the run names it, exits non-zero and leaves nothing running")
  void takenPortFailsCleanly() throws Exception {
    Map<String, String> env = environment();
    try (ServerSocket taken = new ServerSocket(Integer.parseInt(env.get("HTTP_PORT")), 50, InetAddress.getByName("0.0.0.0"))) {
      MainProcess run = track(MainProcess.start(env)).awaitLine("cannot start", 180);
      assertTrue(run.awaitExit(60), "Main did not exit");
      assertNotEquals(0, run.process().exitValue());
      assertTrue(run.children().size() >= 2, "the engines had started: " + run.output());
      assertTrue(run.printed("ChatHttpVerticle failed to start"), run.output());
      taken.close();
      assertNothingLeft(run);
    }
  }
}
