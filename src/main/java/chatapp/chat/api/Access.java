package chatapp.chat.api;

import chatapp.auth.Auth;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may do what: the caller is the token's subject and nothing else; a room's history, members
 * and posting belong to its members. Each check answers the refusal the API returns (404, 403).
 */
final class Access {

  private final RoomStore rooms;

  Access(RoomStore rooms) {
    this.rooms = rooms;
  }

  /** The authenticated caller (the JWT's {@code sub}); the security handler guarantees there is one. */
  static String caller(RoutingContext ctx) {
    String userId = Auth.userId(ctx.user());
    if (userId == null || userId.isBlank()) {
      throw new Problem(401, "the bearer token has no subject (sub): it names no user");
    }
    return userId;
  }

  /** The room, or a 404 naming it. */
  Future<Room> existing(String roomId) {
    return rooms.get(roomId).compose(room -> room == null
      ? Future.failedFuture(Problem.notFound("room " + roomId + " does not exist"))
      : Future.succeededFuture(room));
  }

  /**
   * Passes when {@code userId} is a member of the room; else 404 for no room, 403 for a non-member.
   * A membership row exists only for a room that exists, so the common case is one read; the room
   * itself is read only to tell a refusal's kind.
   */
  Future<Void> asMember(String roomId, String userId) {
    return rooms.isMember(roomId, userId).compose(member -> member
      ? Future.succeededFuture()
      : existing(roomId).compose(room ->
        Future.failedFuture(Problem.forbidden("user " + userId + " is not a member of room " + roomId))));
  }
}
