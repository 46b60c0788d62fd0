package chatapp.chat.pipeline;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Client settings derived from the {@code kafka} configuration slice, in one place for every client. */
public final class KafkaSettings {

  private KafkaSettings() {
  }

  /** A produced record that Kafka has not acknowledged after this long is failed, not retried further. */
  public static final long DELIVERY_TIMEOUT_MS = 15_000;

  /** An idempotent producer with acks=all: an acknowledged record is on every in-sync replica, once. */
  public static Map<String, String> producer(JsonObject kafka) {
    return Map.of(
      "bootstrap.servers", kafka.getString("bootstrapServers"),
      "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
      "value.serializer", "org.apache.kafka.common.serialization.StringSerializer",
      "acks", "all",
      "enable.idempotence", "true",
      // How long a record waits for others to share its request. Every request costs the broker,
      // and each produce wakes the consumer's fetch, whose records become a CQL batch: fewer, fuller
      // requests make fewer, fuller batches all the way down. On two shared cores that gain
      // outweighs the wait. At 8,000 msg/s over 120 s, 3 ms instead of 1 took the broker from 27%
      // of a core to 15-18%, Cassandra from 30-32% to 23-28%, the services from 118-124% to
      // 100-116%, and send-to-delivered p50 and p99 were lower in each of four paired runs (p99
      // 20.9-27.1 ms against 23.0-35.9). At 9,200 msg/s, 5 ms instead of 3 saved another tenth of a
      // core and gave p99 28.4 and 29.9 ms against 31.8 and 34.3 in two pairs, p50 0.3-0.6 ms more.
      "linger.ms", "5",
      // How long a record may be retried before its send fails (Kafka's default is two minutes):
      // also how late a record can reach the log after a record of another node accepted later,
      // which recovery looks back for (MessageStore.REORDER_MS). It must cover linger plus a request.
      "request.timeout.ms", "10000",
      "delivery.timeout.ms", String.valueOf(DELIVERY_TIMEOUT_MS));
  }

  /**
   * The {@link #producer} for sends made on an event loop ({@code Producer.send} called directly):
   * a send that would wait, for the topic's metadata or for room in the producer's buffer, fails at
   * once with a {@code TimeoutException} instead of holding the event loop for up to 60 s.
   */
  public static Map<String, String> eventLoopProducer(JsonObject kafka) {
    Map<String, String> settings = new HashMap<>(producer(kafka));
    settings.put("max.block.ms", "0");
    return settings;
  }

  /** Manual commits only: an offset is committed after its message is stored, never before. */
  public static Map<String, String> consumer(JsonObject kafka) {
    return Map.of(
      "bootstrap.servers", kafka.getString("bootstrapServers"),
      "group.id", kafka.getString("consumerGroup"),
      "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
      "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
      "enable.auto.commit", "false",
      "auto.offset.reset", "earliest",
      "max.poll.records", "500",
      // A dead node's partitions move to the survivors once its session lapses: keep that short.
      "session.timeout.ms", String.valueOf(kafka.getInteger("sessionTimeoutMs")),
      "heartbeat.interval.ms", String.valueOf(kafka.getInteger("sessionTimeoutMs") / 3));
  }

  public static Map<String, String> admin(JsonObject kafka) {
    return Map.of("bootstrap.servers", kafka.getString("bootstrapServers"));
  }

  /** Creates the chat topic and its dead-letter topic unless they exist (any node may call it). */
  public static Future<Void> ensureTopic(Vertx vertx, JsonObject kafka) {
    return ensure(vertx, kafka, kafka.getString("topic"), kafka.getInteger("partitions"))
      .compose(v -> ensure(vertx, kafka, kafka.getString("deadLetterTopic"), 1));
  }

  private static Future<Void> ensure(Vertx vertx, JsonObject kafka, String name, int partitions) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, admin(kafka));
    NewTopic topic = new NewTopic(name, partitions, kafka.getInteger("replicationFactor").shortValue());
    return admin.createTopics(List.of(topic))
      .recover(e -> e instanceof TopicExistsException || e.getCause() instanceof TopicExistsException
        ? Future.succeededFuture() : Future.failedFuture(e))
      .eventually(admin::close);
  }
}
