package chatapp.chat.ingest;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.pipeline.KafkaSettings;
import chatapp.metrics.PipelineMeters;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
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

  /** How long a send may be retried while Kafka's producer cannot take it without waiting. */
  private static final long SEND_WAIT_MS = 2_000;
  private static final long SEND_RETRY_MS = 10;

  /** (sender, room, clientMsgId) to the attempt that holds it; insertion order is age order. */
  private final Map<String, Attempt> recent = new LinkedHashMap<>();
  private final PipelineMeters meters = PipelineMeters.get();
  /** Owns the producer's life (created shared, closed off the event loop). */
  private KafkaProducer<String, String> producer;
  /** The same producer, sent to directly: see {@link #send}. */
  private Producer<String, String> kafka;
  private MessageConsumer<JsonObject> consumer;
  private String topic;
  private int maxBytes;
  private long windowMs;
  private int maxEntries;

  private record Attempt(Future<JsonObject> reply, long at) {
  }

  /** A send Kafka's producer could not take yet, to try again until {@code deadline} (a nanoTime). */
  private record Held(ProducerRecord<String, String> record, Promise<RecordMetadata> done, long deadline) {
  }

  /** Sends waiting for Kafka's producer to take them, oldest first; see {@link #send}. */
  private final ArrayDeque<Held> held = new ArrayDeque<>();

  @Override
  public Future<?> start() {
    JsonObject kafka = config().getJsonObject("kafka");
    JsonObject chat = config().getJsonObject("chat", new JsonObject());
    topic = kafka.getString("topic");
    maxBytes = chat.getInteger("maxMessageBytes", 4096);
    windowMs = chat.getInteger("dedupeWindowSeconds", 600) * 1000L;
    maxEntries = chat.getInteger("dedupeMaxEntries", 100_000);
    producer = KafkaProducer.createShared(vertx, "chat-producer", KafkaSettings.eventLoopProducer(kafka));
    this.kafka = producer.unwrap();
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
      // Per room too: the same id sent to another room is another message, not a retry to answer
      // with the first one's ack (which would say "sent" and send nothing).
      reply = once(senderId.length() + ":" + senderId + roomId.length() + ":" + roomId + clientMsgId,
        () -> produce(roomId, senderId, (String) rawBody));
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
    return send(new ProducerRecord<>(topic, roomId, m.toJson().encode()))
      .map(meta -> {
        meters.produced.increment();
        log.debug("produced room={} message={} sender={} partition={} offset={}", roomId, id, senderId, meta.partition(), meta.offset());
        return new JsonObject().put("messageId", id.toString()).put("sentAt", m.sentAt());
      })
      .onFailure(e -> log.warn("produce failed room={} message={} sender={}: {}", roomId, id, senderId, e.toString()));
  }

  /**
   * Produces from this event loop. The Vert.x client hands every record to a worker thread first
   * (its {@code send} may block): a thread hop and a wake-up per message, on two cores shared with
   * the broker and the database. Kafka's {@code send} only appends to the producer's buffer; what
   * could make it wait (the topic's metadata not known yet: the first send, or one after
   * {@code metadata.max.idle.ms}; a full buffer: the broker unreachable) fails at once with
   * {@code max.block.ms=0}. Such a send is held and tried again on a timer, for at most
   * {@link #SEND_WAIT_MS}, and the sends after it wait behind it: a user's order holds.
   */
  private Future<RecordMetadata> send(ProducerRecord<String, String> record) {
    Held send = new Held(record, Promise.promise(), System.nanoTime() + SEND_WAIT_MS * 1_000_000);
    if (!held.isEmpty()) {
      held.add(send);
    } else if (!append(send)) {
      held.add(send);
      vertx.setTimer(SEND_RETRY_MS, t -> retryHeld());
    }
    return send.done().future();
  }

  /** Appends to Kafka's buffer; false if Kafka could not take it without waiting and it may wait longer. */
  private boolean append(Held send) {
    Thread caller = Thread.currentThread();
    boolean[] refused = {false};
    try {
      kafka.send(send.record(), (meta, e) -> {
        if (Thread.currentThread() != caller) { // the producer's I/O thread: the broker's answer
          context.runOnContext(v -> complete(send.done(), meta, e));
        } else if (e instanceof TimeoutException && System.nanoTime() < send.deadline()) {
          refused[0] = true; // refused inside send(), before anything was appended: no duplicate
        } else {
          complete(send.done(), meta, e);
        }
      });
    } catch (RuntimeException e) { // serialization, a closed producer
      send.done().tryFail(e);
    }
    return !refused[0];
  }

  private void retryHeld() {
    while (!held.isEmpty()) {
      if (!append(held.peek())) {
        vertx.setTimer(SEND_RETRY_MS, t -> retryHeld());
        return;
      }
      held.poll();
    }
  }

  private static void complete(Promise<RecordMetadata> done, RecordMetadata meta, Exception e) {
    if (e == null) {
      done.tryComplete(meta);
    } else {
      done.tryFail(e);
    }
  }

  @Override
  public Future<?> stop() {
    // Their retry timers go with this verticle: answer now rather than leave the senders to time out.
    held.forEach(h -> h.done().tryFail("the chat service is stopping"));
    held.clear();
    return consumer.unregister().eventually(() -> producer.close());
  }
}
