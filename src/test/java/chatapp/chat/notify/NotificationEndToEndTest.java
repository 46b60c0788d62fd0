package chatapp.chat.notify;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.chat.store.Cql;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.ListNotificationsRequest;
import chatapp.proto.notification.Notification;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole path with both services running apart (a Vert.x each): a message sent to a room is
 * stored, its offline member is notified through gRPC, and while the notification service is down
 * chat goes on and the notifications follow once it is back.
 */
class NotificationEndToEndTest {

  private final Vertx chat = Vertx.vertx();
  private Vertx service;

  @AfterEach
  void tearDown() {
    chat.close().await();
    if (service != null) {
      service.close().await();
    }
  }

  @Test
  @DisplayName("messages acknowledged while the notification service is down reach the offline member once it is back")
  void chatGoesOnWhileTheServiceIsDown() {
    JsonObject config = TestConfig.quickNotifierRetries();
    service = Vertx.vertx();
    Services.deploy(service, config, Set.of(Services.NOTIFICATION)).await();
    Services.deploy(chat, config, Set.of(Services.CHAT)).await();

    String alice = "alice-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String room = "room-" + UUID.randomUUID();
    RoomStore rooms = RoomStore.create(Cql.client(chat, config.getJsonObject("cql")), config.getJsonObject("cql")).await();
    rooms.create(new Room(room, "e2e", alice, Instant.now())).await();
    rooms.join(room, bob).await();
    GrpcClient grpc = GrpcClient.client(chat);
    SocketAddress address = TestConfig.notificationService(config);

    send(room, alice, "first");
    Notification first = Eventually.find(chat, Duration.ofSeconds(30), () -> list(grpc, address, bob)
      .map(l -> l.isEmpty() ? null : l.get(0)));
    assertEquals(room, first.getRoomId());
    assertEquals("first", first.getLatestPreview());
    assertEquals(alice, first.getLatestSender());

    service.close().await();
    service = null;
    for (String body : List.of("second", "third", "fourth")) {
      send(room, alice, body); // acknowledged: chat does not wait for the notification service
    }
    service = Vertx.vertx();
    Services.deploy(service, config, Set.of(Services.NOTIFICATION)).await();

    Notification after = Eventually.get(chat, Duration.ofSeconds(30), () -> list(grpc, address, bob)
      .map(l -> l.isEmpty() ? null : l.get(0)), n -> n != null && n.getCount() == 4);
    assertEquals("fourth", after.getLatestPreview());
  }

  private void send(String room, String sender, String body) {
    chat.eventBus().request(Addresses.SEND, new JsonObject().put("roomId", room).put("senderId", sender).put("body", body))
      .await();
  }

  private Future<List<Notification>> list(GrpcClient grpc, SocketAddress address, String user) {
    return UnaryCall.call(chat, grpc, address, NotificationServiceGrpcClient.ListNotifications,
      ListNotificationsRequest.newBuilder().setUserId(user).build(), 5000, Map.of()).map(r -> r.getNotificationsList());
  }
}
