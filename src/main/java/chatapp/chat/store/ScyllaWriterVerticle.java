package chatapp.chat.store;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.bus.MessageBatch;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Stores the batches the Kafka consumer hands it on {@link Addresses#STORE} (a partition's records
 * of a poll, {@link MessageBatch}), and replies only once every message of the batch is written, so
 * the consumer commits an offset only for what is really stored. A room's messages are written in
 * single-partition batches ({@link MessageStore#insertAll}); a batch that fails is failed whole,
 * and the consumer's retry of it is harmless (upserts by message id).
 */
public class ScyllaWriterVerticle extends VerticleBase {

  /** Reply failure code for a write that failed and may succeed later. */
  public static final int TRANSIENT = 503;

  private static final Logger log = LoggerFactory.getLogger(ScyllaWriterVerticle.class);

  private CassandraClient client;
  private MessageStore store;
  private MessageConsumer<MessageBatch> consumer;

  @Override
  public Future<?> start() {
    JsonObject cql = config().getJsonObject("cql");
    MessageBatch.register(vertx);
    client = Cql.client(vertx, cql);
    return MessageStore.create(client, cql).compose(store -> {
      this.store = store;
      consumer = vertx.eventBus().localConsumer(Addresses.STORE, this::store);
      return consumer.completion();
    });
  }

  private void store(Message<MessageBatch> msg) {
    List<ChatMessage> messages = msg.body().messages();
    if (messages.isEmpty()) {
      msg.reply(null);
      return;
    }
    Future<Void> stored;
    try {
      stored = store.insertAll(messages);
    } catch (RuntimeException e) { // answered, not left to the caller's timeout
      stored = Future.failedFuture(e);
    }
    stored.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(null);
      } else {
        log.warn("store failed messages={} first room={} message={}: {}", messages.size(), messages.get(0).roomId(),
          messages.get(0).messageId(), ar.cause().toString());
        msg.fail(TRANSIENT, ar.cause().toString());
      }
    });
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> client.close());
  }
}
