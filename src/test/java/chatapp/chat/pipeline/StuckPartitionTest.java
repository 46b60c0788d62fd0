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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Some rooms' writes keep failing (a token range of the database down, a record the writer cannot
 * take): their partitions wait, retrying, and the node's other partitions must go on being stored.
 */
class StuckPartitionTest {

  /** Rooms stuck at once, each on a partition of its own (of the topic's 6), and each one's backlog. */
  private static final int STUCK = 4;
  /** Together more than the consumer's whole in-flight budget (5,000), each more than a pause's 1,000. */
  private static final int BACKLOG = 2_000;

  private final List<Vertx> vertxes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    vertxes.forEach(v -> v.close().await());
  }

  @Test
  @DisplayName("partitions whose writes keep failing do not stop the node's other partitions, and lose nothing once they pass")
  void otherPartitionsGoOn() {
    JsonObject config = TestConfig.create();
    JsonObject kafka = config.getJsonObject("kafka");
    String topic = kafka.getString("topic");
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    KafkaSettings.ensureTopic(vertx, kafka).await();
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSettings.producer(kafka));

    // Rooms on distinct partitions, each with its backlog.
    Map<Integer, String> stuckRooms = new HashMap<>();
    while (stuckRooms.size() < STUCK) {
      String roomId = "room-" + UUID.randomUUID();
      int partition = producer.send(record(topic, roomId, "b-probe")).await().getPartition();
      stuckRooms.putIfAbsent(partition, roomId);
    }
    List<Future<RecordMetadata>> backlog = new ArrayList<>();
    for (String roomId : stuckRooms.values()) {
      for (int i = 0; i < BACKLOG; i++) {
        backlog.add(producer.send(record(topic, roomId, "b" + i)));
      }
    }
    Future.all(backlog).await();
    Set<String> stuck = Set.copyOf(stuckRooms.values());

    // The writer fails every batch with a stuck room's message until told otherwise, and stores the rest.
    Set<String> stored = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    Set<UUID> storedOfStuck = ConcurrentHashMap.newKeySet();
    AtomicBoolean failing = new AtomicBoolean(true);
    vertx.eventBus().<MessageBatch>consumer(Addresses.STORE, msg -> {
      List<ChatMessage> batch = msg.body().messages();
      if (failing.get() && batch.stream().anyMatch(m -> stuck.contains(m.roomId()))) {
        refused.incrementAndGet();
        msg.fail(503, "this room's token range is down");
      } else {
        batch.forEach(m -> {
          stored.add(m.body());
          if (stuck.contains(m.roomId())) {
            storedOfStuck.add(m.messageId());
          }
        });
        msg.reply(null);
      }
    });
    vertx.eventBus().<MessageBatch>consumer(Addresses.FANOUT, msg -> msg.reply(new JsonArray()));
    vertx.deployVerticle(new ChatConsumerVerticle(), new DeploymentOptions().setConfig(config)).await();
    // Retried three times: the consumer has polled the backlogs behind the failing batches by now.
    Eventually.get(vertx, Duration.ofSeconds(30), () -> Future.succeededFuture(refused.get()), n -> n >= 3);

    // Rooms of the other partitions, written after the stuck ones' backlogs: they are stored meanwhile.
    Set<String> others = ConcurrentHashMap.newKeySet();
    while (others.size() < 20) {
      String body = "other-" + UUID.randomUUID();
      if (!stuckRooms.containsKey(producer.send(record(topic, "room-" + UUID.randomUUID(), body)).await().getPartition())) {
        others.add(body);
      }
    }
    Eventually.get(vertx, Duration.ofSeconds(30), () -> Future.succeededFuture(stored.containsAll(others)), ok -> ok);
    assertEquals(0, storedOfStuck.size(), "nothing of the stuck rooms was stored yet");

    // The rooms' writes pass again: all of their backlogs are stored (and each room's first message,
    // which found its partition), nothing skipped.
    failing.set(false);
    Eventually.get(vertx, Duration.ofSeconds(60), () -> Future.succeededFuture(storedOfStuck.size()),
      n -> n == STUCK * (BACKLOG + 1));
    producer.close().await();
  }

  private static KafkaProducerRecord<String, String> record(String topic, String roomId, String body) {
    return KafkaProducerRecord.create(topic, roomId,
      new ChatMessage(roomId, Uuids.timeBased(), "alice", body, System.currentTimeMillis()).toJson().encode());
  }
}
