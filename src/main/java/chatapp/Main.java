package chatapp;

import chatapp.config.AppConfig;
import chatapp.devstack.DevStack;
import chatapp.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the chat system: reads the configuration, starts the embedded Kafka and CQL servers when none
 * are configured, deploys the services, and on Ctrl-C or SIGTERM stops the services, then the
 * servers. Arguments name the services to run ({@code chat}, {@code notification}); the default is
 * the configuration's {@code services}, both in the shipped file.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    Vertx vertx = Vertx.vertx(Metrics.enable(new VertxOptions()));
    DevStack[] stack = new DevStack[1];
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, stack[0]), "chat-shutdown"));
    try {
      JsonObject config = AppConfig.load(vertx).await();
      Set<String> services = services(args.length > 0 ? String.join(",", args) : config.getString("services"));
      JsonObject kafka = config.getJsonObject("kafka");
      JsonObject cql = config.getJsonObject("cql");
      boolean noKafka = kafka.getString("bootstrapServers").isBlank();
      boolean noCql = cql.getString("contactPoints").isBlank();
      if (noKafka != noCql) {
        throw new IllegalArgumentException("configure both KAFKA_BOOTSTRAP_SERVERS and CQL_CONTACT_POINTS, or neither"
          + " (neither starts the embedded servers)");
      }
      if (noKafka) {
        System.out.println("No Kafka or CQL database configured: starting the embedded ones (data in "
          + config.getJsonObject("devstack").getString("dir") + ")");
        stack[0] = DevStack.start(config.getJsonObject("devstack"));
        kafka.put("bootstrapServers", stack[0].kafkaBootstrap());
        cql.put("contactPoints", stack[0].cassandraContactPoint()).put("localDatacenter", stack[0].cassandraDatacenter());
        // The embedded default is for one developer's machine: it hands out tokens for any name.
        config.getJsonObject("auth").put("devTokens", true);
      }
      Services.deploy(vertx, config, services).await();
      if (services.contains(Services.CHAT)) {
        System.out.println("chat service: http://localhost:" + config.getJsonObject("http").getInteger("port")
          + " (health /health/ready, metrics /metrics)");
      }
      if (services.contains(Services.NOTIFICATION)) {
        System.out.println("notification service: gRPC on localhost:" + config.getJsonObject("grpc").getInteger("port"));
      }
      System.out.printf("chat system ready in %.1f s (Ctrl-C stops everything)%n", (System.nanoTime() - t0) / 1e9);
    } catch (Throwable e) { // Future.await() rethrows any failure, checked ones included
      System.err.println("chat: cannot start: " + (e.getMessage() != null ? e.getMessage() : e));
      log.debug("start failed", e);
      System.exit(1); // the shutdown hook stops whatever had started
    }
  }

  static Set<String> services(String list) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : list.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    if (out.isEmpty() || !Services.ALL.containsAll(out)) {
      throw new IllegalArgumentException("services must be some of " + Services.ALL + ", got " + Arrays.toString(out.toArray()));
    }
    return out;
  }

  private static void stop(Vertx vertx, DevStack stack) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("chat: services did not stop cleanly: " + e);
    }
    if (stack != null) {
      stack.close();
      System.out.println("embedded servers stopped");
    }
  }
}
