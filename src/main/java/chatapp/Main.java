package chatapp;

import chatapp.cluster.Cluster;
import chatapp.config.AppConfig;
import chatapp.config.VertxSettings;
import chatapp.devstack.DevStack;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the chat system: reads the configuration, starts the embedded Kafka and CQL servers when none
 * are configured, deploys the services, and on Ctrl-C or SIGTERM stops the services, then the
 * servers. Arguments name the services to run ({@code chat}, {@code notification}); the default is
 * the configuration's {@code services}, both in the shipped file. {@code --cluster} joins the
 * cluster the {@code cluster} configuration describes.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** The argument that runs the embedded servers alone, for other nodes or tools to use. */
  static final String DEVSTACK_ONLY = "devstack";

  private Main() {
  }

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    Vertx[] vertx = new Vertx[1];
    DevStack[] stack = new DevStack[1];
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx[0], stack[0]), "chat-shutdown"));
    try {
      JsonObject config = loadConfig();
      List<String> names = new ArrayList<>(Arrays.asList(args));
      if (names.remove("--cluster")) {
        config.getJsonObject("cluster").put("enabled", true);
      }
      Set<String> services = services(!names.isEmpty() ? String.join(",", names) : config.getString("services"));
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
        // Held before the engines start: Ctrl-C during their start stops what has started.
        stack[0] = DevStack.create(config.getJsonObject("devstack"));
        stack[0].start();
        kafka.put("bootstrapServers", stack[0].kafkaBootstrap());
        cql.put("contactPoints", stack[0].cassandraContactPoint()).put("localDatacenter", stack[0].cassandraDatacenter());
        // The embedded default is for one developer's machine: it hands out tokens for any name,
        // unless the operator said otherwise (AUTH_DEV_TOKENS=false on a reachable host).
        if (System.getenv(AppConfig.variableName("auth.devTokens")) == null) {
          config.getJsonObject("auth").put("devTokens", true);
        }
      }
      VertxOptions options = VertxSettings.options(config);
      if (config.getJsonObject("cluster").getBoolean("enabled")) {
        vertx[0] = Cluster.start(options, config.getJsonObject("cluster")).await();
        System.out.println("clustered: this node joined cluster '" + config.getJsonObject("cluster").getString("name") + "'");
      } else {
        vertx[0] = Vertx.vertx(options);
      }
      System.out.println("network transport: " + VertxSettings.transport(vertx[0], config));
      Services.deploy(vertx[0], config, services).await();
      if (services.contains(Services.CHAT)) {
        System.out.println("chat service: http://localhost:" + config.getJsonObject("http").getInteger("port")
          + " (health /health/ready, metrics /metrics)");
      }
      if (services.contains(Services.NOTIFICATION)) {
        System.out.println("notification service: gRPC on localhost:" + config.getJsonObject("grpc").getInteger("port"));
      }
      System.out.printf("chat system ready in %.1f s (Ctrl-C stops everything)%n", (System.nanoTime() - t0) / 1e9);
      if (services.isEmpty()) {
        // Only the engines run: nothing else keeps the JVM up, so wait here for Ctrl-C or SIGTERM.
        new java.util.concurrent.CountDownLatch(1).await();
      }
    } catch (Throwable e) { // Future.await() rethrows any failure, checked ones included
      System.err.println("chat: cannot start: " + (e.getMessage() != null ? e.getMessage() : e));
      log.debug("start failed", e);
      System.exit(1); // the shutdown hook stops whatever had started
    }
  }

  /** The configuration is read before the real Vert.x exists, since it says whether that one is clustered. */
  private static JsonObject loadConfig() {
    Vertx reader = Vertx.vertx();
    try {
      return AppConfig.load(reader).await();
    } finally {
      reader.close();
    }
  }

  static Set<String> services(String list) {
    if (list.trim().equals(DEVSTACK_ONLY)) {
      return Set.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String s : list.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    if (out.isEmpty() || !Services.ALL.containsAll(out)) {
      throw new IllegalArgumentException("services must be some of " + Services.ALL + " (or " + DEVSTACK_ONLY
        + " alone), got " + Arrays.toString(out.toArray()));
    }
    return out;
  }

  private static void stop(Vertx vertx, DevStack stack) {
    try {
      if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("chat: services did not stop cleanly: " + e);
    }
    if (stack != null) {
      stack.close();
      System.out.println("embedded servers stopped");
    }
  }
}
