package chatapp.notification;

import chatapp.Services;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.HealthProbe;
import chatapp.proto.chat.ChatServiceGrpcClient;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notification service answers the seed's calls, generated from the same protos. */
class NotificationServiceTest {

  private static Vertx vertx;
  private static GrpcClient client;
  private static SocketAddress address;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create();
    Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
    client = GrpcClient.client(vertx);
    address = GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("the standard gRPC health service says both seed services are serving")
  void healthServiceAnswers() {
    assertTrue(HealthProbe.serving(client, address, "notification.NotificationService", 2000).await());
    assertTrue(HealthProbe.serving(client, address, "chat.ChatService", 2000).await());
  }

  @Test
  @DisplayName("NotifyOfflineUsers accepts the seed's request and refuses an empty user list with INVALID_ARGUMENT")
  void notifyOfflineUsers() {
    NotificationServiceGrpcClient notifications = NotificationServiceGrpcClient.create(client, address);
    notifications.notifyOfflineUsers(OfflineUserRequest.newBuilder()
      .addUserIds("B").addUserIds("C").setMessage("hi").setRoomId("room-1").build()).await();
    InvalidStatusException e = assertThrows(InvalidStatusException.class, () -> notifications.notifyOfflineUsers(
      OfflineUserRequest.newBuilder().setMessage("hi").setRoomId("room-1").build()).await());
    assertEquals(GrpcStatus.INVALID_ARGUMENT, e.actualStatus());
  }

  @Test
  @DisplayName("SendNotification answers success as the seed expects")
  void sendNotification() {
    ChatServiceGrpcClient chat = ChatServiceGrpcClient.create(client, address);
    assertEquals("success", chat.sendNotification(
      SendNotificationRequest.newBuilder().setUserId("A").setMessage("Hello, A!").build()).await().getStatus());
  }
}
