package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import chatapp.cluster.Cluster;
import chatapp.testing.Eventually;
import chatapp.testing.OnContext;
import chatapp.testing.TestConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

/**
 * Two cluster members in this JVM (Hazelcast over loopback, no servers), each with its node's feed
 * relay, as a chat node has. Who listens to which address reaches each member of a Vert.x cluster
 * asynchronously, after the listener's own registration completed: a room feed that relied on it
 * would miss, on a node new to the room, what another node published right after its socket
 * registered, while the socket's recovery read had already run.
 */
class RoomFeedsAcrossNodesTest {

  private Vertx x;
  private Vertx y;

  @BeforeEach
  void start() {
    int px = TestConfig.freePort();
    int py = TestConfig.freePort();
    JsonObject cluster = new JsonObject().put("name", "feeds-" + UUID.randomUUID()).put("host", "127.0.0.1")
      .put("eventBusPort", 0).put("join", "tcp").put("members", "127.0.0.1:" + px + ",127.0.0.1:" + py);
    x = Cluster.start(new VertxOptions(), cluster.copy().put("hazelcastPort", px)).await();
    y = Cluster.start(new VertxOptions(), cluster.copy().put("hazelcastPort", py)).await();
    x.deployVerticle(new RoomFeedRelayVerticle()).await();
    y.deployVerticle(new RoomFeedRelayVerticle()).await();
  }

  @AfterEach
  void stop() {
    Future.join(x == null ? Future.succeededFuture() : x.close(), y == null ? Future.succeededFuture() : y.close()).await();
  }

  @Test
  @DisplayName("what another node publishes to a room the moment a socket's registration is live reaches that socket")
  void aRegistrationIsLiveForEveryNode() {
    Context onX = x.getOrCreateContext();
    Context onY = y.getOrCreateContext();
    RoomFeeds feedsX = OnContext.call(onX, () -> RoomFeeds.onThisLoop(x));
    RoomFeeds feedsY = OnContext.call(onY, () -> RoomFeeds.onThisLoop(y));
    for (int n = 0; n < 20; n++) {
      int i = n;
      String roomId = "room-" + i;
      String address = Addresses.room(roomId);
      // Node y already has a socket in the room and publishes to it.
      RecordingSession onYSocket = OnContext.call(onY, () -> new RecordingSession(feedsY));
      OnContext.call(onY, () -> feedsY.join(address, roomId, onYSocket)).await();
      FeedEvents.publish(y, roomId, message("before-" + i));
      waitFor(() -> onYSocket.got.contains("before-" + i));

      // A socket on node x registers; the moment that is live, node y publishes again.
      RecordingSession onXSocket = OnContext.call(onX, () -> new RecordingSession(feedsX));
      Promise<Void> published = Promise.promise();
      OnContext.call(onX, () -> feedsX.join(address, roomId, onXSocket).onSuccess(v -> {
        FeedEvents.publish(y, roomId, message("after-" + i));
        published.complete();
      })).await();
      published.future().await();
      waitFor(() -> onXSocket.got.contains("after-" + i));
    }
  }

  private static JsonObject message(String messageId) {
    return new JsonObject().put("type", "message").put("messageId", messageId);
  }


  private void waitFor(java.util.function.BooleanSupplier condition) {
    Eventually.get(x, Duration.ofSeconds(5), () -> Future.succeededFuture(condition.getAsBoolean()), ok -> ok);
  }
}
