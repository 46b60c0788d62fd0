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
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
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
import java.util.stream.IntStream;

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
    KafkaConsumer<String, String> consumer = inspector();
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

  @Test
  @DisplayName("a fresh producer's first sends are acknowledged and reach Kafka in order; with the broker unreachable a send is refused as unavailable within seconds")
  void producerWaitsOnlyBriefly() {
    // A fresh producer knows no topic yet: its first sends meet no metadata and wait for it. Sent
    // one a millisecond, the later ones come once the metadata is there: they must not overtake.
    Vertx fresh = Vertx.vertx();
    String room = "room-" + UUID.randomUUID();
    try {
      fresh.deployVerticle(new MessageProducerVerticle(), new DeploymentOptions().setConfig(config)).await();
      List<Future<Message<JsonObject>>> acks = new ArrayList<>();
      Promise<Void> allSent = Promise.promise();
      fresh.setPeriodic(1, t -> {
        acks.add(fresh.eventBus().request(Addresses.SEND,
          new JsonObject().put("roomId", room).put("senderId", "alice").put("body", "m" + acks.size())));
        if (acks.size() == 30) {
          fresh.cancelTimer(t);
          allSent.complete();
        }
      });
      allSent.future().await();
      Future.all(acks).await();
    } finally {
      fresh.close().await();
    }
    KafkaConsumer<String, String> consumer = inspector();
    List<String> bodies = new ArrayList<>();
    try {
      Eventually.get(vertx, Duration.ofSeconds(20), () -> consumer.poll(Duration.ofMillis(500)).map(rs -> {
        for (int i = 0; i < rs.size(); i++) {
          if (room.equals(rs.recordAt(i).key())) {
            bodies.add(new JsonObject(rs.recordAt(i).value()).getString("body"));
          }
        }
        return bodies.size();
      }), n -> n >= 30);
    } finally {
      consumer.close().await();
    }
    assertEquals(IntStream.range(0, 30).mapToObj(i -> "m" + i).toList(), bodies);

    // Nothing listens on this port: Kafka's producer never learns the topic, and its send must not
    // hold the event loop (or a worker) for its default minute; the sender hears 503 and may retry.
    JsonObject nowhere = TestConfig.create(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + TestConfig.freePort()));
    Vertx lonely = Vertx.vertx();
    try {
      lonely.deployVerticle(new MessageProducerVerticle(), new DeploymentOptions().setConfig(nowhere)).await();
      long t0 = System.nanoTime();
      ReplyException e = assertThrows(ReplyException.class, () -> lonely.eventBus().request(Addresses.SEND,
        new JsonObject().put("roomId", "r").put("senderId", "alice").put("body", "lost?"),
        new DeliveryOptions().setSendTimeout(20_000)).await());
      assertEquals(MessageProducerVerticle.UNAVAILABLE, e.failureCode(), e.getMessage());
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(seconds < 10, "refused after " + seconds + " s");
    } finally {
      lonely.close().await();
    }
  }

  /** A consumer of the chat topic in a group of its own, from the start: it reads what the test produced. */
  private static KafkaConsumer<String, String> inspector() {
    Map<String, String> props = new HashMap<>(KafkaSettings.consumer(config.getJsonObject("kafka")));
    props.put("group.id", "inspect-" + UUID.randomUUID());
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, props);
    consumer.subscribe(config.getJsonObject("kafka").getString("topic")).await();
    return consumer;
  }
}
