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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HealthAndMetricsTest {

  private static Vertx vertx;
  private static WebClient web;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx(Metrics.enable(new VertxOptions()));
    web = WebClient.create(vertx);
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  private static JsonObject deployed(Map<String, String> overrides, java.util.Set<String> services) {
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
