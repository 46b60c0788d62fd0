package chatapp.chat;

import chatapp.Services;
import chatapp.metrics.Metrics;
import chatapp.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthAndMetricsTest {

  // One Vert.x per test: the services' node-local addresses (readiness among them) assume one chat
  // service per Vert.x, and each test configures its own.
  private Vertx vertx;
  private WebClient web;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(Metrics.enable(new VertxOptions()));
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private JsonObject deployed(Map<String, String> overrides, java.util.Set<String> services) {
    JsonObject config = TestConfig.create(overrides);
    Services.deploy(vertx, config, services).await();
    return config;
  }

  private static String statusOf(JsonObject body, String id) {
    JsonArray checks = body.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getString("status");
      }
    }
    return null;
  }

  @Test
  @DisplayName("the chat service is live, ready when Kafka, CQL and the notification service answer, and serves metrics")
  void readyWhenEverythingAnswers() {
    JsonObject config = deployed(Map.of(), Services.ALL);
    int port = config.getJsonObject("http").getInteger("port");
    assertEquals(200, web.get(port, "127.0.0.1", "/health/live").send().await().statusCode());

    HttpResponse<Buffer> ready = web.get(port, "127.0.0.1", "/health/ready").send().await();
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    JsonObject body = ready.bodyAsJsonObject();
    assertEquals("UP", statusOf(body, "kafka"));
    assertEquals("UP", statusOf(body, "cql"));
    assertEquals("UP", statusOf(body, "notification-service"));

    // One message through the whole pipeline, so its meters have something to say.
    String roomId = "metrics-" + java.util.UUID.randomUUID();
    vertx.eventBus().request(chatapp.bus.Addresses.SEND,
      new JsonObject().put("roomId", roomId).put("senderId", "meter").put("body", "count me")).await();
    String chatMetrics = chatapp.testing.Eventually.get(vertx, java.time.Duration.ofSeconds(20),
      () -> web.get(port, "127.0.0.1", "/metrics").send().map(HttpResponse::bodyAsString),
      text -> text.matches("(?s).*chat_pipeline_published_total [1-9].*"));
    assertTrue(chatMetrics.matches("(?s).*chat_pipeline_produced_total [1-9].*"), "produced");
    assertTrue(chatMetrics.matches("(?s).*chat_pipeline_stored_total [1-9].*"), "stored");
    assertTrue(chatMetrics.matches("(?s).*chat_pipeline_produce_to_consumed_seconds_count [1-9].*"), "produce to consumed");
    assertTrue(chatMetrics.matches("(?s).*chat_pipeline_produce_to_stored_seconds_count [1-9].*"), "produce to stored");
    assertTrue(chatMetrics.matches("(?s).*chat_pipeline_store_to_published_seconds_count [1-9].*"), "store to published");
    assertTrue(chatMetrics.contains("chat_pipeline_consumer_lag_ms"), "consumer lag");
    assertTrue(chatMetrics.contains("vertx_http_server_requests_total"), "HTTP server metrics");
    assertTrue(chatMetrics.contains("vertx_eventbus_"), "event bus metrics");
    assertTrue(chatMetrics.contains("jvm_memory_used_bytes"), "JVM metrics");

    int grpcPort = config.getJsonObject("grpc").getInteger("port");
    HttpResponse<Buffer> notificationMetrics = web.get(grpcPort, "127.0.0.1", "/metrics").send().await();
    assertEquals(200, notificationMetrics.statusCode());
    assertTrue(notificationMetrics.bodyAsString().contains("jvm_memory_used_bytes"));
  }

  @Test
  @DisplayName("a node with three HTTP instances keeps one set of readiness clients, and each instance answers ready")
  void oneSetOfReadinessClientsPerNode() throws Exception {
    MBeanServer beans = ManagementFactory.getPlatformMBeanServer();
    ObjectName adminClients = new ObjectName("kafka.admin.client:type=app-info,id=*");
    int before = beans.queryNames(adminClients, null).size();
    JsonObject config = deployed(Map.of("HTTP_INSTANCES", "3"), Services.ALL);
    int port = config.getJsonObject("http").getInteger("port");
    // No keep-alive: each request opens a connection, and Vert.x hands connections to the
    // instances in turn, so these go to each of the three.
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> ready = web.get(port, "127.0.0.1", "/health/ready").send().await();
      assertEquals(200, ready.statusCode(), ready.bodyAsString());
      assertEquals("UP", statusOf(ready.bodyAsJsonObject(), "kafka"));
    }
    // Each Kafka admin client registers an app-info bean by id while it lives: one thread and one set
    // of connections each. The topic check at start closes its own.
    assertEquals(1, beans.queryNames(adminClients, null).size() - before, "Kafka admin clients the node keeps: " + beans.queryNames(adminClients, null));
  }

  @Test
  @DisplayName("readiness is 503 and names the notification service when it does not answer")
  void notReadyWithoutNotificationService() {
    int nobody = TestConfig.freePort();
    JsonObject config = deployed(Map.of("NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + nobody), java.util.Set.of(Services.CHAT));
    int port = config.getJsonObject("http").getInteger("port");
    HttpResponse<Buffer> ready = web.get(port, "127.0.0.1", "/health/ready").send().await();
    assertEquals(503, ready.statusCode(), ready.bodyAsString());
    JsonObject body = ready.bodyAsJsonObject();
    assertEquals("DOWN", statusOf(body, "notification-service"));
    assertEquals("UP", statusOf(body, "kafka"));
    assertEquals("UP", statusOf(body, "cql"));
    assertEquals(200, web.get(port, "127.0.0.1", "/health/live").send().await().statusCode(), "still live");
  }
}
