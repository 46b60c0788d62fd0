package chatapp.chat.notify;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.ListNotificationsRequest;
import chatapp.proto.notification.Notification;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notification service restarts (a process of its own here: a Vert.x of its own) and nothing is lost. */
class NotificationRestartTest {

  private final Vertx chat = Vertx.vertx();
  private Vertx service;

  @AfterEach
  void tearDown() {
    chat.close().await();
    if (service != null) {
      service.close().await();
    }
  }

  private Future<JsonObject> offline(String room, String user, int i) {
    JsonObject body = new JsonObject().put("roomId", room).put("messageId", Uuids.timeBased().toString())
      .put("senderId", "alice").put("preview", "message " + i).put("userIds", new JsonArray().add(user));
    return chat.eventBus().<JsonObject>request(Addresses.NOTIFY_OFFLINE, body, new DeliveryOptions().setSendTimeout(60_000))
      .map(m -> m.body());
  }

  @Test
  @DisplayName("notifications of messages stored while the notification service restarts all arrive once it is back")
  void restartLosesNothing() {
    JsonObject config = TestConfig.quickNotifierRetries();
    service = Vertx.vertx();
    Services.deploy(service, config, Set.of(Services.NOTIFICATION)).await();
    chat.deployVerticle(new GrpcNotifierVerticle(), new DeploymentOptions().setConfig(config)).await();

    String user = "u-" + UUID.randomUUID();
    String room = "room-" + UUID.randomUUID();
    for (int i = 1; i <= 5; i++) {
      offline(room, user, i).await();
    }

    service.close().await();
    service = null;
    // Messages keep being stored and handed over while the service is down: none is refused.
    List<Future<JsonObject>> during = new ArrayList<>();
    for (int i = 6; i <= 15; i++) {
      during.add(offline(room, user, i));
    }
    assertTrue(during.stream().noneMatch(Future::failed));

    service = Vertx.vertx();
    Services.deploy(service, config, Set.of(Services.NOTIFICATION)).await();
    Future.all(during).await();
    assertFalse(during.stream().anyMatch(f -> f.result().getInteger("attempts") < 1));

    GrpcClient client = GrpcClient.client(chat);
    List<Notification> list = UnaryCall.call(chat, client, TestConfig.notificationService(config),
      NotificationServiceGrpcClient.ListNotifications, ListNotificationsRequest.newBuilder().setUserId(user).build(),
      5000, Map.of()).await().getNotificationsList();
    assertEquals(1, list.size());
    assertEquals(15, list.get(0).getCount());
    assertEquals("message 15", list.get(0).getLatestPreview());
  }
}
