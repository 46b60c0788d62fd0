package chatapp.chat;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.ingest.MessageProducerVerticle;
import chatapp.chat.pipeline.KafkaSettings;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The thinnest real path: bus → Kafka (keyed by room) → consumer → writer → CQL, read back. */
@ExtendWith(VertxExtension.class)
class MessagePipelineTest {

  private static Vertx vertx;
  private static JsonObject config;
  private static MessageStore store;
  private static CassandraClient cql;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    config = TestConfig.create();
    Services.deploy(vertx, config, Services.ALL).await();
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    store = MessageStore.create(cql, config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a message handed to the chat service is acknowledged, stored and read back in order")
  void messagesAreStoredAndReadBack() {
    String room = "room-" + UUID.randomUUID();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.SEND,
        new JsonObject().put("roomId", room).put("senderId", "alice").put("body", "hello " + i)).await().body();
      ids.add(ack.getString("messageId"));
      assertTrue(ack.getLong("sentAt") > 0);
    }
    List<ChatMessage> stored = Eventually.get(vertx, Duration.ofSeconds(20),
      () -> store.newest(room, 10), list -> list.size() == 5);
    // Newest first: the reverse of the sending order.
    for (int i = 0; i < 5; i++) {
      ChatMessage m = stored.get(4 - i);
      assertEquals(ids.get(i), m.messageId().toString());
      assertEquals("hello " + i, m.body());
      assertEquals("alice", m.senderId());
      assertEquals(room, m.roomId());
    }
  }

  @Test
  @DisplayName("the Kafka record is keyed by room id and carries the message as JSON")
  void recordIsKeyedByRoom() {
    String room = "room-" + UUID.randomUUID();
    String id = vertx.eventBus().<JsonObject>request(Addresses.SEND,
      new JsonObject().put("roomId", room).put("senderId", "bob").put("body", "keyed")).await().body().getString("messageId");
    Map<String, String> props = new HashMap<>(KafkaSettings.consumer(config.getJsonObject("kafka")));
    props.put("group.id", "inspect-" + UUID.randomUUID());
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, props);
    consumer.subscribe(config.getJsonObject("kafka").getString("topic")).await();
    try {
      KafkaConsumerRecord<String, String> record = Eventually.find(vertx, Duration.ofSeconds(20),
        () -> consumer.poll(Duration.ofMillis(500)).map(rs -> {
          for (int i = 0; i < rs.size(); i++) {
            if (rs.recordAt(i).value().contains(id)) {
              return rs.recordAt(i);
            }
          }
          return null;
        }));
      assertEquals(room, record.key());
      assertEquals("keyed", new JsonObject(record.value()).getString("body"));
    } finally {
      consumer.close().await();
    }
  }

  @Test
  @DisplayName("an invalid message is refused with a reason and never reaches Kafka or the store")
  void invalidMessageIsRefused() {
    String room = "room-" + UUID.randomUUID();
    for (JsonObject draft : List.of(
      new JsonObject().put("roomId", room).put("senderId", "alice").put("body", ""),
      new JsonObject().put("roomId", room).put("senderId", "alice").put("body", 42),
      new JsonObject().put("roomId", room).put("senderId", "alice").put("body", "x".repeat(4097)),
      new JsonObject().put("senderId", "alice").put("body", "no room"))) {
      ReplyException e = assertThrows(ReplyException.class,
        () -> vertx.eventBus().request(Addresses.SEND, draft).await());
      assertEquals(MessageProducerVerticle.INVALID, e.failureCode(), e.getMessage());
    }
    // A valid message sent after them is the only one the room ever holds.
    vertx.eventBus().request(Addresses.SEND, new JsonObject().put("roomId", room).put("senderId", "alice").put("body", "ok")).await();
    List<ChatMessage> stored = Eventually.get(vertx, Duration.ofSeconds(20), () -> store.newest(room, 10), l -> !l.isEmpty());
    assertEquals(1, stored.size());
    assertEquals("ok", stored.get(0).body());
  }
}
