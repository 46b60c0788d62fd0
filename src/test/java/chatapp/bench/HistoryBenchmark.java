package chatapp.bench;

import chatapp.Services;
import chatapp.auth.Auth;
import chatapp.bus.ChatMessage;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.SharedStack;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Prints the latency of the history API's first page: the 50 newest messages of a room holding
 * 10,000, read through HTTP (token check, membership check, CQL reads, JSON), one request at a time
 * from a client in the same JVM, against the real Cassandra of the shared test stack.
 * <pre>
 * CHAT_TEST_STACK=2 mvn -q -B test-compile exec:java -Dexec.classpathScope=test \
 *   -Dmain.class=chatapp.bench.HistoryBenchmark -Dexec.args="10000 5000"
 * </pre>
 * Arguments: messages in the room (10,000), measured requests (5,000; 1,000 more warm up first).
 */
public final class HistoryBenchmark {

  private static final int PAGE = 50;
  private static final int WARMUP = 1_000;
  private static final int SEED_IN_FLIGHT = 64;

  private HistoryBenchmark() {
  }

  public static void main(String[] args) {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    Vertx vertx = Vertx.vertx();
    int exit = 0;
    try {
      run(vertx, messages, requests);
    } catch (RuntimeException e) {
      e.printStackTrace();
      exit = 1;
    } finally {
      vertx.close().await();
      SharedStack.stop();
    }
    System.exit(exit);
  }

  private static void run(Vertx vertx, int messages, int requests) {
    JsonObject config = TestConfig.create(Map.of("AUTH_HMAC_SECRET", "history-benchmark-secret-0123456789abcdef"));
    Services.deploy(vertx, config, Set.of(Services.CHAT)).await();
    CassandraClient cql = Cql.client(vertx, config.getJsonObject("cql"));
    MessageStore store = MessageStore.create(cql, config.getJsonObject("cql")).await();
    RoomStore rooms = RoomStore.create(cql, config.getJsonObject("cql")).await();

    String roomId = "bench-" + UUID.randomUUID();
    String user = "bench-user";
    rooms.create(new Room(roomId, "benchmark", user, Instant.now().minusSeconds(60))).await();
    long t0 = System.nanoTime();
    seed(store, roomId, user, messages);
    System.out.printf("seeded %,d messages in room %s in %.1f s%n", messages, roomId, (System.nanoTime() - t0) / 1e9);

    String token = Auth.create(vertx, config.getJsonObject("auth")).issue(user);
    int port = config.getJsonObject("http").getInteger("port");
    WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true));
    String path = "/api/rooms/" + roomId + "/messages?limit=" + PAGE;
    for (int i = 0; i < WARMUP; i++) {
      page(web, port, path, token);
    }
    long[] micros = new long[requests];
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      long before = System.nanoTime();
      page(web, port, path, token);
      micros[i] = (System.nanoTime() - before) / 1_000;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    print(String.format("GET /api/rooms/{roomId}/messages?limit=%d (the %d newest of %,d), %,d requests one at a time, %.0f req/s",
      PAGE, PAGE, messages, requests, requests / seconds), micros);

    // The same page read straight from the store: what the HTTP layer (token, contract
    // validation, membership, JSON) adds on top of the CQL reads.
    long[] direct = new long[requests];
    for (int i = 0; i < requests; i++) {
      long before = System.nanoTime();
      store.history(roomId, null, PAGE + 1, null).await();
      direct[i] = (System.nanoTime() - before) / 1_000;
    }
    print("for comparison, MessageStore.history (CQL only), same page", direct);
  }

  private static void print(String what, long[] micros) {
    Arrays.sort(micros);
    System.out.println(what);
    System.out.printf("  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   p99.9 %.2f ms   max %.2f ms%n",
      at(micros, 0.50), at(micros, 0.90), at(micros, 0.99), at(micros, 0.999), micros[micros.length - 1] / 1000.0);
  }

  /** Inserts through the store the writer uses, {@code SEED_IN_FLIGHT} at a time; ids are real TIMEUUIDs. */
  private static void seed(MessageStore store, String roomId, String user, int messages) {
    for (int done = 0; done < messages; done += SEED_IN_FLIGHT) {
      List<Future<Void>> batch = new ArrayList<>();
      for (int i = done; i < Math.min(messages, done + SEED_IN_FLIGHT); i++) {
        UUID id = Uuids.timeBased();
        batch.add(store.insert(new ChatMessage(roomId, id, user, "message number " + i + " of the benchmark", Uuids.unixTimestamp(id))));
      }
      Future.all(batch).await();
    }
  }

  private static void page(WebClient web, int port, String path, String token) {
    HttpResponse<Buffer> r = web.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await();
    if (r.statusCode() != 200 || r.bodyAsJsonObject().getJsonArray("messages").size() != PAGE) {
      throw new IllegalStateException("unexpected answer " + r.statusCode() + ": " + r.bodyAsString());
    }
  }

  private static double at(long[] sortedMicros, double quantile) {
    int i = (int) Math.ceil(quantile * sortedMicros.length) - 1;
    return sortedMicros[Math.max(0, Math.min(i, sortedMicros.length - 1))] / 1000.0;
  }
}
