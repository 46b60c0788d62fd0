package chatapp.chat.gateway;

import chatapp.testing.Frames;
import chatapp.testing.BridgeClient;
import chatapp.bus.Addresses;
import chatapp.metrics.Metrics;
import chatapp.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static chatapp.testing.Frames.errorOn;
import static chatapp.testing.Frames.messageOn;
import static chatapp.chat.gateway.SocketGatewayTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's bounds, with small limits: a 256 KiB outbound queue per socket, recovery of at most
 * 5 messages and 16 KiB, membership re-checked every second; and its meters on /metrics.
 */
class GatewayLimitsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static GatewayFixture fx;

  @BeforeAll
  static void deploy() {
    fx = GatewayFixture.start(Map.of(
        "GATEWAY_MAX_OUTBOUND_BYTES", String.valueOf(256 * 1024),
        "GATEWAY_RECOVERY_LIMIT", "5",
        "GATEWAY_MAX_RECOVERY_BYTES", String.valueOf(16 * 1024),
        "GATEWAY_MEMBERSHIP_TTL_SECONDS", "1"),
      Metrics.enable(new VertxOptions()));
  }

  @AfterAll
  static void close() {
    fx.close();
  }

  private static BridgeClient joined(String user, String roomId, JsonObject headers, WebSocketClientOptions options) {
    return BridgeClient.connect(fx.vertx, fx.httpPort, fx.token(user), options).await().join(Addresses.room(roomId), headers, WAIT);
  }

  /** chat_gateway_slow_consumers_total as /metrics shows it. */
  private static double slowConsumers() {
    return scrape().lines().filter(l -> l.startsWith("chat_gateway_slow_consumers_total"))
      .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static String scrape() {
    HttpClient http = fx.vertx.createHttpClient();
    try {
      return http.request(HttpMethod.GET, fx.httpPort, "127.0.0.1", "/metrics")
        .compose(r -> r.send().compose(res -> res.body())).await().toString();
    } finally {
      http.close().await();
    }
  }

  @Test
  @DisplayName("a socket that stops reading is disconnected with a reason, counted, while the others in its room keep up")
  void slowConsumerIsDisconnected() {
    String slow = GatewayFixture.user("slow");
    String fast = GatewayFixture.user("fast");
    String room = fx.room(slow, fast);
    String address = Addresses.room(room);
    try (BridgeClient s = joined(slow, room, new JsonObject(), new WebSocketClientOptions().setReceiveBufferSize(4096));
         BridgeClient f = joined(fast, room, new JsonObject(), new WebSocketClientOptions())) {
      double before = slowConsumers();
      s.pause();
      // The room's live traffic, as the fan-out publishes it, until the stalled socket is dropped.
      String text = "x".repeat(4000);
      long publisher = fx.vertx.setPeriodic(10, t -> {
        for (int i = 0; i < 10; i++) {
          fx.vertx.eventBus().publish(address, new JsonObject().put("type", "message").put("roomId", room)
            .put("messageId", UUID.randomUUID().toString()).put("senderId", "load").put("body", text).put("sentAt", 0L));
        }
      });
      try {
        Eventually.get(fx.vertx, Duration.ofSeconds(60), () -> Future.succeededFuture(slowConsumers()), n -> n > before);
      } finally {
        fx.vertx.cancelTimer(publisher);
      }
      s.resume();
      s.frames.await(fr -> "err".equals(fr.getString("type")) && "slow_consumer".equals(fr.getString("body")), WAIT);
      s.frames.awaitClosed(WAIT);
      assertEquals((short) ClientSession.CLOSE_SLOW_CONSUMER, s.closeStatus());
      // The fast member's socket is still served.
      String id = SocketGatewayTest.send(f, room, "still here").getString("messageId");
      f.frames.await(fr -> messageOn(address).test(fr) && id.equals(fr.getJsonObject("body").getString("messageId")), WAIT);
    }
  }

  @Test
  @DisplayName("a client that missed more than the recovery bound is told to reload the history, then gets the live messages")
  void tooManyMissedMeansReload() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    try (BridgeClient b = joined(bob, room, new JsonObject(), new WebSocketClientOptions())) {
      String lastSeen = SocketGatewayTest.send(b, room, "seen").getString("messageId");
      for (int i = 0; i < 6; i++) {
        SocketGatewayTest.send(b, room, "missed " + i);
      }
      // Acknowledged means in Kafka. Wait until all of it was published (bob's socket got it, so it
      // is stored too): a missed message published after alice registers would reach her live.
      b.frames.awaitCount(messageOn(address), 7, WAIT);
      try (BridgeClient a = joined(alice, room, new JsonObject().put("lastMessageId", lastSeen), new WebSocketClientOptions())) {
        JsonObject reload = a.frames.await(Frames.reloadOn(address), WAIT).getJsonObject("body");
        assertEquals(room, reload.getString("roomId"));
        String live = SocketGatewayTest.send(b, room, "live").getString("messageId");
        assertEquals(List.of(live), ids(a.frames.awaitCount(messageOn(address), 1, WAIT)));
      }
    }
  }

  @Test
  @DisplayName("a recovery over the socket's recovery bytes is a reload notice, not a queue; one under it is replayed")
  void recoveryIsBoundedInBytes() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    try (BridgeClient b = joined(bob, room, new JsonObject(), new WebSocketClientOptions())) {
      String seen = SocketGatewayTest.send(b, room, "seen").getString("messageId");
      List<String> missed = List.of(SocketGatewayTest.send(b, room, "short 1").getString("messageId"),
        SocketGatewayTest.send(b, room, "short 2").getString("messageId"));
      b.frames.awaitCount(messageOn(address), 3, WAIT); // all published, so all stored
      try (BridgeClient a = joined(alice, room, new JsonObject().put("lastMessageId", seen), new WebSocketClientOptions())) {
        assertEquals(missed, ids(a.frames.awaitCount(messageOn(address), 2, WAIT)), "a small recovery is replayed");
      }
      for (int i = 0; i < 4; i++) { // four messages of 4,000 bytes: over 16 KiB, under the count of 5
        SocketGatewayTest.send(b, room, String.valueOf(i).repeat(4000));
      }
      b.frames.awaitCount(messageOn(address), 7, WAIT);
      try (BridgeClient a = joined(alice, room, new JsonObject().put("lastMessageId", missed.get(1)), new WebSocketClientOptions())) {
        JsonObject reload = a.frames.await(Frames.reloadOn(address), WAIT).getJsonObject("body");
        assertTrue(reload.getString("reason").contains("queue"), reload::encode);
        String live = SocketGatewayTest.send(b, room, "live").getString("messageId");
        assertEquals(List.of(live), ids(a.frames.awaitCount(messageOn(address), 1, WAIT)), "nothing replayed, then the live one");
      }
    }
  }

  @Test
  @DisplayName("a member removed from a room stops receiving it and can no longer send to it")
  void leavingARoomRevokesTheSocket() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(bob, alice);
    String address = Addresses.room(room);
    try (BridgeClient a = joined(alice, room, new JsonObject(), new WebSocketClientOptions());
         BridgeClient b = joined(bob, room, new JsonObject(), new WebSocketClientOptions())) {
      fx.rooms.leave(room, alice).await();
      JsonObject revoked = a.frames.await(errorOn(address), WAIT);
      assertEquals(403, revoked.getInteger("failureCode"));
      String after = SocketGatewayTest.send(b, room, "she is gone").getString("messageId");
      b.frames.await(fr -> messageOn(address).test(fr) && after.equals(fr.getJsonObject("body").getString("messageId")), WAIT);
      assertTrue(a.frames.matching(fr -> messageOn(address).test(fr) && after.equals(fr.getJsonObject("body").getString("messageId"))).isEmpty());
      JsonObject refused = a.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "let me back"));
      assertEquals(403, refused.getInteger("failureCode"), refused::encode);
    }
  }

  @Test
  @DisplayName("/metrics counts accepted and refused messages, open sockets and the send-to-ack time")
  void metricsAreExposed() {
    String alice = GatewayFixture.user("alice");
    String room = fx.room(alice);
    try (BridgeClient a = joined(alice, room, new JsonObject(), new WebSocketClientOptions())) {
      SocketGatewayTest.send(a, room, "counted");
      a.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", ""));
      String metrics = scrape();
      assertTrue(metrics.contains("chat_gateway_messages_accepted_total"), "accepted");
      assertTrue(metrics.contains("chat_gateway_messages_refused_total{reason=\"empty\"}"), "refused by reason");
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith("chat_gateway_sockets_open{bridge=\"sockjs\"}") && !l.endsWith(" 0.0")), "open sockets");
      assertTrue(metrics.contains("chat_gateway_send_ack_seconds_bucket"), "send-to-ack histogram");
      assertTrue(metrics.contains("chat_gateway_send_ack_seconds_count"), "send-to-ack count");
    }
  }
}
