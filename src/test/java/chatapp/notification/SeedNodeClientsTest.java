package chatapp.notification;

import chatapp.Services;
import chatapp.proto.notification.Notification;
import chatapp.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Wire compatibility with the seed itself: its Node.js clients (Client.js, chatClient.js on
 * {@code @grpc/grpc-js} and {@code @grpc/proto-loader}, loading our .proto files) run against the
 * real service. Needs Node.js and {@code npm ci --prefix src/test/node}; skipped without them.
 */
class SeedNodeClientsTest {

  private static final Path NODE_DIR = Path.of("src/test/node");

  private static Vertx vertx;
  private static NotificationClient client;
  private static String address;

  @BeforeAll
  static void deploy() {
    assumeTrue(Files.isDirectory(NODE_DIR.resolve("node_modules/@grpc/grpc-js")),
      "the seed's Node clients need: npm ci --prefix src/test/node");
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create();
    Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
    client = new NotificationClient(vertx, config);
    address = config.getJsonObject("notificationService").getString("address");
  }

  @AfterAll
  static void close() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  /** Runs a script to its end (at most 60 s) and answers what it printed, stdout then stderr. */
  private static List<String> node(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
    pb.environment().put("PROTO_DIR", Path.of("src/main/proto").toAbsolutePath().toString());
    pb.environment().put("NOTIFICATION_ADDRESS", address);
    Process p = pb.start();
    boolean ended = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!ended) {
      p.destroyForcibly();
    }
    assertTrue(ended, "node " + String.join(" ", args) + " did not end:\n" + out);
    assertEquals(0, p.exitValue(), out);
    return out.lines().toList();
  }

  @Test
  @DisplayName("the seed's Client.js notifies offline users, and the service stores a notification for each")
  void seedClient() throws Exception {
    String b = "B-" + UUID.randomUUID();
    String c = "C-" + UUID.randomUUID();
    String room = "room-" + UUID.randomUUID();
    List<String> out = node("seed-client.js", b + "," + c, "hi from node", room);
    assertTrue(out.contains("Notification request sent successfully"), out.toString());
    for (String user : List.of(b, c)) {
      List<Notification> list = client.list(user, false).await();
      assertEquals(1, list.size());
      assertEquals("hi from node", list.get(0).getLatestPreview());
      assertEquals(room, list.get(0).getRoomId());
    }
  }

  @Test
  @DisplayName("the seed's chatClient.js gets success, then A's pending notifications on the stream, and sees the stream end")
  void seedChatClient() throws Exception {
    String room = "room-" + UUID.randomUUID();
    client.notify(room, NotificationClient.newMessageId(), "bob", "for A", "A").await();
    List<String> out = node("seed-chat-client.js");
    assertTrue(out.contains("Notification response: success"), out.toString());
    String all = String.join("\n", out);
    assertTrue(all.contains("Stream response:") && all.contains("user_id: 'A'") && all.contains(room), all);
    assertTrue(out.contains("Stream ended"), all);
  }
}
