package chatapp.chat.store;

import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Builds the CQL client from the {@code cql} configuration slice. One shared client per process. */
public final class Cql {

  private Cql() {
  }

  /**
   * The process-wide client: verticles that ask for it share one driver session (its connection
   * pool is already per node and per shard), closed when the last of them closes it.
   */
  public static CassandraClient client(Vertx vertx, JsonObject cql) {
    CassandraClientOptions options = new CassandraClientOptions();
    for (String point : cql.getString("contactPoints").split(",")) {
      String hostPort = point.trim();
      int colon = hostPort.lastIndexOf(':');
      if (colon < 0) {
        options.addContactPoint(hostPort, CassandraClientOptions.DEFAULT_PORT);
      } else {
        options.addContactPoint(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      }
    }
    options.dataStaxClusterBuilder().withLocalDatacenter(cql.getString("localDatacenter"));
    String user = cql.getString("username", "");
    if (!user.isEmpty()) {
      options.setUsername(user).setPassword(cql.getString("password", ""));
    }
    return CassandraClient.createShared(vertx, "chat", options);
  }
}
