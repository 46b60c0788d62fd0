package chatapp.chat.ingest;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.pipeline.KafkaSettings;
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
import java.util.UUID;

/**
 * Takes message drafts on {@link Addresses#SEND}, gives each a time-based id, and produces it to the
 * chat topic keyed by room. It replies only after Kafka acknowledged the record: an acknowledged
 * message is durable, and everything after Kafka (store, fan-out) is at-least-once from there.
 */
public class MessageProducerVerticle extends VerticleBase {

  /** Reply failure code: the draft is invalid (the sender gets this as a bad request). */
  public static final int INVALID = 400;
  /** Reply failure code: Kafka did not acknowledge; the sender may retry. */
  public static final int UNAVAILABLE = 503;

  private static final Logger log = LoggerFactory.getLogger(MessageProducerVerticle.class);

  private KafkaProducer<String, String> producer;
  private MessageConsumer<JsonObject> consumer;
  private String topic;
  private int maxBytes;

  @Override
  public Future<?> start() {
    JsonObject kafka = config().getJsonObject("kafka");
    topic = kafka.getString("topic");
    maxBytes = config().getJsonObject("chat", new JsonObject()).getInteger("maxMessageBytes", 4096);
    producer = KafkaProducer.createShared(vertx, "chat-producer", KafkaSettings.producer(kafka));
    consumer = vertx.eventBus().consumer(Addresses.SEND, this::send);
    return consumer.completion();
  }

  private void send(Message<JsonObject> msg) {
    JsonObject draft = msg.body();
    String roomId = draft == null ? null : draft.getString("roomId");
    String senderId = draft == null ? null : draft.getString("senderId");
    Object rawBody = draft == null ? null : draft.getValue("body");
    String problem = roomId == null || roomId.isBlank() ? "roomId is required"
      : senderId == null || senderId.isBlank() ? "senderId is required"
      : !(rawBody instanceof String body) || body.isBlank() ? "body must be a non-empty string"
      : body.getBytes(StandardCharsets.UTF_8).length > maxBytes ? "body is over " + maxBytes + " bytes of UTF-8"
      : null;
    if (problem != null) {
      msg.fail(INVALID, problem);
      return;
    }
    UUID id = Uuids.timeBased();
    ChatMessage m = new ChatMessage(roomId, id, senderId, (String) rawBody, Uuids.unixTimestamp(id));
    producer.send(KafkaProducerRecord.create(topic, roomId, m.toJson().encode())).onComplete(ar -> {
      if (ar.succeeded()) {
        log.debug("produced room={} message={} partition={} offset={}", roomId, id, ar.result().getPartition(), ar.result().getOffset());
        msg.reply(new JsonObject().put("messageId", id.toString()).put("sentAt", m.sentAt()));
      } else {
        log.warn("produce failed room={} message={}: {}", roomId, id, ar.cause().toString());
        msg.fail(UNAVAILABLE, "the message log is unavailable, retry later");
      }
    });
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> producer.close());
  }
}
