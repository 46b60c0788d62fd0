package chatapp.chat.gateway;

import chatapp.testing.Frames;
import chatapp.testing.BridgeClient;
import chatapp.bus.Addresses;
import chatapp.testing.Eventually;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static chatapp.testing.Frames.messageOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The browser's own client stack, sockjs-client and @vertx/eventbus-bridge-client.js, under Node.js
 * (SockJS framing, over WebSocket and over the HTTP fallbacks), used as the README shows it. Needs Node.js and
 * {@code npm ci --prefix src/test/sockjs}; skipped without them.
 */
class SockJsNodeClientTest {

  private static final Path DIR = Path.of("src/test/sockjs");
  private static GatewayFixture fx;

  @BeforeAll
  static void deploy() {
    assumeTrue(Files.isDirectory(DIR.resolve("node_modules/sockjs-client")), "needs: npm ci --prefix src/test/sockjs");
    fx = GatewayFixture.start();
  }

  @AfterAll
  static void close() {
    if (fx != null) {
      fx.close();
    }
  }

  @ParameterizedTest(name = "over {0}")
  @ValueSource(strings = {"websocket", "xhr-streaming", "xhr-polling"})
  @DisplayName("a sockjs-client user resumes a room after the last message he saw, sends, is refused what is not his, and is heard")
  void browserClientStack(String transport) throws Exception {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String foreign = fx.room(bob);
    try (BridgeClient b = SocketGatewayTest.joinedOn(fx, bob, room)) {
      String seen = SocketGatewayTest.send(b, room, "seen before").getString("messageId");
      String missed1 = SocketGatewayTest.send(b, room, "missed 1").getString("messageId");
      String missed2 = SocketGatewayTest.send(b, room, "missed 2").getString("messageId");
      Eventually.get(fx.vertx, Duration.ofSeconds(30), () -> fx.messages.newest(room, 10), l -> l.size() == 3);

      ProcessBuilder pb = new ProcessBuilder("node", "chat-client.js").directory(DIR.toFile()).redirectErrorStream(true);
      pb.environment().put("CHAT_URL", "http://127.0.0.1:" + fx.httpPort);
      pb.environment().put("TOKEN", fx.token(alice));
      pb.environment().put("ROOM", room);
      pb.environment().put("FOREIGN_ROOM", foreign);
      pb.environment().put("LAST_ID", seen);
      pb.environment().put("TRANSPORT", transport);
      Process p = pb.start();
      boolean ended = p.waitFor(60, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!ended) {
        p.destroyForcibly();
      }
      assertTrue(ended, "the node client did not end:\n" + out);
      assertEquals(0, p.exitValue(), out);

      List<JsonObject> events = out.lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
      String mine = events.stream().filter(e -> "ack".equals(e.getString("event"))).findFirst().orElseThrow().getString("messageId");
      List<String> messages = events.stream().filter(e -> "message".equals(e.getString("event"))).map(e -> e.getString("messageId")).toList();
      assertEquals(List.of(missed1, missed2, mine), messages, out);
      assertTrue(events.stream().anyMatch(e -> "spoof".equals(e.getString("event")) && e.getInteger("code") == 403), out);
      assertTrue(events.stream().anyMatch(e -> "foreign".equals(e.getString("event")) && e.getInteger("code") == 403), out);

      JsonObject heard = b.frames.await(f -> messageOn(Addresses.room(room)).test(f) && mine.equals(f.getJsonObject("body").getString("messageId")),
        Duration.ofSeconds(30)).getJsonObject("body");
      assertEquals(alice, heard.getString("senderId"));
      assertEquals("hello from node", heard.getString("body"));
    }
  }
}
