package chatapp.chat.presence;

import chatapp.bus.Addresses;
import chatapp.chat.gateway.RoomFeedRelayVerticle;
import chatapp.chat.store.Cql;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.Eventually;
import chatapp.testing.OnContext;
import chatapp.testing.TestConfig;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PresenceTest {

  private static Vertx vertx;
  private static Presence presence;
  private static RoomStore rooms;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create();
    chatapp.chat.store.Schema.ensure(Cql.client(vertx, config.getJsonObject("cql")), config.getJsonObject("cql")).await();
    // The node's feed relay hands the rooms' presence events to this node's room feeds.
    vertx.deployVerticle(new RoomFeedRelayVerticle()).await();
    vertx.deployVerticle(new PresenceVerticle(), new DeploymentOptions().setConfig(config)).await();
    presence = Presence.create(vertx);
    rooms = RoomStore.create(Cql.client(vertx, config.getJsonObject("cql")), config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a user is online while any of his sockets is connected, and his rooms hear when he comes and goes")
  void onlineWhileAnySocketIsConnected() {
    String user = "u-" + UUID.randomUUID();
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "r", user, Instant.now())).await();
    List<JsonObject> roomEvents = new CopyOnWriteArrayList<>();
    List<JsonObject> streamEvents = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.roomFeed(roomId), m -> roomEvents.add(m.body())).completion().await();
    vertx.eventBus().<JsonObject>consumer(Addresses.PRESENCE_CHANGED, m -> {
      if (user.equals(m.body().getString("userId"))) {
        streamEvents.add(m.body());
      }
    }).completion().await();

    presence.connected(user, "tab-1").await();
    presence.connected(user, "tab-2").await();
    assertEquals(Set.of(user), presence.online(List.of(user, "nobody")).await());
    assertEquals(true, presence.localUsers().await().contains(user));

    presence.disconnected(user, "tab-1").await();
    assertEquals(Set.of(user), presence.online(List.of(user)).await(), "one tab is still open");

    presence.disconnected(user, "tab-2").await();
    assertEquals(Set.of(), presence.online(List.of(user)).await());

    Eventually.get(vertx, Duration.ofSeconds(5), () -> Future.succeededFuture(roomEvents.size()), n -> n == 2);
    assertEquals(List.of("online", "offline"), roomEvents.stream().map(e -> e.getString("status")).toList());
    assertEquals(List.of("connected", "disconnected"), streamEvents.stream().map(e -> e.getString("status")).toList(),
      "one event per real change, not per socket");
  }

  @Test
  @DisplayName("the claim of a node that stopped refreshing lapses on its own")
  void deadNodesClaimLapses() {
    String user = "ghost-" + UUID.randomUUID();
    // What a node that died leaves behind: a claim nobody refreshes.
    Presence.map(vertx).compose(map -> map.put(user, new JsonObject().put("dead-node", System.currentTimeMillis() + 500))).await();
    assertEquals(Set.of(user), presence.online(List.of(user)).await());
    Eventually.get(vertx, Duration.ofSeconds(5), () -> presence.online(List.of(user)), Set::isEmpty);
  }

  @Test
  @DisplayName("an announcement that arrives out of order does not make the fan-out's cache contradict the shared map")
  void aLateAnnouncementDoesNotOverrideTheMap() {
    String user = "flap-" + UUID.randomUUID();
    // The cache lives on one event loop, as in the fan-out: what is queued there runs in order.
    Context loop = vertx.getOrCreateContext();
    OnlineCache cache = OnContext.call(loop, () -> new OnlineCache(vertx, 60_000, 1_000));
    try {
      cache.ready().await();
      presence.connected(user, "tab-1").await();
      assertEquals(Set.of(user), OnContext.call(loop, () -> cache.online(List.of(user))).await());
      // His "offline" from another node (his socket there closed before he came back here) can
      // arrive after the "online" that followed it: the two travel on different connections.
      OnContext.call(loop, () -> {
        vertx.eventBus().publish(Addresses.PRESENCE_GLOBAL, new JsonObject().put("userId", user).put("status", "offline"));
        return null;
      });
      assertEquals(Set.of(user), OnContext.call(loop, () -> cache.online(List.of(user))).await(),
        "he has a socket: the fan-out counts him online, whatever order the announcements came in");
    } finally {
      presence.disconnected(user, "tab-1").await();
      cache.close().await();
    }
  }

}
