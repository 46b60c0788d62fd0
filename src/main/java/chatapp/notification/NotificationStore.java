package chatapp.notification;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.codec.TypeCodec;
import com.datastax.oss.driver.api.core.type.codec.TypeCodecs;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The notifications: one CQL row per user and room ({@code room_notifications}), and per user the
 * rooms he has notifications in ({@code notification_rooms_by_user}), which is how his are found.
 * Rows are partitioned by room so that one message's notifications, for all its offline members,
 * are one write (a single-partition batch is one mutation), not one per member.
 */
public final class NotificationStore {

  /** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
  private static final long UUID_EPOCH_OFFSET = 0x01B21DD213814000L;
  /**
   * Where a direct notification (no room) is kept: a partition of its own per user, since the
   * partition key cannot be empty. A NUL cannot occur in a chat room id.
   */
  private static final String DIRECT = "\u0000direct\u0000";
  /** Users per write (one mutation of their rows), kept well under mutation and IN-list limits. */
  static final int ROWS_PER_BATCH = 100;

  private static final TypeCodec<List<String>> TEXT_LIST = TypeCodecs.listOf(TypeCodecs.TEXT);
  private static final TypeCodec<Set<String>> TEXT_SET = TypeCodecs.setOf(TypeCodecs.TEXT);

  private final CassandraClient client;
  private final int ttlSeconds;
  private final PreparedStatement addUnread;
  private final PreparedStatement setLatest;
  private final PreparedStatement index;
  private final PreparedStatement roomsOf;
  private final PreparedStatement one;
  private final PreparedStatement markRead;
  /** (user, room) pairs known to be in the index: the index is written once per pair, not per message. */
  private final Map<String, Boolean> indexed;

