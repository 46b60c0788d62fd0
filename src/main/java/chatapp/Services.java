package chatapp;

import chatapp.chat.fanout.FanoutVerticle;
import chatapp.chat.gateway.ClientSendVerticle;
import chatapp.chat.gateway.RoomFeedRelayVerticle;
import chatapp.chat.gateway.TcpBridgeVerticle;
import chatapp.chat.http.ChatHttpVerticle;
import chatapp.chat.http.ReadinessVerticle;
import chatapp.chat.ingest.MessageProducerVerticle;
import chatapp.chat.notify.GrpcNotifierVerticle;
import chatapp.chat.notify.PresenceStreamVerticle;
import chatapp.chat.pipeline.ChatConsumerVerticle;
import chatapp.chat.pipeline.KafkaSettings;
import chatapp.chat.presence.PresenceVerticle;
import chatapp.chat.store.Cql;
import chatapp.chat.store.Schema;
import chatapp.chat.store.ScyllaWriterVerticle;
import chatapp.notification.NotificationServerVerticle;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.function.Supplier;

/** Deploys the services, in dependency order: each step starts once the one before it is up. */
public final class Services {

  public static final String CHAT = "chat";
  public static final String NOTIFICATION = "notification";
  public static final Set<String> ALL = Set.of(CHAT, NOTIFICATION);

  private Services() {
  }

  public static Future<Void> deploy(Vertx vertx, JsonObject config, Set<String> which) {
    Future<Void> chain = Future.succeededFuture();
    if (which.contains(NOTIFICATION)) {
      chain = chain.compose(v -> deploy(vertx, new NotificationServerVerticle(), config));
    }
    if (which.contains(CHAT)) {
      chain = chain.compose(v -> deployChat(vertx, config));
    }
    return chain;
  }

  private static Future<Void> deployChat(Vertx vertx, JsonObject config) {
    CassandraClient cql = Cql.client(vertx, config.getJsonObject("cql"));
    // The schema and the topic exist before anything reads or writes them.
    return Schema.ensure(cql, config.getJsonObject("cql"))
      .eventually(cql::close)
      .compose(v -> KafkaSettings.ensureTopic(vertx, config.getJsonObject("kafka")))
      // The writer listens before the consumer polls, the producer before the gateway accepts.
      .compose(v -> deploy(vertx, new ScyllaWriterVerticle(), config))
      // The notifier and the presence stream listen before presence and fan-out emit to them.
      .compose(v -> deploy(vertx, new GrpcNotifierVerticle(), config))
      .compose(v -> deploy(vertx, new PresenceStreamVerticle(), config))
      // Every room's feed reaches this node's sockets through its relay: it listens before anything publishes.
      .compose(v -> deploy(vertx, new RoomFeedRelayVerticle(), config))
      .compose(v -> deploy(vertx, new PresenceVerticle(), config))
      .compose(v -> deploy(vertx, new FanoutVerticle(), config))
      .compose(v -> deploy(vertx, new ChatConsumerVerticle(), config))
      .compose(v -> deploy(vertx, new MessageProducerVerticle(), config))
      .compose(v -> deploy(vertx, new ClientSendVerticle(), config))
      // One set of readiness clients for the node, which every HTTP instance asks.
      .compose(v -> deploy(vertx, new ReadinessVerticle(), config))
      .compose(v -> deploy(vertx, ChatHttpVerticle::new, config, httpInstances(config)))
      .compose(v -> deploy(vertx, new TcpBridgeVerticle(), config));
  }

  private static Future<Void> deploy(Vertx vertx, Deployable verticle, JsonObject config) {
    return deploy(vertx, () -> verticle, config, 1);
  }

  private static Future<Void> deploy(Vertx vertx, Supplier<Deployable> verticle, JsonObject config, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config).setInstances(instances))
      .recover(e -> Future.failedFuture(new IllegalStateException(
        verticle.get().getClass().getSimpleName() + " failed to start: " + e.getMessage(), e)))
      .mapEmpty();
  }

  /**
   * An HTTP server serves each of its connections on the event loop of the verticle that opened
   * it: with one instance, every socket of the node (their frames in, every room message out) is
   * one thread's work, whatever the cores. Instances share the port; Vert.x hands new connections
   * to them in turn. {@code http.instances} 0 means one per core. On the 2-core build machine the
   * load benchmark could not tell one instance from several (docs/benchmarks.md); a node
   * with many cores has no other way to spread its sockets.
   */
  static int httpInstances(JsonObject config) {
    int configured = config.getJsonObject("http").getInteger("instances", 0);
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }
}
