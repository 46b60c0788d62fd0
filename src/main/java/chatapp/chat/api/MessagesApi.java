package chatapp.chat.api;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.ingest.MessageProducerVerticle;
import chatapp.chat.store.MessageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

import java.util.List;
import java.util.UUID;

/** A room's messages: history pages newest first, and sending over HTTP through the same pipeline as the socket. */
final class MessagesApi {

  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 100;

  private final Vertx vertx;
  private final MessageStore messages;
  private final Access access;
  private final DeliveryOptions sendOptions;

  MessagesApi(Vertx vertx, MessageStore messages, Access access, long sendTimeoutMs) {
    this.vertx = vertx;
    this.messages = messages;
    this.access = access;
    // This node's producer: every chat node runs one, and another node's would cost a hop and a copy.
    this.sendOptions = new DeliveryOptions().setSendTimeout(sendTimeoutMs).setLocalOnly(true);
  }

  /**
   * One page, newest first. One more message than asked is read: when it exists, the page says
   * where the next one starts ({@code nextBefore}, the oldest id on this page), so the last page
   * says so without a further empty request.
   */
  void history(RoutingContext ctx) {
    String me = Access.caller(ctx);
    String roomId = ctx.pathParam("roomId");
    UUID before = timeUuid(ctx.queryParams().get("before"));
    // As the contract's validator read it (it takes 1e1 for 10), not parsed a second time.
    ValidatedRequest validated = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter limitParam = validated.getQuery().get("limit");
    int limit = limitParam == null || limitParam.isNull() ? DEFAULT_LIMIT : limitParam.getInteger();
    if (limit < 1 || limit > MAX_LIMIT) {
      throw Problem.badRequest("limit", "must be between 1 and " + MAX_LIMIT);
    }
    // The page is read while membership is checked (one round trip less); it is answered only to a
    // member. The bucket index already bounds the walk, so the room's creation time is not needed.
    Future<List<ChatMessage>> read = messages.history(roomId, before, limit + 1, null);
    Future<JsonObject> page = access.asMember(roomId, me)
      .compose(room -> read)
      .map(found -> {
        List<ChatMessage> shown = found.size() > limit ? found.subList(0, limit) : found;
        JsonArray list = new JsonArray();
        shown.forEach(m -> list.add(m.toJson()));
        JsonObject out = new JsonObject().put("messages", list);
        if (found.size() > limit) {
          out.put("nextBefore", shown.get(shown.size() - 1).messageId().toString());
        }
        return out;
      });
    Api.json(ctx, page);
  }

  /**
   * 201 once Kafka acknowledged the message. The sender is the token's subject, never a field of
   * the request; membership is checked before anything is produced, so a refusal writes nothing.
   */
  void send(RoutingContext ctx) {
    String me = Access.caller(ctx);
    String roomId = ctx.pathParam("roomId");
    JsonObject in = Api.body(ctx);
    JsonObject draft = new JsonObject().put("roomId", roomId).put("senderId", me).put("body", in.getValue("body"));
    if (in.getString("clientMsgId") != null) {
      draft.put("clientMsgId", in.getString("clientMsgId"));
    }
    Future<JsonObject> sent = access.asMember(roomId, me)
      .compose(room -> vertx.eventBus().<JsonObject>request(Addresses.SEND, draft, sendOptions))
      .map(reply -> {
        ctx.response().setStatusCode(201);
        return new JsonObject()
          .put("roomId", roomId)
          .put("messageId", reply.body().getString("messageId"))
          .put("senderId", me)
          .put("body", draft.getString("body"))
          .put("sentAt", reply.body().getLong("sentAt"));
      })
      .recover(MessagesApi::refusal);
    Api.json(ctx, sent);
  }

  /** The producer's reply failures as problems: its 400 names what is wrong with the body. */
  private static Future<JsonObject> refusal(Throwable failure) {
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == MessageProducerVerticle.INVALID) {
        return Future.failedFuture(Problem.badRequest("body", re.getMessage()));
      }
      return Future.failedFuture(Problem.unavailable(switch (re.failureType()) {
        case RECIPIENT_FAILURE -> re.getMessage();
        case NO_HANDLERS -> "the message log is not reachable from this node; retry (with the same clientMsgId)";
        default -> "the message log did not answer in time; retry (with the same clientMsgId)";
      }));
    }
    return Future.failedFuture(failure);
  }

  /** A cursor must be a time-based UUID: only those sort by time, as message ids do. */
  private static UUID timeUuid(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      UUID id = UUID.fromString(raw);
      if (id.version() == 1) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw Problem.badRequest("before", "must be a message id (a time-based UUID), got '" + raw + "'");
  }
}
