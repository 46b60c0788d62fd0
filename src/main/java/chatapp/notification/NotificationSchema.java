package chatapp.notification;

import chatapp.chat.store.Cql;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The notification service's own tables, created if missing: the service can run alone, so it does
 * not rely on the chat service's schema. Plain CQL that ScyllaDB and Cassandra both accept.
 */
public final class NotificationSchema {

  private static final Logger log = LoggerFactory.getLogger(NotificationSchema.class);

  private NotificationSchema() {
  }

  public static Future<Void> ensure(CassandraClient client, JsonObject cql) {
    String ks = cql.getString("keyspace");
    List<String> statements = List.of(
      Cql.createKeyspace(cql),
      // One row per user and room: the row IS the coalesced notification. Partitioned by room, so
      // one message's notifications for all its offline members are one mutation. Unread message
      // ids form a set, so recording a message twice (a retry) counts it once, with no read before
      // the write. Each write carries its message's own time as its timestamp, so the newest
      // message wins whatever order retries arrive in; `latest` holds that message in one cell
      // (id, sender, preview) led by its time in fixed-width hex, because two messages within the
      // same microsecond tie on the timestamp and a tie goes to the greater value. Unread ids expire
      // after notifications.ttlDays; the row itself (one per user and room) is kept.
      "CREATE TABLE IF NOT EXISTS " + ks + ".room_notifications ("
        + " room_id text, user_id text, unread set<text>, latest text, read_count int, read_at timestamp,"
        + " PRIMARY KEY (room_id, user_id))",
      // How a user's notifications are found: the rooms he has one in.
      "CREATE TABLE IF NOT EXISTS " + ks + ".notification_rooms_by_user ("
        + " user_id text, room_id text, PRIMARY KEY (user_id, room_id))",
      // Pushes a channel gave up on, by channel and day so no partition grows without bound.
      "CREATE TABLE IF NOT EXISTS " + ks + ".notification_dead_letters ("
        + " channel text, day int, id timeuuid, user_id text, room_id text, payload text, error text, attempts int,"
        + " PRIMARY KEY ((channel, day), id))");
    return Cql.ddl(client, statements).onSuccess(v -> log.info("notification tables ready in keyspace {}", ks));
  }
}
