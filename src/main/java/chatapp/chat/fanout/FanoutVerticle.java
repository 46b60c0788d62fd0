package chatapp.chat.fanout;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.bus.FeedEvents;
import chatapp.bus.MessageBatch;
import chatapp.bus.SharedJson;
import chatapp.chat.membership.MembershipCache;
import chatapp.chat.presence.OnlineCache;
import chatapp.chat.store.Cql;
import chatapp.chat.store.RoomStore;
import chatapp.metrics.PipelineMeters;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Step 4 to 7 of the flow for each stored message of a batch: the message is published once to the
 * room's feed (each socket registered for the room, on any node, gets it once); presence splits the
 * room's members into online and offline. Replies, once all of the batch is published and split,
 * with the hand-offs for the notifier ({@link Addresses#NOTIFY_OFFLINE}: room id, message id,
 * sender, preview and the offline members), one per message that has offline members: the consumer
 * hands them over and commits the batch's offsets only once the notifier has delivered them.
 */
public class FanoutVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(FanoutVerticle.class);

  private final PipelineMeters meters = PipelineMeters.get();
  private CassandraClient cql;
  private MembershipCache members;
  private OnlineCache presence;
  private int previewChars;
  private MessageConsumer<MessageBatch> consumer;

  @Override
  public Future<?> start() {
    JsonObject chat = config().getJsonObject("chat", new JsonObject());
    previewChars = chat.getInteger("previewChars", 100);
    SharedJson.register(vertx);
    MessageBatch.register(vertx);
    // Presence is asked once per message: from a node-local copy kept right by announcements.
    presence = new OnlineCache(vertx, config().getJsonObject("presence", new JsonObject()).getLong("cacheMs", 3_000L), 100_000);
    cql = Cql.client(vertx, config().getJsonObject("cql"));
    return RoomStore.create(cql, config().getJsonObject("cql")).compose(store -> {
      // A room's members are read from CQL once per TTL or membership change, not once per message.
      members = new MembershipCache(vertx, store, chat.getInteger("membershipTtlSeconds", 30) * 1000L, 100_000);
      consumer = vertx.eventBus().localConsumer(Addresses.FANOUT, this::fanout);
      return Future.all(consumer.completion(), presence.ready());
    });
  }

  /**
   * A stored batch, in its partition's order: each room's messages of the batch are published
   * first, then presence and the notifier are asked about each message.
   */
  private void fanout(Message<MessageBatch> msg) {
    MessageBatch batch = msg.body();
    if (!msg.headers().contains(MessageBatch.REPEATED)) {
      publish(batch);
    }
    List<Future<JsonObject>> handOffs = new ArrayList<>(batch.messages().size());
    for (ChatMessage m : batch.messages()) {
      handOffs.add(offline(m));
    }
    Future.all(handOffs)
      .onSuccess(v -> {
        JsonArray out = new JsonArray();
        for (Future<JsonObject> h : handOffs) {
          if (h.result() != null) {
            out.add(h.result());
          }
        }
        msg.reply(out);
      })
      .onFailure(e -> {
        // The consumer retries the batch, marked repeated: its messages are not published again.
        log.warn("fanout failed messages={} first room={} message={}: {}", batch.messages().size(), batch.messages().get(0).roomId(),
          batch.messages().get(0).messageId(), e.toString());
        msg.fail(503, e.toString());
      });
  }

  /**
   * Publishes each room's messages of the batch, in order, as one feed event ({@link FeedEvents#run}).
   * Done before anything asynchronous, so the room's sockets get messages in the order they arrive
   * here, which is the partition's order. One event for a room's run of messages lets each socket
   * write them in one go: a system call per socket and batch instead of per message. One instance
   * for every socket of a node (SharedJson): nothing changes it once published.
   */
  private void publish(MessageBatch batch) {
    Map<String, List<JsonObject>> byRoom = new LinkedHashMap<>();
    for (ChatMessage m : batch.messages()) {
      byRoom.computeIfAbsent(m.roomId(), r -> new ArrayList<>()).add(m.toJson().put("type", "message"));
    }
    byRoom.forEach((roomId, messages) -> FeedEvents.publish(vertx, roomId, FeedEvents.run(messages)));
    meters.published.increment(batch.messages().size());
    if (batch.storedAtNanos() != 0) {
      long published = System.nanoTime();
      for (int i = 0; i < batch.messages().size(); i++) {
        meters.storeToPublished.record(published - batch.storedAtNanos(), TimeUnit.NANOSECONDS);
      }
    }
  }

  /** The notifier's hand-off for the members of the room who are offline (but the sender), or null if none is. */
  private Future<JsonObject> offline(ChatMessage m) {
    return members.members(m.roomId())
      .compose(roomMembers -> presence.online(roomMembers).map(online -> {
        List<String> offline = new ArrayList<>();
        for (String member : roomMembers) {
          if (!online.contains(member) && !member.equals(m.senderId())) {
            offline.add(member);
          }
        }
        log.debug("fanout room={} message={} online={} offline={}", m.roomId(), m.messageId(), online.size(), offline.size());
        return offline.isEmpty() ? null : new JsonObject()
          .put("roomId", m.roomId())
          .put("messageId", m.messageId().toString())
          .put("senderId", m.senderId())
          .put("preview", preview(m.body()))
          .put("userIds", new JsonArray(offline));
      }));
  }

  /** The first characters of the body, cut on a code point boundary. */
  private String preview(String body) {
    if (body.codePointCount(0, body.length()) <= previewChars) {
      return body;
    }
    return body.substring(0, body.offsetByCodePoints(0, previewChars)) + "…";
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumer.unregister(), presence.close()).eventually(() -> cql.close());
  }
}
