package chatapp.chat.api;

import chatapp.bus.FeedEvents;
import chatapp.chat.membership.MembershipCache;
import chatapp.chat.presence.Presence;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Rooms and their members: create, look up, list mine, join or add, leave, list with presence. */
final class RoomsApi {

  /** Room reads a listing has out at once. */
  private static final int READS_AT_ONCE = 100;

  private static final Logger log = LoggerFactory.getLogger(RoomsApi.class);

  private final RoomStore rooms;
  private final Access access;
  private final Presence presence;

  RoomsApi(RoomStore rooms, Access access, Presence presence) {
    this.rooms = rooms;
    this.access = access;
    this.presence = presence;
  }

  /**
   * 201 with the new room; 409 when the id is taken. The same creator asking again for the same
   * id and name is a retry (its first answer may have been lost, or its first attempt failed half
   * way): it gets 200 and the room is made whole (its creator a member).
   */
  void create(RoutingContext ctx) {
    String me = Access.caller(ctx);
    JsonObject in = Api.body(ctx);
    String roomId = in.getString("roomId", UUID.randomUUID().toString());
    // CQL timestamps keep milliseconds: the room read back equals the room answered.
    Room room = new Room(roomId, in.getString("name"), me, Instant.ofEpochMilli(System.currentTimeMillis()));
    Future<Room> created = rooms.createIfAbsent(room).compose(existing -> {
      if (existing == null) {
        log.info("room created room={} by user={}", roomId, me);
        MembershipCache.changed(ctx.vertx(), roomId, me, "joined");
        ctx.response().setStatusCode(201).putHeader("Location", "/api/rooms/" + roomId);
        return Future.succeededFuture(room);
      }
      if (me.equals(existing.createdBy()) && Objects.equals(existing.name(), room.name())) {
        return rooms.join(roomId, me).map(v -> {
          MembershipCache.changed(ctx.vertx(), roomId, me, "joined");
          ctx.response().setStatusCode(200);
          return existing;
        });
      }
      return Future.failedFuture(Problem.conflict("room id " + roomId + " is taken; choose another, or omit roomId"));
    });
    Api.json(ctx, created.map(Room::toJson));
  }

  void get(RoutingContext ctx) {
    Access.caller(ctx);
    Api.json(ctx, access.existing(ctx.pathParam("roomId")).map(Room::toJson));
  }

  void listMine(RoutingContext ctx) {
    String me = Access.caller(ctx);
    Future<JsonObject> out = rooms.roomIdsOf(me).compose(this::readAll).map(all -> {
      JsonArray list = new JsonArray();
      all.stream().filter(Objects::nonNull).forEach(room -> list.add(room.toJson()));
      return new JsonObject().put("rooms", list);
    });
    Api.json(ctx, out);
  }

  /**
   * The rooms of {@code ids}, in that order (null for one gone), read {@link #READS_AT_ONCE} at a
   * time: a user in thousands of rooms (anyone may add him to theirs) would otherwise send more
   * requests at once than a driver connection carries (1,024), and his list would fail.
   */
  private Future<List<Room>> readAll(List<String> ids) {
    List<Room> out = new ArrayList<>(Collections.nCopies(ids.size(), null));
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < ids.size(); from += READS_AT_ONCE) {
      int start = from;
      int end = Math.min(ids.size(), from + READS_AT_ONCE);
      chain = chain.compose(v -> {
        List<Future<Room>> reads = new ArrayList<>(end - start);
        for (int i = start; i < end; i++) {
          int at = i;
          reads.add(rooms.get(ids.get(i)).onSuccess(room -> out.set(at, room)));
        }
        return Future.all(reads).mapEmpty();
      });
    }
    return chain.map(v -> out);
  }

  void listMembers(RoutingContext ctx) {
    String me = Access.caller(ctx);
    String roomId = ctx.pathParam("roomId");
    Future<JsonObject> out = access.asMember(roomId, me)
      .compose(room -> rooms.members(roomId))
      .compose(members -> presence.online(members).map(online -> {
        JsonArray list = new JsonArray();
        members.forEach(id -> list.add(new JsonObject().put("userId", id).put("online", online.contains(id))));
        return new JsonObject().put("members", list);
      }));
    Api.json(ctx, out);
  }

  /** Joining is open to anyone; adding someone else is for members only. Idempotent. */
  void addMember(RoutingContext ctx) {
    String me = Access.caller(ctx);
    String roomId = ctx.pathParam("roomId");
    String userId = ctx.pathParam("userId");
    Future<?> allowed = me.equals(userId) ? access.existing(roomId) : access.asMember(roomId, me);
    Api.noContent(ctx, allowed.compose(room -> rooms.join(roomId, userId))
      .onSuccess(v -> {
        log.info("member added room={} user={} by={}", roomId, userId, me);
        announce(ctx, roomId, userId, "joined");
      }));
  }

  /** Only yourself: nobody removes someone else. Idempotent. */
  void removeMember(RoutingContext ctx) {
    String me = Access.caller(ctx);
    String roomId = ctx.pathParam("roomId");
    String userId = ctx.pathParam("userId");
    if (!me.equals(userId)) {
      Problems.send(ctx, Problem.forbidden("user " + me + " may remove only himself, not " + userId));
      return;
    }
    Api.noContent(ctx, access.existing(roomId).compose(room -> rooms.leave(roomId, me))
      .onSuccess(v -> {
        log.info("member left room={} user={}", roomId, me);
        announce(ctx, roomId, me, "left");
      }));
  }

  /** Tells every node's membership caches, and the room's sockets (README, "Client protocol"), that its membership changed. */
  private static void announce(RoutingContext ctx, String roomId, String userId, String status) {
    MembershipCache.changed(ctx.vertx(), roomId, userId, status);
    FeedEvents.publish(ctx.vertx(), roomId, new JsonObject().put("type", "member").put("userId", userId).put("status", status));
  }
}
