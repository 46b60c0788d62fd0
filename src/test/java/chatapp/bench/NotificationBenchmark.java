package chatapp.bench;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.chat.notify.GrpcNotifierVerticle;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.SharedStack;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints two figures of the notification path against the real servers (the shared test stack's
 * Cassandra, on CHAT_TEST_STACK's ports):
 * Messages go to {@value #ROOMS} rooms at random, each with the same {@value #USERS_PER_MESSAGE}
 * offline members every time, as a room's members are. The notification tables are emptied first
 * ({@link Tables}) and the names are new each run, so every run starts from empty rows whatever
 * earlier runs left in the stack.
 * <ol>
 *   <li>latency at a fixed rate (default 1,000 messages/s), measured after {@value #FIXED_RATE_WARMUP_SECONDS}
 *       s at that rate: from the moment a stored message's
 *       offline users are handed to the notifier ({@link Addresses#NOTIFY_OFFLINE}, what the fan-out
 *       does right after the store) to the moment the notification service has stored the
 *       notification of every one of them (the notifier's reply comes after the service's answer,
 *       which comes after the CQL writes). Latency is measured from each message's scheduled send
 *       time, so a stall on the sending side counts against the result too. Besides the whole run's
 *       percentiles it prints the worst one-second window's p99;</li>
 *   <li>throughput: NotifyOfflineUsers calls per second, 10 users each, {@code inFlight} at a time,
 *       straight through the generated client.</li>
 * </ol>
 * <pre>
 * CHAT_TEST_STACK=3 mvn -q -B test-compile exec:java -Dexec.classpathScope=test \
 *   -Dmain.class=chatapp.bench.NotificationBenchmark -Dexec.args="1000 20 64"
 * </pre>
 * Arguments: rate (messages/s), seconds at that rate, calls in flight for the throughput run,
 * seconds of saturated warm-up (40).
 */
public final class NotificationBenchmark {

  /** A room's members who are offline: the same ones for every message of the room, as in a chat. */
  private static final int USERS_PER_MESSAGE = 10;
  private static final int ROOMS = 2_000;
  private static final int FIXED_RATE_WARMUP_SECONDS = 10;
  /**
   * Rooms and users of this run only. The stack keeps its data between runs, and unread ids live
   * 30 days: with the same names every run would start from the last one's ever larger rows, and
   * no two runs would measure the same thing.
   */
  private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

  private NotificationBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 40;
    JsonObject config = TestConfig.create(Map.of("NOTIFICATION_SERVICE_QUEUE_SIZE", "1000000"));
    Vertx vertx = Vertx.vertx();
    try {
      Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
      Tables.truncate(vertx, config.getJsonObject("cql"), "room_notifications", "notification_rooms_by_user");
      vertx.deployVerticle(new GrpcNotifierVerticle(), new DeploymentOptions().setConfig(config)).await();
      SocketAddress address = GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
      GrpcClient client = GrpcClient.client(vertx);

      // A Cassandra node just started compiles its hot paths for half a minute and more: until
      // then a call costs it several times what it costs a node that has run for a while.
      System.out.printf("warm-up: %d s of calls as fast as they go (JIT, connections, Cassandra's memtables)%n", warmup);
      throughput(vertx, client, address, inFlight, warmup);

      // Latency first, and only after as long again at the same rate as the saturated warm-up:
      // a saturating run leaves the node flushing and compacting what it wrote for about as
      // long as it ran, and a measurement right after it would be of that catch-up, not of the
      // steady state at this rate.
      long[] latencies = fixedRate(vertx, rate, FIXED_RATE_WARMUP_SECONDS, seconds);
      System.out.printf("latency at %d messages/s for %d s after %d s at that rate (%d users each), message handed over -> notifications stored:%n",
        rate, seconds, FIXED_RATE_WARMUP_SECONDS, USERS_PER_MESSAGE);
      double worst = 0;
      for (int second = 0; second < seconds; second++) {
        long[] window = Arrays.copyOfRange(latencies, second * rate, (second + 1) * rate);
        Arrays.sort(window);
        worst = Math.max(worst, pct(window, 99));
      }
      Arrays.sort(latencies);
      System.out.printf("  n=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms p99.9=%.1f ms max=%.1f ms; worst second's p99=%.1f ms%n",
        latencies.length, pct(latencies, 50), pct(latencies, 90), pct(latencies, 99), pct(latencies, 99.9),
        latencies[latencies.length - 1] / 1e6, worst);

      double callsPerSecond = throughput(vertx, client, address, inFlight, 15);
      System.out.printf("throughput: %.0f NotifyOfflineUsers calls/s (%d users each, %d in flight) = %.0f notifications stored/s%n",
        callsPerSecond, USERS_PER_MESSAGE, inFlight, callsPerSecond * USERS_PER_MESSAGE);
    } finally {
      vertx.close().await();
      SharedStack.stop();
    }
    System.exit(0);
  }

  private static OfflineUserRequest request() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int room = r.nextInt(ROOMS);
    OfflineUserRequest.Builder b = OfflineUserRequest.newBuilder().setRoomId("bench-" + RUN + "-room-" + room)
      .setMessageId(Uuids.timeBased().toString()).setSenderId("bench-sender").setMessage("a preview of a benchmark message");
    for (int i = 0; i < USERS_PER_MESSAGE; i++) {
      b.addUserIds("bench-" + RUN + "-user-" + (room * USERS_PER_MESSAGE + i));
    }
    return b.build();
  }

  /** Calls as fast as {@code inFlight} concurrent calls go, for {@code seconds}; answers calls/s. */
  private static double throughput(Vertx vertx, GrpcClient client, SocketAddress address, int inFlight, int seconds) {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong done = new AtomicLong();
    AtomicInteger failed = new AtomicInteger();
    Promise<Void> finished = Promise.promise();
    AtomicInteger running = new AtomicInteger(inFlight);
    long t0 = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int i = 0; i < inFlight; i++) {
        loop(vertx, client, address, end, done, failed, running, finished);
      }
    });
    finished.future().await();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    if (failed.get() > 0) {
      System.out.println("  (" + failed.get() + " calls failed)");
    }
    return done.get() / elapsed;
  }

  private static void loop(Vertx vertx, GrpcClient client, SocketAddress address, long end, AtomicLong done,
                           AtomicInteger failed, AtomicInteger running, Promise<Void> finished) {
    if (System.nanoTime() >= end) {
      if (running.decrementAndGet() == 0) {
        finished.complete();
      }
      return;
    }
    UnaryCall.call(vertx, client, address, NotificationServiceGrpcClient.NotifyOfflineUsers, request(), 10_000, Map.of())
      .onComplete(ar -> {
        if (ar.succeeded()) {
          done.incrementAndGet();
        } else {
          failed.incrementAndGet();
        }
        loop(vertx, client, address, end, done, failed, running, finished);
      });
  }

  /**
   * Hands {@code rate} messages a second to the notifier for {@code warmup + seconds}; answers the
   * latency in ns of each message of the last {@code seconds}, in the order they were sent.
   */
  private static long[] fixedRate(Vertx vertx, int rate, int warmup, int seconds) {
    int total = rate * (warmup + seconds);
    int skipped = rate * warmup;
    long[] latencies = new long[rate * seconds];
    AtomicInteger completed = new AtomicInteger();
    Promise<Void> finished = Promise.promise();
    long start = System.nanoTime() + 50_000_000L;
    long tickNs = 1_000_000L; // a send batch every millisecond, sized to the schedule
    int[] sent = {0};
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(120_000);
    vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      int due = (int) Math.min(total, Math.max(0, (now - start) / tickNs * rate / 1000));
      while (sent[0] < due) {
        int i = sent[0]++;
        long scheduled = start + (long) i * 1_000_000_000L / rate;
        OfflineUserRequest r = request();
        JsonObject body = new JsonObject().put("roomId", r.getRoomId()).put("messageId", r.getMessageId())
          .put("senderId", r.getSenderId()).put("preview", r.getMessage()).put("userIds", new JsonArray(r.getUserIdsList()));
        vertx.eventBus().request(Addresses.NOTIFY_OFFLINE, body, options).onComplete(ar -> {
          if (i >= skipped) {
            latencies[i - skipped] = ar.succeeded() ? System.nanoTime() - scheduled : Long.MAX_VALUE;
          }
          if (completed.incrementAndGet() == total) {
            finished.complete();
          }
        });
      }
      if (sent[0] == total) {
        vertx.cancelTimer(id);
      }
    }));
    finished.future().await();
    return latencies;
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
