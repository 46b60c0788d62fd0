package chatapp.chat.pipeline;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.bus.MessageBatch;
import chatapp.chat.presence.Presence;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.Eventually;
import chatapp.testing.RoomWatch;
import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After the store: the room gets the message live, offline members go to the notifier, poison is parked. */
class FanoutAndDeadLetterTest {

  private static Vertx vertx;
  private static JsonObject config;
  private static RoomStore rooms;
  private static MessageStore messages;
  private static CassandraClient cql;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    config = TestConfig.create();
    Services.deploy(vertx, config, Services.ALL).await();
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    rooms = RoomStore.create(cql, config.getJsonObject("cql")).await();
    messages = MessageStore.create(cql, config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String roomWith(String... members) {
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "test", members[0], Instant.now())).await();
    for (int i = 1; i < members.length; i++) {
      rooms.join(roomId, members[i]).await();
    }
    return roomId;
  }

  @Test
  @DisplayName("a stored message is published to its room in order, and its offline members are handed to the notifier")
  void onlineGetItOfflineAreNotified() {
    String alice = "alice-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String carol = "carol-" + UUID.randomUUID();
    String roomId = roomWith(alice, bob, carol);
    Presence presence = Presence.create(vertx);
    presence.connected(alice, "s1").await();
    presence.connected(carol, "s2").await();

    RoomWatch watch = RoomWatch.start(vertx, roomId);
    List<JsonObject> live = watch.live;
    List<JsonObject> notified = watch.notified;

    for (int i = 0; i < 10; i++) {
      vertx.eventBus().request(Addresses.SEND, new JsonObject().put("roomId", roomId).put("senderId", alice).put("body", "m" + i)).await();
    }
    Eventually.get(vertx, Duration.ofSeconds(20), () -> io.vertx.core.Future.succeededFuture(live.size()), n -> n == 10);
    for (int i = 0; i < 10; i++) {
      assertEquals("m" + i, live.get(i).getString("body"), "room order holds");
    }
    Eventually.get(vertx, Duration.ofSeconds(10), () -> io.vertx.core.Future.succeededFuture(notified.size()), n -> n == 10);
    for (JsonObject n : notified) {
      assertEquals(List.of(bob), n.getJsonArray("userIds").getList(), "only the offline member, never the sender");
      assertEquals(alice, n.getString("senderId"));
    }
    assertEquals("m0", notified.get(0).getString("preview"));

    presence.disconnected(alice, "s1").await();
    presence.disconnected(carol, "s2").await();
  }

  @Test
  @DisplayName("a batch the consumer sends again after the fan-out got it once is not published to the room again")
  void aRepeatedBatchIsNotPublishedAgain() {
    String alice = "alice-" + UUID.randomUUID();
    String roomId = roomWith(alice);
    RoomWatch watch = RoomWatch.start(vertx, roomId);
    ChatMessage first = new ChatMessage(roomId, Uuids.timeBased(), alice, "first attempt published it", System.currentTimeMillis());
    ChatMessage next = new ChatMessage(roomId, Uuids.timeBased(), alice, "a new batch", System.currentTimeMillis());
    // The retry of a batch whose first attempt was published, then the partition's next batch: the
    // fan-out handles them in turn, so a copy of the retry would reach the room first.
    vertx.eventBus().request(Addresses.FANOUT, new MessageBatch(List.of(first), 0),
      new DeliveryOptions().setLocalOnly(true).addHeader(MessageBatch.REPEATED, "true")).await();
    vertx.eventBus().request(Addresses.FANOUT, new MessageBatch(List.of(next), 0), new DeliveryOptions().setLocalOnly(true)).await();
    Eventually.get(vertx, Duration.ofSeconds(10), () -> io.vertx.core.Future.succeededFuture(watch.live.size()), n -> n >= 1);
    assertEquals(List.of(next.messageId().toString()), watch.live.stream().map(m -> m.getString("messageId")).toList());
  }

  @Test
  @DisplayName("a record that can never be stored is parked on the dead-letter topic and does not block its partition")
  void poisonIsParked() {
    JsonObject kafka = config.getJsonObject("kafka");
    String roomId = roomWith("dora-" + UUID.randomUUID());
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSettings.producer(kafka));
    producer.send(KafkaProducerRecord.create(kafka.getString("topic"), roomId, "{not json")).await();
    producer.send(KafkaProducerRecord.create(kafka.getString("topic"), roomId, new JsonObject().put("roomId", roomId).encode())).await();
    // Well-formed but for its id: a random UUID has no time in it, and the time picks the partition
    // of the message log it goes to, so it can never be stored.
    producer.send(KafkaProducerRecord.create(kafka.getString("topic"), roomId, new ChatMessage(roomId, UUID.randomUUID(), "dora",
      "random id", System.currentTimeMillis()).toJson().encode())).await();
    producer.close().await();
    String after = vertx.eventBus().<JsonObject>request(Addresses.SEND,
      new JsonObject().put("roomId", roomId).put("senderId", "dora").put("body", "after the poison")).await().body().getString("messageId");

    // The valid message behind the three bad ones in the same partition is stored.
    Eventually.get(vertx, Duration.ofSeconds(20), () -> messages.newest(roomId, 10),
      l -> l.size() == 1 && l.get(0).messageId().toString().equals(after));

    Map<String, String> props = new HashMap<>(KafkaSettings.consumer(kafka));
    props.put("group.id", "dlq-inspect-" + UUID.randomUUID());
    KafkaConsumer<String, String> dlq = KafkaConsumer.create(vertx, props);
    dlq.subscribe(kafka.getString("deadLetterTopic")).await();
    List<KafkaConsumerRecord<String, String>> parked = new CopyOnWriteArrayList<>();
    try {
      Eventually.get(vertx, Duration.ofSeconds(20), () -> dlq.poll(Duration.ofMillis(300)).map(rs -> {
        for (int i = 0; i < rs.size(); i++) {
          if (roomId.equals(rs.recordAt(i).key())) {
            parked.add(rs.recordAt(i));
          }
        }
        return parked.size();
      }), n -> n == 3);
    } finally {
      dlq.close().await();
    }
    assertEquals("{not json", parked.get(0).value());
    assertEquals(kafka.getString("topic"), header(parked.get(0), "origin.topic"));
    assertEquals(Long.parseLong(header(parked.get(0), "origin.offset")) + 1, Long.parseLong(header(parked.get(1), "origin.offset")),
      "both came from the same partition, one after the other");
    assertEquals(true, header(parked.get(1), "reason").contains("messageId"), header(parked.get(1), "reason"));
    assertTrue(header(parked.get(2), "reason").contains("time-based"), header(parked.get(2), "reason"));
  }

  private static String header(KafkaConsumerRecord<String, String> r, String key) {
    return r.headers().stream().filter(h -> h.key().equals(key)).map(h -> h.value().toString()).findFirst().orElse(null);
  }
}
