package chatapp.bench;

import chatapp.Services;
import chatapp.auth.Auth;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.config.VertxSettings;
import chatapp.testing.LocalCluster;
import chatapp.testing.SharedStack;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Load on the whole chat path as users see it: N WebSocket clients over R rooms (N/R online
 * members per room) send through the SockJS bridge; every message goes to Kafka, the store and the
 * fan-out, and back to every member's socket. It prints sent, acknowledged, delivered and stored
 * counts, p50/p99/p99.9 of send-to-ack and send-to-delivered (HdrHistogram), and the raw CQL
 * single-row INSERT rate measured in the same run once the engines are warm (after the phases),
 * one at a time and with 128 in flight (the stored rate is printed as a multiple of each),
 * against the shared test stack. Each member must receive, once, every message its room
 * acknowledged, and the store must hold as many rows as there were acks: anything else, or a send
 * never answered, or a socket the server closed, makes the run exit 1.
 * <pre>
 * CHAT_TEST_STACK=5 mvn -q -B test-compile exec:java -Dexec.classpathScope=test \
 *   -Dmain.class=chatapp.bench.ChatLoadBenchmark -Dexec.args="clients=100 rooms=10 rate=max seconds=60"
 * </pre>
 * {@code rate=max}: every client keeps {@code window} messages between its send and their delivery
 * back to itself (a closed loop over the whole path: the rate it sustains), then a second phase runs
 * at half that rate; {@code rate=N}: one phase at N messages/s.
 * Other arguments: {@code warmup=120} seconds before each phase's measured window (Kafka, Cassandra
 * and this JVM, all started for the run, are still compiling their hot paths a minute in, and until
 * they are done a message costs them more CPU than it will), {@code bytes=200} per body,
 * {@code window=4}, {@code tick=1} (how often, in ms, a paced phase sends what it owes), and
 * {@code nodes=N}: instead of deploying the services in this JVM, run N clustered chat nodes and the
 * notification service in JVMs of their own (as {@code ClusterTest} does) and spread the clients over
 * the nodes, so that a room's members sit on different nodes; {@code nodes=1} is the baseline to
 * compare a cluster with.
 */
public final class ChatLoadBenchmark {

  /** Cassandra's compaction threads, as /proc names them (15 characters at most). */
  private static final String COMPACTION_THREAD = "CompactionExec";

  /** The tables a run writes, emptied before each phase and after the run. */
  private static final String[] WRITTEN = {"messages_by_room", "buckets_by_room", "rooms", "members_by_room", "rooms_by_user",
    "room_notifications", "notification_rooms_by_user"};

  private static final int CQL_ROWS = 20_000;
  private static final int JOIN_TIMEOUT_S = 60;
  /** The p99 of a second in which nothing was delivered: sorts as the worst, and never meets 30 ms. */
  private static final double STALL = Double.POSITIVE_INFINITY;
  /**
   * The p99 of a second in which messages were delivered, but none sent in the window (the
   * window's first seconds, when a message takes longer than that): no latency of the window's to
   * show, and no stall either. Left out of the medians, best and worst; never meets 30 ms.
   */
  private static final double BEFORE_WINDOW = Double.NaN;

  private final Vertx vertx;
  private final JsonObject config;
  private final Map<String, String> args;
  private final int clients;
  private final int rooms;
  private final int seconds;
  private final int warmup;
  private final int bytes;
  /** How often a paced phase sends what it owes. */
  private final long tickMs;
  private CassandraClient cql;
  private RoomStore roomStore;
  private MessageStore messageStore;
  /** What a phase found wrong (lost messages, stored != acknowledged, ...): any makes the run exit 1. */
  private final List<String> problems = new ArrayList<>();
  private Auth auth;
  /** With {@code nodes=N}: the clustered chat nodes (own JVMs) the clients spread over; null: in-process. */
  private LocalCluster cluster;
  /** The HTTP ports the clients connect to, round-robin. */
  private List<Integer> ports;

