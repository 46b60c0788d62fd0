package chatapp.chat.pipeline;

import chatapp.bus.Addresses;
import chatapp.chat.store.ScyllaWriterVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumes the chat topic and hands each record to the writer on {@link Addresses#STORE}.
 * Within a partition records are handled one after another, so a room's order holds; partitions of
 * one poll proceed side by side. Offsets are committed only after every record of the poll is
 * stored: a crash replays at most one poll, and the writer's upsert makes the replay harmless.
 */
public class ChatConsumerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatConsumerVerticle.class);
  private static final long MAX_BACKOFF_MS = 5_000;

  private KafkaConsumer<String, String> consumer;
  private boolean running;

  @Override
  public Future<?> start() {
    JsonObject kafka = config().getJsonObject("kafka");
    consumer = KafkaConsumer.create(vertx, KafkaSettings.consumer(kafka));
    running = true;
    return consumer.subscribe(kafka.getString("topic")).onSuccess(v -> pollLoop());
  }

  private void pollLoop() {
    if (!running) {
      return;
    }
    consumer.poll(Duration.ofMillis(200))
      .compose(this::handle)
      .onComplete(ar -> {
        if (ar.failed() && running) {
          log.warn("poll cycle failed, polling again: {}", ar.cause().toString());
        }
        pollLoop();
      });
  }

  private Future<Void> handle(KafkaConsumerRecords<String, String> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> byPartition = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> r = records.recordAt(i);
      byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>()).add(r);
    }
    List<Future<Void>> partitions = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    byPartition.forEach((tp, list) -> {
      Future<Void> chain = Future.succeededFuture();
      for (KafkaConsumerRecord<String, String> r : list) {
        chain = chain.compose(v -> storeWithRetry(r, 0));
      }
      partitions.add(chain);
      offsets.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, ""));
    });
    return Future.all(partitions).compose(v -> consumer.commit(offsets)).mapEmpty();
  }

  /** Retries a failing store with capped exponential backoff and jitter; never skips a storable record. */
  private Future<Void> storeWithRetry(KafkaConsumerRecord<String, String> r, int attempt) {
    JsonObject value;
    try {
      value = new JsonObject(r.value());
    } catch (DecodeException | NullPointerException e) {
      log.error("unreadable record topic={} partition={} offset={} skipped: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      return Future.succeededFuture();
    }
    return vertx.eventBus().<Void>request(Addresses.STORE, value, new DeliveryOptions().setSendTimeout(10_000))
      .<Void>mapEmpty()
      .recover(e -> {
        if (ScyllaWriterVerticle.isPermanent(e)) {
          log.error("unstorable record topic={} partition={} offset={} skipped: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
          return Future.succeededFuture();
        }
        if (!running) {
          return Future.failedFuture(e);
        }
        long backoff = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10));
        long delay = backoff / 2 + (long) (Math.random() * backoff / 2);
        log.warn("store failed topic={} partition={} offset={} attempt={}, retrying in {} ms: {}",
          r.topic(), r.partition(), r.offset(), attempt + 1, delay, e.getMessage());
        Promise<Void> retried = Promise.promise();
        vertx.setTimer(delay, t -> storeWithRetry(r, attempt + 1).onComplete(retried));
        return retried.future();
      });
  }

  @Override
  public Future<?> stop() {
    running = false;
    return consumer.close();
  }
}
