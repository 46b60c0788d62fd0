package chatapp.chat.ingest;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.pipeline.KafkaSettings;
import chatapp.metrics.PipelineMeters;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Takes message drafts on {@link Addresses#SEND}, gives each a time-based id, and produces it to the
 * chat topic keyed by room. It replies only after Kafka acknowledged the record: an acknowledged
 * message is durable, and everything after Kafka (store, fan-out) is at-least-once from there.
 *
 * <p>A draft may carry a {@code clientMsgId} chosen by the sender's client. Within the dedupe window
 * ({@code chat.dedupeWindowSeconds}, at most {@code chat.dedupeMaxEntries} ids, per node) a draft
 * with the same (sender, clientMsgId) as an earlier one is not produced again: it gets the earlier
 * one's reply, waiting for it if that one is still in flight. A failed attempt is forgotten, so its
 * retry is produced. A retry that reaches another node, or comes after the window, is a second
 * message; anything produced twice with the same message id (a Kafka retry) is harmless, because
 * the store is an upsert by message id.
 */
public class MessageProducerVerticle extends VerticleBase {

  /** Reply failure code: the draft is invalid (the sender gets this as a bad request). */
  public static final int INVALID = 400;
  /** Reply failure code: Kafka did not acknowledge; the sender may retry. */
  public static final int UNAVAILABLE = 503;
  /** Longest accepted clientMsgId: it is a key held in memory, not a payload. */
  public static final int MAX_CLIENT_MSG_ID = 128;

  private static final Logger log = LoggerFactory.getLogger(MessageProducerVerticle.class);

  /** (sender, clientMsgId) to the attempt that holds it; insertion order is age order. */
  private final Map<String, Attempt> recent = new LinkedHashMap<>();
  private final PipelineMeters meters = PipelineMeters.get();
  private KafkaProducer<String, String> producer;
  private MessageConsumer<JsonObject> consumer;
  private String topic;
  private int maxBytes;
  private long windowMs;
  private int maxEntries;

  private record Attempt(Future<JsonObject> reply, long at) {
  }

  @Override
  public Future<?> start() {
    JsonObject kafka = config().getJsonObject("kafka");
    JsonObject chat = config().getJsonObject("chat", new JsonObject());
    topic = kafka.getString("topic");
    maxBytes = chat.getInteger("maxMessageBytes", 4096);
    windowMs = chat.getInteger("dedupeWindowSeconds", 600) * 1000L;
    maxEntries = chat.getInteger("dedupeMaxEntries", 100_000);
    producer = KafkaProducer.createShared(vertx, "chat-producer", KafkaSettings.producer(kafka));
    consumer = vertx.eventBus().consumer(Addresses.SEND, this::send);
    return consumer.completion();
  }

  private void send(Message<JsonObject> msg) {
    JsonObject draft = msg.body();
    String roomId = draft == null ? null : draft.getString("roomId");
    String senderId = draft == null ? null : draft.getString("senderId");
    Object rawBody = draft == null ? null : draft.getValue("body");
    Object clientMsgId = draft == null ? null : draft.getValue("clientMsgId");
    String problem = roomId == null || roomId.isBlank() ? "roomId is required"
      : senderId == null || senderId.isBlank() ? "senderId is required"
      : !(rawBody instanceof String body) || body.isBlank() ? "body must be a non-empty string"
      : body.getBytes(StandardCharsets.UTF_8).length > maxBytes ? "body is over " + maxBytes + " bytes of UTF-8"
      : clientMsgId != null && !(clientMsgId instanceof String id && !id.isBlank() && id.length() <= MAX_CLIENT_MSG_ID)
        ? "clientMsgId must be a non-empty string of at most " + MAX_CLIENT_MSG_ID + " characters"
      : null;
    if (problem != null) {
      msg.fail(INVALID, problem);
      return;
    }
    Future<JsonObject> reply;
    if (clientMsgId == null) {
      reply = produce(roomId, senderId, (String) rawBody);
    } else {
      reply = once(senderId.length() + ":" + senderId + clientMsgId, () -> produce(roomId, senderId, (String) rawBody));
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.fail(UNAVAILABLE, "the message log is unavailable, retry later");
      }
    });
  }

  /** The reply of the attempt already made under {@code key} in the window, or a new attempt. */
  private Future<JsonObject> once(String key, java.util.function.Supplier<Future<JsonObject>> attempt) {
    long now = System.currentTimeMillis();
    evict(now);
    Attempt earlier = recent.get(key);
    if (earlier != null) {
      log.debug("retried send key-length={} answered from the dedupe window", key.length());
      return earlier.reply();
    }
    Attempt made = new Attempt(attempt.get(), now);
    recent.put(key, made);
    // A failed attempt must not hold its key: the client's retry has to be produced.
    made.reply().onFailure(e -> recent.remove(key, made));
    return made.reply();
  }

  private void evict(long now) {
    Iterator<Attempt> oldest = recent.values().iterator();
    while (oldest.hasNext()) {
      Attempt a = oldest.next();
      if (recent.size() <= maxEntries && a.at() > now - windowMs) {
        return;
      }
      oldest.remove();
    }
  }

  private Future<JsonObject> produce(String roomId, String senderId, String body) {
    UUID id = Uuids.timeBased();
    ChatMessage m = new ChatMessage(roomId, id, senderId, body, Uuids.unixTimestamp(id));
    return producer.send(KafkaProducerRecord.create(topic, roomId, m.toJson().encode()))
      .map(meta -> {
        meters.produced.increment();
        log.debug("produced room={} message={} sender={} partition={} offset={}", roomId, id, senderId, meta.getPartition(), meta.getOffset());
        return new JsonObject().put("messageId", id.toString()).put("sentAt", m.sentAt());
      })
      .onFailure(e -> log.warn("produce failed room={} message={} sender={}: {}", roomId, id, senderId, e.toString()));
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> producer.close());
  }
}
