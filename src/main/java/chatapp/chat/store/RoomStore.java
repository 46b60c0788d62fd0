package chatapp.chat.store;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Rooms and membership in CQL; each method is one round trip (a membership change is one batch), but for creation. */
public final class RoomStore {

  private final CassandraClient client;
  private final PreparedStatement insertRoom;
  private final PreparedStatement selectRoom;
  private final PreparedStatement insertMember;
  private final PreparedStatement insertUserRoom;
  private final PreparedStatement deleteMember;
  private final PreparedStatement deleteUserRoom;
  private final PreparedStatement selectMember;
  private final PreparedStatement selectMembers;
  private final PreparedStatement selectRoomsOf;
  private final PreparedStatement claimRoom;
  private final PreparedStatement releaseRoom;

  private RoomStore(CassandraClient client, List<PreparedStatement> p) {
    this.client = client;
    this.insertRoom = p.get(0);
    this.selectRoom = p.get(1);
    this.insertMember = p.get(2);
    this.insertUserRoom = p.get(3);
    this.deleteMember = p.get(4);
    this.deleteUserRoom = p.get(5);
    this.selectMember = p.get(6);
    this.selectMembers = p.get(7);
    this.selectRoomsOf = p.get(8);
    this.claimRoom = p.get(9);
    this.releaseRoom = p.get(10);
  }

  public static Future<RoomStore> create(CassandraClient client, JsonObject cql) {
    String ks = cql.getString("keyspace");
    List<String> queries = List.of(
      "INSERT INTO " + ks + ".rooms (room_id, name, created_by, created_at) VALUES (?, ?, ?, ?)",
      "SELECT room_id, name, created_by, created_at FROM " + ks + ".rooms WHERE room_id = ?",
      "INSERT INTO " + ks + ".members_by_room (room_id, user_id, joined_at) VALUES (?, ?, ?)",
      "INSERT INTO " + ks + ".rooms_by_user (user_id, room_id, joined_at) VALUES (?, ?, ?)",
      "DELETE FROM " + ks + ".members_by_room WHERE room_id = ? AND user_id = ?",
      "DELETE FROM " + ks + ".rooms_by_user WHERE user_id = ? AND room_id = ?",
      "SELECT user_id FROM " + ks + ".members_by_room WHERE room_id = ? AND user_id = ?",
      "SELECT user_id FROM " + ks + ".members_by_room WHERE room_id = ?",
      "SELECT room_id FROM " + ks + ".rooms_by_user WHERE user_id = ?",
      "INSERT INTO " + ks + ".rooms (room_id, name, created_by, created_at) VALUES (?, ?, ?, ?) IF NOT EXISTS",
      "DELETE FROM " + ks + ".rooms WHERE room_id = ? IF created_by = ? AND created_at = ?");
    // The first statement alone: a fresh shared client connects on first use, and concurrent
    // first uses race inside vertx-cassandra-client (IllegalStateException in SessionHolder).
    return client.prepare(queries.get(0)).compose(first -> {
      List<Future<PreparedStatement>> prepared = new ArrayList<>();
      prepared.add(Future.succeededFuture(first));
      for (String q : queries.subList(1, queries.size())) {
        prepared.add(client.prepare(q));
      }
      return Future.all(prepared).map(all -> new RoomStore(client, all.list()));
    });
  }

  /** Stores the room and makes its creator a member, in one logged batch (both or neither). */
  public Future<Void> create(Room room) {
    BatchStatement batch = BatchStatement.newInstance(BatchType.LOGGED,
      insertRoom.bind(room.roomId(), room.name(), room.createdBy(), room.createdAt()),
      insertMember.bind(room.roomId(), room.createdBy(), room.createdAt()),
      insertUserRoom.bind(room.createdBy(), room.roomId(), room.createdAt()));
    return client.execute(batch).mapEmpty();
  }

