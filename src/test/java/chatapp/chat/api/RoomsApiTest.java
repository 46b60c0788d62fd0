package chatapp.chat.api;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.chat.presence.Presence;
import chatapp.chat.store.Cql;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.Eventually;
import chatapp.testing.RoomWatch;
import chatapp.testing.TestConfig;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms and members through the HTTP API, against the real CQL database. */
class RoomsApiTest {

  private static Vertx vertx;
  private static ApiClient api;
  private static RoomStore rooms;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create(Map.of("AUTH_HMAC_SECRET", ApiClient.SECRET));
    // The API needs the chat service only (the notification service is reached for offline members).
    Services.deploy(vertx, config, Set.of(Services.CHAT)).await();
    api = new ApiClient(vertx, config);
    rooms = RoomStore.create(Cql.client(vertx, config.getJsonObject("cql")), config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String user() {
    return "u-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  @DisplayName("a created room can be read back, its creator is its first member, and it is in his list of rooms")
  void createGetAndList() {
    String alice = user();
    HttpResponse<Buffer> created = api.post("/api/rooms", alice, new JsonObject().put("name", "Tea"));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    JsonObject room = created.bodyAsJsonObject();
    String roomId = room.getString("roomId");
    assertEquals("/api/rooms/" + roomId, created.getHeader("Location"));
    assertEquals("Tea", room.getString("name"));
    assertEquals(alice, room.getString("createdBy"));

    HttpResponse<Buffer> got = api.get("/api/rooms/" + roomId, user());
    assertEquals(200, got.statusCode(), got.bodyAsString());
    assertEquals(room, got.bodyAsJsonObject(), "what was answered is what is stored");

    JsonArray mine = api.get("/api/rooms", alice).bodyAsJsonObject().getJsonArray("rooms");
    assertEquals(List.of(roomId), mine.stream().map(r -> ((JsonObject) r).getString("roomId")).toList());
    JsonArray members = api.get("/api/rooms/" + roomId + "/members", alice).bodyAsJsonObject().getJsonArray("members");
    assertEquals(alice, members.getJsonObject(0).getString("userId"));
  }

  @Test
  @DisplayName("a room made with an id that a failed creation left a member behind on starts with its creator alone")
  void strayMembersOfAnUndoneRoomGetNothing() {
    String alice = user();
    String mallory = user();
    String roomId = "reused-" + UUID.randomUUID();
    // What a join that raced a failed, undone creation leaves: a member of a room that is not there.
    rooms.join(roomId, mallory).await();
    assertEquals(201, api.post("/api/rooms", alice, new JsonObject().put("roomId", roomId).put("name", "private")).statusCode());
    JsonArray members = api.get("/api/rooms/" + roomId + "/members", alice).bodyAsJsonObject().getJsonArray("members");
    assertEquals(List.of(alice), members.stream().map(m -> ((JsonObject) m).getString("userId")).toList());
    ApiClient.problem(api.get("/api/rooms/" + roomId + "/messages", mallory), 403);
    assertTrue(api.get("/api/rooms", mallory).bodyAsJsonObject().getJsonArray("rooms").isEmpty(), "not in his rooms either");
  }

  @Test
  @DisplayName("a room id already taken by someone else is 409 and the room stays as it was")
  void takenRoomIdIsConflict() {
    String alice = user();
    String bob = user();
    String roomId = "taken-" + UUID.randomUUID();
    assertEquals(201, api.post("/api/rooms", alice, new JsonObject().put("roomId", roomId).put("name", "first")).statusCode());
    JsonObject problem = ApiClient.problem(
      api.post("/api/rooms", bob, new JsonObject().put("roomId", roomId).put("name", "second")), 409);
    assertTrue(problem.getString("detail").contains(roomId), problem.encode());
    JsonObject room = api.get("/api/rooms/" + roomId, bob).bodyAsJsonObject();
    assertEquals("first", room.getString("name"));
    assertEquals(alice, room.getString("createdBy"));
    assertTrue(api.get("/api/rooms", bob).bodyAsJsonObject().getJsonArray("rooms").isEmpty(), "bob joined nothing");
  }

  @Test
  @DisplayName("the creator repeating the same create is answered 200 with the same room, not a second room")
  void repeatedCreateIsARetry() {
    String alice = user();
    String roomId = "retry-" + UUID.randomUUID();
    JsonObject ask = new JsonObject().put("roomId", roomId).put("name", "again");
    JsonObject first = api.post("/api/rooms", alice, ask).bodyAsJsonObject();
    HttpResponse<Buffer> second = api.post("/api/rooms", alice, ask);
    assertEquals(200, second.statusCode(), second.bodyAsString());
    assertEquals(first, second.bodyAsJsonObject());
    assertEquals(1, api.get("/api/rooms", alice).bodyAsJsonObject().getJsonArray("rooms").size());
  }

  @Test
  @DisplayName("an unknown room is 404, and a malformed room id or body is 400 naming the field")
  void unknownAndMalformed() {
    String alice = user();
    JsonObject missing = ApiClient.problem(api.get("/api/rooms/no-such-room-" + UUID.randomUUID(), alice), 404);
    assertTrue(missing.getString("detail").contains("does not exist"), missing.encode());

    JsonObject badId = ApiClient.problem(api.get("/api/rooms/bad%20id!", alice), 400);
    assertEquals("roomId", badId.getJsonArray("errors").getJsonObject(0).getString("field"), badId.encode());

    JsonObject noName = ApiClient.problem(api.post("/api/rooms", alice, new JsonObject()), 400);
    assertEquals("name", noName.getJsonArray("errors").getJsonObject(0).getString("field"), noName.encode());
    JsonObject longName = ApiClient.problem(api.post("/api/rooms", alice, new JsonObject().put("name", "x".repeat(201))), 400);
    assertEquals("name", longName.getJsonArray("errors").getJsonObject(0).getString("field"), longName.encode());
    JsonObject extra = ApiClient.problem(api.post("/api/rooms", alice,
      new JsonObject().put("name", "n").put("createdBy", "mallory")), 400);
    assertTrue(extra.getString("detail").contains("createdBy"), extra.encode());
    assertTrue(api.get("/api/rooms", alice).bodyAsJsonObject().getJsonArray("rooms").isEmpty(), "nothing was created");
  }

  @Test
  @DisplayName("anyone may join a room and leave it again; joining twice or leaving twice changes nothing")
  void joinAndLeave() {
    String alice = user();
    String bob = user();
    String roomId = api.createRoom(alice, "open");
    assertEquals(204, api.put("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    assertEquals(204, api.put("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    assertEquals(2, members(roomId, alice).size());
    assertEquals(1, api.get("/api/rooms", bob).bodyAsJsonObject().getJsonArray("rooms").size());

    assertEquals(204, api.delete("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    assertEquals(204, api.delete("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    assertEquals(List.of(alice), members(roomId, alice).stream().map(m -> ((JsonObject) m).getString("userId")).toList());
    assertTrue(api.get("/api/rooms", bob).bodyAsJsonObject().getJsonArray("rooms").isEmpty());
    ApiClient.problem(api.get("/api/rooms/" + roomId + "/members", bob), 403);
  }

  @Test
  @DisplayName("a user named as an identity provider names him (auth0|…) joins and leaves by his id; a '/' or a space in an id is 400")
  void identityProviderSubjects() {
    String alice = user();
    String carol = "auth0|" + UUID.randomUUID();
    String roomId = api.createRoom(alice, "federated");
    String path = "/api/rooms/" + roomId + "/members/" + carol.replace("|", "%7C");
    assertEquals(204, api.put(path, carol).statusCode());
    assertTrue(members(roomId, alice).stream().anyMatch(m -> carol.equals(((JsonObject) m).getString("userId"))));
    assertEquals(204, api.delete(path, carol).statusCode());
    assertEquals("userId", ApiClient.field(ApiClient.problem(api.put("/api/rooms/" + roomId + "/members/a%20b", alice), 400)));
    assertEquals("userId", ApiClient.field(ApiClient.problem(api.put("/api/rooms/" + roomId + "/members/" + "x".repeat(256), alice), 400)));
  }

  @Test
  @DisplayName("a user in 1,500 rooms (anyone may add him to theirs) still gets his list of rooms, all of them")
  void aLongListOfRooms() {
    String carol = user();
    List<Future<Void>> created = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      created.add(rooms.create(new Room("r-" + UUID.randomUUID(), "room " + i, carol, Instant.now())));
      if (created.size() == 100) { // the store's own writes, a hundred at a time
        Future.all(created).await();
        created.clear();
      }
    }
    Future.all(created).await();
    var listed = api.get("/api/rooms", carol);
    assertEquals(200, listed.statusCode(), listed.bodyAsString());
    assertEquals(1_500, listed.bodyAsJsonObject().getJsonArray("rooms").size());
  }

  @Test
  @DisplayName("a member may add someone else, a non-member may not, and nobody may remove someone else")
  void actOnlyAsYourself() {
    String alice = user();
    String bob = user();
    String carol = user();
    String roomId = api.createRoom(alice, "club");
    JsonObject notMember = ApiClient.problem(api.put("/api/rooms/" + roomId + "/members/" + carol, bob), 403);
    assertTrue(notMember.getString("detail").contains("not a member"), notMember.encode());
    assertEquals(1, members(roomId, alice).size(), "carol was not added");

    assertEquals(204, api.put("/api/rooms/" + roomId + "/members/" + bob, alice).statusCode());
    JsonObject kick = ApiClient.problem(api.delete("/api/rooms/" + roomId + "/members/" + alice, bob), 403);
    assertTrue(kick.getString("detail").contains("only himself"), kick.encode());
    assertEquals(2, members(roomId, alice).size(), "alice is still there");

    ApiClient.problem(api.put("/api/rooms/no-room-" + UUID.randomUUID() + "/members/" + bob, bob), 404);
    ApiClient.problem(api.delete("/api/rooms/no-room-" + UUID.randomUUID() + "/members/" + bob, bob), 404);
  }

  @Test
  @DisplayName("the member list says who is online now, from presence")
  void membersWithPresence() {
    String alice = user();
    String bob = user();
    String roomId = api.createRoom(alice, "presence");
    api.put("/api/rooms/" + roomId + "/members/" + bob, bob);
    assertEquals(Map.of(alice, false, bob, false), online(roomId, alice));

    Presence.create(vertx).connected(bob, "socket-1").await();
    Map<String, Boolean> seen = Eventually.get(vertx, Duration.ofSeconds(10), () -> Future.succeededFuture(online(roomId, alice)),
      m -> Boolean.TRUE.equals(m.get(bob)));
    assertFalse(seen.get(alice));

    Presence.create(vertx).disconnected(bob, "socket-1").await();
    Eventually.get(vertx, Duration.ofSeconds(10), () -> Future.succeededFuture(online(roomId, alice)),
      m -> Boolean.FALSE.equals(m.get(bob)));
  }

  private static JsonArray members(String roomId, String asUser) {
    HttpResponse<Buffer> r = api.get("/api/rooms/" + roomId + "/members", asUser);
    assertEquals(200, r.statusCode(), r.bodyAsString());
    return r.bodyAsJsonObject().getJsonArray("members");
  }

  private static Map<String, Boolean> online(String roomId, String asUser) {
    Map<String, Boolean> out = new HashMap<>();
    members(roomId, asUser).forEach(m -> {
      JsonObject member = (JsonObject) m;
      assertNotNull(member.getBoolean("online"));
      out.put(member.getString("userId"), member.getBoolean("online"));
    });
    return out;
  }

  @Test
  @DisplayName("a member added through the API is among the offline members of the very next message, and one who left is not")
  void fanoutSeesMembershipChangesAtOnce() {
    String alice = user();
    String bob = user();
    String roomId = api.createRoom(alice, "Cached");
    RoomWatch watch = RoomWatch.start(vertx, roomId);
    List<JsonObject> live = watch.live;
    List<JsonObject> notified = watch.notified;

    // The fan-out learns (and remembers) that alice is alone, then bob joins.
    String first = sendAndAwait(roomId, alice, "alone", live);
    assertEquals(204, api.put("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    String second = sendAndAwait(roomId, alice, "bob is here", live);
    assertEquals(204, api.delete("/api/rooms/" + roomId + "/members/" + bob, bob).statusCode());
    sendAndAwait(roomId, alice, "bob is gone", live);

    assertEquals(1, notified.size(), notified::toString);
    assertEquals(second, notified.get(0).getString("messageId"), "not " + first);
    assertEquals(List.of(bob), notified.get(0).getJsonArray("userIds").getList());
  }

  /** Sends as {@code senderId} and waits until the room got it; answers its id. */
  private static String sendAndAwait(String roomId, String senderId, String body, List<JsonObject> live) {
    String id = vertx.eventBus().<JsonObject>request(Addresses.SEND,
      new JsonObject().put("roomId", roomId).put("senderId", senderId).put("body", body)).await().body().getString("messageId");
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(live),
      l -> l.stream().anyMatch(m -> id.equals(m.getString("messageId"))));
    return id;
  }
}
