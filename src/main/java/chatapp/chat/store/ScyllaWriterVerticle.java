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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores the messages the Kafka consumer hands it on {@link Addresses#STORE}, and replies only once
 * the row is written, so the consumer commits an offset only for what is really stored.
 *
 * <p>The consumer hands over a poll's records all at once; what has arrived by the time this
 * verticle's event loop is free again is written together, a room's messages in single-partition
 * batches ({@link MessageStore#insertAll}). Nothing waits for more to come: a lone message is
 * written at once.
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
  /** Requests received since the last write, by room, in arrival order. */
  private Map<String, List<Pending>> pending = new LinkedHashMap<>();

  private record Pending(Message<JsonObject> request, ChatMessage message) {
  }

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
    if (pending.isEmpty()) {
      // Runs after the deliveries already queued on this event loop: they join this write.
      context.runOnContext(v -> write());
    }
    pending.computeIfAbsent(m.roomId(), r -> new ArrayList<>()).add(new Pending(msg, m));
  }

  /** Writes what is pending, one request per room: a room that fails does not fail the others. */
  private void write() {
    Map<String, List<Pending>> rooms = pending;
    pending = new LinkedHashMap<>();
    rooms.forEach((roomId, list) -> store.insertAll(list.stream().map(Pending::message).toList()).onComplete(ar -> {
      for (Pending p : list) {
        if (ar.succeeded()) {
          p.request.reply(null);
        } else {
          p.request.fail(TRANSIENT, ar.cause().toString());
        }
      }
      if (ar.failed()) {
        log.warn("store failed room={} messages={} first={}: {}", roomId, list.size(), list.get(0).message.messageId(),
          ar.cause().toString());
      }
    }));
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
