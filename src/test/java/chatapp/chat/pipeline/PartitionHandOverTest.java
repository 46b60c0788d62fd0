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
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A partition moves to another node (a node joins, or one's session lapses) while its old owner
 * still has a batch of it out, stuck in a slow write. The batch's late completion must not speak
 * for the partition any more: committing its offset would move the group's committed offset back
 * behind what the new owner has already stored and committed, and a restart would replay it all.
 */
class PartitionHandOverTest {

  private static final int ROOMS = 24;

  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(v -> v.close().await());
  }

  /** A node with only the consumer; the test answers for the writer and the fan-out (no hand-offs). */
  private Vertx consumerNode(JsonObject config, Store store) {
    Vertx vertx = Vertx.vertx();
    nodes.add(vertx);
    vertx.eventBus().<MessageBatch>consumer(Addresses.STORE, store::request);
    vertx.eventBus().<MessageBatch>consumer(Addresses.FANOUT, msg -> msg.reply(new JsonArray()));
    vertx.deployVerticle(new ChatConsumerVerticle(), new DeploymentOptions().setConfig(config)).await();
    return vertx;
  }

  /** Stands in for the writer: answers at once, or holds every request until released. */
  private static final class Store {
    final List<ChatMessage> stored = new CopyOnWriteArrayList<>();
    final List<Message<MessageBatch>> held = new CopyOnWriteArrayList<>();
    volatile boolean holding;

    Store(boolean holding) {
      this.holding = holding;
    }

    void request(Message<MessageBatch> msg) {
      if (holding) {
        held.add(msg);
      } else {
        stored.addAll(msg.body().messages());
        msg.reply(null);
      }
    }

    List<ChatMessage> heldMessages() {
      return held.stream().flatMap(msg -> msg.body().messages().stream()).toList();
    }

    /** Answers what was held, as a write that finally succeeded, and every request after it. */
    void release() {
      holding = false;
      held.forEach(msg -> {
        stored.addAll(msg.body().messages());
        msg.reply(null);
      });
    }
  }

  @Test
  @DisplayName("a batch that completes after its partition moved to another node does not move the group's committed offset back")
  void lateBatchOfAMovedPartitionCommitsNothing() {
    JsonObject config = TestConfig.create();
    JsonObject kafka = config.getJsonObject("kafka");
    String topic = kafka.getString("topic");
    Vertx client = Vertx.vertx();
    nodes.add(client);
    KafkaSettings.ensureTopic(client, kafka).await();
    KafkaProducer<String, String> producer = KafkaProducer.create(client, KafkaSettings.producer(kafka));
    KafkaAdminClient admin = KafkaAdminClient.create(client, KafkaSettings.admin(kafka));
    Map<UUID, Integer> partitionOf = new ConcurrentHashMap<>();
    Map<Integer, Long> endOffsets = new ConcurrentHashMap<>();
    List<String> roomIds = new ArrayList<>();
    for (int i = 0; i < ROOMS; i++) {
      roomIds.add("room-" + UUID.randomUUID());
    }

    // Node A takes every partition, and its writer hangs on the first batch of each.
    Store storeA = new Store(true);
    consumerNode(config, storeA);
    send(producer, topic, roomIds, "wave 1", partitionOf, endOffsets);
    Set<Integer> wave1Partitions = Set.copyOf(endOffsets.keySet());
    Eventually.get(client, Duration.ofSeconds(30), () -> Future.succeededFuture(partitions(storeA.heldMessages(), partitionOf)),
      wave1Partitions::equals);

    // Node B joins and the partitions are shared out again. Once B stores, the move is done: the
    // second wave reaches A only in the partitions A kept. B stores both waves of its own and commits.
    Store storeB = new Store(false);
    consumerNode(config, storeB);
    Eventually.get(client, Duration.ofSeconds(30), () -> Future.succeededFuture(storeB.stored.size()), n -> n > 0);
    send(producer, topic, roomIds, "wave 2", partitionOf, endOffsets);
    Map<Integer, Long> committedByB = Eventually.get(client, Duration.ofSeconds(30), () -> committed(admin, config, topic), c -> {
      Set<Integer> ofB = partitions(storeB.stored, partitionOf);
      return ofB.stream().allMatch(p -> endOffsets.get(p).equals(c.get(p)));
    });
    Set<Integer> partitionsOfB = partitions(storeB.stored, partitionOf);

    // A's writes finally succeed, its first batches of B's partitions among them. Once A has
    // stored and committed its own partitions to the end...
    storeA.release();
    Map<Integer, Long> after = Eventually.get(client, Duration.ofSeconds(30), () -> committed(admin, config, topic),
      c -> endOffsets.keySet().stream().filter(p -> !partitionsOfB.contains(p)).allMatch(p -> endOffsets.get(p).equals(c.get(p))));
    // ...B's partitions are still committed where B committed them: at their end, not where A's
    // first batch of each ended.
    for (int p : partitionsOfB) {
      assertEquals(committedByB.get(p), after.get(p), "partition " + p + " (B's) committed offset; A's first batches: "
        + batchesOf(storeA, partitionOf));
    }
    // Nothing was lost: every message was stored by one node or the other.
    Set<UUID> stored = new HashSet<>();
    storeA.stored.forEach(m -> stored.add(m.messageId()));
    storeB.stored.forEach(m -> stored.add(m.messageId()));
    assertEquals(partitionOf.keySet(), stored);
    producer.close().await();
    admin.close().await();
  }

  /** One message per room, each partition's offsets and end offset noted from Kafka's acknowledgements. */
  private static void send(KafkaProducer<String, String> producer, String topic, List<String> roomIds, String body,
                           Map<UUID, Integer> partitionOf, Map<Integer, Long> endOffsets) {
    for (String roomId : roomIds) {
      ChatMessage m = new ChatMessage(roomId, Uuids.timeBased(), "alice", body, System.currentTimeMillis());
      RecordMetadata meta = producer.send(KafkaProducerRecord.create(topic, roomId, m.toJson().encode())).await();
      partitionOf.put(m.messageId(), meta.getPartition());
      endOffsets.merge(meta.getPartition(), meta.getOffset() + 1, Math::max);
    }
  }

  private static Future<Map<Integer, Long>> committed(KafkaAdminClient admin, JsonObject config, String topic) {
    return admin.listConsumerGroupOffsets(config.getJsonObject("kafka").getString("consumerGroup")).map(offsets -> {
      Map<Integer, Long> byPartition = new HashMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (e.getKey().getTopic().equals(topic) && e.getValue() != null) {
          byPartition.put(e.getKey().getPartition(), e.getValue().getOffset());
        }
      }
      return byPartition;
    });
  }

  private static Set<Integer> partitions(List<ChatMessage> messages, Map<UUID, Integer> partitionOf) {
    return messages.stream().map(m -> partitionOf.get(m.messageId())).collect(Collectors.toSet());
  }

  private static Map<Integer, Integer> batchesOf(Store store, Map<UUID, Integer> partitionOf) {
    Map<Integer, Integer> sizes = new TreeMap<>();
    store.held.forEach(msg -> sizes.merge(partitionOf.get(msg.body().messages().get(0).messageId()), msg.body().messages().size(), Integer::sum));
    return sizes;
  }
}
