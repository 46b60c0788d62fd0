package chatapp.devstack;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The embedded default: a real Kafka broker and a real Cassandra node, each in a JVM of its own
 * with a classpath of its own, data under one directory (default .devstack), for running the chat
 * system with no external Kafka or CQL database configured. It registers no shutdown hook: the
 * caller decides when the engines stop relative to its own services.
 */
public final class DevStack implements AutoCloseable {
  private final String host;
  private final KafkaEngine kafka;
  private final CassandraEngine cassandra;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Path dir;

  private DevStack(String host, KafkaEngine kafka, CassandraEngine cassandra, Path dir) {
    this.host = host;
    this.kafka = kafka;
    this.cassandra = cassandra;
    this.dir = dir;
  }

  /**
   * Starts Kafka and Cassandra in parallel, blocking until both accept connections. On any failure
   * stops whatever it started and throws an exception naming the part and why.
   */
  public static DevStack start(JsonObject config) throws DevStackException {
    DevStack stack = create(config);
    stack.start();
    return stack;
  }

  /**
   * The stack {@link #start} starts, not started yet: a caller that may have to stop it meanwhile
   * (a shutdown hook, on Ctrl-C during the start) holds it before the engines exist, and
   * {@link #close} stops whatever has started by then.
   */
  public static DevStack create(JsonObject config) {
    config = config == null ? new JsonObject() : config;
    JsonObject k = config.getJsonObject("kafka", new JsonObject());
    JsonObject c = config.getJsonObject("cassandra", new JsonObject());
    String host = config.getString("host", "127.0.0.1");
    Path dir = Path.of(config.getString("dir", ".devstack")).toAbsolutePath().normalize();
    return new DevStack(host,
        new KafkaEngine(dir, host, k.getInteger("port", 9092), k.getInteger("controllerPort", 9093),
            k.getString("heap", "512m")),
        new CassandraEngine(dir, host, c.getInteger("nativePort", 9042), c.getInteger("storagePort", 7000),
            c.getString("heap", "1g"), c.getString("initialHeap", "256m")), dir);
  }

  /** See {@link #start(JsonObject)}. */
  public void start() throws DevStackException {
    try {
      Files.createDirectories(dir);
      Files.delete(Files.createTempFile(dir, ".write-test", ".tmp"));
    } catch (IOException e) {
      throw new DevStackException("devstack: data directory " + dir + " cannot be written: " + e, e);
    }
    System.out.println("devstack: data in " + dir);
    try {
      // Leftovers first: an orphaned engine from a killed run holds the very ports checked next.
      parallel(List.of(kafka.process::stopLeftover, cassandra.process::stopLeftover), () -> {});
      checkPorts();
      kafka.process.rotateLog();
      cassandra.process.rotateLog();
    } catch (IOException e) {
      throw new DevStackException("devstack: cannot prepare " + dir + ": " + e, e);
    }
    long t0 = System.nanoTime();
    startBoth();
    System.out.printf("devstack: Kafka and Cassandra ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  /** Every port is checked before anything starts, so a clash starts nothing. */
  private void checkPorts() throws DevStackException {
    Map<Integer, String> seen = new HashMap<>();
    for (var e : List.of(Map.entry("Kafka", kafka.ports()), Map.entry("Cassandra", cassandra.ports()))) {
      for (int port : e.getValue()) {
        String other = seen.put(port, e.getKey());
        if (other != null) {
          throw new DevStackException(e.getKey() + ": port " + port + " is also configured for " + other);
        }
        if (!EngineProcess.canBind(host, port)) {
          throw new DevStackException(e.getKey() + ": port " + host + ":" + port + " is already in use");
        }
      }
    }
  }

  private interface Task {
    void run() throws Exception;
  }

  private void startBoth() throws DevStackException {
    try {
      // The first failure stops the other engine at once rather than after its own start.
      parallel(List.of(kafka::start, cassandra::start), this::stopBoth);
    } catch (DevStackException e) {
      stopBoth();
      closed.set(true);
      throw e;
    }
  }

  /** Runs the tasks on threads of their own and throws the first failure once all have ended. */
  private static void parallel(List<Task> tasks, Runnable onFirstFailure) throws DevStackException {
    AtomicReference<Throwable> first = new AtomicReference<>();
    CompletableFuture<?>[] runs = tasks.stream().map(t -> CompletableFuture.runAsync(() -> {
      try {
        t.run();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, r -> daemon(r, "devstack").start()).whenComplete((v, e) -> {
      if (e != null && first.compareAndSet(null, e instanceof CompletionException ? e.getCause() : e)) {
        onFirstFailure.run();
      }
    })).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(runs).join();
    } catch (CompletionException ignored) {
      // reported through first
    }
    Throwable failure = first.get();
    if (failure != null) {
      throw failure instanceof DevStackException d ? d : new DevStackException("devstack: " + failure, failure);
    }
  }

  public String kafkaBootstrap() {
    return host + ":" + kafka.port;
  }

  public String cassandraContactPoint() {
    return host + ":" + cassandra.nativePort;
  }

  public String cassandraDatacenter() {
    return CassandraEngine.DATACENTER;
  }

  /** Cassandra's log, in wall-clock time: its flushes and compactions, to set beside a benchmark's seconds. */
  public Path cassandraLog() {
    return cassandra.process.logFile;
  }

  /** Cassandra's JVM while it runs: a benchmark reads its threads' CPU (its compaction's) from /proc. */
  public Optional<ProcessHandle> cassandraProcess() {
    return cassandra.process.handle().filter(ProcessHandle::isAlive);
  }

  /** The engine JVMs, Kafka first; empty once closed. */
  public List<ProcessHandle> processes() {
    return Stream.of(kafka.process.handle(), cassandra.process.handle())
        .flatMap(Optional::stream).filter(ProcessHandle::isAlive).toList();
  }

  /** Idempotent: SIGTERM to both engines at once, SIGKILL to one still alive after 15 s. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    System.out.println("devstack: stopping Kafka and Cassandra ...");
    long t0 = System.nanoTime();
    stopBoth();
    System.out.printf("devstack: stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private void stopBoth() {
    try {
      parallel(List.of(kafka.process::stop, cassandra.process::stop), () -> {});
    } catch (DevStackException e) {
      throw new IllegalStateException(e); // stop() throws nothing checked
    }
  }

  // Daemon threads: a hung engine must never keep the caller's JVM from exiting.
  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
