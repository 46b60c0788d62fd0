package chatapp.chat.gateway;

import chatapp.chat.store.MessageStore;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Reads what a reconnecting client missed in a room, from the message store, and hands it to its
 * session. Called once the socket's registration for the room is live, so every message stored
 * after the read reaches the socket live: together they leave no gap, and the session drops the
 * live copies of what the read returned, so no duplicate either.
 */
final class Recovery {

  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private final MessageStore messages;
  private final int limit;
  private final long maxQueuedBytes;

  /** With {@code gateway.recoveryLimit} (messages a room recovers) and {@code gateway.maxRecoveryBytes} (a socket may queue). */
  Recovery(MessageStore messages, JsonObject gateway) {
    this.messages = messages;
    this.limit = gateway.getInteger("recoveryLimit", 1000);
    this.maxQueuedBytes = gateway.getLong("maxRecoveryBytes", 5L << 20);
  }

  void recover(ClientSession session, String address, String roomId, UUID after) {
    // One more than the bound tells "more than the bound" from "exactly the bound".
    messages.after(roomId, after, limit + 1).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("recovery failed user={} socket={} room={} after={}: {}", session.userId, session.socketId, roomId, after,
          ar.cause().toString());
        session.reload(address, reload(roomId, "the missed messages could not be read: reload the history"));
      } else if (ar.result().size() > limit) {
        session.reload(address, reload(roomId, "more than " + limit + " messages were missed: reload the history"));
      } else {
        session.recovered(address, ar.result(), maxQueuedBytes);
      }
    });
  }

  static JsonObject reload(String roomId, String reason) {
    return new JsonObject().put("type", "reload").put("roomId", roomId).put("reason", reason);
  }
}
