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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fan-out publishes a batch, then asks who is offline, which can fail (the membership read, the
 * presence map). The consumer retries the batch: the retry must say that the batch was published
 * already, or each attempt sends the room's sockets another copy.
 */
class FanoutRetryTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a batch retried after the fan-out got it is marked repeated; the first attempt is not")
  void retriesAreMarked() {
    JsonObject config = TestConfig.create();
    JsonObject kafka = config.getJsonObject("kafka");
    KafkaSettings.ensureTopic(vertx, kafka).await();
    List<String> repeated = new CopyOnWriteArrayList<>();
    vertx.eventBus().<MessageBatch>consumer(Addresses.STORE, msg -> msg.reply(null));
    vertx.eventBus().<MessageBatch>consumer(Addresses.FANOUT, msg -> {
      repeated.add(String.valueOf(msg.headers().get(MessageBatch.REPEATED)));
      if (repeated.size() == 1) {
        msg.fail(503, "the membership read failed after the batch was published");
      } else {
        msg.reply(new JsonArray());
      }
    });
    vertx.deployVerticle(new ChatConsumerVerticle(), new DeploymentOptions().setConfig(config)).await();
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSettings.producer(kafka));
    String roomId = "room-" + java.util.UUID.randomUUID();
    producer.send(KafkaProducerRecord.create(kafka.getString("topic"), roomId,
      new ChatMessage(roomId, Uuids.timeBased(), "alice", "hi", System.currentTimeMillis()).toJson().encode())).await();
    Eventually.get(vertx, Duration.ofSeconds(30), () -> Future.succeededFuture(repeated.size()), n -> n >= 2);
    assertEquals("null", repeated.get(0), "the first attempt publishes");
    assertEquals("true", repeated.get(1), "the retry does not");
    producer.close().await();
  }
}
