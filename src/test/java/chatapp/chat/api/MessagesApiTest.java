package chatapp.chat.api;

import chatapp.Services;
import chatapp.bus.ChatMessage;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sending and reading history through the HTTP API, against the real Kafka and CQL database. */
class MessagesApiTest {

  private static final long DAY = 86_400_000L;

  private static Vertx vertx;
  private static ApiClient api;
  private static CassandraClient cql;
  private static MessageStore messages;
  private static RoomStore rooms;
  private static final Random random = new Random();

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create(Map.of("AUTH_HMAC_SECRET", ApiClient.SECRET));
    Services.deploy(vertx, config, Set.of(Services.CHAT)).await();
    api = new ApiClient(vertx, config);
    cql = Cql.client(vertx, config.getJsonObject("cql"));
    messages = MessageStore.create(cql, config.getJsonObject("cql")).await();
    rooms = RoomStore.create(cql, config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String user() {
    return "u-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A TIMEUUID at {@code millis}, unique by its random clock sequence and node. */
  private static UUID timeUuidAt(long millis) {
    long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(Uuids.startOf(millis).getMostSignificantBits(), lsb);
  }

  private static List<String> ids(JsonArray page) {
    return page.stream().map(m -> ((JsonObject) m).getString("messageId")).toList();
  }

  @Test
  @DisplayName("a member's message is acknowledged with its id, then read back from history as sent by him")
  void sendThenRead() {
    String alice = user();
    String roomId = api.createRoom(alice, "talk");
    HttpResponse<Buffer> sent = api.post("/api/rooms/" + roomId + "/messages", alice,
      new JsonObject().put("body", "hello").put("clientMsgId", "c-1"));
    assertEquals(201, sent.statusCode(), sent.bodyAsString());
    JsonObject ack = sent.bodyAsJsonObject();
    assertEquals(alice, ack.getString("senderId"));
    assertEquals(1, UUID.fromString(ack.getString("messageId")).version(), "a TIMEUUID");

    JsonArray page = Eventually.get(vertx, Duration.ofSeconds(20),
      () -> Future.succeededFuture(api.get("/api/rooms/" + roomId + "/messages", alice).bodyAsJsonObject()),
      p -> !p.getJsonArray("messages").isEmpty()).getJsonArray("messages");
    JsonObject stored = page.getJsonObject(0);
    assertEquals(ack.getString("messageId"), stored.getString("messageId"));
    assertEquals("hello", stored.getString("body"));
    assertEquals(alice, stored.getString("senderId"));
    assertEquals(ack.getLong("sentAt"), stored.getLong("sentAt"));
  }

  @Test
  @DisplayName("the same clientMsgId in two rooms is two messages: a retry is per room, and the second room gets its own")
  void clientMsgIdIsPerRoom() {
    String alice = user();
    String first = api.createRoom(alice, "one");
    String second = api.createRoom(alice, "two");
    JsonObject a = api.post("/api/rooms/" + first + "/messages", alice,
      new JsonObject().put("body", "to one").put("clientMsgId", "same")).bodyAsJsonObject();
    HttpResponse<Buffer> b = api.post("/api/rooms/" + second + "/messages", alice,
      new JsonObject().put("body", "to two").put("clientMsgId", "same"));
    assertEquals(201, b.statusCode(), b.bodyAsString());
    assertNotEquals(a.getString("messageId"), b.bodyAsJsonObject().getString("messageId"));
    JsonArray page = Eventually.get(vertx, Duration.ofSeconds(20),
      () -> Future.succeededFuture(api.get("/api/rooms/" + second + "/messages", alice).bodyAsJsonObject()),
      p -> !p.getJsonArray("messages").isEmpty()).getJsonArray("messages");
    assertEquals("to two", page.getJsonObject(0).getString("body"));
  }

  @Test
  @DisplayName("the sender is the token's user: a senderId in the body is refused, never believed")
  void senderComesFromTheToken() {
    String alice = user();
    String roomId = api.createRoom(alice, "spoof");
    JsonObject problem = ApiClient.problem(api.post("/api/rooms/" + roomId + "/messages", alice,
      new JsonObject().put("body", "hi").put("senderId", "bob")), 400);
    assertTrue(problem.getString("detail").contains("senderId"), problem.encode());
    assertTrue(messages.newest(roomId, 10).await().isEmpty());
  }

  @Test
  @DisplayName("a non-member may neither post to nor read a room (403), an unknown room is 404, and nothing is written")
  void onlyMembersPostAndRead() {
    String alice = user();
    String mallory = user();
    String roomId = api.createRoom(alice, "private");
    JsonObject post = ApiClient.problem(api.post("/api/rooms/" + roomId + "/messages", mallory, new JsonObject().put("body", "let me in")), 403);
    assertTrue(post.getString("detail").contains("not a member"), post.encode());
    ApiClient.problem(api.get("/api/rooms/" + roomId + "/messages", mallory), 403);
    ApiClient.problem(api.post("/api/rooms/nope-" + UUID.randomUUID() + "/messages", alice, new JsonObject().put("body", "x")), 404);
    ApiClient.problem(api.get("/api/rooms/nope-" + UUID.randomUUID() + "/messages", alice), 404);

    // A later message from the owner is the only one the room ever holds.
    assertEquals(201, api.post("/api/rooms/" + roomId + "/messages", alice, new JsonObject().put("body", "mine")).statusCode());
    List<ChatMessage> stored = Eventually.get(vertx, Duration.ofSeconds(20), () -> messages.newest(roomId, 10), l -> !l.isEmpty());
    assertEquals(List.of("mine"), stored.stream().map(ChatMessage::body).toList());
  }

  @Test
  @DisplayName("an invalid message or page request is 400 naming the field")
  void invalidRequestsNameTheField() {
    String alice = user();
    String roomId = api.createRoom(alice, "strict");
    String path = "/api/rooms/" + roomId + "/messages";
    assertEquals("body", ApiClient.field(ApiClient.problem(api.post(path, alice, new JsonObject()), 400)));
    assertEquals("body", ApiClient.field(ApiClient.problem(api.post(path, alice, new JsonObject().put("body", "")), 400)));
    assertEquals("body", ApiClient.field(ApiClient.problem(api.post(path, alice, new JsonObject().put("body", 42)), 400)));
    assertEquals("body", ApiClient.field(ApiClient.problem(api.post(path, alice, new JsonObject().put("body", "   ")), 400)));
    assertEquals("body", ApiClient.field(ApiClient.problem(api.post(path, alice, new JsonObject().put("body", "é".repeat(2049))), 400)));
    assertEquals("limit", ApiClient.field(ApiClient.problem(api.get(path + "?limit=101", alice), 400)));
    assertEquals("limit", ApiClient.field(ApiClient.problem(api.get(path + "?limit=0", alice), 400)));
    assertEquals("limit", ApiClient.field(ApiClient.problem(api.get(path + "?limit=1.5", alice), 400)));
    // The contract's validator reads 1e1 as the integer 10; the handler must read it the same way.
    HttpResponse<Buffer> tenAsExponent = api.get(path + "?limit=1e1", alice);
    assertEquals(200, tenAsExponent.statusCode(), tenAsExponent.bodyAsString());
    assertEquals("before", ApiClient.field(ApiClient.problem(api.get(path + "?before=nope", alice), 400)));
    assertEquals("before", ApiClient.field(ApiClient.problem(api.get(path + "?before=" + UUID.randomUUID(), alice), 400)));
    assertTrue(messages.newest(roomId, 10).await().isEmpty(), "nothing was written");
  }

  @Test
  @DisplayName("history pages chained by their cursor cross time buckets with no gap and no duplicate")
  void pagingAcrossBuckets() {
    String alice = user();
    String roomId = "paged-" + UUID.randomUUID();
    long now = System.currentTimeMillis();
    rooms.create(new Room(roomId, "paged", alice, Instant.ofEpochMilli(now - 4 * DAY))).await();
    // Three buckets (days) of 5, 4 and 4 messages, and an empty day between the older two.
    List<UUID> sent = new ArrayList<>();
    long[] days = {now - 3 * DAY, now - DAY, now};
    int[] counts = {5, 4, 4};
    for (int d = 0; d < days.length; d++) {
      for (int i = 0; i < counts[d]; i++) {
        UUID id = timeUuidAt(days[d] - 60_000 + i * 1_000L);
        messages.insert(new ChatMessage(roomId, id, alice, "m" + sent.size(), Uuids.unixTimestamp(id))).await();
        sent.add(id);
      }
    }
    List<String> newestFirst = new ArrayList<>(sent.stream().map(UUID::toString).toList());
    Collections.reverse(newestFirst);

    List<String> read = new ArrayList<>();
    String before = null;
    int pages = 0;
    do {
      String path = "/api/rooms/" + roomId + "/messages?limit=3" + (before == null ? "" : "&before=" + before);
      HttpResponse<Buffer> r = api.get(path, alice);
      assertEquals(200, r.statusCode(), r.bodyAsString());
      read.addAll(ids(r.bodyAsJsonObject().getJsonArray("messages")));
      before = r.bodyAsJsonObject().getString("nextBefore");
      pages++;
    } while (before != null && pages < 20);
    assertEquals(newestFirst, read, "every message once, newest first");
    assertEquals(5, pages, "13 messages in pages of 3");
    assertEquals(read.size(), new HashSet<>(read).size());
  }

  @Test
  @DisplayName("the same message id stored twice is one message")
  void sameIdStoredTwiceIsOneMessage() {
    String alice = user();
    String roomId = api.createRoom(alice, "twice");
    UUID id = Uuids.timeBased();
    ChatMessage m = new ChatMessage(roomId, id, alice, "once", Uuids.unixTimestamp(id));
    messages.insert(m).await();
    messages.insert(m).await();
    JsonObject page = api.get("/api/rooms/" + roomId + "/messages", alice).bodyAsJsonObject();
    assertEquals(List.of(id.toString()), ids(page.getJsonArray("messages")));
    assertNull(page.getString("nextBefore"), "the only page is the last");
  }

  @Test
  @DisplayName("after() returns what is newer than a message, oldest first, across buckets and up to a bound")
  void afterAMessage() {
    String alice = user();
    String roomId = "after-" + UUID.randomUUID();
    long now = System.currentTimeMillis();
    List<UUID> sent = new ArrayList<>();
    for (long at : new long[] {now - 2 * DAY, now - 2 * DAY + 1, now - DAY, now - 5, now}) {
      UUID id = timeUuidAt(at);
      messages.insert(new ChatMessage(roomId, id, alice, "x", at)).await();
      sent.add(id);
    }
    List<UUID> after = messages.after(roomId, sent.get(0), 10).await().stream().map(ChatMessage::messageId).toList();
    assertEquals(sent.subList(1, 5), after);
    List<UUID> bounded = messages.after(roomId, sent.get(0), 2).await().stream().map(ChatMessage::messageId).toList();
    assertEquals(sent.subList(1, 3), bounded);
    assertFalse(messages.after(roomId, sent.get(4), 10).await().stream().anyMatch(m -> true), "nothing after the newest");
  }

}
