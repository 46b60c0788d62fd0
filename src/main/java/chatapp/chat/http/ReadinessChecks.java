package chatapp.chat.http;

import chatapp.bus.Addresses;
import chatapp.chat.pipeline.KafkaSettings;
import chatapp.chat.store.Cql;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.HealthProbe;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.kafka.admin.KafkaAdminClient;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What "ready" means for the chat service: Kafka, the CQL database and the notification service
 * each answer within a second or two. Each check is named, so the body says which one does not.
 *
 * <p>The clients that run the checks (a Kafka admin client with a thread of its own, a gRPC client)
 * exist once per node, in {@link ReadinessVerticle}; each HTTP instance (one per core) asks it over
 * the event bus ({@link #asking}) rather than keeping a set of its own.
 */
final class ReadinessChecks implements AutoCloseable {

  static final List<String> NAMES = List.of("kafka", "cql", "notification-service");
  private static final long TIMEOUT_MS = 2_000;

  private final KafkaAdminClient admin;
  private final CassandraClient cql;
  private final GrpcClient grpc;
  private final SocketAddress notification;

  ReadinessChecks(Vertx vertx, JsonObject config) {
    admin = KafkaAdminClient.create(vertx, KafkaSettings.admin(config.getJsonObject("kafka")));
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    grpc = GrpcClient.client(vertx);
    notification = GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
  }

  /** Runs one check: its status, or a failure when it could not run (a timeout, an unknown name). */
  Future<Status> run(String name) {
    return switch (name) {
      case "kafka" -> admin.describeCluster()
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(c -> Status.OK(new JsonObject().put("brokers", c.getNodes().size())));
      case "cql" -> cql.execute("SELECT release_version FROM system.local").map(rs -> Status.OK());
      case "notification-service" -> HealthProbe.serving(grpc, notification, "notification.NotificationService", TIMEOUT_MS)
        .map(serving -> serving ? Status.OK() : Status.KO(new JsonObject().put("reason", "not serving")));
      default -> Future.failedFuture("no readiness check named " + name);
    };
  }

  /**
   * The checks for one HTTP instance's handler: each asks the node's {@link ReadinessVerticle} to run
   * it. When that verticle is not there, the check fails and the node is not ready.
   */
  static HealthChecks asking(Vertx vertx) {
    HealthChecks checks = HealthChecks.create(vertx);
    // Longer than the check's own timeout, so that a slow check answers with its own failure.
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS + 500);
    for (String name : NAMES) {
      checks.register(name, TIMEOUT_MS + 1_000, p -> vertx.eventBus().<JsonObject>request(Addresses.READINESS, name, local)
        .map(reply -> new Status(reply.body()))
        .onComplete(p));
    }
    return checks;
  }

  @Override
  public void close() {
    admin.close();
    cql.close();
    grpc.close();
  }
}
