package chatapp.chat.gateway;

import chatapp.testing.Frames;
import chatapp.testing.BridgeClient;
import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.api.Problems;
import chatapp.testing.Eventually;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static chatapp.testing.Frames.errorOn;
import static chatapp.testing.Frames.messageOn;
import static chatapp.chat.gateway.SocketGatewayTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Everything the gateway refuses, each answered with a status or an error frame, and none of it stored. */
class GatewayRefusalsTest {

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

  private static int status(Throwable e) {
    Throwable t = e;
    while (t != null && !(t instanceof UpgradeRejectedException)) {
      t = t.getCause();
    }
    return t == null ? -1 : ((UpgradeRejectedException) t).getStatus();
  }

  private static BridgeClient joined(String user, String roomId) {
    return SocketGatewayTest.joinedOn(fx, user, roomId);
  }

  @Test
  @DisplayName("a socket without a token, with a forged one or with an expired one is refused with 401 before it opens")
  void noTokenNoSocket() {
    String forged = Auth.create(fx.vertx, fx.config.getJsonObject("auth").copy().put("hmacSecret", "another-key-entirely-0123456789"))
      .issue("mallory");
    // An exp an hour ago (JWTOptions only sets exp for a positive lifetime).
    String expired = fx.auth.provider().generateToken(new JsonObject().put("sub", "mallory")
        .put("exp", System.currentTimeMillis() / 1000 - 3600),
      new JWTOptions().setAlgorithm("HS256").setIssuer("chat").setAudience(List.of("chat")));
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("no token", null);
    tokens.put("not a JWT", "not-a-jwt");
    tokens.put("signed with another key", forged);
    tokens.put("expired", expired);
    tokens.forEach((what, token) -> {
      Throwable e = assertThrows(Throwable.class, () -> BridgeClient.connect(fx.vertx, fx.httpPort, token).await(), what);
      assertEquals(401, status(e), what + ": " + e);
    });
    // sockjs-client's first request, /eventbus/info, is behind the same check.
    HttpClient http = fx.vertx.createHttpClient();
    try {
      Response without = get(http, "/eventbus/info");
      int with = http.request(HttpMethod.GET, fx.httpPort, "127.0.0.1", "/eventbus/info?token=" + fx.token("alice"))
        .compose(r -> r.send()).await().statusCode();
      assertEquals(401, without.status());
      // A refusal says why, as a JSON problem like the API's.
      assertEquals(Problems.CONTENT_TYPE, without.contentType());
      assertEquals(401, new JsonObject(without.body()).getInteger("status"));
      assertEquals(200, with);
    } finally {
      http.close().await();
    }
  }

