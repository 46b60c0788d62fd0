package chatapp.chat.gateway;

import chatapp.testing.Frames;
import chatapp.testing.BridgeClient;
import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.pipeline.KafkaSettings;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import chatapp.testing.Eventually;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static chatapp.testing.Frames.messageOn;
import static chatapp.testing.Frames.registeredOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Browser-side users on the SockJS bridge (its raw WebSocket transport, the bridge's own JSON
 * frames) against the real Kafka and CQL: chatting, the offline member handed to the notifier,
 * recovery after a reconnect, and a retried send.
 */
class SocketGatewayTest {

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

  /** A connected client registered for {@code room}, once the gateway says the registration is live. */
  static BridgeClient joined(String user, String roomId, JsonObject headers) {
    return joinedOn(fx, user, roomId, headers);
  }

  /** A client of {@code on}'s deployment, registered for {@code roomId} once the gateway says it is live. */
  static BridgeClient joinedOn(GatewayFixture on, String user, String roomId, JsonObject headers) {
    return BridgeClient.connect(on.vertx, on.httpPort, on.token(user)).await().join(Addresses.room(roomId), headers, WAIT);
  }

  static BridgeClient joinedOn(GatewayFixture on, String user, String roomId) {
    return joinedOn(on, user, roomId, new JsonObject());
  }

  static JsonObject send(BridgeClient c, String roomId, String body) {
    JsonObject reply = c.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", roomId).put("body", body));
    assertEquals("rec", reply.getString("type"), () -> "not acknowledged: " + reply);
    return reply.getJsonObject("body");
  }

  static List<String> ids(List<JsonObject> frames) {
    return Frames.messageIds(frames);
  }

