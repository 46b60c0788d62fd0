package chatapp.chat.store;

import chatapp.bus.ChatMessage;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reads and writes the message log ({@code messages_by_room}); shared by the writer and the readers. */
public final class MessageStore {

  private final CassandraClient client;
  private final long bucketMillis;
  private final PreparedStatement insert;
  private final PreparedStatement newest;

  private MessageStore(CassandraClient client, long bucketMillis, PreparedStatement insert, PreparedStatement newest) {
    this.client = client;
    this.bucketMillis = bucketMillis;
    this.insert = insert;
    this.newest = newest;
  }

  public static Future<MessageStore> create(CassandraClient client, JsonObject cql) {
    String ks = cql.getString("keyspace");
    long bucketMillis = cql.getInteger("bucketMinutes", 1440) * 60_000L;
    return client.prepare("INSERT INTO " + ks + ".messages_by_room (room_id, bucket, message_id, sender_id, body)"
        + " VALUES (?, ?, ?, ?, ?)")
      .compose(insert -> client.prepare("SELECT message_id, sender_id, body FROM " + ks + ".messages_by_room"
          + " WHERE room_id = ? AND bucket = ? LIMIT ?")
        .map(newest -> new MessageStore(client, bucketMillis, insert, newest)));
  }

  /** The bucket a message falls in: the time inside its id, so a retried write lands in the same row. */
  public int bucketOf(UUID messageId) {
    return (int) (Uuids.unixTimestamp(messageId) / bucketMillis);
  }

  /** An upsert keyed by message id: storing the same message twice leaves one row. */
  public Future<Void> insert(ChatMessage m) {
    return client.execute(insert.bind(m.roomId(), bucketOf(m.messageId()), m.messageId(), m.senderId(), m.body()))
      .mapEmpty();
  }

  /** The newest messages of a room, newest first, looking back at most {@code buckets} buckets. */
  public Future<List<ChatMessage>> newest(String roomId, int limit, int buckets) {
    int from = (int) (System.currentTimeMillis() / bucketMillis);
    return collect(roomId, from, from - buckets + 1, limit, new ArrayList<>());
  }

  private Future<List<ChatMessage>> collect(String roomId, int bucket, int last, int limit, List<ChatMessage> out) {
    if (bucket < last || out.size() >= limit) {
      return Future.succeededFuture(out);
    }
    return client.executeWithFullFetch(newest.bind(roomId, bucket, limit - out.size()))
      .compose(rows -> {
        for (Row row : rows) {
          UUID id = row.getUuid("message_id");
          out.add(new ChatMessage(roomId, id, row.getString("sender_id"), row.getString("body"), Uuids.unixTimestamp(id)));
        }
        return collect(roomId, bucket - 1, last, limit, out);
      });
  }
}
