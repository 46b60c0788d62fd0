package chatapp.chat.http;

import chatapp.chat.pipeline.KafkaSettings;
import chatapp.chat.store.Cql;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.HealthProbe;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.kafka.admin.KafkaAdminClient;

import java.util.concurrent.TimeUnit;

/**
 * What "ready" means for the chat service: Kafka, the CQL database and the notification service
 * each answer within a second or two. Each check is named, so the body says which one does not.
 */
final class ReadinessChecks implements AutoCloseable {

  private static final long TIMEOUT_MS = 2_000;

  private final KafkaAdminClient admin;
  private final CassandraClient cql;
  private final GrpcClient grpc;
  private final HealthChecks checks;

  ReadinessChecks(Vertx vertx, JsonObject config) {
    admin = KafkaAdminClient.create(vertx, KafkaSettings.admin(config.getJsonObject("kafka")));
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    grpc = GrpcClient.client(vertx);
    SocketAddress notification = GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
    checks = HealthChecks.create(vertx)
      .register("kafka", TIMEOUT_MS, p -> admin.describeCluster()
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(c -> Status.OK(new JsonObject().put("brokers", c.getNodes().size())))
        .onComplete(p))
      .register("cql", TIMEOUT_MS, p -> cql.execute("SELECT release_version FROM system.local")
        .map(rs -> Status.OK())
        .onComplete(p))
      .register("notification-service", TIMEOUT_MS, p -> HealthProbe.serving(grpc, notification, "notification.NotificationService", TIMEOUT_MS)
        .map(serving -> serving ? Status.OK() : Status.KO(new JsonObject().put("reason", "not serving")))
        .onComplete(p));
  }

  HealthChecks checks() {
    return checks;
  }

  @Override
  public void close() {
    admin.close();
    cql.close();
    grpc.close();
  }

  static Future<Void> closeQuietly(ReadinessChecks checks) {
    if (checks != null) {
      checks.close();
    }
    return Future.succeededFuture();
  }
}
