package chatapp.notification;

import chatapp.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notification service's one port: gRPC (the seed's two services, server reflection, the
 * standard health service) and, for plain HTTP requests on the same port, {@code GET /metrics}.
 */
public class NotificationServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(NotificationServerVerticle.class);

  private HttpServer server;

  @Override
  public Future<?> start() {
    JsonObject grpc = config().getJsonObject("grpc");
    NotificationGrpcService notifications = new NotificationGrpcService();
    ChatGrpcService chat = new ChatGrpcService();
    HealthService health = HealthService.create(vertx)
      .register("notification.NotificationService", () -> Future.succeededFuture(true))
      .register("chat.ChatService", () -> Future.succeededFuture(true));
    GrpcServer grpcServer = GrpcServer.server(vertx)
      .addService(notifications)
      .addService(chat)
      .addService(health)
      .addService(ReflectionService.v1());

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
    return server.listen().onSuccess(s -> log.info("notification service: gRPC on port {}", s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
