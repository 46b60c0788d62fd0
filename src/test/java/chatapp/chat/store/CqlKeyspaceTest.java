package chatapp.chat.store;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CqlKeyspaceTest {

  @Test
  @DisplayName("the keyspace is created as configured: SimpleStrategy, or the factor in the local datacenter with ScyllaDB's tablets off")
  void keyspaceAsConfigured() {
    JsonObject dev = new JsonObject().put("keyspace", "chat").put("replicationStrategy", "SimpleStrategy")
      .put("replicationFactor", 1).put("localDatacenter", "datacenter1").put("keyspaceOptions", "");
    assertEquals("CREATE KEYSPACE IF NOT EXISTS chat WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      Cql.createKeyspace(dev));
    JsonObject scylla = dev.copy().put("replicationStrategy", "NetworkTopologyStrategy").put("replicationFactor", 3)
      .put("localDatacenter", "dc1").put("keyspaceOptions", "AND tablets = {'enabled': false}");
    assertEquals("CREATE KEYSPACE IF NOT EXISTS chat WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}"
      + " AND tablets = {'enabled': false}", Cql.createKeyspace(scylla));
  }
}