  private ChatLoadBenchmark(Vertx vertx, JsonObject config, Map<String, String> args) {
    this.vertx = vertx;
    this.config = config;
    this.args = args;
    this.clients = Integer.parseInt(args.getOrDefault("clients", "100"));
    this.rooms = Integer.parseInt(args.getOrDefault("rooms", "10"));
    this.seconds = Integer.parseInt(args.getOrDefault("seconds", "20"));
    this.warmup = Integer.parseInt(args.getOrDefault("warmup", "120"));
    this.bytes = Integer.parseInt(args.getOrDefault("bytes", "200"));
    this.tickMs = Long.parseLong(args.getOrDefault("tick", "1"));
    if (rooms < 1 || clients < rooms || clients % rooms != 0) {
      // Client i is member i / rooms of room i % rooms: any other count leaves clients who are no
      // member of the room they join, and their register is refused.
      throw new IllegalArgumentException(String.format("clients (%d) must be a multiple of rooms (%d): each room has clients/rooms"
        + " members, all online", clients, rooms));
    }
  }

  public static void main(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      String[] kv = a.split("=", 2);
      args.put(kv[0], kv.length > 1 ? kv[1] : "");
    }
    Vertx vertx = null;
    int exit = 0;
    ChatLoadBenchmark bench = null;
    try {
      JsonObject config = TestConfig.create(Map.of("AUTH_HMAC_SECRET", "chat-load-benchmark-secret-0123456789abcdef"));
      // The services' own options (metrics, transport), as Main gives them; the clients share them.
      vertx = Vertx.vertx(VertxSettings.options(config));
      System.out.println("network transport: " + VertxSettings.transport(vertx, config));
      bench = new ChatLoadBenchmark(vertx, config, args);
      bench.run();
      if (!bench.problems.isEmpty()) {
        System.out.printf("%nFAILED: %s%n", String.join("\n        ", bench.problems));
        exit = 1;
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      exit = 1;
    } finally {
      JsonObject kafka = bench == null ? null
        : (bench.cluster != null ? bench.cluster.config : bench.config).getJsonObject("kafka");
      if (bench != null && bench.cluster != null) {
        bench.cluster.close();
      }
      if (vertx != null) {
        if (bench != null) {
          // Leave the shared test stack as we found it: millions of rows left behind keep the next
          // run's Cassandra (the tests', or another benchmark's) compacting them for minutes.
          try {
            Tables.truncate(vertx, bench.config.getJsonObject("cql"), WRITTEN);
          } catch (RuntimeException e) {
            System.out.println("could not empty the tables: " + e);
          }
        }
        vertx.close().await();
      }
      if (kafka != null) {
        deleteTopics(kafka);
      }
      SharedStack.stop();
    }
    System.exit(exit);
  }

