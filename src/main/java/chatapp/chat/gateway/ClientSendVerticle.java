package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import chatapp.chat.ingest.MessageProducerVerticle;
import chatapp.chat.membership.MembershipCache;
import chatapp.chat.store.Cql;
import chatapp.chat.store.RoomStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The clients' sends, from either bridge, on {@link Addresses#CLIENT_SEND}: checks a frame the way
 * the README's "Client protocol" promises, turns it into the internal draft with the sender the
 * bridge hook vouched for (the {@link BridgeRules#USER_HEADER} header, never the body), and
 * forwards it to the producer; the reply (the ack) goes back only once Kafka acknowledged.
 * A refusal fails the request with a code and a message: the client gets an error frame on its
 * reply address. Sends of one user are forwarded in the order they came.
 */
public class ClientSendVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ClientSendVerticle.class);

  private final Map<String, Future<Void>> pendingByUser = new HashMap<>();
  private CassandraClient cql;
  private RoomStore rooms;
  private MembershipCache members;
  private GatewayMetrics metrics;
  private MessageConsumer<Object> consumer;
  private int maxBytes;
  private long sendTimeoutMs;

  @Override
  public Future<?> start() {
    JsonObject gateway = config().getJsonObject("gateway", new JsonObject());
    maxBytes = config().getJsonObject("chat", new JsonObject()).getInteger("maxMessageBytes", 4096);
    sendTimeoutMs = gateway.getLong("sendTimeoutMs", 10_000L);
    metrics = GatewayMetrics.create();
    cql = Cql.client(vertx, config().getJsonObject("cql"));
    return RoomStore.create(cql, config().getJsonObject("cql")).compose(store -> {
      rooms = store;
      members = new MembershipCache(vertx, store, gateway.getInteger("membershipTtlSeconds", 30) * 1000L, 100_000);
      consumer = vertx.eventBus().localConsumer(Addresses.CLIENT_SEND, this::send);
      return consumer.completion();
    });
  }

  private void send(Message<Object> msg) {
    long start = System.nanoTime();
    String userId = msg.headers().get(BridgeRules.USER_HEADER);
    if (userId == null || userId.isBlank()) {
      refuse(msg, 401, "unauthenticated", "log in first", null, null);
      return;
    }
    if (!(msg.body() instanceof JsonObject frame)) {
      refuse(msg, 400, "malformed", "the body must be a JSON object {roomId, body, clientMsgId?}", userId, null);
      return;
    }
    String roomId = frame.getValue("roomId") instanceof String r && !r.isBlank() ? r : null;
    Object sender = frame.getValue("senderId");
    Object text = frame.getValue("body");
    Object clientMsgId = frame.getValue("clientMsgId");
    if (sender != null && !userId.equals(sender)) {
      refuse(msg, 403, "spoofed_sender", "senderId is not yours: the sender is the user of the token", userId, roomId);
    } else if (roomId == null) {
      refuse(msg, 400, "malformed", "roomId must be a non-empty string", userId, null);
    } else if (!(text instanceof String body)) {
      refuse(msg, 400, "malformed", "body must be a string", userId, roomId);
    } else if (body.isBlank()) {
      refuse(msg, 400, "empty", "body is empty", userId, roomId);
    } else if (body.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      refuse(msg, 413, "too_large", "body is over " + maxBytes + " bytes of UTF-8", userId, roomId);
    } else if (clientMsgId != null && !(clientMsgId instanceof String id && !id.isBlank()
      && id.length() <= MessageProducerVerticle.MAX_CLIENT_MSG_ID)) {
      refuse(msg, 400, "malformed", "clientMsgId must be a non-empty string of at most "
        + MessageProducerVerticle.MAX_CLIENT_MSG_ID + " characters", userId, roomId);
    } else {
      JsonObject draft = new JsonObject().put("roomId", roomId).put("senderId", userId).put("body", body);
      if (clientMsgId != null) {
        draft.put("clientMsgId", clientMsgId);
      }
      inOrder(userId, () -> checkAndForward(msg, draft, start));
    }
  }

  /** Runs {@code step} after the user's earlier sends were forwarded (or refused): his order holds. */
  private void inOrder(String userId, java.util.function.Supplier<Future<Void>> step) {
    Future<Void> earlier = pendingByUser.get(userId);
    Future<Void> mine = earlier == null ? step.get() : earlier.transform(ignored -> step.get());
    if (!mine.isComplete()) {
      pendingByUser.put(userId, mine);
      mine.onComplete(ar -> pendingByUser.remove(userId, mine));
    }
  }

  /** Completes once the draft was handed to the producer or refused; the ack comes later. */
  private Future<Void> checkAndForward(Message<Object> msg, JsonObject draft, long start) {
    String roomId = draft.getString("roomId");
    String userId = draft.getString("senderId");
    return members.isMember(roomId, userId).transform(ar -> {
      if (ar.failed()) {
        refuse(msg, 503, "unavailable", "membership could not be checked: retry", userId, roomId);
      } else if (!ar.result()) {
        // Off the ordered path: a refused send holds nobody up while we find out why.
        rooms.get(roomId).onComplete(room -> {
          if (room.failed()) {
            refuse(msg, 503, "unavailable", "the room could not be read: retry", userId, roomId);
          } else if (room.result() == null) {
            refuse(msg, 404, "no_room", "room " + roomId + " does not exist", userId, roomId);
          } else {
            refuse(msg, 403, "not_member", "you are not a member of room " + roomId, userId, roomId);
          }
        });
      } else {
        forward(msg, draft, start);
      }
      return Future.succeededFuture();
    });
  }

  private void forward(Message<Object> msg, JsonObject draft, long start) {
    String roomId = draft.getString("roomId");
    String userId = draft.getString("senderId");
    // This node's producer: every chat node runs one, and another node's would cost a hop and a copy.
    vertx.eventBus().<JsonObject>request(Addresses.SEND, draft, new DeliveryOptions().setSendTimeout(sendTimeoutMs).setLocalOnly(true))
      .onComplete(ar -> {
        if (ar.succeeded()) {
          JsonObject ack = ar.result().body().copy();
          if (draft.containsKey("clientMsgId")) {
            ack.put("clientMsgId", draft.getString("clientMsgId"));
          }
          metrics.accepted(start);
          log.debug("accepted room={} user={} message={}", roomId, userId, ack.getString("messageId"));
          msg.reply(ack);
        } else if (ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && re.failureCode() == MessageProducerVerticle.INVALID) {
          refuse(msg, 400, "invalid", re.getMessage(), userId, roomId);
        } else {
          refuse(msg, 503, "unavailable", "the message could not be stored: retry (with the same clientMsgId)", userId, roomId);
        }
      });
  }

  private void refuse(Message<Object> msg, int code, String reason, String message, String userId, String roomId) {
    metrics.refused(reason);
    log.debug("refused send room={} user={} reason={}", roomId, userId, reason);
    msg.fail(code, message);
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> cql.close());
  }
}
