package chatapp.chat.store;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the messages the Kafka consumer hands it on {@link Addresses#STORE}, and replies only once
 * the row is written, so the consumer commits an offset only for what is really stored.
 */
public class ScyllaWriterVerticle extends VerticleBase {

  /** Reply failure code for a message that can never be stored (malformed): retrying will not help. */
  public static final int PERMANENT = 422;
  /** Reply failure code for a write that failed and may succeed later. */
  public static final int TRANSIENT = 503;

  private static final Logger log = LoggerFactory.getLogger(ScyllaWriterVerticle.class);

  private CassandraClient client;
  private MessageStore store;
  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    JsonObject cql = config().getJsonObject("cql");
    client = Cql.client(vertx, cql);
    return MessageStore.create(client, cql).compose(store -> {
      this.store = store;
      consumer = vertx.eventBus().localConsumer(Addresses.STORE, this::store);
      return consumer.completion();
    });
  }

  private void store(Message<JsonObject> msg) {
    ChatMessage m;
    try {
      m = ChatMessage.fromJson(msg.body());
    } catch (IllegalArgumentException e) {
      msg.fail(PERMANENT, e.getMessage());
      return;
    }
    store.insert(m).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(null);
      } else {
        log.warn("store failed room={} message={}: {}", m.roomId(), m.messageId(), ar.cause().toString());
        msg.fail(TRANSIENT, ar.cause().toString());
      }
    });
  }

  /** True when a STORE reply says the message can never be stored. */
  public static boolean isPermanent(Throwable failure) {
    return failure instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
      && re.failureCode() == PERMANENT;
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> client.close());
  }
}
