package chatapp.chat.store;

import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A keyspace made by an earlier version is brought up to date at start, on the real node. */
class SchemaUpgradeTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a message table from before Kafka offsets were stored gets the column, keeping its rows; a second start changes nothing")
  void offsetColumnIsAdded() {
    String keyspace = "upgrade_" + Long.toHexString(System.nanoTime());
    JsonObject cql = TestConfig.create(Map.of("CQL_KEYSPACE", keyspace)).getJsonObject("cql");
    CassandraClient client = Cql.client(vertx, cql);
    try {
      // The table as the previous version made it, with a message in it.
      Cql.ddl(client, List.of(Cql.createKeyspace(cql),
        "CREATE TABLE " + keyspace + ".messages_by_room (room_id text, bucket int, message_id timeuuid, sender_id text, body text,"
          + " PRIMARY KEY ((room_id, bucket), message_id)) WITH CLUSTERING ORDER BY (message_id DESC)",
        "INSERT INTO " + keyspace + ".messages_by_room (room_id, bucket, message_id, sender_id, body) VALUES ('r', 1, now(), 'ann', 'old')"))
        .await();

      Schema.ensure(client, cql).await();
      Schema.ensure(client, cql).await();

      var rows = client.executeWithFullFetch("SELECT body, kafka_offset FROM " + keyspace + ".messages_by_room WHERE room_id = 'r' AND bucket = 1")
        .await();
      assertEquals(1, rows.size());
      assertEquals("old", rows.get(0).getString("body"));
      assertEquals(true, rows.get(0).isNull("kafka_offset"), "an old row has no offset: recovery reads it by id");
    } finally {
      client.executeWithFullFetch("DROP KEYSPACE IF EXISTS " + keyspace).await();
      client.close().await();
    }
  }
}