  @Test
  @DisplayName("two members chat: a send is acknowledged with its id and time, and both sockets get it once, in order")
  void twoUsersChat() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    try (BridgeClient a = joined(alice, room, new JsonObject()); BridgeClient b = joined(bob, room, new JsonObject())) {
      JsonObject ack1 = send(a, room, "hello bob");
      JsonObject ack2 = send(b, room, "hi alice");
      assertNotNull(UUID.fromString(ack1.getString("messageId")));
      assertTrue(ack1.getLong("sentAt") > 0);
      for (BridgeClient c : List.of(a, b)) {
        List<JsonObject> got = c.frames.awaitCount(messageOn(Addresses.room(room)), 2, WAIT);
        assertEquals(List.of(ack1.getString("messageId"), ack2.getString("messageId")), ids(got));
        JsonObject first = got.get(0).getJsonObject("body");
        assertEquals(alice, first.getString("senderId"));
        assertEquals("hello bob", first.getString("body"));
        assertEquals(room, first.getString("roomId"));
      }
    }
  }

  @Test
  @DisplayName("a burst of sends, stored and published in batches, reaches every socket once each, in the room's order")
  void burstArrivesOnceEachInOrder() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    int n = 200;
    try (BridgeClient a = joined(alice, room, new JsonObject()); BridgeClient b = joined(bob, room, new JsonObject())) {
      // Not waiting for each ack: the consumer polls many of them at once, and the fan-out
      // publishes each poll's run of the room's messages as one event.
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        replies.add(a.sendAsync(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "burst " + i)));
      }
      List<UUID> acked = new ArrayList<>();
      for (String reply : replies) {
        JsonObject ack = a.frames.await(f -> reply.equals(f.getString("address")), WAIT);
        assertEquals("rec", ack.getString("type"), () -> "not acknowledged: " + ack);
        acked.add(UUID.fromString(ack.getJsonObject("body").getString("messageId")));
      }
      // One producer makes the ids (time-based, increasing) as it hands the records to Kafka:
      // the room's order is the ids' order.
      List<String> roomOrder = acked.stream().sorted(Comparator.comparingLong(UUID::timestamp)).map(UUID::toString).toList();
      // A last message fences the burst: whatever came twice would have come before it.
      String fence = send(b, room, "after the burst").getString("messageId");
      for (BridgeClient c : List.of(a, b)) {
        c.frames.await(f -> messageOn(address).test(f) && fence.equals(f.getJsonObject("body").getString("messageId")), WAIT);
        List<String> got = ids(c.frames.matching(messageOn(address)));
        assertEquals(n + 1, got.size(), "one frame per message, no copies");
        assertEquals(roomOrder, got.subList(0, n), "the room's order");
        assertEquals(fence, got.get(n));
      }
    }
  }

  @Test
  @DisplayName("a socket that unregisters from a room gets none of its messages while away; the user's other socket does, and so does the first once registered again")
  void unregisteredSocketStopsGettingTheRoom() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    try (BridgeClient a1 = joined(alice, room, new JsonObject()); BridgeClient a2 = joined(alice, room, new JsonObject());
         BridgeClient b = joined(bob, room, new JsonObject())) {
      a1.write(new JsonObject().put("type", "unregister").put("address", address));
      // A socket's frames are handled in order: this send is published after the unregister took effect.
      String away = send(a1, room, "while a1 is away").getString("messageId");
      a2.frames.await(f -> messageOn(address).test(f) && away.equals(f.getJsonObject("body").getString("messageId")), WAIT);
      a1.join(address, new JsonObject(), WAIT);
      String back = send(b, room, "a1 is back").getString("messageId");
      a1.frames.await(f -> messageOn(address).test(f) && back.equals(f.getJsonObject("body").getString("messageId")), WAIT);
      // Nothing of the room reached a1 between its unregister and its second registration. Once
      // registered again it gets the room in order. a1 and a2 may sit on different event loops,
      // each with the room's feed: a publish reaches them one after the other, and a1's may
      // register again before its loop hands it "away" - then it gets "away" too, before "back".
      List<JsonObject> frames = a1.frames.all();
      int registered = IntStream.range(0, frames.size()).filter(i -> registeredOn(address).test(frames.get(i))).skip(1)
        .findFirst().orElseThrow(() -> new AssertionError("no second registration on a1: " + frames));
      assertEquals(List.of(), ids(frames.subList(0, registered).stream().filter(messageOn(address)).toList()));
      List<String> afterwards = ids(frames.subList(registered, frames.size()).stream().filter(messageOn(address)).toList());
      assertTrue(afterwards.equals(List.of(back)) || afterwards.equals(List.of(away, back)), afterwards::toString);
      assertEquals(List.of(away, back), ids(a2.frames.awaitCount(messageOn(address), 2, WAIT)));
    }
  }

  @Test
  @DisplayName("a member with no socket open is handed to the notifier, the connected ones are not")
  void offlineMemberIsNotified() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String carol = GatewayFixture.user("carol");
    String room = fx.room(alice, bob, carol);
    try (BridgeClient a = joined(alice, room, new JsonObject()); BridgeClient b = joined(bob, room, new JsonObject())) {
      String id = send(a, room, "carol is away").getString("messageId");
      b.frames.await(f -> messageOn(Addresses.room(room)).test(f) && id.equals(f.getJsonObject("body").getString("messageId")), WAIT);
      JsonObject notice = notice(id);
      assertEquals(List.of(carol), notice.getJsonArray("userIds").getList());
      assertEquals(room, notice.getString("roomId"));
      assertEquals(alice, notice.getString("senderId"));
    }
  }

  @Test
  @DisplayName("presence changes reach the fan-out at once: who just left is notified of the next message, who just came is not")
  void presenceChangesReachTheFanoutAtOnce() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String carol = GatewayFixture.user("carol");
    String room = fx.room(alice, bob, carol);
    String address = Addresses.room(room);
    try (BridgeClient a = joined(alice, room, new JsonObject())) {
      BridgeClient b = joined(bob, room, new JsonObject());
      assertEquals(List.of(carol), notifiedOf(send(a, room, "one").getString("messageId")));
      b.close();
      a.frames.await(presence(address, bob, "offline"), WAIT);
      assertEquals(List.of(bob, carol), notifiedOf(send(a, room, "two").getString("messageId")).stream().sorted().toList());
      try (BridgeClient c = joined(carol, room, new JsonObject())) {
        a.frames.await(presence(address, carol, "online"), WAIT);
        assertEquals(List.of(bob), notifiedOf(send(a, room, "three").getString("messageId")));
      }
    }
  }

  private static java.util.function.Predicate<JsonObject> presence(String address, String user, String status) {
    return f -> address.equals(f.getString("address")) && f.getValue("body") instanceof JsonObject b
      && "presence".equals(b.getString("type")) && user.equals(b.getString("userId")) && status.equals(b.getString("status"));
  }

  /** What the fan-out handed to the notifier for {@code messageId}, once it did. */
  private static JsonObject notice(String messageId) {
    return Eventually.find(fx.vertx, WAIT, () -> io.vertx.core.Future.succeededFuture(
      fx.notified().stream().filter(n -> messageId.equals(n.getString("messageId"))).findFirst().orElse(null)));
  }

  /** The users the fan-out handed to the notifier for {@code messageId}, once it did. */
  private static List<Object> notifiedOf(String messageId) {
    return notice(messageId).getJsonArray("userIds").getList();
  }

  @Test
  @DisplayName("a client that reconnects with the last id it saw gets every missed message in order, then the live ones, without a gap or a duplicate")
  void reconnectRecoversWithoutGapOrDuplicate() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    try (BridgeClient b = joined(bob, room, new JsonObject())) {
      String lastSeen;
      try (BridgeClient a = joined(alice, room, new JsonObject())) {
        for (int i = 1; i <= 3; i++) {
          send(b, room, "before " + i);
        }
        lastSeen = ids(a.frames.awaitCount(messageOn(address), 3, WAIT)).get(2);
      }
      List<String> expected = new ArrayList<>();
      for (int i = 4; i <= 8; i++) {
        expected.add(send(b, room, "while away " + i).getString("messageId"));
      }
      // More sends race the reconnect: some are stored before the recovery reads, some after.
      List<String> racing = new ArrayList<>();
      for (int i = 9; i <= 20; i++) {
        racing.add(b.sendAsync(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "racing " + i)));
      }
      try (BridgeClient a2 = joined(alice, room, new JsonObject().put("lastMessageId", lastSeen))) {
        for (String replyAddress : racing) {
          JsonObject ack = b.frames.await(f -> replyAddress.equals(f.getString("address")), WAIT);
          expected.add(ack.getJsonObject("body").getString("messageId"));
        }
        // A last message after everything: once it is in, nothing earlier can still come.
        expected.add(send(b, room, "after").getString("messageId"));
        List<JsonObject> got = a2.frames.awaitCount(messageOn(address), expected.size(), WAIT);
        String marker = expected.get(expected.size() - 1);
        assertEquals(marker, ids(got).get(ids(got).size() - 1), () -> "the last message arrives last; expected " + expected
          + ", got " + got.stream().map(f -> f.getJsonObject("body").getString("body") + "=" + f.getJsonObject("body").getString("messageId")).toList());
        assertEquals(expected, ids(got));
      }
    }
  }

  @Test
  @DisplayName("recovery resumes in the room's Kafka order, where two nodes' messages can come in the other order than their ids")
  void recoveryFollowsTheRoomsOrderNotTheIds() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    String address = Addresses.room(room);
    // Node Y accepted "late" a moment after node X accepted "early", but sent it to Kafka first:
    // the room's order is [late, early], the ids' is [early, late].
    UUID earlyId = Uuids.timeBased();
    UUID lateId = Uuids.timeBased();
    JsonObject kafka = fx.config.getJsonObject("kafka");
    KafkaProducer<String, String> producer = KafkaProducer.create(fx.vertx, KafkaSettings.producer(kafka));
    try {
      for (ChatMessage m : List.of(new ChatMessage(room, lateId, bob, "late id, first in Kafka", Uuids.unixTimestamp(lateId)),
        new ChatMessage(room, earlyId, bob, "early id, second in Kafka", Uuids.unixTimestamp(earlyId)))) {
        producer.send(KafkaProducerRecord.create(kafka.getString("topic"), room, m.toJson().encode())).await();
      }
    } finally {
      producer.close().await();
    }
    Eventually.get(fx.vertx, WAIT, () -> fx.messages.newest(room, 10), stored -> stored.size() == 2);

    // Alice saw "late", then dropped: she missed "early".
    String next;
    try (BridgeClient a = joined(alice, room, new JsonObject().put("lastMessageId", lateId.toString()))) {
      next = send(a, room, "next").getString("messageId");
      assertEquals(List.of(earlyId.toString(), next), ids(a.frames.awaitCount(messageOn(address), 2, WAIT)),
        "what came after her last message in the room, then the live one");
    }
    // Bob saw both, "early" last: he missed only Alice's "next"; "late" is not sent again.
    try (BridgeClient b = joined(bob, room, new JsonObject().put("lastMessageId", earlyId.toString()))) {
      String again = send(b, room, "next again").getString("messageId");
      assertEquals(List.of(next, again), ids(b.frames.awaitCount(messageOn(address), 2, WAIT)));
    }
  }

  @Test
  @DisplayName("a send retried with the same clientMsgId gets the same message id and is stored and delivered once")
  void retriedSendIsDeduplicated() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    try (BridgeClient a = joined(alice, room, new JsonObject()); BridgeClient b = joined(bob, room, new JsonObject())) {
      JsonObject frame = new JsonObject().put("roomId", room).put("body", "only once").put("clientMsgId", "c-" + UUID.randomUUID());
      // Two copies in flight at once (a retry before the first ack), then one more after the ack.
      String r1 = a.sendAsync(Addresses.CLIENT_SEND, frame);
      String r2 = a.sendAsync(Addresses.CLIENT_SEND, frame);
      JsonObject ack1 = a.frames.await(f -> r1.equals(f.getString("address")), WAIT).getJsonObject("body");
      JsonObject ack2 = a.frames.await(f -> r2.equals(f.getString("address")), WAIT).getJsonObject("body");
      JsonObject ack3 = a.request(Addresses.CLIENT_SEND, frame).getJsonObject("body");
      assertEquals(ack1.getString("messageId"), ack2.getString("messageId"));
      assertEquals(ack1.getString("messageId"), ack3.getString("messageId"));
      assertEquals(frame.getString("clientMsgId"), ack1.getString("clientMsgId"));
      String marker = send(a, room, "marker").getString("messageId");
      List<JsonObject> got = b.frames.awaitCount(messageOn(Addresses.room(room)), 2, WAIT);
      assertEquals(List.of(ack1.getString("messageId"), marker), ids(got));
      List<ChatMessage> stored = Eventually.get(fx.vertx, WAIT, () -> fx.messages.newest(room, 10), l -> l.size() >= 2);
      assertEquals(1, stored.stream().filter(m -> m.body().equals("only once")).count());
    }
  }

  @Test
  @DisplayName("a header naming another user changes nothing: the message is the socket owner's")
  void headersCannotChangeTheSender() {
    String alice = GatewayFixture.user("alice");
    String bob = GatewayFixture.user("bob");
    String room = fx.room(alice, bob);
    try (BridgeClient a = joined(alice, room, new JsonObject())) {
      JsonObject reply = a.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", room).put("body", "who am I"),
        new JsonObject().put(BridgeRules.USER_HEADER, bob));
      String id = reply.getJsonObject("body").getString("messageId");
      JsonObject delivered = a.frames.await(f -> messageOn(Addresses.room(room)).test(f)
        && id.equals(f.getJsonObject("body").getString("messageId")), WAIT).getJsonObject("body");
      assertEquals(alice, delivered.getString("senderId"));
      assertFalse(fx.messages.newest(room, 10).await().stream().anyMatch(m -> m.senderId().equals(bob)));
    }
  }
}
