package chatapp.notification;

import chatapp.Services;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.chat.ChatServiceGrpcClient;
import chatapp.proto.chat.NotificationRequest;
import chatapp.proto.chat.NotificationResponse;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.chat.SendNotificationResponse;
import chatapp.proto.notification.ListNotificationsRequest;
import chatapp.proto.notification.MarkReadRequest;
import chatapp.proto.notification.Notification;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import com.google.protobuf.Empty;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test's view of a running notification service: the generated stubs, plus metadata when asked. */
final class NotificationClient {

  final Vertx vertx;
  final GrpcClient grpc;
  final SocketAddress address;
  private final Map<String, String> headers;

  NotificationClient(Vertx vertx, JsonObject config, Map<String, String> headers) {
    this.vertx = vertx;
    this.grpc = GrpcClient.client(vertx);
    this.address = GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
    this.headers = headers;
  }

  /** Deploys the notification service alone on {@code vertx}, with the test configuration, and a client of it. */
  static NotificationClient deployService(Vertx vertx) {
    JsonObject config = TestConfig.create();
    Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
    return new NotificationClient(vertx, config);
  }

  NotificationClient(Vertx vertx, JsonObject config) {
    this(vertx, config, Map.of());
  }

  NotificationClient withHeaders(Map<String, String> other) {
    return new NotificationClient(vertx, grpc, address, other);
  }

  /** The same client, calling the service at {@code other} (a proxy in front of it). */
  NotificationClient via(SocketAddress other) {
    return new NotificationClient(vertx, grpc, other, headers);
  }

  private NotificationClient(Vertx vertx, GrpcClient grpc, SocketAddress address, Map<String, String> headers) {
    this.vertx = vertx;
    this.grpc = grpc;
    this.address = address;
    this.headers = headers;
  }

  static String newMessageId() {
    return Uuids.timeBased().toString();
  }

  Future<Empty> notify(OfflineUserRequest request) {
    return UnaryCall.call(vertx, grpc, address, NotificationServiceGrpcClient.NotifyOfflineUsers, request, 10_000, headers);
  }

  Future<Empty> notify(String roomId, String messageId, String sender, String preview, String... users) {
    return notify(OfflineUserRequest.newBuilder().setRoomId(roomId).setMessageId(messageId).setSenderId(sender)
      .setMessage(preview).addAllUserIds(List.of(users)).build());
  }

  Future<SendNotificationResponse> send(SendNotificationRequest request) {
    return UnaryCall.call(vertx, grpc, address, ChatServiceGrpcClient.SendNotification, request, 10_000, headers);
  }

  Future<List<Notification>> list(String userId, boolean unreadOnly) {
    return UnaryCall.call(vertx, grpc, address, NotificationServiceGrpcClient.ListNotifications,
        ListNotificationsRequest.newBuilder().setUserId(userId).setUnreadOnly(unreadOnly).build(), 10_000, headers)
      .map(r -> r.getNotificationsList());
  }

  Future<Integer> markRead(String userId, String... roomIds) {
    return UnaryCall.call(vertx, grpc, address, NotificationServiceGrpcClient.MarkRead,
        MarkReadRequest.newBuilder().setUserId(userId).addAllRoomIds(List.of(roomIds)).build(), 10_000, headers)
      .map(r -> r.getMarked());
  }

  /** Opens a presence stream as a chat node would; what the service answers lands in {@link PresenceStream#received}. */
  PresenceStream openStream() {
    GrpcClientRequest<NotificationRequest, NotificationResponse> req = grpc.request(address, ChatServiceGrpcClient.StreamNotifications).await();
    headers.forEach((k, v) -> req.headers().set(k, v));
    PresenceStream stream = new PresenceStream(req);
    req.response().onSuccess(resp -> {
      resp.handler(stream.received::add);
      resp.endHandler(v -> stream.ended.complete(resp.status() == null ? "OK" : resp.status().name()));
      resp.exceptionHandler(stream.ended::tryFail);
    }).onFailure(stream.ended::tryFail);
    return stream;
  }

  static final class PresenceStream {
    final GrpcClientRequest<NotificationRequest, NotificationResponse> request;
    final LinkedBlockingQueue<NotificationResponse> received = new LinkedBlockingQueue<>();
    final io.vertx.core.Promise<String> ended = io.vertx.core.Promise.promise();

    PresenceStream(GrpcClientRequest<NotificationRequest, NotificationResponse> request) {
      this.request = request;
    }

    void write(String userId, String status, boolean resync) {
      request.write(NotificationRequest.newBuilder().setUserId(userId).setStatus(status).setResync(resync).build()).await();
    }

    /** The next answer for {@code userId}, skipping others, within 10 s; fails the test if none comes. */
    JsonObject next(String userId) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        NotificationResponse r = received.poll(100, TimeUnit.MILLISECONDS);
        if (r != null && r.getUserId().equals(userId)) {
          return new JsonObject(r.getUpdate());
        }
      }
      throw new AssertionError("no notification update for " + userId + " within 10 s");
    }
  }
}
