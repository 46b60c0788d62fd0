package chatapp.notification;

import chatapp.grpc.HealthProbe;
import chatapp.proto.chat.ChatServiceGrpcClient;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.chat.SendNotificationResponse;
import chatapp.proto.notification.Notification;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notification service answers the seed's calls, made with stubs generated from the same protos. */
class NotificationServiceTest {

  private static Vertx vertx;
  private static NotificationClient client;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    client = NotificationClient.deployService(vertx);
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  @Test
  @DisplayName("the standard gRPC health service says the server and both seed services are serving")
  void healthServiceAnswers() {
    assertTrue(HealthProbe.serving(client.grpc, client.address, "", 5000).await());
    assertTrue(HealthProbe.serving(client.grpc, client.address, "notification.NotificationService", 5000).await());
    assertTrue(HealthProbe.serving(client.grpc, client.address, "chat.ChatService", 5000).await());
  }

  @Test
  @DisplayName("the seed's NotifyOfflineUsers request, without any of the new fields, is stored for each user")
  void seedNotifyOfflineUsers() {
    String room = unique("room");
    String b = unique("B");
    String c = unique("C");
    // Exactly the seed's Client.js call, through the generated stub.
    NotificationServiceGrpcClient.create(client.grpc, client.address).notifyOfflineUsers(OfflineUserRequest.newBuilder()
      .addUserIds(b).addUserIds(c).setMessage("hi").setRoomId(room).build()).await();
    for (String user : List.of(b, c)) {
      List<Notification> list = client.list(user, false).await();
      assertEquals(1, list.size());
      assertEquals(room, list.get(0).getRoomId());
      assertEquals(1, list.get(0).getCount());
      assertEquals("hi", list.get(0).getLatestPreview());
      assertTrue(list.get(0).getUnread());
    }
  }

  @Test
  @DisplayName("SendNotification answers success as the seed expects and stores a direct notification")
  void sendNotification() {
    String a = unique("A");
    ChatServiceGrpcClient chat = ChatServiceGrpcClient.create(client.grpc, client.address);
    SendNotificationResponse response = chat.sendNotification(
      SendNotificationRequest.newBuilder().setUserId(a).setMessage("Hello, A!").build()).await();
    assertEquals("success", response.getStatus());
    List<Notification> list = client.list(a, true).await();
    assertEquals(1, list.size());
    assertEquals("", list.get(0).getRoomId());
    assertEquals("Hello, A!", list.get(0).getLatestPreview());
  }

  @Test
  @DisplayName("SendNotification without a user or a message answers failure with a reason and stores nothing")
  void sendNotificationFailure() {
    ChatServiceGrpcClient chat = ChatServiceGrpcClient.create(client.grpc, client.address);
    SendNotificationResponse noUser = chat.sendNotification(SendNotificationRequest.newBuilder().setMessage("x").build()).await();
    assertEquals("failure", noUser.getStatus());
    assertEquals("user_id is required", noUser.getReason());
    String a = unique("A");
    SendNotificationResponse noMessage = chat.sendNotification(SendNotificationRequest.newBuilder().setUserId(a).build()).await();
    assertEquals("failure", noMessage.getStatus());
    assertEquals("message is required", noMessage.getReason());
    assertTrue(client.list(a, false).await().isEmpty());
  }

  @Test
  @DisplayName("the seed's stream: a connected user gets his pending notifications, and the server ends when the client ends")
  void seedStream() throws InterruptedException {
    String a = unique("A");
    String room = unique("room");
    client.notify(room, NotificationClient.newMessageId(), "bob", "are you there?", a).await();
    NotificationClient.PresenceStream stream = client.openStream();
    stream.write(a, "connected", false);
    JsonObject update = stream.next(a);
    assertEquals("notifications", update.getString("type"));
    JsonArray items = update.getJsonArray("items");
    assertEquals(1, items.size());
    assertEquals(room, items.getJsonObject(0).getString("roomId"));
    assertEquals(1, items.getJsonObject(0).getInteger("count"));
    assertEquals("are you there?", items.getJsonObject(0).getString("latestPreview"));
    assertEquals("bob", items.getJsonObject(0).getString("latestSender"));
    stream.write(a, "disconnected", false);
    stream.request.end().await();
    assertEquals("OK", stream.ended.future().await());
  }

  @Test
  @DisplayName("a stream whose users have nothing pending gets no answer, then a push when a notification comes")
  void pushToOnlineUser() throws InterruptedException {
    String a = unique("A");
    NotificationClient.PresenceStream stream = client.openStream();
    stream.write(a, "connected", false);
    // Whether the service handles the "connected" before or after storing this, A's first update
    // on the stream carries it: as a push, or as his pending notifications.
    assertEquals("success", client.send(SendNotificationRequest.newBuilder()
      .setUserId(a).setMessage("ping").setRoomId("r").build()).await().getStatus());
    JsonObject update = stream.next(a);
    assertEquals(1, update.getJsonArray("items").size());
    assertEquals("ping", update.getJsonArray("items").getJsonObject(0).getString("latestPreview"));
    stream.request.end().await();
    assertEquals("OK", stream.ended.future().await());
  }
}
