package chatapp.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chatapp.testing.ProcStat;
import com.datastax.oss.driver.api.core.CqlSession;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The facade against real engines, on ports and a directory of its own (not the shared stack's). */
class DevStackTest {
  private static final String HOST = "127.0.0.1";
  private static final int KAFKA = 29092, CONTROLLER = 29093, CQL = 29042, STORAGE = 27000;
  private static final Path DIR = Path.of(".devstack", "devstack-test").toAbsolutePath();

  private static JsonObject config(Path dir) {
    return new JsonObject().put("dir", dir.toString()).put("host", HOST)
        .put("kafka", new JsonObject().put("port", KAFKA).put("controllerPort", CONTROLLER))
        .put("cassandra", new JsonObject().put("nativePort", CQL).put("storagePort", STORAGE));
  }

  @Test
  void startsBothEnginesThatAnswerAndCloseLeavesNothing() throws Exception {
    DevStack stack = DevStack.start(config(DIR));
    List<ProcessHandle> engines = stack.processes();
    try {
      assertEquals(2, engines.size());
      assertEquals(HOST + ":" + KAFKA, stack.kafkaBootstrap());
      assertEquals(HOST + ":" + CQL, stack.cassandraContactPoint());
      for (ProcessHandle p : engines) {
        System.out.println("devstack-test: pid " + p.pid() + " RSS " + rssMb(p) + " MB");
      }
      assertCassandraSleepsWithSlack(engines);
      assertEnginesIgnoreCtrlC(engines);
      kafkaRoundTrip(stack.kafkaBootstrap());
      try (CqlSession session = CqlSession.builder()
          .addContactPoint(new InetSocketAddress(HOST, CQL))
          .withLocalDatacenter(stack.cassandraDatacenter()).build()) {
        assertEquals(CassandraEngine.VERSION,
            session.execute("SELECT release_version FROM system.local").one().getString(0));
      }
    } finally {
      long t0 = System.nanoTime();
      stack.close();
      System.out.printf("devstack-test: close() took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
    for (ProcessHandle p : engines) {
      assertFalse(p.isAlive(), "engine pid " + p.pid() + " still alive");
    }
    for (int port : new int[] {KAFKA, CONTROLLER, CQL, STORAGE}) {
      assertTrue(EngineProcess.canBind(HOST, port), "port " + port + " still bound");
    }
    assertTrue(stack.processes().isEmpty());
    stack.close(); // idempotent
  }

  @Test
  void portInUseNamesThePartAndStartsNothing() throws Exception {
    for (var taken : List.of(Map.entry("Kafka", KAFKA), Map.entry("Cassandra", CQL), Map.entry("Cassandra", STORAGE))) {
      try (ServerSocket squatter = new ServerSocket()) {
        squatter.bind(new InetSocketAddress(HOST, taken.getValue()));
        DevStackException e = assertThrows(DevStackException.class, () -> DevStack.start(config(DIR)));
        assertEquals(taken.getKey() + ": port " + HOST + ":" + taken.getValue() + " is already in use", e.getMessage());
      }
      assertTrue(ProcessHandle.allProcesses().noneMatch(DevStackTest::isOurEngine), "an engine was left running");
    }
  }

  @Test
  void unwritableDirectoryIsReportedAsSuch() throws Exception {
    // Root ignores permission bits, so "unwritable" here is a directory under a regular file.
    Path file = Files.createTempFile("devstack", ".file");
    try {
      DevStackException e = assertThrows(DevStackException.class, () -> DevStack.start(config(file.resolve("data"))));
      assertTrue(e.getMessage().startsWith("devstack: data directory " + file.resolve("data") + " cannot be written"),
          e.getMessage());
    } finally {
      Files.delete(file);
    }
  }

  private static boolean isOurEngine(ProcessHandle p) {
    return p.info().arguments().map(Arrays::asList).orElse(List.of()).stream()
        .anyMatch(a -> a.startsWith("-Dchatapp.engine=") && a.endsWith(":" + DIR));
  }

  private static void kafkaRoundTrip(String bootstrap) throws Exception {
    String topic = "devstack-test-" + System.currentTimeMillis();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topic, "k", "hello")).get(30, TimeUnit.SECONDS);
      }
      Properties c = new Properties();
      c.putAll(p);
      c.put("group.id", topic);
      c.put("auto.offset.reset", "earliest");
      try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        while (records.isEmpty() && System.nanoTime() < deadline) {
          records = consumer.poll(Duration.ofMillis(500));
        }
        assertEquals("hello", records.iterator().next().value());
      }
      admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    }
  }

  /** Cassandra's threads sleep with a 1 ms timer slack (see {@link CassandraEngine}), where Linux says. */
  private static void assertCassandraSleepsWithSlack(List<ProcessHandle> engines) throws Exception {
    for (ProcessHandle p : engines) {
      Path slack = Path.of("/proc/" + p.pid() + "/timerslack_ns");
      if (Files.isReadable(slack) && p.info().arguments().map(a -> Arrays.asList(a).contains(
          "org.apache.cassandra.service.CassandraDaemon")).orElse(false)) {
        assertEquals("1000000", Files.readString(slack).trim(), "Cassandra's timer slack");
        return;
      }
    }
    // Not Linux (or no way to read it): nothing to check.
    assertFalse(Files.isDirectory(Path.of("/proc/self/task")) && Files.isReadable(Path.of("/proc/self/timerslack_ns")),
        "Linux says timer slack, but no engine was Cassandra");
  }

  /**
   * Each engine ignores SIGINT (see {@link EngineProcess}), so a terminal's Ctrl-C reaches the
   * services only, and they stop the engines after themselves; and it stays in our session, so Linux
   * schedules it in the same autogroup as the services. Where Linux says.
   */
  private static void assertEnginesIgnoreCtrlC(List<ProcessHandle> engines) throws Exception {
    if (!Files.isReadable(Path.of("/proc/self/status")) || !EngineProcess.SHELL) {
      return; // not Linux, or no shell to start the engines from
    }
    long ourSession = session(ProcessHandle.current().pid());
    for (ProcessHandle p : engines) {
      String ignored = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
          .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim();
      long sigint = 1L << (2 - 1); // the mask's bit n-1 stands for signal n, and SIGINT is 2
      assertTrue((Long.parseUnsignedLong(ignored, 16) & sigint) != 0,
          "engine pid " + p.pid() + " does not ignore SIGINT (SigIgn " + ignored + ")");
      assertEquals(ourSession, session(p.pid()), "engine pid " + p.pid() + "'s session");
    }
  }

  private static long session(long pid) throws Exception {
    return Long.parseLong(ProcStat.fields(Path.of("/proc/" + pid + "/stat"))[3]);
  }

  private static long rssMb(ProcessHandle p) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}
