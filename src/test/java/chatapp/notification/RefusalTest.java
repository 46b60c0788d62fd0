package chatapp.notification;

import chatapp.Services;
import chatapp.grpc.HealthProbe;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.chat.SendNotificationResponse;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each refusal comes with its own status code, and stores nothing. */
class RefusalTest {

  private static final String TOKEN = "service-secret-" + UUID.randomUUID();

  private static Vertx vertx;
  private static NotificationClient authorized;
  private static NotificationClient anonymous;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create(Map.of(
      "NOTIFICATIONS_MAX_USERS", "3",
      "NOTIFICATIONS_MAX_MESSAGE_BYTES", "16",
      "NOTIFICATIONS_AUTH_TOKEN", TOKEN));
    Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
    anonymous = new NotificationClient(vertx, config);
    authorized = anonymous.withHeaders(Map.of("authorization", "Bearer " + TOKEN));
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  private static GrpcStatus statusOf(Supplier<Future<?>> call) {
    InvalidStatusException e = assertThrows(InvalidStatusException.class, () -> call.get().await());
    return e.actualStatus();
  }

  private static void nothingStoredFor(String... users) {
    for (String user : users) {
      assertTrue(authorized.list(user, false).await().isEmpty(), "stored for " + user);
    }
  }

  @Test
  @DisplayName("NotifyOfflineUsers refuses an empty user list, an empty room, a long message and too many users with INVALID_ARGUMENT")
  void invalidArguments() {
    String a = unique("a");
    String b = unique("b");
    String c = unique("c");
    String d = unique("d");
    List<OfflineUserRequest> refused = List.of(
      OfflineUserRequest.newBuilder().setRoomId("r").setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("   ").setMessage("hi").build(),
      // 17 bytes: over the limit of 16 (the limit counts UTF-8 bytes, not characters).
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("r").setMessage("ééééééééx").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).addUserIds(b).addUserIds(c).addUserIds(d).setRoomId("r").setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).addUserIds("").setRoomId("r").setMessage("hi").build());
    for (OfflineUserRequest request : refused) {
      assertEquals(GrpcStatus.INVALID_ARGUMENT, statusOf(() -> authorized.notify(request)), request.toString());
    }
    nothingStoredFor(a, b, c, d);
    // At the limits exactly, the same call passes.
    authorized.notify(OfflineUserRequest.newBuilder().addUserIds(a).addUserIds(b).addUserIds(c).setRoomId("r")
      .setMessage("éééééééé").build()).await();
    assertEquals(1, authorized.list(c, false).await().size());
  }

  @Test
  @DisplayName("ids the store cannot key, with control characters, or a message id without a time are INVALID_ARGUMENT, for every user of the call")
  void invalidIds() {
    String a = unique("a");
    String b = unique("b");
    String tooLong = "x".repeat(IdChecks.MAX_ID_BYTES + 1);
    List<OfflineUserRequest> refused = List.of(
      // The valid users come first: nothing may be stored for them either.
      OfflineUserRequest.newBuilder().addUserIds(a).addUserIds(b).addUserIds(tooLong).setRoomId("r").setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId(tooLong).setMessage("hi").build(),
      // A NUL-prefixed room id would name the store's key for direct notifications.
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("\u0000direct\u0000" + b).setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("r").setSenderId("s\nx").setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("r").setMessageId("not-a-uuid").setMessage("hi").build(),
      OfflineUserRequest.newBuilder().addUserIds(a).setRoomId("r").setMessageId(UUID.randomUUID().toString()).setMessage("hi").build());
    for (OfflineUserRequest request : refused) {
      assertEquals(GrpcStatus.INVALID_ARGUMENT, statusOf(() -> authorized.notify(request)), request.getRoomId().length() > 100
        ? "a long room id" : request.toString().length() > 300 ? "a long user id" : request.toString());
    }
    assertEquals(GrpcStatus.INVALID_ARGUMENT, statusOf(() -> authorized.list(tooLong, false)));
    SendNotificationResponse seed = authorized.send(SendNotificationRequest.newBuilder().setUserId(a).setMessage("hi")
      .setMessageId(UUID.randomUUID().toString()).build()).await();
    assertEquals("failure", seed.getStatus(), "the seed's call reads a status");
    nothingStoredFor(a, b);
  }

  @Test
  @DisplayName("without the service token, or with a wrong one, every call fails UNAUTHENTICATED and stores nothing")
  void unauthenticated() throws InterruptedException {
    String a = unique("a");
    NotificationClient wrong = anonymous.withHeaders(Map.of("authorization", "Bearer not-" + TOKEN));
    for (NotificationClient client : List.of(anonymous, wrong)) {
      assertEquals(GrpcStatus.UNAUTHENTICATED, statusOf(() -> client.notify("r", NotificationClient.newMessageId(), "s", "hi", a)));
      assertEquals(GrpcStatus.UNAUTHENTICATED, statusOf(() -> client.send(SendNotificationRequest.newBuilder()
        .setUserId(a).setMessage("hi").build())));
      assertEquals(GrpcStatus.UNAUTHENTICATED, statusOf(() -> client.list(a, false)));
      assertEquals(GrpcStatus.UNAUTHENTICATED, statusOf(() -> client.markRead(a)));
      NotificationClient.PresenceStream stream = client.openStream();
      stream.request.write(chatapp.proto.chat.NotificationRequest.newBuilder().setUserId(a).setStatus("connected").build());
      assertEquals("UNAUTHENTICATED", stream.ended.future().await());
    }
    nothingStoredFor(a);
    // Probes and tools need no token.
    assertTrue(HealthProbe.serving(anonymous.grpc, anonymous.address, "notification.NotificationService", 5000).await());
  }

  @Test
  @DisplayName("with the service token the same calls pass")
  void authenticated() {
    String a = unique("a");
    authorized.notify("r", NotificationClient.newMessageId(), "s", "hi", a).await();
    assertEquals("success", authorized.send(SendNotificationRequest.newBuilder().setUserId(a).setMessage("hi").build())
      .await().getStatus());
    assertEquals(2, authorized.list(a, false).await().size());
    assertEquals(2, authorized.markRead(a).await());
  }
}
