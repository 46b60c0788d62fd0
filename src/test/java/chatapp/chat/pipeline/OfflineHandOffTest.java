package chatapp.chat.pipeline;

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
import chatapp.testing.RoomWatch;
import chatapp.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
 * The offline members' notifications survive a chat node that stops while the notification service
 * is down: the node's notifier held them in memory, so the messages' offsets must not be committed
 * before the service has them.
 */
class OfflineHandOffTest {

  private Vertx chat;
  private Vertx service;

  @AfterEach
  void tearDown() {
    for (Vertx v : new Vertx[] {chat, service}) {
      if (v != null) {
        v.close().await();
      }
    }
  }

  private void send(String roomId, String sender, String body) {
    chat.eventBus().request(Addresses.SEND, new JsonObject().put("roomId", roomId).put("senderId", sender).put("body", body)).await();
  }

  @Test
  @DisplayName("notifications handed over while the notification service is down arrive after the chat node restarts")
  void handOffSurvivesRestart() {
    JsonObject config = TestConfig.quickNotifierRetries();
    // The chat node alone: the notification service is down.
    chat = Vertx.vertx();
    Services.deploy(chat, config, Set.of(Services.CHAT)).await();
    RoomStore rooms = RoomStore.create(Cql.client(chat, config.getJsonObject("cql")), config.getJsonObject("cql")).await();
    String alice = "alice-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "test", alice, Instant.now())).await();
    rooms.join(roomId, bob).await();
    RoomWatch watch = RoomWatch.start(chat, roomId);

    // m2 is sent once m1 is published: a partition's batches go one at a time, so by the time m2 is
    // published, m1's batch is done with. Bob never connects: both are handed to the notifier.
    send(roomId, alice, "m1");
    Eventually.get(chat, Duration.ofSeconds(20), () -> Future.succeededFuture(watch.live.size()), n -> n == 1);
    send(roomId, alice, "m2");
    Eventually.get(chat, Duration.ofSeconds(20), () -> Future.succeededFuture(watch.notified.size()), n -> n == 2);
    chat.close().await();

    // The service comes back, and so does the chat node (a new process: nothing kept in memory).
    service = Vertx.vertx();
    Services.deploy(service, config, Set.of(Services.NOTIFICATION)).await();
    chat = Vertx.vertx();
    Services.deploy(chat, config, Set.of(Services.CHAT)).await();

    GrpcClient grpc = GrpcClient.client(chat);
    List<Notification> bobs = Eventually.get(chat, Duration.ofSeconds(30), () -> UnaryCall.call(chat, grpc,
      TestConfig.notificationService(config), NotificationServiceGrpcClient.ListNotifications,
      ListNotificationsRequest.newBuilder().setUserId(bob).build(), 5000, Map.of()).map(r -> r.getNotificationsList()),
      l -> l.size() == 1 && l.get(0).getCount() == 2);
    assertEquals(roomId, bobs.get(0).getRoomId());
    assertEquals("m2", bobs.get(0).getLatestPreview());
  }
}
