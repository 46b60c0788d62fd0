package chatapp.chat.pipeline;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.bus.MessageBatch;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One room's writes keep failing (a token range of the database down, a record the writer cannot
 * take): its partition waits, retrying, and the node's other partitions must go on being stored.
 */
class StuckPartitionTest {

  /** More than the consumer's whole in-flight budget (5,000) behind the stuck batch. */
  private static final int BACKLOG = 6_000;

  private final List<Vertx> vertxes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    vertxes.forEach(v -> v.close().await());
  }

  @Test
  @DisplayName("a partition whose writes keep failing does not stop the node's other partitions, and loses nothing once they pass")
  void otherPartitionsGoOn() {
    JsonObject config = TestConfig.create();
    JsonObject kafka = config.getJsonObject("kafka");
    String topic = kafka.getString("topic");
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    KafkaSettings.ensureTopic(vertx, kafka).await();
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSettings.producer(kafka));

    String stuckRoom = "room-" + UUID.randomUUID();
    List<Future<RecordMetadata>> backlog = new ArrayList<>();
    for (int i = 0; i < BACKLOG; i++) {
      backlog.add(producer.send(record(topic, stuckRoom, "b" + i)));
    }
    int stuckPartition = Future.all(backlog).await().<RecordMetadata>resultAt(0).getPartition();

    // The writer fails every batch of the stuck room until told otherwise, and stores the rest.
    Set<String> stored = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean failing = new AtomicBoolean(true);
    vertx.eventBus().<MessageBatch>consumer(Addresses.STORE, msg -> {
      List<ChatMessage> batch = msg.body().messages();
      if (failing.get() && batch.stream().anyMatch(m -> m.roomId().equals(stuckRoom))) {
        refused.incrementAndGet();
        msg.fail(503, "this room's token range is down");
      } else {
        batch.forEach(m -> stored.add(m.body()));
        msg.reply(null);
      }
    });
    vertx.eventBus().<MessageBatch>consumer(Addresses.FANOUT, msg -> msg.reply(new JsonArray()));
    vertx.deployVerticle(new ChatConsumerVerticle(), new DeploymentOptions().setConfig(config)).await();
    // Retried three times: the consumer has polled the backlog behind the failing batch by now.
    Eventually.get(vertx, Duration.ofSeconds(30), () -> Future.succeededFuture(refused.get()), n -> n >= 3);

    // Rooms of the other partitions, written after the stuck one's backlog: they are stored meanwhile.
    Set<String> others = ConcurrentHashMap.newKeySet();
    while (others.size() < 20) {
      String body = "other-" + UUID.randomUUID();
      if (producer.send(record(topic, "room-" + UUID.randomUUID(), body)).await().getPartition() != stuckPartition) {
        others.add(body);
      }
    }
    Eventually.get(vertx, Duration.ofSeconds(30), () -> Future.succeededFuture(stored.containsAll(others)), ok -> ok);
    assertEquals(0, stored.stream().filter(b -> b.startsWith("b")).count(), "nothing of the stuck room was stored yet");

    // The room's writes pass again: all of its backlog is stored, nothing skipped.
    failing.set(false);
    Eventually.get(vertx, Duration.ofSeconds(60), () -> Future.succeededFuture(
      stored.stream().filter(b -> b.startsWith("b")).count()), n -> n == BACKLOG);
    producer.close().await();
  }

  private static KafkaProducerRecord<String, String> record(String topic, String roomId, String body) {
    return KafkaProducerRecord.create(topic, roomId,
      new ChatMessage(roomId, Uuids.timeBased(), "alice", body, System.currentTimeMillis()).toJson().encode());
  }
}
