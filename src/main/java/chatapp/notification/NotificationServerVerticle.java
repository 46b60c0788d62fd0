package chatapp.notification;

import chatapp.chat.store.Cql;
import chatapp.metrics.Metrics;
import chatapp.notification.channel.ChannelDispatcher;
import chatapp.notification.channel.DeadLetterStore;
import chatapp.notification.channel.DeliveryChannel;
import chatapp.notification.channel.WebhookChannel;
import chatapp.notification.reflection.ServerReflection;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The notification service's one port: gRPC (the seed's two services, server reflection v1 and
 * v1alpha, the standard health service) and, for plain HTTP requests on the same port,
 * {@code GET /metrics}. It owns its CQL tables and creates them at start, so it runs alone too.
 */
public class NotificationServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(NotificationServerVerticle.class);

  private CassandraClient cql;
  private HttpServer server;
  private ChannelDispatcher dispatcher;
  private final List<WebhookChannel> webhooks = new ArrayList<>();

  @Override
  public Future<?> start() {
    JsonObject grpc = config().getJsonObject("grpc");
    JsonObject settings = config().getJsonObject("notifications");
    JsonObject cqlConfig = config().getJsonObject("cql");
    List<DeliveryChannel> channels = channels(settings.getJsonObject("webhook"));
    cql = Cql.client(vertx, cqlConfig);
    String ks = cqlConfig.getString("keyspace");
    int ttl = (int) TimeUnit.DAYS.toSeconds(settings.getInteger("ttlDays"));
    return NotificationSchema.ensure(cql, cqlConfig)
      .compose(v -> DeadLetterStore.create(cql, ks, ttl))
      .compose(deadLetters -> NotificationStore.create(cql, ks, ttl, settings.getInteger("indexCacheSize"))
        .compose(store -> {
          NotificationMetrics metrics = NotificationMetrics.create();
          dispatcher = new ChannelDispatcher(vertx, channels, deadLetters, settings.getJsonObject("webhook"), metrics);
          PresenceView presence = new PresenceView();
          Notifier notifier = new Notifier(store, presence, dispatcher, settings.getInteger("pageSize"), metrics);
          return listen(grpc, settings, notifier, presence);
        }));
  }

  private List<DeliveryChannel> channels(JsonObject webhook) {
    List<DeliveryChannel> channels = new ArrayList<>();
    if (!webhook.getString("url").isBlank()) {
      WebhookChannel channel = new WebhookChannel(vertx, webhook);
      webhooks.add(channel);
      channels.add(channel);
    }
    return channels;
  }

  private Future<HttpServer> listen(JsonObject grpc, JsonObject settings, Notifier notifier, PresenceView presence) {
    String token = settings.getString("authToken");
    HealthService health = HealthService.create(vertx)
      .register("", this::cqlUp)
      .register("notification.NotificationService", this::cqlUp)
      .register("chat.ChatService", this::cqlUp);
    // A caller's grpc-timeout is enforced here too: a call it gave up on stops being worked on.
    GrpcServer grpcServer = GrpcServer.server(vertx, new GrpcServerOptions().setScheduleDeadlineAutomatically(true))
      .addService(ServiceAuth.guard(new NotificationGrpcService(notifier, settings), token))
      .addService(ServiceAuth.guard(new ChatGrpcService(vertx, notifier, presence, settings), token))
      .addService(health)
      .addService(ServerReflection.v1())
      .addService(ServerReflection.v1alpha());

    Router router = Router.router(vertx);
    Metrics.mount(router);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(grpc.getString("host")).setPort(grpc.getInteger("port")))
      .requestHandler(req -> {
        String type = req.getHeader("content-type");
        if (type != null && type.startsWith("application/grpc")) {
          grpcServer.handle(req);
        } else {
          router.handle(req);
        }
      });
    return server.listen().onSuccess(s -> log.info("notification service: gRPC on port {} (auth {}, webhook {})",
      s.actualPort(), token.isBlank() ? "off" : "on", webhooks.isEmpty() ? "off" : "on"));
  }

  /** Serving while the store answers: without it, nothing can be stored or listed. */
  private Future<Boolean> cqlUp() {
    return cql.execute("SELECT release_version FROM system.local").map(rs -> true).otherwise(false);
  }

  @Override
  public Future<?> stop() {
    // No new calls, then what the channels still hold is dead-lettered while the store is open.
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed
      .eventually(() -> dispatcher == null ? Future.succeededFuture() : dispatcher.stop())
      .eventually(() -> {
        webhooks.forEach(WebhookChannel::close);
        return cql.close();
      });
  }
}
