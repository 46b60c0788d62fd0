package chatapp.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A single Cassandra node. It must have a JVM of its own: static singletons (it cannot restart
 * inside one JVM), a JVM-wide security manager, System.exit on fatal errors, and Netty and Guava
 * versions of its own.
 */
final class CassandraEngine {
  static final String VERSION = "5.0.6";
  static final String DATACENTER = "datacenter1"; // what SimpleSnitch reports
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  // Cassandra's conf/jvm17-server.options (JPMS and Netty sections): it reaches into JDK internals.
  private static final List<String> JVM17 = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11");

  final EngineProcess process;
  final int nativePort;
  final int storagePort;
  private final Path stackDir;
  private final String host;
  private final String heap;
  private final String initialHeap;

  CassandraEngine(Path stackDir, String host, int nativePort, int storagePort, String heap, String initialHeap) {
    this.stackDir = stackDir;
    this.host = host;
    this.nativePort = nativePort;
    this.storagePort = storagePort;
    this.heap = heap;
    this.initialHeap = initialHeap;
    this.process = new EngineProcess("Cassandra", "cassandra", stackDir, host, nativePort);
  }

  List<Integer> ports() {
    return List.of(nativePort, storagePort);
  }

  void start() throws DevStackException, IOException, InterruptedException {
    long t0 = System.nanoTime();
    String classpath = EngineClasspath.resolve("cassandra", "Cassandra", stackDir, process.logFile);
    Path logback = Path.of("engines", "cassandra", "logback.xml").toAbsolutePath();
    if (!Files.isRegularFile(logback)) { // logback would fall back to DEBUG on the console
      throw new DevStackException("Cassandra: " + logback + " not found (run from the project directory)");
    }
    Path home = Files.createDirectories(stackDir.resolve("cassandra"));
    Path config = home.resolve("cassandra.yaml");
    Files.writeString(config, yaml(home));
    List<String> jvm = new ArrayList<>(List.of(
        // Cassandra mlockall()s as root: all of -Xms becomes resident, so it starts small.
        "-Xms" + initialHeap, "-Xmx" + heap, "-Xss256k",
        // Its pauses are a good part of a request's tail latency: keep a record next to its log, in
        // wall-clock time to set beside the benchmark's per-second timeline.
        "-Xlog:gc:file=" + process.logFile.resolveSibling("cassandra-gc.log") + ":time,uptime:filecount=2,filesize=10m",
        "-XX:+ExitOnOutOfMemoryError", // a node that survives an OOM may corrupt its data
        "-Djava.net.preferIPv4Stack=true",
        "-Dcassandra-foreground=yes",
        "-Dcassandra.config=" + config.toUri(),
        "-Dcassandra.storagedir=" + home,
        "-Dlogback.configurationFile=" + logback,
        // One node has nobody to gossip with: waiting for gossip to settle only costs seconds.
        "-Dcassandra.skip_wait_for_gossip_to_settle=0"));
    jvm.addAll(EngineProcess.SHORT_PAUSES);
    jvm.addAll(JVM17);
    System.out.printf("devstack: starting Cassandra %s on %s:%d (storage %d, log %s)%n",
        VERSION, host, nativePort, storagePort, process.logFile);
    // Cassandra's request stages keep idle workers "spinning" in sleeps of 10 µs to 1 ms so that a
    // request finds one awake. Built for many cores: on a laptop's two, at 5,900 msg/s, those
    // wake-ups were 40% of the node's CPU samples (async-profiler: SEPWorker.doWaitSpin, futex) and
    // took the cores the services needed. With a 1 ms slack they come in batches: the node used
    // 31% of a core instead of 49%. A request still wakes a worker at once (it is signalled).
    process.timerSlack(Duration.ofMillis(1));
    process.start(classpath, jvm, "org.apache.cassandra.service.CassandraDaemon", List.of());
    process.awaitReady(START_TIMEOUT);
    System.out.printf("devstack: Cassandra ready in %.1f s (pid %d)%n", (System.nanoTime() - t0) / 1e9,
        process.handle().orElseThrow().pid());
  }

  private String yaml(Path home) {
    return String.join("\n",
        "# Written by chatapp.devstack.CassandraEngine on every start; edits are lost.",
        "cluster_name: chatapp-dev",
        "num_tokens: 1",
        "initial_token: 0",
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "endpoint_snitch: SimpleSnitch",
        "data_file_directories: [" + q(home.resolve("data")) + "]",
        "commitlog_directory: " + q(home.resolve("commitlog")),
        "saved_caches_directory: " + q(home.resolve("saved_caches")),
        "hints_directory: " + q(home.resolve("hints")),
        "cdc_raw_directory: " + q(home.resolve("cdc_raw")),
        "commitlog_sync: periodic",
        "commitlog_sync_period: 10000ms",
        "commitlog_segment_size: 16MiB",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"" + host + ":" + storagePort + "\"",
        "listen_address: " + host,
        "rpc_address: " + host,
        "storage_port: " + storagePort,
        "native_transport_port: " + nativePort,
        "start_native_transport: true",
        // Otherwise every DROP and TRUNCATE (tests truncate a lot) leaves a snapshot on disk.
        "auto_snapshot: false",
        // Sized for a laptop, not a server: the defaults are fractions of a production heap. Cell
        // data lives off-heap, where it costs the collector nothing; what stays on the heap (about
        // 40 bytes a row) decides when a memtable flushes, at a third of memtable_heap_space. A
        // flush takes a core while it runs, and the services wait for that core: at 128 MiB a
        // flush at 5,800 msg/s wrote 71 MB every 42 s in 0.6-0.9 s, and the seconds around it had
        // send-to-delivered p99 of 75-110 ms. At 32 MiB it writes 17 MB every 10 s in about
        // 0.15 s, and the more frequent compactions that follow are paced (compaction_throughput).
        "memtable_allocation_type: offheap_objects",
        "memtable_heap_space: 32MiB",
        "memtable_offheap_space: 384MiB",
        "key_cache_size: 16MiB",
        "counter_cache_size: 4MiB",
        "file_cache_size: 64MiB",
        "networking_cache_size: 16MiB",
        "concurrent_compactors: 1",
        // Compaction shares the laptop's cores with the services: unpaced (the default, 64 MiB/s,
        // is more than one core merges here) it took a whole core for 2-3 s at a time, and p99
        // went to 100-200 ms for those seconds. At 4 MiB/s, at 8,700 msg/s, a compaction of four
        // flushes took 3-7 s every 18 s, Cassandra's collector paused two to three and a half times
        // as often meanwhile (the garbage of the merge), and those seconds had a median p99 of 47
        // to 54 ms against 26 to 30 for the others. At 2 MiB/s the node compacts all the time at
        // half the pace: in three pairs of runs at 8,685 msg/s, p99 was 42.4, 68.6 and 55.6 ms against
        // 91.0, 143.7 and 61.9 at 4 MiB/s, and the median second 25-27 ms against 30-38. The cost:
        // a node written faster than it compacts (at saturation it flushes 4 MB/s) gathers
        // sstables, which reads pay for until the load drops and it catches up.
        "compaction_throughput: 2MiB/s",
        "");
  }

  private static String q(Path p) {
    return "\"" + p.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
