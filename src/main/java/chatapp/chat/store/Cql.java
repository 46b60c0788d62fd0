package chatapp.chat.store;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;

/** Builds the CQL client from the {@code cql} configuration slice. One shared client per process. */
public final class Cql {

  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(30);

  private Cql() {
  }

  /**
   * Runs schema statements one after another. A schema change waits for every node to agree, which
   * takes seconds on a busy node: far over the driver's 2 s request timeout, so each gets its own.
   */
  public static Future<Void> ddl(CassandraClient client, List<String> statements) {
    Future<Void> chain = Future.succeededFuture();
    for (String statement : statements) {
      chain = chain.compose(v -> client.execute(SimpleStatement.newInstance(statement).setTimeout(DDL_TIMEOUT))).mapEmpty();
    }
    return chain;
  }

  /**
   * The keyspace's CREATE statement, as {@code cql} configures it: its replication (SimpleStrategy,
   * or a strategy with the factor in the local datacenter) and {@code keyspaceOptions}, appended as
   * written. ScyllaDB 6 gives a NetworkTopologyStrategy keyspace tablets by default, and a tablets
   * keyspace refuses conditional statements (the room create's IF NOT EXISTS): there, the options
   * are {@code AND tablets = {'enabled': false}}, which Cassandra would refuse.
   */
  public static String createKeyspace(JsonObject cql) {
    String strategy = cql.getString("replicationStrategy");
    int factor = cql.getInteger("replicationFactor");
    String replication = "SimpleStrategy".equals(strategy)
      ? "{'class': 'SimpleStrategy', 'replication_factor': " + factor + "}"
      // NetworkTopologyStrategy: the same factor in the local datacenter.
      : "{'class': '" + strategy + "', '" + cql.getString("localDatacenter") + "': " + factor + "}";
    String options = cql.getString("keyspaceOptions", "").trim();
    return "CREATE KEYSPACE IF NOT EXISTS " + cql.getString("keyspace") + " WITH replication = " + replication
      + (options.isEmpty() ? "" : " " + options);
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
    // Every request at the configured consistency (LOCAL_QUORUM): with a replication factor of 3 a
    // stored message survives the loss of a replica before the offset commit that follows the
    // write, and a read sees what was written. With one replica (the embedded node) it is that one.
    options.dataStaxClusterBuilder().withLocalDatacenter(cql.getString("localDatacenter"))
      .withConfigLoader(DriverConfigLoader.programmaticBuilder()
        .withString(DefaultDriverOption.REQUEST_CONSISTENCY, cql.getString("consistency", "LOCAL_QUORUM"))
        .build());
    String user = cql.getString("username", "");
    if (!user.isEmpty()) {
      options.setUsername(user).setPassword(cql.getString("password", ""));
    }
    return CassandraClient.createShared(vertx, "chat", options);
  }
}
