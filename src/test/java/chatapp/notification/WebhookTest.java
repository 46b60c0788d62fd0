package chatapp.notification;

import chatapp.Services;
import chatapp.chat.store.Cql;
import chatapp.notification.channel.DeadLetterStore;
import chatapp.notification.channel.WebhookChannel;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.testing.Eventually;
import chatapp.testing.SilencingProxy;
import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook channel against a real local HTTP endpoint: signed JSON, retries with backoff, a dead
 * letter when it gives up; and the presence stream taking precedence while the user is online.
 */
class WebhookTest {

  private static final String SECRET = "webhook-secret";

  /** What the endpoint received: headers of interest and the raw body. */
  record Received(String signature, String timestamp, String delivery, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }
  }

  private static Vertx vertx;
  private static NotificationClient client;
  private static DeadLetterStore deadLetters;
  private static CassandraClient cql;
  private static HttpServer endpoint;
  /** Status codes to answer, per user, in order; the last one repeats. */
  private static final Map<String, List<Integer>> script = new ConcurrentHashMap<>();
  private static final Map<String, List<Received>> received = new ConcurrentHashMap<>();

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    endpoint = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String user = body.toJsonObject().getString("userId");
      List<Received> got = received.computeIfAbsent(user, k -> new CopyOnWriteArrayList<>());
      got.add(new Received(req.getHeader(WebhookChannel.SIGNATURE), req.getHeader(WebhookChannel.TIMESTAMP),
        req.getHeader(WebhookChannel.DELIVERY), body));
      List<Integer> codes = script.getOrDefault(user, List.of(200));
      req.response().setStatusCode(codes.get(Math.min(got.size(), codes.size()) - 1)).end();
    })).listen(0, "127.0.0.1").await();
    JsonObject config = TestConfig.create(Map.of(
      "NOTIFICATIONS_WEBHOOK_URL", "http://127.0.0.1:" + endpoint.actualPort() + "/push",
      "NOTIFICATIONS_WEBHOOK_SECRET", SECRET,
      "NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS", "3",
      "NOTIFICATIONS_WEBHOOK_INITIAL_BACKOFF_MS", "50",
      "NOTIFICATIONS_WEBHOOK_MAX_BACKOFF_MS", "200",
      "NOTIFICATIONS_STREAM_KEEP_ALIVE_MS", "200",
      "NOTIFICATIONS_STREAM_KEEP_ALIVE_TIMEOUT_MS", "300"));
    Services.deploy(vertx, config, Set.of(Services.NOTIFICATION)).await();
    client = new NotificationClient(vertx, config);
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    deadLetters = DeadLetterStore.create(cql, config.getJsonObject("cql").getString("keyspace"), 3600).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  private static List<Received> receivedFor(String user, int atLeast) {
    return Eventually.get(vertx, Duration.ofSeconds(15),
      () -> io.vertx.core.Future.succeededFuture(received.getOrDefault(user, List.of())), l -> l.size() >= atLeast);
  }

  private static JsonObject deadLetterOf(String user) {
    int today = DeadLetterStore.epochDay(System.currentTimeMillis());
    return Eventually.find(vertx, Duration.ofSeconds(15), () -> deadLetters.of("webhook", today)
      .map(list -> list.stream().filter(d -> user.equals(d.getString("userId"))).findFirst().orElse(null)));
  }

  @Test
  @DisplayName("a chat node that goes silent without closing its stream is dropped by the service's PINGs: its users' notifications go to the webhook again")
  void silentChatNodeIsDropped() {
    String user = unique("u");
    String room = unique("room");
    SilencingProxy proxy = SilencingProxy.start(vertx, client.address.port());
    NotificationClient.PresenceStream stream = client.via(SocketAddress.inetSocketAddress(proxy.port(), "127.0.0.1")).openStream();
    stream.write(user, "connected", false);
    // Online through the proxy: a notification reaches him on the stream (once the service has read
    // his "connected", which comes on another connection than the notify).
    Eventually.get(vertx, Duration.ofSeconds(15), () -> client.notify(room, NotificationClient.newMessageId(), "bob", "online", user)
      .map(v -> stream.received.stream().anyMatch(r -> user.equals(r.getUserId()))), got -> got);
    int before = received.getOrDefault(user, List.of()).size();

    // The node's host dies: its connection stays open and says nothing. The service must stop
    // counting him online, or his notifications go into a stream nobody reads.
    proxy.silenceAll();
    Eventually.get(vertx, Duration.ofSeconds(15), () -> client.notify(room, NotificationClient.newMessageId(), "bob", "offline now", user)
      .map(v -> received.getOrDefault(user, List.of()).size()), n -> n > before);
  }

  @Test
  @DisplayName("a push that fails twice is retried and delivered on the third attempt, each attempt signed with HMAC-SHA256")
  void retriedUntilDelivered() {
    String user = unique("u");
    String room = unique("room");
    script.put(user, List.of(500, 503, 200));
    String id = NotificationClient.newMessageId();
    client.notify(room, id, "bob", "hello there", user).await();
    List<Received> got = receivedFor(user, 3);
    assertEquals(3, got.size());
    for (Received r : got) {
      assertEquals("sha256=" + WebhookChannel.sign(SECRET.getBytes(StandardCharsets.UTF_8), r.timestamp(), r.body()), r.signature());
      assertTrue(Math.abs(Long.parseLong(r.timestamp()) - System.currentTimeMillis() / 1000) < 60);
      assertEquals(user + "/" + room + "/" + id, r.delivery());
    }
    JsonObject push = got.get(2).json();
    assertEquals(user, push.getString("userId"));
    assertEquals(room, push.getString("roomId"));
    assertEquals(1, push.getInteger("count"));
    assertEquals("hello there", push.getString("latestPreview"));
    assertEquals("bob", push.getString("latestSender"));
    assertEquals(user + "/" + room, push.getString("collapseKey"));
  }

  @Test
  @DisplayName("a push that keeps failing is tried maxAttempts times, then kept as a dead letter")
  void deadLetterAfterMaxAttempts() {
    String user = unique("u");
    script.put(user, List.of(500));
    client.notify("r", NotificationClient.newMessageId(), "bob", "lost?", user).await();
    JsonObject dead = deadLetterOf(user);
    assertEquals(3, dead.getInteger("attempts"));
    assertEquals("webhook answered 500", dead.getString("error"));
    assertEquals("lost?", dead.getJsonObject("payload").getString("latestPreview"));
    assertEquals(3, received.get(user).size());
  }

  @Test
  @DisplayName("a push still waiting for its retry when the service stops is kept as a dead letter, not dropped")
  void stopKeepsWhatIsWaiting() {
    String user = unique("u");
    script.put(user, List.of(503));
    // A service of its own, with backoffs long enough to stop it in the middle of one.
    Vertx other = Vertx.vertx();
    JsonObject config = TestConfig.create(Map.of(
      "NOTIFICATIONS_WEBHOOK_URL", "http://127.0.0.1:" + endpoint.actualPort() + "/push",
      "NOTIFICATIONS_WEBHOOK_SECRET", SECRET,
      "NOTIFICATIONS_WEBHOOK_INITIAL_BACKOFF_MS", "60000",
      "NOTIFICATIONS_WEBHOOK_MAX_BACKOFF_MS", "60000"));
    try {
      Services.deploy(other, config, Set.of(Services.NOTIFICATION)).await();
      new NotificationClient(other, config).notify("r", NotificationClient.newMessageId(), "bob", "deploying", user).await();
      receivedFor(user, 1); // the first attempt failed: the push waits a minute for its second
    } finally {
      other.close().await();
    }
    JsonObject dead = deadLetterOf(user);
    assertEquals(1, dead.getInteger("attempts"));
    assertEquals("deploying", dead.getJsonObject("payload").getString("latestPreview"));
  }

  @Test
  @DisplayName("a push the receiver refuses with a 4xx is not retried and goes to the dead letters at once")
  void refusedIsNotRetried() {
    String user = unique("u");
    script.put(user, List.of(400));
    client.notify("r", NotificationClient.newMessageId(), "bob", "bad", user).await();
    JsonObject dead = deadLetterOf(user);
    assertEquals(1, dead.getInteger("attempts"));
    assertEquals(1, received.get(user).size());
  }

  @Test
  @DisplayName("an online user gets his notification on the presence stream; once the stream breaks, through the webhook")
  void streamWhileOnlineWebhookAfter() throws InterruptedException {
    String user = unique("u");
    NotificationClient.PresenceStream stream = client.openStream();
    stream.write(user, "connected", true);
    assertEquals("success", client.send(SendNotificationRequest.newBuilder().setUserId(user).setRoomId("r1")
      .setMessage("on the stream").build()).await().getStatus());
    assertEquals("on the stream", stream.next(user).getJsonArray("items").getJsonObject(0).getString("latestPreview"));

    // The chat node is gone (its stream reset): the service forgets its users.
    stream.request.cancel();
    List<Received> got = Eventually.get(vertx, Duration.ofSeconds(15), () -> client.send(SendNotificationRequest.newBuilder()
        .setUserId(user).setRoomId("r2").setMessage("by webhook").build())
      .map(r -> received.getOrDefault(user, List.of())), l -> !l.isEmpty());
    assertEquals("by webhook", got.get(0).json().getString("latestPreview"));
    assertTrue(got.stream().noneMatch(r -> "r1".equals(r.json().getString("roomId"))), "r1 went by the stream only");
  }
}
