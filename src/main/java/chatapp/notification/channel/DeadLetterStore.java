package chatapp.notification.channel;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Pushes a channel gave up on (CQL {@code notification_dead_letters}), by channel and UTC day. */
public final class DeadLetterStore {

  private final CassandraClient client;
  private final int ttlSeconds;
  private final PreparedStatement insert;
  private final PreparedStatement byDay;

  private DeadLetterStore(CassandraClient client, int ttlSeconds, PreparedStatement insert, PreparedStatement byDay) {
    this.client = client;
    this.ttlSeconds = ttlSeconds;
    this.insert = insert;
    this.byDay = byDay;
  }

  public static Future<DeadLetterStore> create(CassandraClient client, String ks, int ttlSeconds) {
    return client.prepare("INSERT INTO " + ks + ".notification_dead_letters"
        + " (channel, day, id, user_id, room_id, payload, error, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?")
      .compose(insert -> client.prepare("SELECT id, user_id, room_id, payload, error, attempts FROM " + ks
          + ".notification_dead_letters WHERE channel = ? AND day = ?")
        .map(byDay -> new DeadLetterStore(client, ttlSeconds, insert, byDay)));
  }

  public Future<Void> add(String channel, JsonObject push, String error, int attempts) {
    UUID id = Uuids.timeBased();
    return client.execute(insert.bind(channel, epochDay(Uuids.unixTimestamp(id)), id, push.getString("userId"),
        push.getString("roomId"), push.encode(), error, attempts, ttlSeconds))
      .mapEmpty();
  }

  /** The dead letters of one channel on one day: {id, userId, roomId, payload, error, attempts}. */
  public Future<List<JsonObject>> of(String channel, int day) {
    return client.executeWithFullFetch(byDay.bind(channel, day)).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      for (Row row : rows) {
        out.add(new JsonObject()
          .put("id", row.getUuid("id").toString())
          .put("userId", row.getString("user_id"))
          .put("roomId", row.getString("room_id"))
          .put("payload", new JsonObject(row.getString("payload")))
          .put("error", row.getString("error"))
          .put("attempts", row.getInt("attempts")));
      }
      return out;
    });
  }

  /** Days since 1970-01-01, UTC: the partition a dead letter of that time is in. */
  public static int epochDay(long epochMillis) {
    return (int) (epochMillis / 86_400_000L);
  }
}