  /**
   * Creates the room only if its id is free, then makes its creator a member; answers null when it
   * did, or the room that already holds the id (nothing written then).
   *
   * <p>The id claim is a lightweight transaction: a client-chosen key two clients may race for is
   * the one place plain upserts would let the second silently overwrite the first. The membership
   * rows follow in one logged batch; if that fails, the creation is undone (memberships, then the
   * claim) so a failed request leaves no room without its creator. Should the undo fail too, the
   * creator's retry of the same request completes the room (see the API's create).
   */
  public Future<Room> createIfAbsent(Room room) {
    return client.executeWithFullFetch(claimRoom.bind(room.roomId(), room.name(), room.createdBy(), room.createdAt()))
      .compose(rows -> {
        Row row = rows.get(0);
        if (!row.getBoolean("[applied]")) {
          return Future.succeededFuture(room(row));
        }
        return withoutStrays(room.roomId()).compose(cleared -> client.execute(BatchStatement.newInstance(BatchType.LOGGED,
            insertMember.bind(room.roomId(), room.createdBy(), room.createdAt()),
            insertUserRoom.bind(room.createdBy(), room.roomId(), room.createdAt()))))
          .<Room>map(rs -> null)
          .recover(failure -> client.execute(BatchStatement.newInstance(BatchType.LOGGED,
                deleteMember.bind(room.roomId(), room.createdBy()), deleteUserRoom.bind(room.createdBy(), room.roomId())))
              .compose(v -> client.execute(releaseRoom.bind(room.roomId(), room.createdBy(), room.createdAt())))
              .transform(undone -> Future.failedFuture(failure)));
      });
  }

  /**
   * Removes the members a room id has before its room exists: a join that raced a creation which
   * then failed and was undone (it checked the room while it stood, and wrote after the undo). Left,
   * they would be members of whatever room is made with that id next, and read its messages.
   */
  private Future<Void> withoutStrays(String roomId) {
    return members(roomId).compose(strays -> {
      if (strays.isEmpty()) {
        return Future.succeededFuture();
      }
      List<BatchableStatement<?>> deletes = new ArrayList<>();
      for (String userId : strays) {
        deletes.add(deleteMember.bind(roomId, userId));
        deletes.add(deleteUserRoom.bind(userId, roomId));
      }
      return client.execute(BatchStatement.newInstance(BatchType.LOGGED, deletes)).mapEmpty();
    });
  }

  /** The room, or null when there is none. */
  public Future<Room> get(String roomId) {
    return client.executeWithFullFetch(selectRoom.bind(roomId)).map(rows -> rows.isEmpty() ? null : room(rows.get(0)));
  }

  public Future<Void> join(String roomId, String userId) {
    Instant now = Instant.now();
    return client.execute(BatchStatement.newInstance(BatchType.LOGGED,
      insertMember.bind(roomId, userId, now), insertUserRoom.bind(userId, roomId, now))).mapEmpty();
  }

  public Future<Void> leave(String roomId, String userId) {
    return client.execute(BatchStatement.newInstance(BatchType.LOGGED,
      deleteMember.bind(roomId, userId), deleteUserRoom.bind(userId, roomId))).mapEmpty();
  }

  public Future<Boolean> isMember(String roomId, String userId) {
    return client.executeWithFullFetch(selectMember.bind(roomId, userId)).map(rows -> !rows.isEmpty());
  }

  public Future<List<String>> members(String roomId) {
    return client.executeWithFullFetch(selectMembers.bind(roomId))
      .map(rows -> rows.stream().map(r -> r.getString("user_id")).toList());
  }

  public Future<List<String>> roomIdsOf(String userId) {
    return client.executeWithFullFetch(selectRoomsOf.bind(userId))
      .map(rows -> rows.stream().map(r -> r.getString("room_id")).toList());
  }

  private static Room room(Row row) {
    return new Room(row.getString("room_id"), row.getString("name"), row.getString("created_by"), row.getInstant("created_at"));
  }
}
