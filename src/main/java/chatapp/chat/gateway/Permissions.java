package chatapp.chat.gateway;

import chatapp.chat.membership.MembershipCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** Whether a socket may register for an address: the same answer on both bridges. */
final class Permissions {

  /** Why a frame was refused: an HTTP-like code, a short machine reason and words for a person. */
  record Refusal(int code, String reason, String message) {
  }

  static final Refusal UNAVAILABLE = new Refusal(503, "unavailable", "membership could not be checked: retry");

  private Permissions() {
  }

  /** Null when {@code session} may register for the frame's address; else why not. */
  static Future<Refusal> register(MembershipCache members, ClientSession session, JsonObject frame, int maxAddressLength) {
    String address = frame.getValue("address") instanceof String a ? a : null;
    if (address == null || address.length() > maxAddressLength) {
      return Future.succeededFuture(new Refusal(400, "malformed", "a register frame needs an address of at most "
        + maxAddressLength + " characters"));
    }
    if (session.isRegistered(address)) {
      return Future.succeededFuture(new Refusal(409, "already_registered", "this socket already listens to " + address));
    }
    try {
      BridgeRules.lastMessageId(frame);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new Refusal(400, "malformed", e.getMessage()));
    }
    if (BridgeRules.isOwnUserAddress(address, session.userId)) {
      return Future.succeededFuture();
    }
    String roomId = BridgeRules.roomOf(address);
    if (roomId == null) {
      return Future.succeededFuture(new Refusal(403, "not_permitted", "clients may listen only to their rooms and their own user address"));
    }
    return members.isMember(roomId, session.userId)
      .map(member -> member ? null : new Refusal(403, "not_member", "you are not a member of room " + roomId))
      .otherwise(UNAVAILABLE);
  }
}