  /**
   * The run's topic goes with it: the test stack keeps Kafka's data, and a broker left with every
   * earlier run's partitions (1,362 after a day of runs) gave a p99 of 133 ms where a fresh one,
   * same code and rate, gave 85.
   */
  private static void deleteTopics(JsonObject kafka) {
    List<String> topics = List.of(kafka.getString("topic")); // the dead-letter topic is shared, and near empty
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.getString("bootstrapServers")))) {
      admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
      System.out.printf("deleted topics %s%n", topics);
    } catch (Exception e) {
      System.out.printf("could not delete topics %s: %s%n", topics, e);
    }
  }

  private void run() {
    int nodes = Integer.parseInt(args.getOrDefault("nodes", "0"));
    if (nodes > 0) {
      try {
        cluster = LocalCluster.start(nodes, Map.of("AUTH_HMAC_SECRET", config.getJsonObject("auth").getString("hmacSecret")));
      } catch (Exception e) {
        throw new IllegalStateException("the cluster did not start", e);
      }
      ports = cluster.httpPorts;
      System.out.printf("%d clustered chat node(s) in JVMs of their own, and the notification service%n", nodes);
    } else {
      Services.deploy(vertx, config, Services.ALL).await();
      ports = List.of(config.getJsonObject("http").getInteger("port"));
    }
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    roomStore = RoomStore.create(cql, config.getJsonObject("cql")).await();
    messageStore = MessageStore.create(cql, config.getJsonObject("cql")).await();
    auth = Auth.create(vertx, config.getJsonObject("auth"));
    System.out.printf("%d clients over %d rooms (%d online members per room), %d-byte bodies, %d s warm-up + %d s measured per phase%n",
      clients, rooms, clients / rooms, bytes, warmup, seconds);
    String rate = args.getOrDefault("rate", "max");
    Map<String, Double> storedRates = new LinkedHashMap<>();
    if (rate.equals("max")) {
      double max = phase("saturated", 0, Integer.parseInt(args.getOrDefault("window", "4")));
      storedRates.put("saturated", max);
      storedRates.put("half of saturated", phase("half of saturated", max / 2, 0));
    } else {
      storedRates.put("fixed rate", phase("fixed rate", Double.parseDouble(rate), 0));
    }
    rawBaseline(storedRates);
  }

  /**
   * The raw CQL single-row INSERT rate, against which issue 5's goal (b) sets the stored rate.
   * Measured after the phases, not before: right after the engines start their JIT compilers are
   * still busy (the phases get a warm-up for that), and the first run of INSERTs paid for it. On
   * empty tables, as each phase starts, and after a short unmeasured run of its own.
   */
  private void rawBaseline(Map<String, Double> storedRates) {
    Tables.truncate(vertx, config.getJsonObject("cql"), "messages_by_room");
    rawInserts(128, 5_000);
    double sequential = rawInserts(1, 3_000);
    double concurrent = rawInserts(128, CQL_ROWS);
    System.out.printf("%nraw CQL single-row INSERT into messages_by_room over %d partitions (engines warm, after the phases):"
      + " %,.0f/s one at a time, %,.0f/s with 128 in flight%n", rooms, sequential, concurrent);
    storedRates.forEach((name, stored) -> System.out.printf(
      "%s: stored %,.0f msg/s = %.2f x raw single INSERTs one at a time, %.2f x with 128 in flight%n",
      name, stored, stored / sequential, stored / concurrent));
  }

  /**
   * {@code rows} single-row prepared INSERTs, {@code inFlight} at a time, spread over one partition
   * per room (a room's bucket) as the app's messages are, with bodies of the same size; returns
   * rows per second. A failed INSERT fails the run: counted as done it would flatter the rate.
   */
  private double rawInserts(int inFlight, int rows) {
    String ks = config.getJsonObject("cql").getString("keyspace");
    PreparedStatement insert = cql.prepare("INSERT INTO " + ks + ".messages_by_room (room_id, bucket, message_id, sender_id, body)"
      + " VALUES (?, ?, ?, ?, ?)").await();
    String run = "raw-" + UUID.randomUUID();
    List<String> partitions = IntStream.range(0, rooms).mapToObj(r -> run + "-" + r).toList();
    RawInserts raw = new RawInserts(insert, partitions, "u-" + partitions.get(0) + "-0", "x".repeat(bytes), rows);
    long t0 = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int i = 0; i < inFlight; i++) {
        raw.insertNext();
      }
    });
    raw.done.future().await();
    double perSecond = rows / ((System.nanoTime() - t0) / 1e9);
    if (raw.failed.get() > 0) {
      throw new IllegalStateException(String.format("raw CQL INSERTs (%d in flight): %d of %d failed, the first with %s",
        inFlight, raw.failed.get(), rows, raw.firstFailure.get()));
    }
    return perSecond;
  }

  /** One run of raw INSERTs: each completion starts the next. */
  private final class RawInserts {
    private final PreparedStatement insert;
    private final List<String> partitions;
    private final String sender;
    private final String body;
    private final int rows;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final Promise<Void> done = Promise.promise();

    RawInserts(PreparedStatement insert, List<String> partitions, String sender, String body, int rows) {
      this.insert = insert;
      this.partitions = partitions;
      this.sender = sender;
      this.body = body;
      this.rows = rows;
    }

    void insertNext() {
      int n = next.getAndIncrement();
      if (n >= rows) {
        return;
      }
      UUID id = Uuids.timeBased();
      cql.execute(insert.bind(partitions.get(n % partitions.size()), messageStore.bucketOf(id), id, sender, body)).onComplete(ar -> {
        if (ar.failed() && failed.getAndIncrement() == 0) {
          firstFailure.set(ar.cause());
        }
        if (finished.incrementAndGet() == rows) {
          done.tryComplete();
        }
        insertNext();
      });
    }
  }

  /**
   * One phase on fresh rooms and sockets: paced at {@code rate} messages/s, or (rate 0) each
   * client keeping {@code window} messages on their way back to itself. Returns the rate at which
   * messages came back to their senders (stored and fanned out) in the measured window.
   */
  private double phase(String name, double rate, int window) {
    // Each phase on empty tables: after a saturated phase Cassandra flushes and compacts its
    // million rows for minutes, and the half-rate phase would measure that catch-up (p99 70 ms)
    // rather than the rate it runs at (34 ms, same code, run alone).
    Tables.truncate(vertx, config.getJsonObject("cql"), WRITTEN);
    long phaseStart = System.currentTimeMillis();
    int members = clients / rooms;
    List<String> roomIds = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      String roomId = "load-" + UUID.randomUUID();
      roomStore.create(new Room(roomId, "load", "u-" + roomId + "-0", Instant.now())).await();
      for (int m = 1; m < members; m++) {
        roomStore.join(roomId, "u-" + roomId + "-" + m).await();
      }
      roomIds.add(roomId);
    }
    WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(clients + 10));
    List<Future<LoadClient>> joining = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      String roomId = roomIds.get(i % rooms);
      String user = "u-" + roomId + "-" + (i / rooms);
      // By member, not by client: with i % ports, a room (i % rooms) had all its members on one
      // node whenever the node count divides the room count.
      joining.add(LoadClient.join(vertx, ws, ports.get((i / rooms) % ports.size()), auth.issue(user), user, roomId, i / rooms,
        members, bytes));
    }
    // A refused register or a closed socket fails its join; a join that never hears back would
    // otherwise hold the run for good.
    List<LoadClient> all = Future.all(joining).timeout(JOIN_TIMEOUT_S, TimeUnit.SECONDS)
      .recover(e -> Future.failedFuture(new IllegalStateException(String.format("%d of %d clients joined within %d s: %s",
        joining.stream().filter(Future::succeeded).count(), clients, JOIN_TIMEOUT_S, e.getMessage()), e)))
      .await().list();
    LoadClient.Tally tally = new LoadClient.Tally();
    Load load = rate > 0 ? Load.paced(vertx, all, rate, tickMs) : Load.windowed(all, window);
    all.forEach(c -> c.measureInto(tally, load));
    load.start();
    pause(warmup * 1000L);
    long sent0 = tally.sent.get();
    long acked0 = tally.acked.get();
    long delivered0 = tally.delivered.get();
    long stored0 = tally.storedRoundTrips.get();
    StageTimes stages = StageTimes.mark();
    long t0 = System.nanoTime();
    tally.from = t0;
    Histogram toDelivered = new Histogram(3);
    List<Double> p99BySecond = new CopyOnWriteArrayList<>();
    LocalDateTime windowStart = LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS);
    ThreadCpu compaction = SharedStack.get().cassandraProcess().map(p -> ThreadCpu.start(p.pid(), COMPACTION_THREAD)).orElse(null);
    // Every delivery, whenever its message was sent: the histograms count only the window's
    // messages, and a second that delivered only earlier ones (latency over a second) is no stall.
    long[] deliveries = {tally.delivered.get() + tally.duplicates.get()};
    long bySecond = vertx.setPeriodic(1000, t -> {
      synchronized (toDelivered) {
        Histogram second = tally.toDelivered.getIntervalHistogram();
        // Read after the interval: a delivery is counted before it is recorded, so none in it is missed here.
        long count = tally.delivered.get() + tally.duplicates.get();
        boolean anyDelivery = count > deliveries[0];
        deliveries[0] = count;
        // A second with no delivery at all is a stall, the worst kind, not a p99 of 0.
        p99BySecond.add(second.getTotalCount() > 0 ? second.getValueAtPercentile(99) / 1e6 : anyDelivery ? BEFORE_WINDOW : STALL);
        toDelivered.add(second);
      }
    });
    pause(seconds * 1000L);
    tally.to = System.nanoTime();
    if (compaction != null) {
      compaction.close();
    }
    vertx.cancelTimer(bySecond);
    double windowS = (tally.to - t0) / 1e9;
    String stageTimes = stages.since();
    long sentW = tally.sent.get() - sent0;
    long ackedW = tally.acked.get() - acked0;
    long deliveredW = tally.delivered.get() - delivered0;
    long storedW = tally.storedRoundTrips.get() - stored0;
    load.stop();
    long heldBack = load.heldBack();
    // Drain: every send answered and every open member holding its room's acknowledged messages,
    // then the store is counted. The window's messages that arrive now still count in its histograms.
    long drain0 = System.nanoTime();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline && behind(all)) {
      pause(200);
    }
    double drained = (System.nanoTime() - drain0) / 1e9;
    synchronized (toDelivered) { // the last, partial second, and the window's messages delivered after it
      toDelivered.add(tally.toDelivered.getIntervalHistogram());
    }
    long stored = countStored(roomIds, phaseStart);
    double storedRate = storedW / windowS;
    System.out.printf("%n== phase: %s%s ==%n", name, rate > 0 ? String.format(" (%,.0f msg/s offered)", rate) : " (window " + window + " per client)");
    System.out.printf("measured %.1f s: sent %,d, acknowledged %,d, delivered %,d -> %,.0f sent/s, %,.0f acked/s,"
        + " %,.0f stored-and-delivered msg/s (back at their sender)%n",
      windowS, sentW, ackedW, deliveredW, sentW / windowS, ackedW / windowS, storedRate);
    if (rate > 0) {
      // Not silent: a message held back was never sent, so no latency of it is in the figures below.
      System.out.printf("held back when the load stopped: %,d messages due but not sent (a client had %d unacknowledged)%s%n",
        heldBack, Load.MAX_IN_FLIGHT, heldBack > 0 ? ": the path fell behind the offered rate" : "");
    }
    // Each member must hold every message its room acknowledged, once: a lost or a late one (not
    // there after the drain) is the failure the latencies above cannot show.
    Map<String, Long> ackedByRoom = ackedByRoom(all);
    long expected = 0;
    long missing = 0;
    long unanswered = 0;
    List<String> mismatched = new ArrayList<>();
    for (LoadClient c : all) {
      long owed = ackedByRoom.get(c.roomId());
      expected += owed;
      missing += Math.max(0, owed - c.received());
      unanswered += c.inFlight();
      if (c.received() != owed) {
        mismatched.add(String.format("%s received %,d of its room's %,d", c.userId(), c.received(), owed));
      }
    }
    long delivered = tally.delivered.get();
    System.out.printf("whole phase: sent %,d, acknowledged %,d, refused %,d, still unanswered after the drain %,d;"
        + " delivered %,d of %,d expected (every member, its room's acknowledged messages; %,d fewer): %,d missing,"
        + " %,d never acknowledged, %,d repeated; stored in CQL %,d; sockets closed by the server %,d; drained %.1f s after the last send%n",
      tally.sent.get(), tally.acked.get(), tally.refused.get(), unanswered, delivered, expected, expected - delivered, missing,
      delivered - (expected - missing), tally.duplicates.get(), stored, tally.closed.get(), drained);
    List<String> wrong = new ArrayList<>();
    if (!mismatched.isEmpty()) {
      wrong.add(String.format("%d of %d members did not receive exactly their room's acknowledged messages: %s%s", mismatched.size(),
        all.size(), String.join("; ", mismatched.subList(0, Math.min(3, mismatched.size()))), mismatched.size() > 3 ? "; ..." : ""));
    }
    if (stored != tally.acked.get()) {
      wrong.add(String.format("stored in CQL %,d, acknowledged %,d", stored, tally.acked.get()));
    }
    if (unanswered > 0) {
      wrong.add(String.format("%,d sends neither acknowledged nor refused", unanswered));
    }
    if (tally.closed.get() > 0) {
      wrong.add(String.format("%,d sockets closed by the server", tally.closed.get()));
    }
    wrong.forEach(w -> System.out.println("WRONG: " + w));
    wrong.forEach(w -> problems.add(name + ": " + w));
    print("send -> ack", tally.toAck);
    print("send -> delivered", toDelivered);
    if (!stageTimes.isEmpty()) {
      System.out.print("by leg, from the services' stage timers (a message's wait behind its partition's batch counts in send to stored):\n" + stageTimes);
    }
    // A p99 over the window hides whether the tail is steady or a few bad seconds (a collection, a flush).
    if (!p99BySecond.isEmpty()) {
      List<Double> sorted = measuredSorted(p99BySecond);
      long beforeWindow = p99BySecond.stream().filter(p -> p.isNaN()).count();
      System.out.printf("send -> delivered p99 of each second: median %s, best %s, worst %s; %d of %d seconds at most 30 ms,"
          + " %d with no delivery%s%n", ms(median(sorted)), ms(sorted.isEmpty() ? BEFORE_WINDOW : sorted.get(0)),
        ms(sorted.isEmpty() ? BEFORE_WINDOW : sorted.get(sorted.size() - 1)), p99BySecond.stream().filter(p -> p <= 30).count(),
        p99BySecond.size(), p99BySecond.stream().filter(p -> p == STALL).count(), beforeWindow == 0 ? ""
          : String.format(", %d (-) delivering only messages sent before the window (left out of median, best and worst)", beforeWindow));
      // In wall-clock time, to set beside the engines' logs (flushes, compactions) and GC logs.
      System.out.printf("  each second from %s: %s%n", windowStart.toLocalTime(),
        p99BySecond.stream().map(p -> p == STALL ? "stall" : p.isNaN() ? "-" : String.format("%.0f", p)).collect(Collectors.joining(" ")));
      List<Compactions.Interval> compactions = Compactions.of(SharedStack.get().cassandraLog(), "messages_by_room",
        LocalDateTime.now());
      List<Double> during = new ArrayList<>();
      List<Double> others = new ArrayList<>();
      for (int i = 0; i < p99BySecond.size(); i++) {
        (Compactions.covers(compactions, windowStart.plusSeconds(i), 1) ? during : others).add(p99BySecond.get(i));
      }
      System.out.printf("  the seconds within 1 s of a compaction of messages_by_room (Cassandra's log): %s; the others: %s%n",
        secondsSummary(during), secondsSummary(others));
      if (compaction != null) {
        // Paced, a compaction runs nearly all the time; its thread's CPU tells when it was working.
        List<Double> idle = new ArrayList<>();
        List<Double> some = new ArrayList<>();
        List<Double> busy = new ArrayList<>();
        double total = 0;
        for (int i = 0; i < p99BySecond.size(); i++) {
          Double cpu = compaction.percentIn(windowStart.plusSeconds(i).toLocalTime());
          if (cpu != null) {
            (cpu < 5 ? idle : cpu < 15 ? some : busy).add(p99BySecond.get(i));
            total += cpu;
          }
        }
        int sampled = idle.size() + some.size() + busy.size();
        if (sampled > 0) { // none without /proc
          System.out.printf("  by Cassandra's compaction thread's CPU in the second (/proc; %.1f%% of a core on average): under 5%% %s;"
            + " 5 to 15%% %s; 15%% or more %s%n", total / sampled, secondsSummary(idle), secondsSummary(some), secondsSummary(busy));
        }
      }
    }
    Future.all(all.stream().map(LoadClient::close).toList()).eventually(ws::close).await();
    return storedRate;
  }

  /** A p99 in ms, "stall" for a second with no delivery, "-" for one that delivered no message of the window. */
  private static String ms(double p99) {
    return p99 == STALL ? "stall" : Double.isNaN(p99) ? "-" : String.format("%.1f ms", p99);
  }

  /** The seconds' p99s, sorted, without those that delivered no message of the window. */
  private static List<Double> measuredSorted(List<Double> p99s) {
    return p99s.stream().filter(p -> !p.isNaN()).sorted().toList();
  }

  /** The median of sorted p99s; {@link #BEFORE_WINDOW} if there are none. */
  private static double median(List<Double> sorted) {
    return sorted.isEmpty() ? BEFORE_WINDOW : sorted.get(sorted.size() / 2);
  }

  /** Whether a send is unanswered, or an open member has not received all its room acknowledged. */
  private static boolean behind(List<LoadClient> all) {
    Map<String, Long> ackedByRoom = ackedByRoom(all);
    return all.stream().filter(LoadClient::isOpen).anyMatch(c -> c.inFlight() > 0 || c.received() < ackedByRoom.get(c.roomId()));
  }

  /** The acknowledged messages of each room: what each of its members must receive. */
  private static Map<String, Long> ackedByRoom(List<LoadClient> all) {
    return all.stream().collect(Collectors.groupingBy(LoadClient::roomId, Collectors.summingLong(LoadClient::acked)));
  }

  /**
   * How many seconds, the median of their p99s (of those that delivered a message of the window),
   * and how many met 30 ms.
   */
  private static String secondsSummary(List<Double> p99s) {
    if (p99s.isEmpty()) {
      return "none";
    }
    return String.format("%d, median %s, %d at most 30 ms", p99s.size(), ms(median(measuredSorted(p99s))),
      p99s.stream().filter(p -> p <= 30).count());
  }

  /**
   * The rows of {@code roomIds} in the message log, over every bucket from the phase's start to
   * now: a phase can cross a bucket's end (with short {@code cql.bucketMinutes}, several).
   */
  private long countStored(List<String> roomIds, long fromMillis) {
    String ks = config.getJsonObject("cql").getString("keyspace");
    int first = messageStore.bucketOf(fromMillis);
    int last = messageStore.bucketOf(System.currentTimeMillis());
    long total = 0;
    for (String roomId : roomIds) {
      for (int b = first; b <= last; b++) {
        // A COUNT over a partition of a million rows outlasts the driver's 2 s default.
        total += cql.executeWithFullFetch(SimpleStatement.newInstance("SELECT COUNT(*) FROM " + ks
          + ".messages_by_room WHERE room_id = ? AND bucket = ?", roomId, b).setTimeout(Duration.ofSeconds(60)))
          .await().get(0).getLong(0);
      }
    }
    return total;
  }

  private static void print(String what, AbstractHistogram h) {
    System.out.printf("%-18s n=%,d  p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms  max %.1f ms%n", what, h.getTotalCount(),
      h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
  }

  private void pause(long ms) {
    Future.<Void>future(p -> vertx.setTimer(ms, t -> p.complete())).await();
  }
}
