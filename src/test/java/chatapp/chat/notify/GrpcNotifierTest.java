package chatapp.chat.notify;

import chatapp.bus.Addresses;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notifier against a real gRPC server that hangs, fails or refuses on cue. */
class GrpcNotifierTest {

  private static final long DEADLINE_MS = 300;

  private Vertx vertx;
  private FakeNotificationServer server;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private void deployNotifier(GrpcStatus... script) {
    deployNotifier(Map.of(), script);
  }

  private void deployNotifier(Map<String, String> extra, GrpcStatus... script) {
    server = new FakeNotificationServer(vertx, Arrays.asList(script));
    Map<String, String> env = new java.util.HashMap<>(Map.of(
      "NOTIFICATION_SERVICE_ADDRESS", server.address(),
      "NOTIFICATION_SERVICE_DEADLINE_MS", String.valueOf(DEADLINE_MS),
      "NOTIFICATION_SERVICE_RETRY_INITIAL_BACKOFF_MS", "20",
      "NOTIFICATION_SERVICE_RETRY_MAX_BACKOFF_MS", "100"));
    env.putAll(extra);
    vertx.deployVerticle(new GrpcNotifierVerticle(), new DeploymentOptions().setConfig(TestConfig.create(env))).await();
  }

  private static JsonObject offline(String room, String... users) {
    return new JsonObject().put("roomId", room).put("messageId", UUID.randomUUID().toString())
      .put("senderId", "alice").put("preview", "hello").put("userIds", new JsonArray(List.of(users)));
  }

  private Future<JsonObject> notifyOffline(JsonObject body) {
    return vertx.eventBus().<JsonObject>request(Addresses.NOTIFY_OFFLINE, body, new DeliveryOptions().setSendTimeout(30_000))
      .map(m -> m.body());
  }

  @Test
  @DisplayName("a late call fails with DEADLINE_EXCEEDED at its deadline, not a hang, and the server sees it cancelled")
  void lateCallFailsWithDeadlineExceeded() {
    server = new FakeNotificationServer(vertx, Arrays.asList((GrpcStatus) null));
    GrpcClient client = GrpcClient.client(vertx);
    long t0 = System.nanoTime();
    InvalidStatusException e = assertThrows(InvalidStatusException.class, () -> UnaryCall.call(vertx, client,
      GrpcAddresses.parse(server.address()), NotificationServiceGrpcClient.NotifyOfflineUsers,
      OfflineUserRequest.newBuilder().addUserIds("b").setRoomId("r").build(), DEADLINE_MS, Map.of()).await());
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(GrpcStatus.DEADLINE_EXCEEDED, e.actualStatus());
    assertTrue(elapsedMs >= DEADLINE_MS && elapsedMs < DEADLINE_MS + 1500, "failed after " + elapsedMs + " ms");
    Eventually.get(vertx, Duration.ofSeconds(5), () -> Future.succeededFuture(server.cancelled.get()), n -> n == 1);
  }

  @Test
  @DisplayName("one stored message makes one call carrying all its offline users and its ids")
  void oneCallPerMessage() {
    deployNotifier(GrpcStatus.OK);
    JsonObject body = offline("room-1", "b", "c", "d");
    assertEquals(1, notifyOffline(body).await().getInteger("attempts"));
    assertEquals(1, server.calls.size());
    OfflineUserRequest call = server.calls.get(0);
    assertEquals(List.of("b", "c", "d"), call.getUserIdsList());
    assertEquals("room-1", call.getRoomId());
    assertEquals(body.getString("messageId"), call.getMessageId());
    assertEquals("alice", call.getSenderId());
    assertEquals("hello", call.getMessage());
  }

  @Test
  @DisplayName("DEADLINE_EXCEEDED and UNAVAILABLE are retried with backoff until the call passes")
  void retriesUntilItPasses() {
    deployNotifier(Map.of(), null, GrpcStatus.UNAVAILABLE, null, GrpcStatus.OK);
    long t0 = System.nanoTime();
    JsonObject reply = notifyOffline(offline("room-1", "b")).await();
    // The server played its whole script: hang, UNAVAILABLE, hang, OK. (On a cold JVM a first
    // attempt can also run out of time before it reaches the server: it counts as an attempt too.)
    assertEquals(4, server.calls.size());
    assertTrue(reply.getInteger("attempts") >= 4, reply.encode());
    assertTrue(System.nanoTime() - t0 >= 2 * DEADLINE_MS * 1_000_000, "two deadlines passed");
    Eventually.get(vertx, Duration.ofSeconds(5), () -> Future.succeededFuture(server.cancelled.get()), n -> n >= 2);
  }

  @Test
  @DisplayName("a refusal (INVALID_ARGUMENT) is final: not retried")
  void refusalIsNotRetried() {
    deployNotifier(GrpcStatus.INVALID_ARGUMENT);
    ReplyException e = assertThrows(ReplyException.class, () -> notifyOffline(offline("room-1", "b")).await());
    assertEquals(GrpcNotifierVerticle.REFUSED, e.failureCode());
    assertEquals(1, server.calls.size());
  }

  @Test
  @DisplayName("with the service hanging, the queue holds what it may and refuses the rest; nothing blocks the sender")
  void boundedQueue() {
    deployNotifier(Map.of("NOTIFICATION_SERVICE_QUEUE_SIZE", "2", "NOTIFICATION_SERVICE_MAX_IN_FLIGHT", "1"), (GrpcStatus) null);
    List<Future<JsonObject>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(notifyOffline(offline("room-" + i, "b")));
    }
    // One in flight (retrying), two queued: the fourth finds the queue full at once.
    Eventually.get(vertx, Duration.ofSeconds(5), () -> Future.succeededFuture(server.calls.size()), n -> n >= 1);
    ReplyException e = assertThrows(ReplyException.class, () -> notifyOffline(offline("room-3", "b")).await());
    assertEquals(GrpcNotifierVerticle.QUEUE_FULL, e.failureCode());
    assertTrue(sent.stream().noneMatch(Future::isComplete));
  }

  @Test
  @DisplayName("a message with more users than one call may carry is split into calls of at most that many")
  void largeRoomsAreSplit() {
    deployNotifier(Map.of("NOTIFICATION_SERVICE_MAX_USERS_PER_CALL", "2"), GrpcStatus.OK);
    notifyOffline(offline("room-1", "a", "b", "c", "d", "e")).await();
    assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")),
      server.calls.stream().map(OfflineUserRequest::getUserIdsList).toList());
  }
}
