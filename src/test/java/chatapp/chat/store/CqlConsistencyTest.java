package chatapp.chat.store;

import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consistency an operator configures is the one every request runs at, against the real node. */
class CqlConsistencyTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private int rows(Map<String, String> env) {
    JsonObject cql = TestConfig.create(env).getJsonObject("cql");
    CassandraClient client = Cql.client(vertx, cql);
    try {
      return client.executeWithFullFetch("SELECT release_version FROM system.local").await().size();
    } finally {
      client.close().await();
    }
  }

  @Test
  @DisplayName("the default, LOCAL_QUORUM, works on one replica; a level one node cannot meet (TWO) is refused by the node")
  void configuredConsistencyIsUsed() {
    assertEquals(1, rows(Map.of()));
    // system.local has one replica on one node: TWO can only be refused, which shows the setting reached the node.
    RuntimeException refused = assertThrows(RuntimeException.class, () -> rows(Map.of("CQL_CONSISTENCY", "TWO")));
    assertTrue(String.valueOf(refused.getMessage()).contains("TWO"), refused.toString());
  }
}
