package chatapp.chat.gateway;

import chatapp.testing.Frames;
import chatapp.testing.BridgeClient;
import chatapp.bus.Addresses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static chatapp.testing.Frames.errorOn;
import static chatapp.testing.Frames.messageOn;
import static chatapp.chat.gateway.SocketGatewayTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bot on the TCP event-bus bridge takes part under the same rules as a browser on SockJS. */
class TcpBridgeTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static GatewayFixture fx;

  @BeforeAll
  static void deploy() {
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void close() {
    fx.close();
  }

  private static boolean registered(JsonObject f, String address) {
    return Frames.registeredOn(address).test(f);
  }

  @Test
  @DisplayName("a bot logs in with its token over TCP, hears a browser user and is heard by him")
  void botAndBrowserChat() {
    String alice = GatewayFixture.user("alice");
    String bot = GatewayFixture.user("bot");
    String room = fx.room(alice, bot);
    String address = Addresses.room(room);
    try (TcpBridgeClient b = TcpBridgeClient.connect(fx.vertx, fx.tcpPort).await();
         BridgeClient a = BridgeClient.connect(fx.vertx, fx.httpPort, fx.token(alice)).await()) {
      JsonObject login = b.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", fx.token(bot)));
      assertEquals(bot, login.getJsonObject("body").getString("userId"), login::encode);
      b.register(address, new JsonObject());
      b.frames.await(f -> registered(f, address), WAIT);
      a.register(address);
      a.frames.await(f -> registered(f, address), WAIT);

      JsonObject ack = SocketGatewayTest.send(a, room, "hello bot");
      JsonObject fromBot = b.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "beep"));
      assertEquals("message", fromBot.getString("type"), fromBot::encode);
      String botId = fromBot.getJsonObject("body").getString("messageId");

      List<String> expected = List.of(ack.getString("messageId"), botId);
      assertEquals(expected, ids(b.frames.awaitCount(messageOn(address), 2, WAIT)));
      List<JsonObject> atAlice = a.frames.awaitCount(messageOn(address), 2, WAIT);
      assertEquals(expected, ids(atAlice));
      assertEquals(bot, atAlice.get(1).getJsonObject("body").getString("senderId"));
    }
  }

  @Test
  @DisplayName("over TCP a bad token, a frame before login, a foreign room and a spoofed sender are all refused")
  void tcpRefusals() {
    String alice = GatewayFixture.user("alice");
    String bot = GatewayFixture.user("bot");
    String room = fx.room(alice);
    String botRoom = fx.room(bot);
    try (TcpBridgeClient b = TcpBridgeClient.connect(fx.vertx, fx.tcpPort).await()) {
      JsonObject badLogin = b.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", "not-a-jwt"));
      assertEquals(401, badLogin.getInteger("failureCode"), badLogin::encode);
      JsonObject anonymous = b.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", botRoom).put("body", "hi"));
      assertEquals(401, anonymous.getInteger("failureCode"), anonymous::encode);
      b.register(Addresses.room(botRoom), new JsonObject());
      assertEquals(401, b.frames.await(errorOn(Addresses.room(botRoom)), WAIT).getInteger("failureCode"));

      b.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", fx.token(bot)));
      b.register(Addresses.room(room), new JsonObject());
      JsonObject refused = b.frames.await(errorOn(Addresses.room(room)), WAIT);
      assertEquals(403, refused.getInteger("failureCode"));
      JsonObject spoofed = b.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", botRoom).put("body", "as alice")
        .put("senderId", alice));
      assertEquals(403, spoofed.getInteger("failureCode"), spoofed::encode);
      JsonObject foreign = b.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "let me in"));
      assertEquals(403, foreign.getInteger("failureCode"), foreign::encode);
      assertTrue(fx.messages.newest(room, 10).await().isEmpty());
      assertTrue(fx.messages.newest(botRoom, 10).await().isEmpty());
    }
  }
}
