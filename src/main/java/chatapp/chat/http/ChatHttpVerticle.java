package chatapp.chat.http;

import chatapp.chat.api.Api;
import chatapp.chat.gateway.FlushCoalescing;
import chatapp.chat.gateway.SocketGateway;
import chatapp.chat.web.WebClientRoutes;
import chatapp.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat service's HTTP port: liveness, readiness, metrics, the REST API with its contract and
 * docs, and the socket gateway (the SockJS event-bus bridge at /eventbus).
 */
public class ChatHttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatHttpVerticle.class);

  private HttpServer server;
  private Api api;
  private SocketGateway gateway;

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http");
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ReadinessChecks.asking(vertx)));
    Metrics.mount(router);
    // The API's contract is loaded before the port opens: a broken contract fails the start.
    return Api.create(vertx, config()).compose(created -> {
      api = created;
      api.mount(router, config());
      // The socket gateway: the SockJS event-bus bridge at /eventbus (README, "Client protocol").
      return SocketGateway.create(vertx, config());
    }).compose(created -> {
      gateway = created;
      gateway.mount(router);
      WebClientRoutes.mount(router); // last: it serves what no route above claimed
      server = vertx.createHttpServer().requestHandler(router).connectionHandler(FlushCoalescing::install);
      return server.listen(http.getInteger("port"), http.getString("host"));
    }).onSuccess(s -> log.info("chat service: HTTP on port {}", s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed
      .eventually(() -> api == null ? Future.succeededFuture() : api.close())
      .eventually(() -> gateway == null ? Future.succeededFuture() : gateway.close());
  }
}
