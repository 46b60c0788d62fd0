package chatapp.chat.http;

import chatapp.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The chat service's HTTP port: liveness, readiness and metrics. */
public class ChatHttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatHttpVerticle.class);

  private HttpServer server;
  private ReadinessChecks readiness;

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http");
    readiness = new ReadinessChecks(vertx, config());
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness.checks()));
    Metrics.mount(router);
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(http.getInteger("port"), http.getString("host"))
      .onSuccess(s -> log.info("chat service: HTTP on port {}", s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> ReadinessChecks.closeQuietly(readiness));
  }
}
