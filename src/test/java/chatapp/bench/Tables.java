package chatapp.bench;

import chatapp.chat.store.Cql;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * Empties the tables a benchmark writes, before it starts. The test stack keeps its data between
 * runs, and Cassandra compacts what earlier runs left (size-tiered compaction puts every sstable
 * under 50 MB in one bucket) while a later run is measuring: a single 30 MB compaction takes most
 * of a core for seconds. Each run should measure its own writes, not its predecessors'.
 */
final class Tables {

  private Tables() {
  }

  static void truncate(Vertx vertx, JsonObject cql, String... tables) {
    CassandraClient client = Cql.client(vertx, cql);
    String ks = cql.getString("keyspace");
    Future<Void> chain = Future.succeededFuture();
    for (String table : tables) {
      // Longer than the driver's 2 s default: a truncate first stops the table's compaction, and
      // the embedded node paces its compactions (it waited 2.2 s for one).
      chain = chain.compose(v -> client.execute(SimpleStatement.newInstance("TRUNCATE " + ks + "." + table)
        .setTimeout(Duration.ofSeconds(60))).mapEmpty());
    }
    chain.eventually(client::close).await();
    System.out.printf("emptied %s in keyspace %s%n", String.join(", ", tables), ks);
  }
}
