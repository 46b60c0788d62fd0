package chatapp.chat.store;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Creates the keyspace and tables if they are missing. Every statement is IF NOT EXISTS, so any
 * node may run it at any start, and it is plain CQL that both ScyllaDB and Cassandra accept.
 */
public final class Schema {

  private static final Logger log = LoggerFactory.getLogger(Schema.class);

  private Schema() {
  }

  public static Future<Void> ensure(CassandraClient client, JsonObject cql) {
    String ks = cql.getString("keyspace");
    List<String> statements = List.of(
      Cql.createKeyspace(cql),
      // One partition per room and time bucket keeps partitions bounded however long a room lives;
      // newest first because every read (history, recovery) starts from the newest end.
      "CREATE TABLE IF NOT EXISTS " + ks + ".messages_by_room ("
        + " room_id text, bucket int, message_id timeuuid, sender_id text, body text, kafka_offset bigint,"
        + " PRIMARY KEY ((room_id, bucket), message_id))"
        + " WITH CLUSTERING ORDER BY (message_id DESC)",
      // Which buckets of a room hold messages, newest first: history walks only those, so a room
      // quiet for a year costs one small read instead of 365 empty ones. One row per bucket.
      "CREATE TABLE IF NOT EXISTS " + ks + ".buckets_by_room ("
        + " room_id text, bucket int, PRIMARY KEY (room_id, bucket))"
        + " WITH CLUSTERING ORDER BY (bucket DESC)",
      "CREATE TABLE IF NOT EXISTS " + ks + ".rooms ("
        + " room_id text PRIMARY KEY, name text, created_by text, created_at timestamp)",
      // Membership is read both ways (a room's members, a user's rooms): one table per query,
      // written together, as CQL has no joins.
      "CREATE TABLE IF NOT EXISTS " + ks + ".members_by_room ("
        + " room_id text, user_id text, joined_at timestamp, PRIMARY KEY (room_id, user_id))",
      "CREATE TABLE IF NOT EXISTS " + ks + ".rooms_by_user ("
        + " user_id text, room_id text, joined_at timestamp, PRIMARY KEY (user_id, room_id))");
    return Cql.ddl(client, statements)
      .compose(v -> addOffsetColumn(client, ks))
      .onSuccess(v -> log.info("CQL schema ready in keyspace {}", ks));
  }

  /**
   * A message's Kafka offset, which recovery resumes from (MessageStore#after), came after the
   * table: a table made before it gets the column. Asked of system_schema first, as ScyllaDB and
   * Cassandra both keep it, rather than ALTER ... IF NOT EXISTS, which not every version takes. Two
   * nodes starting at once may both find it missing: the ALTER that loses is fine if the column is
   * there after all.
   */
  private static Future<Void> addOffsetColumn(CassandraClient client, String ks) {
    return hasOffsetColumn(client, ks).compose(has -> has ? Future.<Void>succeededFuture()
      : Cql.ddl(client, List.of("ALTER TABLE " + ks + ".messages_by_room ADD kafka_offset bigint"))
        .recover(e -> hasOffsetColumn(client, ks).compose(added -> added ? Future.<Void>succeededFuture() : Future.failedFuture(e))));
  }

  private static Future<Boolean> hasOffsetColumn(CassandraClient client, String ks) {
    // Unquoted names are stored in lower case.
    String name = ks.startsWith("\"") ? ks.substring(1, ks.length() - 1) : ks.toLowerCase(java.util.Locale.ROOT);
    return client.executeWithFullFetch(SimpleStatement.newInstance(
        "SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'messages_by_room' AND column_name = 'kafka_offset'",
        name))
      .map(rows -> !rows.isEmpty());
  }
}