  @Test
  @DisplayName("a socket is closed with token_expired when the token it opened with expires, on the SockJS and the TCP bridge")
  void aSocketEndsWithItsToken() {
    String alice = GatewayFixture.user("alice");
    String room = fx.room(alice);
    // Valid for two more seconds (exp is in whole seconds).
    String shortLived = fx.auth.provider().generateToken(new JsonObject().put("sub", alice)
        .put("exp", System.currentTimeMillis() / 1000 + 2),
      new JWTOptions().setAlgorithm("HS256").setIssuer("chat").setAudience(List.of("chat")));
    Predicate<JsonObject> expired = f -> "err".equals(f.getString("type")) && "token_expired".equals(f.getString("body"));
    try (BridgeClient ws = BridgeClient.connect(fx.vertx, fx.httpPort, shortLived).await().join(Addresses.room(room), new JsonObject(), WAIT);
         TcpBridgeClient tcp = TcpBridgeClient.connect(fx.vertx, fx.tcpPort).await()) {
      JsonObject login = tcp.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", shortLived));
      assertEquals(alice, login.getJsonObject("body").getString("userId"), login::encode);
      assertEquals(401, ws.frames.await(expired, WAIT).getInteger("failureCode"));
      ws.frames.awaitClosed(WAIT);
      assertEquals((short) ClientSession.CLOSE_TOKEN_EXPIRED, ws.closeStatus());
      assertEquals(401, tcp.frames.await(expired, WAIT).getInteger("failureCode"));
      tcp.frames.awaitClosed(WAIT);
    }
    // A long-lived token's socket stays: the expiry is the token's, not a fixed lifetime.
    try (BridgeClient ws = joined(alice, room)) {
      assertEquals("rec", ws.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "still here"))
        .getString("type"));
    }
  }

  @Test
  @DisplayName("on the HTTP fallbacks, nobody but its own user can write into a SockJS session, even knowing its id")
  void sessionsOfTheHttpFallbacksAreTheirUsersOnly() {
    String alice = GatewayFixture.user("alice");
    String mallory = GatewayFixture.user("mallory");
    String session = "/eventbus/000/" + UUID.randomUUID().toString().substring(0, 8);
    HttpClient http = fx.vertx.createHttpClient();
    try {
      String open = post(http, session + "/xhr?token=" + fx.token(alice), "").body();
      assertEquals("o", open.trim(), "the session opens for its user");
      // SockJS framing: a JSON array of the bridge's frames, each as a string.
      String frame = new JsonArray().add(new JsonObject().put("type", "ping").encode()).encode();
      Response hijack = post(http, session + "/xhr_send?token=" + fx.token(mallory), frame);
      assertEquals(403, hijack.status());
      assertEquals(Problems.CONTENT_TYPE, hijack.contentType(), hijack.body());
      // The router finds SockJS's session in the normalised path, so must the check: a
      // percent-encoded letter or a dot segment names the same session in another spelling.
      String id = session.substring(session.lastIndexOf('/') + 1);
      String encoded = "/eventbus/000/%" + Integer.toHexString(id.charAt(0)) + id.substring(1);
      String dotted = "/eventbus/000/./" + id;
      for (String spelling : List.of(encoded, dotted, "/eventbus/x/../000/" + id)) {
        assertEquals(403, post(http, spelling + "/xhr_send?token=" + fx.token(mallory), frame).status(), spelling);
      }
      assertEquals(204, post(http, session + "/xhr_send?token=" + fx.token(alice), frame).status());
    } finally {
      http.close().await();
    }
  }

  private record Response(int status, String contentType, String body) {
  }

  private static Response post(HttpClient http, String uri, String body) {
    return http.request(HttpMethod.POST, fx.httpPort, "127.0.0.1", uri)
      .compose(r -> r.send(body).compose(res -> res.body().map(b -> new Response(res.statusCode(), res.getHeader("Content-Type"),
        b.toString())))).await();
  }

  private static Response get(HttpClient http, String uri) {
    return http.request(HttpMethod.GET, fx.httpPort, "127.0.0.1", uri)
      .compose(r -> r.send().compose(res -> res.body().map(b -> new Response(res.statusCode(), res.getHeader("Content-Type"),
        b.toString())))).await();
  }

  @Test
  @DisplayName("a user cannot listen to a room he is not in, another user's address or an internal address")
  void registrationsOutsideOnesRightsAreRefused() {
    String alice = GatewayFixture.user("alice");
    String mallory = GatewayFixture.user("mallory");
    String room = fx.room(alice);
    try (BridgeClient a = joined(alice, room);
         BridgeClient m = BridgeClient.connect(fx.vertx, fx.httpPort, fx.token(mallory)).await()) {
      String roomAddress = Addresses.room(room);
      m.register(roomAddress);
      JsonObject err = m.frames.await(errorOn(roomAddress), WAIT);
      assertEquals(403, err.getInteger("failureCode"));
      assertEquals("not_member", err.getString("body"));
      for (String address : List.of(Addresses.user(alice), Addresses.SEND, Addresses.NOTIFY_OFFLINE)) {
        m.register(address);
        assertEquals(403, m.frames.await(errorOn(address), WAIT).getInteger("failureCode"), address);
      }
      // The room's traffic reaches its member and not the intruder, who was refused the same room.
      String id = SocketGatewayTest.send(a, room, "members only").getString("messageId");
      assertEquals(List.of(id), ids(a.frames.awaitCount(messageOn(roomAddress), 1, WAIT)));
      assertTrue(m.frames.matching(messageOn(roomAddress)).isEmpty());
    }
  }

  @Test
  @DisplayName("spoofed, empty, oversized, malformed and misaddressed sends are refused with an error frame and nothing is stored")
  void badSendsAreRefused() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String otherRoom = fx.room(bob);
    try (BridgeClient a = joined(alice, room)) {
      record Case(JsonObject body, int code, String why) {
      }
      List<Case> cases = List.of(
        new Case(new JsonObject().put("roomId", room).put("body", "as bob").put("senderId", bob), 403, "spoofed sender"),
        new Case(new JsonObject().put("roomId", room).put("body", ""), 400, "empty"),
        new Case(new JsonObject().put("roomId", room).put("body", "   "), 400, "blank"),
        new Case(new JsonObject().put("roomId", room).put("body", "é".repeat(2049)), 413, "4098 bytes of UTF-8"),
        new Case(new JsonObject().put("roomId", room).put("body", 42), 400, "body not a string"),
        new Case(new JsonObject().put("body", "no room"), 400, "no roomId"),
        new Case(new JsonObject().put("roomId", otherRoom).put("body", "not mine"), 403, "not a member"),
        new Case(new JsonObject().put("roomId", "no-such-room-" + bob).put("body", "nowhere"), 404, "no such room"),
        new Case(new JsonObject().put("roomId", room).put("body", "x").put("clientMsgId", 7), 400, "clientMsgId not a string"));
      for (Case c : cases) {
        JsonObject reply = a.request(Addresses.CLIENT_SEND, c.body());
        assertEquals("err", reply.getString("type"), c.why());
        assertEquals(c.code(), reply.getInteger("failureCode"), c.why() + ": " + reply);
      }
      // Not JSON at all; not an object; a publish; an internal address; no reply address.
      a.writeRaw("{not json");
      a.frames.await(f -> "invalid_json".equals(f.getString("body")), WAIT);
      a.write(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND).put("body", "text").put("replyAddress", "r-text"));
      assertEquals(400, a.frames.await(errorOn("r-text"), WAIT).getInteger("failureCode"));
      a.write(new JsonObject().put("type", "publish").put("address", Addresses.CLIENT_SEND)
        .put("body", new JsonObject().put("roomId", room).put("body", "published")));
      a.frames.await(f -> "publish_refused".equals(f.getString("body")), WAIT);
      a.sendAsync(Addresses.SEND, new JsonObject().put("roomId", room).put("senderId", bob).put("body", "internal"));
      a.frames.await(f -> "access_denied".equals(f.getString("body")), WAIT);
      a.write(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND)
        .put("body", new JsonObject().put("roomId", room).put("body", "fire and forget")));
      a.frames.await(f -> "no_reply_address".equals(f.getString("body")), WAIT);
      // The socket still works, and the room holds only what was accepted.
      String ok = SocketGatewayTest.send(a, room, "accepted").getString("messageId");
      assertEquals(List.of(ok), ids(a.frames.awaitCount(messageOn(Addresses.room(room)), 1, WAIT)));
      List<ChatMessage> stored = Eventually.get(fx.vertx, WAIT, () -> fx.messages.newest(room, 50), l -> !l.isEmpty());
      assertEquals(List.of("accepted"), stored.stream().map(ChatMessage::body).toList());
      assertTrue(fx.messages.newest(otherRoom, 50).await().isEmpty());
    }
  }
}
