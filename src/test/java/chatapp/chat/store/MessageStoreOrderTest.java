package chatapp.chat.store;

import chatapp.bus.ChatMessage;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a reader finds stored of a room while a burst of it is being written is a prefix of the
 * room's order: recovery reads that way, and a later message found without an earlier one would be
 * a gap that the live feed then fills out of order.
 */
class MessageStoreOrderTest {

  /** Five batches' worth of one room (a batch holds at most 64 rows). */
  private static final int BURST = 320;
  private static final int ROUNDS = 20;

  private static Vertx vertx;
  private static CassandraClient cql;
  private static MessageStore store;

  @BeforeAll
  static void open() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create().getJsonObject("cql");
    cql = Cql.client(vertx, config);
    Schema.ensure(cql, config).await();
    store = MessageStore.create(cql, config).await();
  }

  @AfterAll
  static void close() {
    cql.close().await();
    vertx.close().await();
  }

  @Test
  @DisplayName("reads during a burst's write see a prefix of the room's messages, never a later one without an earlier")
  void readsDuringABurstSeeAPrefix() {
    int partial = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String room = "order-" + UUID.randomUUID();
      UUID before = Uuids.timeBased();
      List<ChatMessage> burst = new ArrayList<>(BURST);
      for (int i = 0; i < BURST; i++) {
        burst.add(new ChatMessage(room, Uuids.timeBased(), "alice", "message " + i + " " + "x".repeat(80), System.currentTimeMillis()));
      }
      Future<Void> write = store.insertAll(burst);
      List<List<ChatMessage>> reads = readUntil(write, room, before).await();
      write.await();
      for (List<ChatMessage> read : reads) {
        for (int k = 0; k < read.size(); k++) {
          assertEquals(burst.get(k).messageId(), read.get(k).messageId(),
            "round " + round + ": a read of " + read.size() + " messages differs from the room's order at " + k);
        }
        partial += read.size() > 0 && read.size() < BURST ? 1 : 0;
      }
      assertEquals(BURST, reads.get(reads.size() - 1).size(), "the read after the write completed finds the whole burst");
    }
    System.out.printf("MessageStoreOrderTest: %d reads caught a burst part-written%n", partial);
  }

  /** Reads the room after {@code before}, again and again, until {@code write} is done and once more. */
  private static Future<List<List<ChatMessage>>> readUntil(Future<Void> write, String room, UUID before) {
    List<List<ChatMessage>> reads = new ArrayList<>();
    Promise<List<List<ChatMessage>>> done = Promise.promise();
    new Object() {
      void next() {
        boolean last = write.isComplete();
        store.after(room, before, BURST + 1).onComplete(ar -> {
          if (ar.failed()) {
            done.fail(ar.cause());
            return;
          }
          reads.add(ar.result());
          if (last) {
            done.complete(reads);
          } else {
            next();
          }
        });
      }
    }.next();
    return done.future();
  }
}