  private NotificationStore(CassandraClient client, int ttlSeconds, int indexCacheSize, List<PreparedStatement> s) {
    this.client = client;
    this.ttlSeconds = ttlSeconds;
    this.addUnread = s.get(0);
    this.setLatest = s.get(1);
    this.index = s.get(2);
    this.roomsOf = s.get(3);
    this.one = s.get(4);
    this.markRead = s.get(5);
    // Insertion order, not access order: a lookup on every message must not relink entries (each
    // relink writes old-generation objects, which every young collection then rescans). A pair that
    // falls out is indexed again by its next message: one idempotent insert.
    this.indexed = new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > indexCacheSize;
      }
    };
  }

  public static Future<NotificationStore> create(CassandraClient client, String ks, int ttlSeconds, int indexCacheSize) {
    List<String> cql = List.of(
      // Unread ids expire (the set cannot grow without bound); `latest` does not: with a TTL, two
      // messages of the same microsecond would tie-break on their expiry, that is on arrival
      // order, instead of on the value (CASSANDRA-14592). Both go in one batch: one mutation.
      // `user_id IN ?`: every user of the message gets the same cells, so one statement covers them
      // all; statements, more than rows, are what a write costs the node.
      "UPDATE " + ks + ".room_notifications USING TTL ? AND TIMESTAMP ? SET unread = unread + ? WHERE room_id = ? AND user_id IN ?",
      "UPDATE " + ks + ".room_notifications USING TIMESTAMP ? SET latest = ? WHERE room_id = ? AND user_id IN ?",
      // No TTL: an entry must outlive every write to its row. Stale ones (their row expired) cost a
      // read in a listing, and are bounded by the rooms a user was ever notified in.
      "INSERT INTO " + ks + ".notification_rooms_by_user (user_id, room_id) VALUES (?, ?)",
      "SELECT room_id FROM " + ks + ".notification_rooms_by_user WHERE user_id = ?",
      "SELECT unread, latest, read_count, read_at FROM " + ks + ".room_notifications WHERE room_id = ? AND user_id = ?",
      "UPDATE " + ks + ".room_notifications USING TIMESTAMP ?"
        + " SET unread = unread - ?, read_count = ?, read_at = ? WHERE room_id = ? AND user_id = ?");
    List<PreparedStatement> prepared = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (String statement : cql) {
      chain = chain.compose(v -> client.prepare(statement)).map(p -> {
        prepared.add(p);
        return null;
      });
    }
    return chain.map(v -> new NotificationStore(client, ttlSeconds, indexCacheSize, prepared));
  }

  /**
   * Adds one message to the notification of each user for a room. Idempotent: the message id goes
   * into a set, and the write's timestamp is the message's own time, so a retried or late older
   * message never replaces a newer preview. The index entry is written first: a listing that runs
   * meanwhile may find an entry without its row, never a row without its entry.
   */
  public Future<Void> recordAll(Collection<String> userIds, String roomId, String messageId, String sender, String preview) {
    if (roomId.isEmpty()) {
      // Each user's direct notifications live in his own partition.
      List<Future<?>> each = new ArrayList<>();
      userIds.forEach(userId -> each.add(recordAll(List.of(userId), DIRECT + userId, messageId, sender, preview)));
      return Future.all(each).mapEmpty();
    }
    List<Future<?>> entries = null;
    List<String> fresh = null;
    for (String userId : userIds) {
      if (indexed.get(key(userId, roomId)) == null) {
        if (entries == null) {
          entries = new ArrayList<>();
          fresh = new ArrayList<>();
        }
        fresh.add(userId);
        entries.add(client.execute(index.bind(userId, roomId)));
      }
    }
    if (entries == null) {
      // The usual case once a room's members were notified before: the notifications alone.
      return write(userIds, roomId, messageId, sender, preview);
    }
    List<String> indexedNow = fresh;
    return Future.all(entries).compose(v -> {
      indexedNow.forEach(userId -> indexed.put(key(userId, roomId), Boolean.TRUE));
      return write(userIds, roomId, messageId, sender, preview);
    });
  }

  /** The rows themselves: one single-partition batch (one mutation) per {@value #ROWS_PER_BATCH} users. */
  private Future<Void> write(Collection<String> userIds, String roomId, String messageId, String sender, String preview) {
    long ticks = ticks(messageId);
    long micros = ticks / 10;
    String latest = hex16(ticks) + ' ' + new JsonArray().add(messageId).add(sender).add(preview).encode();
    Set<String> ids = Set.of(messageId);
    List<String> users = userIds instanceof List<String> list ? list : new ArrayList<>(userIds);
    if (users.size() <= ROWS_PER_BATCH) {
      return client.execute(batch(ids, latest, micros, roomId, users)).mapEmpty();
    }
    List<Future<?>> writes = new ArrayList<>();
    for (int from = 0; from < users.size(); from += ROWS_PER_BATCH) {
      writes.add(client.execute(batch(ids, latest, micros, roomId, users.subList(from, Math.min(users.size(), from + ROWS_PER_BATCH)))));
    }
    return Future.all(writes).mapEmpty();
  }

  /**
   * Bound with the codecs named, not by {@code bind(Object...)}: that one works out each collection
   * value's codec by reflecting on its runtime type, on every call, which was a fair share of the
   * write path's CPU and garbage.
   */
  private BatchStatement batch(Set<String> ids, String latest, long micros, String roomId, List<String> users) {
    return BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
      addUnread.boundStatementBuilder().setInt(0, ttlSeconds).setLong(1, micros).set(2, ids, TEXT_SET)
        .setString(3, roomId).set(4, users, TEXT_LIST).build(),
      setLatest.boundStatementBuilder().setLong(0, micros).setString(1, latest).setString(2, roomId)
        .set(3, users, TEXT_LIST).build());
  }

  /** {@code ticks} as 16 hex digits: fixed width, so the text of `latest` sorts as its time does. */
  static String hex16(long ticks) {
    String hex = Long.toHexString(ticks);
    return "0".repeat(16 - hex.length()) + hex;
  }

  /** A user's notifications, most recently updated first. */
  public Future<List<UserNotification>> list(String userId, boolean unreadOnly, int limit) {
    return all(userId).map(found -> {
      List<UserNotification> out = new ArrayList<>();
      for (UserNotification n : found) {
        if (!unreadOnly || n.unread()) {
          out.add(n);
        }
      }
      out.sort(Comparator.comparingLong(UserNotification::updatedAt).reversed());
      return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    });
  }

  private Future<List<UserNotification>> all(String userId) {
    return client.executeWithFullFetch(roomsOf.bind(userId)).compose(rows -> {
      List<Future<UserNotification>> reads = new ArrayList<>();
      for (Row row : rows) {
        reads.add(read(userId, row.getString("room_id")));
      }
      return Future.all(reads).map(v -> reads.stream().map(Future::result).filter(Objects::nonNull).toList());
    });
  }

  /** One notification, or null. */
  public Future<UserNotification> get(String userId, String roomId) {
    return read(userId, roomId.isEmpty() ? DIRECT + userId : roomId);
  }

  private Future<UserNotification> read(String userId, String roomKey) {
    return client.executeWithFullFetch(one.bind(roomKey, userId))
      .map(rows -> rows.isEmpty() ? null : fromRow(userId, roomKey, rows.get(0)));
  }

  /**
   * Marks read the unread notifications of the rooms named (all when {@code roomIds} is empty) and
   * answers how many there were. It removes exactly the message ids it read, so a message recorded
   * meanwhile stays unread; the removal's timestamp is after every id it removes, so a late retry of
   * a read message cannot make it unread again.
   */
  public Future<Integer> markRead(String userId, Set<String> roomIds) {
    Future<List<UserNotification>> targets = roomIds.isEmpty() ? all(userId)
      : Future.all(roomIds.stream().map(r -> get(userId, r)).toList())
        .map(f -> f.<UserNotification>list().stream().filter(Objects::nonNull).toList());
    return targets.compose(found -> {
      List<Future<?>> updates = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (UserNotification n : found) {
        if (!n.unread()) {
          continue;
        }
        long micros = now * 1000;
        for (String id : n.unreadIds()) {
          micros = Math.max(micros, ticks(id) / 10);
        }
        String roomKey = n.roomId().isEmpty() ? DIRECT + userId : n.roomId();
        updates.add(client.execute(markRead.bind(micros + 1, n.unreadIds(), n.unreadIds().size(),
          Instant.ofEpochMilli(now), roomKey, userId)));
      }
      return Future.all(updates).map(v -> updates.size());
    });
  }

  /** The time inside a time-based UUID, in 100 ns since the Unix epoch; now for any other id. */
  static long ticks(String messageId) {
    try {
      UUID uuid = UUID.fromString(messageId);
      if (uuid.version() == 1) {
        return uuid.timestamp() - UUID_EPOCH_OFFSET;
      }
    } catch (IllegalArgumentException notUuid) {
      // falls through: an id of the caller's own format orders by arrival
    }
    return System.currentTimeMillis() * 10_000;
  }

  private static String key(String userId, String roomId) {
    return userId + '\u0000' + roomId;
  }

  private static UserNotification fromRow(String userId, String roomKey, Row row) {
    String roomId = roomKey.startsWith(DIRECT) ? "" : roomKey;
    String latest = row.getString("latest");
    Set<String> unread = row.getSet("unread", String.class);
    Instant readAt = row.getInstant("read_at");
    if (latest == null || (unread.isEmpty() && readAt == null)) {
      return null; // nothing recorded yet, or left unread until its unread marks expired
    }
    long ticks = Long.parseUnsignedLong(latest.substring(0, 16), 16);
    JsonArray message = new JsonArray(latest.substring(17));
    int count = unread.isEmpty() ? (row.isNull("read_count") ? 0 : row.getInt("read_count")) : unread.size();
    return new UserNotification(userId, roomId, count, message.getString(2), message.getString(0),
      message.getString(1), ticks / 10_000, !unread.isEmpty(), readAt == null ? 0 : readAt.toEpochMilli(), unread);
  }
}
