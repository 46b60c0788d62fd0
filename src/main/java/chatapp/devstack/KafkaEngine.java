package chatapp.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A single-node Kafka in KRaft mode (broker and controller in one JVM). Storage is formatted on
 * the first start only; later starts reuse the data. The quorum is static
 * (controller.quorum.voters), so changing the controller port of an existing directory still works,
 * which a dynamic (--standalone) quorum would not allow: it records the voter's endpoint.
 */
final class KafkaEngine {
  static final String VERSION = "4.1.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  final EngineProcess process;
  final int port;
  final int controllerPort;
  private final Path stackDir;
  private final String host;
  private final String heap;

  KafkaEngine(Path stackDir, String host, int port, int controllerPort, String heap) {
    this.stackDir = stackDir;
    this.host = host;
    this.port = port;
    this.controllerPort = controllerPort;
    this.heap = heap;
    this.process = new EngineProcess("Kafka", "kafka", stackDir, host, port);
  }

  List<Integer> ports() {
    return List.of(port, controllerPort);
  }

  void start() throws DevStackException, IOException, InterruptedException {
    long t0 = System.nanoTime();
    String classpath = EngineClasspath.resolve("kafka", "Kafka", stackDir, process.logFile);
    Path home = Files.createDirectories(stackDir.resolve("kafka"));
    Path data = Files.createDirectories(home.resolve("data"));
    Path config = home.resolve("server.properties");
    Files.writeString(config, serverProperties(data));
    if (!Files.exists(data.resolve("meta.properties"))) {
      System.out.println("devstack: formatting Kafka storage in " + data + " (first start only)");
      process.runTool(classpath, List.of("-Xmx256m"), "kafka.tools.StorageTool",
          List.of("format", "-t", clusterId(), "-c", config.toString()));
    }
    System.out.printf("devstack: starting Kafka %s (KRaft) on %s:%d (controller %d, log %s)%n",
        VERSION, host, port, controllerPort, process.logFile);
    List<String> jvm = new ArrayList<>(List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError",
        // Like Cassandra's: pauses with wall-clock times, to set beside a latency timeline.
        "-Xlog:gc:file=" + process.logFile.resolveSibling("kafka-gc.log") + ":time,uptime:filecount=2,filesize=10m",
        "-Djava.awt.headless=true",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"));
    jvm.addAll(EngineProcess.SHORT_PAUSES);
    process.start(classpath, jvm, "kafka.Kafka", List.of(config.toString()));
    process.awaitReady(START_TIMEOUT);
    System.out.printf("devstack: Kafka ready in %.1f s (pid %d)%n", (System.nanoTime() - t0) / 1e9,
        process.handle().orElseThrow().pid());
  }

  private String serverProperties(Path data) {
    String listener = "PLAINTEXT://" + host + ":" + port;
    // Everything replicated lives on the one broker: every replication factor and min ISR is 1,
    // or consumer groups and transactions never get their internal topics.
    return String.join("\n",
        "# Written by chatapp.devstack.KafkaEngine on every start; edits are lost.",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@" + host + ":" + controllerPort,
        "listeners=" + listener + ",CONTROLLER://" + host + ":" + controllerPort,
        "advertised.listeners=" + listener,
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + data,
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=10",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "");
  }

  /** What StorageTool random-uuid prints, without a JVM start: a URL-safe base64 UUID. */
  private static String clusterId() {
    byte[] b = new byte[16];
    String id;
    do {
      new SecureRandom().nextBytes(b);
      b[6] = (byte) ((b[6] & 0x0f) | 0x40);
      b[8] = (byte) ((b[8] & 0x3f) | 0x80);
      id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    } while (id.startsWith("-")); // a leading dash would read as a command-line option
    return id;
  }
}
